package io.rpcvertx;

import io.vertx.core.Future;

/**
 * Intercepts server-streaming RPCs (grpc.aio {@code UnaryStreamClientInterceptor}). See {@link ClientInterceptor} for
 * ordering, threading and failures.
 *
 * <pre>{@code
 * class Audit implements UnaryStreamClientInterceptor {
 *     public <Req, Resp> Future<UnaryStreamCall<Req, Resp>> interceptUnaryStream(
 *             Continuation<Req, Resp> continuation, ClientCallDetails details, Req request) {
 *         // AuditingStream: your ReadStream<Resp> that wraps call.responses() and records each message
 *         return continuation.call(details, request)
 *             .map(call -> UnaryStreamCall.withResponses(call, new AuditingStream<>(call.responses())));
 *     }
 * }
 * }</pre>
 */
public interface UnaryStreamClientInterceptor extends ClientInterceptor {
    /**
     * Intercepts one RPC (aio {@code intercept_unary_stream}).
     *
     * @param continuation runs the next interceptor, or starts the RPC; may be given replaced details or request
     * @return the call the application sees: usually the continuation's, or one made with
     *     {@link UnaryStreamCall#withResponses} to replace its response stream (aio: returning an async iterator)
     */
    <Req, Resp> Future<UnaryStreamCall<Req, Resp>> interceptUnaryStream(
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
        Future<UnaryStreamCall<Req, Resp>> call(ClientCallDetails details, Req request);
    }
}
