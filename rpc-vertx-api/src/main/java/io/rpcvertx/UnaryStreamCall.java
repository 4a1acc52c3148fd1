package io.rpcvertx;

/**
 * A server-streaming RPC: one request, a stream of responses.
 *
 * @param <Req> the request type
 * @param <Resp> the response type
 */
public interface UnaryStreamCall<Req, Resp> extends Call, ResponseStream<Resp> {}
