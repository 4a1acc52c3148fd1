package io.rpcvertx;

import io.vertx.core.Future;
import io.vertx.core.streams.WriteStream;

/**
 * Writing a stream of request messages (grpc.aio {@code write}/{@code done_writing}).
 *
 * <p>Backpressure: {@link #write(Object)} completes when the message is accepted under HTTP/2 flow control, so
 * awaiting each write paces the sender. A sender that does not wait is bounded by the write buffer: once 16 MiB wait
 * for the stream (before it opens, or after {@code writeQueueFull()}), further writes fail with
 * {@link IllegalStateException} instead of growing memory. The {@link WriteStream} view honours
 * {@code writeQueueFull()} and {@code drainHandler}, so {@code readStream.pipeTo(call.requests())} works end to end.
 *
 * @param <T> the message type
 */
public interface RequestStream<T> {
    /**
     * Sends one message. Fails with {@link IllegalStateException} after {@link #doneWriting()}, and with the call's
     * {@link RpcException} once the call has ended.
     */
    Future<Void> write(T message);

    /** Half-closes the request side: no more messages will be sent. Idempotent. */
    Future<Void> doneWriting();

    /** A {@link WriteStream} view; its {@code end()} is {@link #doneWriting()}. The same instance on every call. */
    WriteStream<T> requests();
}
