package io.rpcvertx;

/**
 * A bidirectional-streaming RPC.
 *
 * @param <Req> the request type
 * @param <Resp> the response type
 */
public interface StreamStreamCall<Req, Resp> extends Call, RequestStream<Req>, ResponseStream<Resp> {}
