package io.rpcvertx;

/**
 * Starts server-streaming RPCs of one method. Thread-safe and reusable.
 *
 * @param <Req> the request type
 * @param <Resp> the response type
 */
public interface UnaryStreamMultiCallable<Req, Resp> {
    /** Starts an RPC with default options. */
    default UnaryStreamCall<Req, Resp> call(Req request) {
        return call(request, CallOptions.DEFAULT);
    }

    /** Starts an RPC. */
    UnaryStreamCall<Req, Resp> call(Req request, CallOptions options);
}
