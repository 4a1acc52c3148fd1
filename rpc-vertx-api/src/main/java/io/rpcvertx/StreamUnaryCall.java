package io.rpcvertx;

import io.vertx.core.Future;

/**
 * A client-streaming RPC: a stream of requests, one response.
 *
 * @param <Req> the request type
 * @param <Resp> the response type
 */
public interface StreamUnaryCall<Req, Resp> extends Call, RequestStream<Req> {
    /** The response; fails with {@link RpcException} unless the call ends OK. */
    Future<Resp> response();
}
