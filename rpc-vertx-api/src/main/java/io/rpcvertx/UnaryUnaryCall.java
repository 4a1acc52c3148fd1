package io.rpcvertx;

import io.vertx.core.Future;

/**
 * A unary RPC: one request, one response.
 *
 * <pre>{@code
 * stub.sayHello(request).response().onSuccess(reply -> ...);
 * }</pre>
 *
 * @param <Req> the request type
 * @param <Resp> the response type
 */
public interface UnaryUnaryCall<Req, Resp> extends Call {
    /** The response (aio {@code await call}); fails with {@link RpcException} unless the call ends OK. */
    Future<Resp> response();

    /**
     * A call that is {@code call} except for its response, for interceptors (grpc.aio: an interceptor returning a
     * response value instead of the call). Metadata, status, cancellation and done callbacks are {@code call}'s;
     * {@link #response()} is {@code response}, completing on the context this method was called on.
     *
     * @throws IllegalStateException if not called on a Vert.x thread (interceptors run on one)
     */
    static <Req, Resp> UnaryUnaryCall<Req, Resp> withResponse(UnaryUnaryCall<Req, ?> call, Future<Resp> response) {
        return RpcVertx.provider().unaryUnaryWithResponse(call, response);
    }
}
