package io.rpcvertx;

import io.vertx.core.Future;
import io.vertx.core.streams.ReadStream;
import java.util.Optional;

/**
 * Reading a stream of messages, in one of two styles that must not be mixed on one RPC (doing so throws
 * {@link IllegalStateException}):
 *
 * <ul>
 *   <li>push: a {@link ReadStream} view ({@code handler}, {@code pause}/{@code resume}/{@code fetch},
 *       {@code endHandler} at a clean end, {@code exceptionHandler} with an {@link RpcException} otherwise);
 *   <li>pull: {@link #read()} returning one message at a time, {@code Optional.empty()} at a clean end.
 * </ul>
 *
 * <p>Backpressure: only messages asked for (a handler without pause, {@code fetch(n)}, or a pending {@code read()})
 * are taken from the transport; while the reader does not ask, at most a small buffer of messages is held and the
 * HTTP/2 window is not re-opened, so the sender is held back.
 *
 * @param <T> the message type
 */
public interface ResponseStream<T> {
    /**
     * The next message; {@code Optional.empty()} once the stream has ended cleanly; a failed future with
     * {@link RpcException} if it ended with an error. Only one read may be outstanding.
     */
    Future<Optional<T>> read();

    /** The push view of the same messages. The same instance on every call. */
    ReadStream<T> responses();
}
