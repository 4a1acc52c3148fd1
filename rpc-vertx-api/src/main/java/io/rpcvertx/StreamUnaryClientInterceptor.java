package io.rpcvertx;

import io.vertx.core.Future;

/**
 * Intercepts client-streaming RPCs (grpc.aio {@code StreamUnaryClientInterceptor}). See {@link ClientInterceptor} for
 * ordering, threading and failures.
 *
 * <p>The application's request messages go to the call the interceptor returns, in order; messages written before it
 * exists are queued. To observe or change requests, return a call whose {@code write} does so.
 */
public interface StreamUnaryClientInterceptor extends ClientInterceptor {
    /**
     * Intercepts one RPC (aio {@code intercept_stream_unary}).
     *
     * @param continuation runs the next interceptor, or starts the RPC; may be given replaced details
     * @return the call the application sees and writes to: usually the continuation's, or one made with
     *     {@link StreamUnaryCall#withResponse} to replace its response
     */
    <Req, Resp> Future<StreamUnaryCall<Req, Resp>> interceptStreamUnary(
            Continuation<Req, Resp> continuation, ClientCallDetails details);

    /**
     * The rest of the chain.
     *
     * @param <Req> the request type
     * @param <Resp> the response type
     */
    @FunctionalInterface
    interface Continuation<Req, Resp> {
        /** Runs the next interceptor (or starts the RPC) with these details. */
        Future<StreamUnaryCall<Req, Resp>> call(ClientCallDetails details);
    }
}
