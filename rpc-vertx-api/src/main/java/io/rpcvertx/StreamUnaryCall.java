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

    /**
     * A call that is {@code call} except for its response, for interceptors. Writes, metadata, status, cancellation
     * and done callbacks are {@code call}'s; {@link #response()} is {@code response}, completing on the context this
     * method was called on.
     *
     * @throws IllegalStateException if not called on a Vert.x thread (interceptors run on one)
     */
    static <Req, Resp> StreamUnaryCall<Req, Resp> withResponse(StreamUnaryCall<Req, ?> call, Future<Resp> response) {
        return RpcVertx.provider().streamUnaryWithResponse(call, response);
    }
}
