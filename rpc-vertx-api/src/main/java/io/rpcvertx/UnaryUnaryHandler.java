package io.rpcvertx;

import io.vertx.core.Future;

/**
 * Serves a unary method: one request in, a future response out.
 *
 * <p>Runs on the call's event loop and must not block. The call ends when the future completes: with the response
 * and {@link StatusCode#OK} (or the code set on the context), with the status of a failing {@link RpcException}, or
 * with {@link StatusCode#UNKNOWN} for any other failure (logged here; no stack trace goes to the peer).
 */
@FunctionalInterface
public interface UnaryUnaryHandler<Req, Resp> {
    Future<Resp> handle(Req request, ServicerContext<Req, Resp> context);
}
