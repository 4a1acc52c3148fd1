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
}
