package io.rpcvertx;

import io.vertx.core.Future;

/**
 * Intercepts unary RPCs (grpc.aio {@code UnaryUnaryClientInterceptor}). See {@link ClientInterceptor} for ordering,
 * threading and failures.
 *
 * <pre>{@code
 * class Auth implements UnaryUnaryClientInterceptor {
 *     public <Req, Resp> Future<UnaryUnaryCall<Req, Resp>> interceptUnaryUnary(
 *             Continuation<Req, Resp> continuation, ClientCallDetails details, Req request) {
 *         Metadata md = details.metadata().toBuilder().add("authorization", "Bearer " + token).build();
 *         return continuation.call(details.withMetadata(md), request);
 *     }
 * }
 * }</pre>
 */
public interface UnaryUnaryClientInterceptor extends ClientInterceptor {
    /**
     * Intercepts one RPC (aio {@code intercept_unary_unary}).
     *
     * @param continuation runs the next interceptor, or starts the RPC; may be given replaced details or request
     * @return the call the application sees: usually the continuation's, or one made with
     *     {@link UnaryUnaryCall#withResponse} to replace its response
     */
    <Req, Resp> Future<UnaryUnaryCall<Req, Resp>> interceptUnaryUnary(
            Continuation<Req, Resp> continuation, ClientCallDetails details, Req request);

    /**
     * The rest of the chain.
     *
     * @param <Req> the request type
     * @param <Resp> the response type
     */
    @FunctionalInterface
    interface Continuation<Req, Resp> {
        /** Runs the next interceptor (or starts the RPC) with these details and request. */
        Future<UnaryUnaryCall<Req, Resp>> call(ClientCallDetails details, Req request);
    }
}
