package io.rpcvertx;

import io.vertx.core.Future;
import java.util.Optional;

/**
 * Intercepts every incoming RPC before its handler runs (grpc.aio {@code ServerInterceptor.intercept_service}).
 * Registered with {@link ServerOptions#withInterceptors}; the first one registered is the outermost, as in grpc.aio.
 *
 * <p>As in grpc.aio, interceptors run before the handler lookup: the innermost continuation looks the method up in
 * the registered {@link GenericRpcHandler}s and answers empty for an unknown method. An interceptor may:
 *
 * <ul>
 *   <li>pass the call on: {@code return continuation.apply(details);}
 *   <li>pass values to the handler: {@code continuation.apply(details.withValue(KEY, value))}, read there with
 *       {@link ServicerContext#get};
 *   <li>reject it before any handler runs: return a future failed with an {@link RpcException}; the client gets that
 *       status (with its trailing metadata) in a trailers-only response;
 *   <li>wrap or replace the handler: map the continuation's answer, or answer its own {@link RpcMethodHandler}
 *       without calling the continuation; {@link RpcMethodHandler#withMessageInterceptor} adds per-message hooks.
 * </ul>
 *
 * <p>Threading: {@code interceptService} and the continuation run on the call's event loop and must not block; a
 * continuation called from another thread hops there. The returned future may complete on any thread.
 *
 * <p>Outcome of the returned future: a handler runs the call with it; empty ends the call with
 * {@link StatusCode#UNIMPLEMENTED}; a failure with an {@link RpcException} ends it with that status; any other failure
 * (or an exception thrown by {@code interceptService}) ends it with {@link StatusCode#UNKNOWN} and is logged. The
 * call's deadline runs while interceptors work; if the call is cancelled or its deadline passes first, the outcome is
 * ignored.
 *
 * <pre>{@code
 * ServerInterceptor auth = (continuation, details) -> {
 *     Optional<String> header = details.invocationMetadata().get("authorization");
 *     if (header.isEmpty() || !header.get().equals("Bearer " + expectedToken)) {
 *         return Future.failedFuture(new RpcException(StatusCode.UNAUTHENTICATED, "invalid token"));
 *     }
 *     return continuation.apply(details);
 * };
 * Server server = RpcVertx.server(vertx, ServerOptions.DEFAULT.withInterceptors(auth));
 * }</pre>
 */
@FunctionalInterface
public interface ServerInterceptor {
    /**
     * Intercepts one call.
     *
     * @param continuation runs the rest of the chain (inner interceptors, then the handler lookup)
     * @param details the method, request metadata and the values added by outer interceptors
     * @return the handler to run, or empty for {@link StatusCode#UNIMPLEMENTED}
     */
    Future<Optional<RpcMethodHandler<?, ?>>> interceptService(Continuation continuation, HandlerCallDetails details);

    /** The rest of the interceptor chain, ending with the handler lookup (grpc.aio's {@code continuation}). */
    @FunctionalInterface
    interface Continuation {
        /**
         * Runs the inner interceptors and then looks up the handler for {@code details}.
         *
         * @return the handler, or empty when no registered handler serves the method
         */
        Future<Optional<RpcMethodHandler<?, ?>>> apply(HandlerCallDetails details);
    }
}
