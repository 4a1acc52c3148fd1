package io.rpcvertx.impl.transport;

import io.vertx.core.Future;

/**
 * One HTTP/2 connection of a channel, as the channel's admission, load balancing and keepalive see it, whatever
 * HTTP/2 implementation carries it. Owner context (the channel's event loop) only; events are delivered there.
 */
public interface ClientConnection {
    /** How many streams may be open on it at once (the peer's SETTINGS_MAX_CONCURRENT_STREAMS, or our own limit). */
    long maxActiveStreams();

    /** Closes it: a GOAWAY, then the socket. Completes when the socket is closed. */
    Future<Void> close();

    /** Sends a PING with {@code data}; completes when the peer acknowledged it, fails if the connection closes first. */
    Future<?> ping(long data);

    /** Where its events go; set once, right after it connected. */
    void events(Events events);

    /** The connection's events, on the owner context. */
    interface Events {
        /** The peer sent GOAWAY ({@code lastStreamId}) or shuts down ({@code -1}: no stream id known). */
        void onGoAway(int lastStreamId);

        /** The peer's SETTINGS arrived (stream slots may have changed). */
        void onRemoteSettings();

        /** A connection-level error (logged as the channel's last error). */
        void onError(Throwable failure);

        /** The socket closed. */
        void onClosed();
    }
}
