package io.rpcvertx;

import io.vertx.core.ThreadingModel;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.function.Consumer;

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

    /** The name of the blocking handlers' worker pool (its threads are named after it). */
    public static final String DEFAULT_BLOCKING_POOL_NAME = "rpc-vertx-blocking";
    /** Threads of the blocking handlers' worker pool (Vert.x's default worker pool size). */
    public static final int DEFAULT_BLOCKING_POOL_SIZE = 20;

    /** All defaults. */
    public static final ServerOptions DEFAULT = new ServerOptions(new Values());

    /** The mutable twin used only while copying; every field has its default here. */
    private static final class Values implements Cloneable {
        int maxReceiveMessageLength = ChannelOptions.DEFAULT_MAX_RECEIVE_MESSAGE_LENGTH;
        int maxSendMessageLength = -1;
        Compression compression = Compression.NO_COMPRESSION;
        List<ServerInterceptor> interceptors = List.of();
        String blockingPoolName = DEFAULT_BLOCKING_POOL_NAME;
        int blockingPoolSize = DEFAULT_BLOCKING_POOL_SIZE;
        ThreadingModel blockingThreadingModel = ThreadingModel.WORKER;
        int maximumConcurrentRpcs = -1;
        int ioInstances = 1;
        int maxConcurrentStreams = DEFAULT_MAX_CONCURRENT_STREAMS;
        int initialWindowSize = ChannelOptions.DEFAULT_WINDOW_SIZE;
        int connectionWindowSize = ChannelOptions.DEFAULT_WINDOW_SIZE;
        int rstFloodMaxFrames = DEFAULT_RST_FLOOD_MAX_FRAMES;
        Duration rstFloodWindow = DEFAULT_RST_FLOOD_WINDOW;
        TlsEngine tlsEngine = TlsEngine.AUTO;

        @Override
        protected Values clone() {
            try {
                return (Values) super.clone();
            } catch (CloneNotSupportedException e) {
                throw new AssertionError(e);
            }
        }
    }

    private final Values v;

    private ServerOptions(Values v) {
        this.v = v;
    }

    private ServerOptions with(Consumer<Values> change) {
        Values copy = v.clone();
        change.accept(copy);
        return new ServerOptions(copy);
    }

    /** A copy with this receive limit in bytes (-1: unlimited); larger requests end RESOURCE_EXHAUSTED. */
    public ServerOptions withMaxReceiveMessageLength(int bytes) {
        ChannelOptions.checkLimit("maxReceiveMessageLength", bytes);
        return with(c -> c.maxReceiveMessageLength = bytes);
    }

    /** A copy with this send limit in bytes (-1, the default: unlimited); larger responses end RESOURCE_EXHAUSTED. */
    public ServerOptions withMaxSendMessageLength(int bytes) {
        ChannelOptions.checkLimit("maxSendMessageLength", bytes);
        return with(c -> c.maxSendMessageLength = bytes);
    }

    /** A copy compressing responses with this algorithm when the client accepts it (aio {@code compression=}). */
    public ServerOptions withCompression(Compression compression) {
        Objects.requireNonNull(compression, "compression");
        return with(c -> c.compression = compression);
    }

    /**
     * A copy with these interceptors, replacing earlier ones (aio {@code interceptors=}). The first is the outermost:
     * it sees each call first and decides last. See {@link ServerInterceptor}.
     */
    public ServerOptions withInterceptors(ServerInterceptor... interceptors) {
        Objects.requireNonNull(interceptors, "interceptors");
        List<ServerInterceptor> list = List.of(interceptors); // throws NullPointerException for a null element
        return with(c -> c.interceptors = list);
    }

    /**
     * A copy running {@link RpcMethodHandler#blocking() blocking handlers} on a Vert.x worker pool with this name and
     * size (aio {@code migration_thread_pool}). Each server opens the pool when it first runs a blocking handler and
     * closes it when it has stopped, which interrupts handlers still running then. Vert.x shares worker pools by
     * name: servers of one {@code Vertx} using the same name share one pool, sized by the first to open it.
     */
    public ServerOptions withBlockingPool(String name, int size) {
        Objects.requireNonNull(name, "name");
        if (name.isEmpty()) {
            throw new IllegalArgumentException("name: \"\" (expected: a pool name)");
        }
        if (size < 1) {
            throw new IllegalArgumentException("size: " + size + " (expected: > 0)");
        }
        return with(c -> {
            c.blockingPoolName = name;
            c.blockingPoolSize = size;
        });
    }

    /**
     * A copy choosing where blocking handlers run: {@link ThreadingModel#WORKER} (the default: the blocking pool of
     * {@link #withBlockingPool}) or {@link ThreadingModel#VIRTUAL_THREAD} (one Vert.x virtual thread per call, no pool
     * size; there {@code future.await()} works as well as {@link Blocking#await}). Virtual threads need Java 21 or
     * newer: on an older JVM {@code RpcVertx.server(...)} fails with {@link IllegalStateException}.
     *
     * @throws IllegalArgumentException for another threading model
     */
    public ServerOptions withBlockingThreadingModel(ThreadingModel model) {
        Objects.requireNonNull(model, "model");
        if (model != ThreadingModel.WORKER && model != ThreadingModel.VIRTUAL_THREAD) {
            throw new IllegalArgumentException(
                    "blockingThreadingModel: " + model + " (expected: WORKER or VIRTUAL_THREAD)");
        }
        return with(c -> c.blockingThreadingModel = model);
    }

    /**
     * A copy admitting at most this many RPCs at once, server-wide (aio {@code maximum_concurrent_rpcs}); further
     * calls end at once with {@link StatusCode#RESOURCE_EXHAUSTED}.
     */
    public ServerOptions withMaximumConcurrentRpcs(int rpcs) {
        if (rpcs < 1) {
            throw new IllegalArgumentException("maximumConcurrentRpcs: " + rpcs + " (expected: > 0)");
        }
        return with(c -> c.maximumConcurrentRpcs = rpcs);
    }

    /** A copy serving each port from this many IO verticles, each on its own event loop. */
    public ServerOptions withIoInstances(int instances) {
        if (instances < 1) {
            throw new IllegalArgumentException("ioInstances: " + instances + " (expected: > 0)");
        }
        return with(c -> c.ioInstances = instances);
    }

    /** A copy advertising this HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS. */
    public ServerOptions withMaxConcurrentStreams(int streams) {
        if (streams < 1) {
            throw new IllegalArgumentException("maxConcurrentStreams: " + streams + " (expected: > 0)");
        }
        return with(c -> c.maxConcurrentStreams = streams);
    }

    /** A copy with this HTTP/2 per-stream receive window in bytes. */
    public ServerOptions withInitialWindowSize(int bytes) {
        ChannelOptions.checkWindow("initialWindowSize", bytes);
        return with(c -> c.initialWindowSize = bytes);
    }

    /** A copy with this HTTP/2 connection receive window in bytes. */
    public ServerOptions withConnectionWindowSize(int bytes) {
        ChannelOptions.checkWindow("connectionWindowSize", bytes);
        return with(c -> c.connectionWindowSize = bytes);
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
        return with(c -> {
            c.rstFloodMaxFrames = maxFrames;
            c.rstFloodWindow = window;
        });
    }

    /** A copy running TLS on secure ports with this engine (default {@link TlsEngine#AUTO}). */
    public ServerOptions withTlsEngine(TlsEngine engine) {
        Objects.requireNonNull(engine, "engine");
        return with(c -> c.tlsEngine = engine);
    }

    /** The receive limit in bytes, -1 for unlimited. */
    public int maxReceiveMessageLength() {
        return v.maxReceiveMessageLength;
    }

    /** The send limit in bytes, -1 for unlimited. */
    public int maxSendMessageLength() {
        return v.maxSendMessageLength;
    }

    /** The default response compression. */
    public Compression compression() {
        return v.compression;
    }

    /** The interceptors, outermost first. */
    public List<ServerInterceptor> interceptors() {
        return v.interceptors;
    }

    /** The name of the blocking handlers' worker pool. */
    public String blockingPoolName() {
        return v.blockingPoolName;
    }

    /** The size of the blocking handlers' worker pool. */
    public int blockingPoolSize() {
        return v.blockingPoolSize;
    }

    /** Where blocking handlers run: {@link ThreadingModel#WORKER} or {@link ThreadingModel#VIRTUAL_THREAD}. */
    public ThreadingModel blockingThreadingModel() {
        return v.blockingThreadingModel;
    }

    /** The server-wide RPC limit, if set. */
    public OptionalInt maximumConcurrentRpcs() {
        return v.maximumConcurrentRpcs < 0 ? OptionalInt.empty() : OptionalInt.of(v.maximumConcurrentRpcs);
    }

    /** IO verticles per server. */
    public int ioInstances() {
        return v.ioInstances;
    }

    /** The advertised SETTINGS_MAX_CONCURRENT_STREAMS. */
    public int maxConcurrentStreams() {
        return v.maxConcurrentStreams;
    }

    /** The HTTP/2 per-stream receive window. */
    public int initialWindowSize() {
        return v.initialWindowSize;
    }

    /** The HTTP/2 connection receive window. */
    public int connectionWindowSize() {
        return v.connectionWindowSize;
    }

    /** RST_STREAM frames tolerated per {@link #rstFloodWindow()}. */
    public int rstFloodMaxFrames() {
        return v.rstFloodMaxFrames;
    }

    /** The RST flood window. */
    public Duration rstFloodWindow() {
        return v.rstFloodWindow;
    }

    /** The TLS engine of secure ports. */
    public TlsEngine tlsEngine() {
        return v.tlsEngine;
    }
}
