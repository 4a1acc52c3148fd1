package io.rpcvertx;

/**
 * Starts unary RPCs of one method (grpc.aio {@code UnaryUnaryMultiCallable}). Thread-safe and reusable.
 *
 * @param <Req> the request type
 * @param <Resp> the response type
 */
public interface UnaryUnaryMultiCallable<Req, Resp> {
    /** Starts an RPC with default options. */
    default UnaryUnaryCall<Req, Resp> call(Req request) {
        return call(request, CallOptions.DEFAULT);
    }

    /** Starts an RPC; the returned call is live at once and its futures complete on the caller's context. */
    UnaryUnaryCall<Req, Resp> call(Req request, CallOptions options);
}
