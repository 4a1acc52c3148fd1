package io.rpcvertx;

import java.time.Duration;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * Server options: grpc.aio's {@code aio.server(...)} keyword arguments ({@code maximum_concurrent_rpcs},
 * {@code compression}, {@code options=}) as an immutable value.
 */
public final class ServerOptions {
    /** Streams a client may open at once on one connection (HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS). */
    public static final int DEFAULT_MAX_CONCURRENT_STREAMS = 4096;
    /**
     * Peer RST_STREAM frames tolerated per {@link #DEFAULT_RST_FLOOD_WINDOW} before the connection is closed. Vert.x's
     * own default (200 per 30 s) kills connections under ordinary cancellation load.
     */
    public static final int DEFAULT_RST_FLOOD_MAX_FRAMES = 100_000;
    /** The window of {@link #DEFAULT_RST_FLOOD_MAX_FRAMES}. */
    public static final Duration DEFAULT_RST_FLOOD_WINDOW = Duration.ofSeconds(30);

    /** All defaults. */
    public static final ServerOptions DEFAULT = new ServerOptions(
            ChannelOptions.DEFAULT_MAX_RECEIVE_MESSAGE_LENGTH,
            -1,
            Compression.NO_COMPRESSION,
            -1,
            1,
            DEFAULT_MAX_CONCURRENT_STREAMS,
            ChannelOptions.DEFAULT_WINDOW_SIZE,
            ChannelOptions.DEFAULT_WINDOW_SIZE,
            DEFAULT_RST_FLOOD_MAX_FRAMES,
            DEFAULT_RST_FLOOD_WINDOW);

    private final int maxReceiveMessageLength;
    private final int maxSendMessageLength;
    private final Compression compression;
    private final int maximumConcurrentRpcs;
    private final int ioInstances;
    private final int maxConcurrentStreams;
    private final int initialWindowSize;
    private final int connectionWindowSize;
    private final int rstFloodMaxFrames;
    private final Duration rstFloodWindow;

    private ServerOptions(
            int maxReceiveMessageLength,
            int maxSendMessageLength,
            Compression compression,
            int maximumConcurrentRpcs,
            int ioInstances,
            int maxConcurrentStreams,
            int initialWindowSize,
            int connectionWindowSize,
            int rstFloodMaxFrames,
            Duration rstFloodWindow) {
        this.maxReceiveMessageLength = maxReceiveMessageLength;
        this.maxSendMessageLength = maxSendMessageLength;
        this.compression = compression;
        this.maximumConcurrentRpcs = maximumConcurrentRpcs;
        this.ioInstances = ioInstances;
        this.maxConcurrentStreams = maxConcurrentStreams;
        this.initialWindowSize = initialWindowSize;
        this.connectionWindowSize = connectionWindowSize;
        this.rstFloodMaxFrames = rstFloodMaxFrames;
        this.rstFloodWindow = rstFloodWindow;
    }

    private ServerOptions copy(
            int maxReceive,
            int maxSend,
            Compression compression,
            int maxRpcs,
            int io,
            int streams,
            int window,
            int connWindow,
            int rstMax,
            Duration rstWindow) {
        return new ServerOptions(
                maxReceive, maxSend, compression, maxRpcs, io, streams, window, connWindow, rstMax, rstWindow);
    }

    /** A copy with this receive limit in bytes (-1: unlimited); larger requests end RESOURCE_EXHAUSTED. */
    public ServerOptions withMaxReceiveMessageLength(int bytes) {
        ChannelOptions.checkLimit("maxReceiveMessageLength", bytes);
        return copy(
                bytes,
                maxSendMessageLength,
                compression,
                maximumConcurrentRpcs,
                ioInstances,
                maxConcurrentStreams,
                initialWindowSize,
                connectionWindowSize,
                rstFloodMaxFrames,
                rstFloodWindow);
    }

    /** A copy with this send limit in bytes (-1, the default: unlimited); larger responses end RESOURCE_EXHAUSTED. */
    public ServerOptions withMaxSendMessageLength(int bytes) {
        ChannelOptions.checkLimit("maxSendMessageLength", bytes);
        return copy(
                maxReceiveMessageLength,
                bytes,
                compression,
                maximumConcurrentRpcs,
                ioInstances,
                maxConcurrentStreams,
                initialWindowSize,
                connectionWindowSize,
                rstFloodMaxFrames,
                rstFloodWindow);
    }

    /** A copy compressing responses with this algorithm when the client accepts it (aio {@code compression=}). */
    public ServerOptions withCompression(Compression compression) {
        Objects.requireNonNull(compression, "compression");
        return copy(
                maxReceiveMessageLength,
                maxSendMessageLength,
                compression,
                maximumConcurrentRpcs,
                ioInstances,
                maxConcurrentStreams,
                initialWindowSize,
                connectionWindowSize,
                rstFloodMaxFrames,
                rstFloodWindow);
    }

    /**
     * A copy admitting at most this many RPCs at once, server-wide (aio {@code maximum_concurrent_rpcs}); further
     * calls end at once with {@link StatusCode#RESOURCE_EXHAUSTED}.
     */
    public ServerOptions withMaximumConcurrentRpcs(int rpcs) {
        if (rpcs < 1) {
            throw new IllegalArgumentException("maximumConcurrentRpcs: " + rpcs + " (expected: > 0)");
        }
        return copy(
                maxReceiveMessageLength,
                maxSendMessageLength,
                compression,
                rpcs,
                ioInstances,
                maxConcurrentStreams,
                initialWindowSize,
                connectionWindowSize,
                rstFloodMaxFrames,
                rstFloodWindow);
    }

    /** A copy serving each port from this many IO verticles, each on its own event loop. */
    public ServerOptions withIoInstances(int instances) {
        if (instances < 1) {
            throw new IllegalArgumentException("ioInstances: " + instances + " (expected: > 0)");
        }
        return copy(
                maxReceiveMessageLength,
                maxSendMessageLength,
                compression,
                maximumConcurrentRpcs,
                instances,
                maxConcurrentStreams,
                initialWindowSize,
                connectionWindowSize,
                rstFloodMaxFrames,
                rstFloodWindow);
    }

    /** A copy advertising this HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS. */
    public ServerOptions withMaxConcurrentStreams(int streams) {
        if (streams < 1) {
            throw new IllegalArgumentException("maxConcurrentStreams: " + streams + " (expected: > 0)");
        }
        return copy(
                maxReceiveMessageLength,
                maxSendMessageLength,
                compression,
                maximumConcurrentRpcs,
                ioInstances,
                streams,
                initialWindowSize,
                connectionWindowSize,
                rstFloodMaxFrames,
                rstFloodWindow);
    }

    /** A copy with this HTTP/2 per-stream receive window in bytes. */
    public ServerOptions withInitialWindowSize(int bytes) {
        ChannelOptions.checkWindow("initialWindowSize", bytes);
        return copy(
                maxReceiveMessageLength,
                maxSendMessageLength,
                compression,
                maximumConcurrentRpcs,
                ioInstances,
                maxConcurrentStreams,
                bytes,
                connectionWindowSize,
                rstFloodMaxFrames,
                rstFloodWindow);
    }

    /** A copy with this HTTP/2 connection receive window in bytes. */
    public ServerOptions withConnectionWindowSize(int bytes) {
        ChannelOptions.checkWindow("connectionWindowSize", bytes);
        return copy(
                maxReceiveMessageLength,
                maxSendMessageLength,
                compression,
                maximumConcurrentRpcs,
                ioInstances,
                maxConcurrentStreams,
                initialWindowSize,
                bytes,
                rstFloodMaxFrames,
                rstFloodWindow);
    }

    /** A copy tolerating this many peer RST_STREAM frames per window before closing the connection. */
    public ServerOptions withRstFloodLimit(int maxFrames, Duration window) {
        Objects.requireNonNull(window, "window");
        if (maxFrames < 1) {
            throw new IllegalArgumentException("maxFrames: " + maxFrames + " (expected: > 0)");
        }
        if (window.toSeconds() < 1) {
            throw new IllegalArgumentException("window: " + window + " (expected: >= 1 s)");
        }
        return copy(
                maxReceiveMessageLength,
                maxSendMessageLength,
                compression,
                maximumConcurrentRpcs,
                ioInstances,
                maxConcurrentStreams,
                initialWindowSize,
                connectionWindowSize,
                maxFrames,
                window);
    }

    /** The receive limit in bytes, -1 for unlimited. */
    public int maxReceiveMessageLength() {
        return maxReceiveMessageLength;
    }

    /** The send limit in bytes, -1 for unlimited. */
    public int maxSendMessageLength() {
        return maxSendMessageLength;
    }

    /** The default response compression. */
    public Compression compression() {
        return compression;
    }

    /** The server-wide RPC limit, if set. */
    public OptionalInt maximumConcurrentRpcs() {
        return maximumConcurrentRpcs < 0 ? OptionalInt.empty() : OptionalInt.of(maximumConcurrentRpcs);
    }

    /** IO verticles per server. */
    public int ioInstances() {
        return ioInstances;
    }

    /** The advertised SETTINGS_MAX_CONCURRENT_STREAMS. */
    public int maxConcurrentStreams() {
        return maxConcurrentStreams;
    }

    /** The HTTP/2 per-stream receive window. */
    public int initialWindowSize() {
        return initialWindowSize;
    }

    /** The HTTP/2 connection receive window. */
    public int connectionWindowSize() {
        return connectionWindowSize;
    }

    /** RST_STREAM frames tolerated per {@link #rstFloodWindow()}. */
    public int rstFloodMaxFrames() {
        return rstFloodMaxFrames;
    }

    /** The RST flood window. */
    public Duration rstFloodWindow() {
        return rstFloodWindow;
    }
}
