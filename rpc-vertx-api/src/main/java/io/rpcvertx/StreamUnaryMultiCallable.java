package io.rpcvertx;

import io.vertx.core.streams.ReadStream;

/**
 * Starts client-streaming RPCs of one method. Thread-safe and reusable.
 *
 * @param <Req> the request type
 * @param <Resp> the response type
 */
public interface StreamUnaryMultiCallable<Req, Resp> {
    /** Starts an RPC whose requests are written through the call. */
    default StreamUnaryCall<Req, Resp> call() {
        return call(CallOptions.DEFAULT);
    }

    /** Starts an RPC whose requests are written through the call. */
    StreamUnaryCall<Req, Resp> call(CallOptions options);

    /**
     * Starts an RPC whose requests are piped from {@code requests} with backpressure; the request side is
     * half-closed when the stream ends. If the stream fails, the call is cancelled.
     */
    StreamUnaryCall<Req, Resp> call(ReadStream<Req> requests, CallOptions options);
}
