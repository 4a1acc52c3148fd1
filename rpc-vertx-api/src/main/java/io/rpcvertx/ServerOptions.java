package io.rpcvertx;

import io.vertx.core.ThreadingModel;
import io.vertx.core.tracing.TracingPolicy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

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
    /**
     * The default {@link #ioInstances()}: 0 stands for one IO instance per event loop of the server's {@code Vertx}
     * ({@code VertxOptions.getEventLoopPoolSize()}, 2 × cores by default), resolved at {@link Server#start()}.
     */
    public static final int DEFAULT_IO_INSTANCES = 0;
    /**
     * 5 min: clients pinging more often than this while they have calls get GOAWAY {@code ENHANCE_YOUR_CALM}
     * ("too_many_pings") after a few strikes, as in grpc-java and C-core.
     */
    public static final Duration DEFAULT_PERMIT_KEEP_ALIVE_TIME = Duration.ofMinutes(5);
    /** 2 h: how long a connection may be quiet before the server pings it (gRPC's {@code grpc.keepalive_time_ms}). */
    public static final Duration DEFAULT_KEEP_ALIVE_TIME = Duration.ofHours(2);
    /** 20 s: a connection whose keepalive ping is not acknowledged within this time is closed. */
    public static final Duration DEFAULT_KEEP_ALIVE_TIMEOUT = Duration.ofSeconds(20);
    /** 8 KiB, gRPC's default {@code grpc.max_metadata_size}: the advertised HTTP/2 SETTINGS_MAX_HEADER_LIST_SIZE. */
    public static final int DEFAULT_MAX_HEADER_LIST_SIZE = 8192;

    /** 16 KiB, HTTP/2's initial SETTINGS_MAX_FRAME_SIZE (and its minimum). */
    public static final int DEFAULT_MAX_FRAME_SIZE = 16_384;
    /** HTTP/2's largest SETTINGS_MAX_FRAME_SIZE, 2^24 - 1. */
    public static final int MAX_FRAME_SIZE_LIMIT = 16_777_215;

    /** All defaults. */
    public static final ServerOptions DEFAULT = new ServerOptions(new Values());

    /** The mutable twin used only while copying; every field has its default here. */
    private static final class Values implements Cloneable {
        TracingPolicy tracingPolicy = TracingPolicy.ALWAYS;
        int maxReceiveMessageLength = ChannelOptions.DEFAULT_MAX_RECEIVE_MESSAGE_LENGTH;
        int maxSendMessageLength = -1;
        Compression compression = Compression.NO_COMPRESSION;
        List<ServerInterceptor> interceptors = List.of();
        String blockingPoolName = DEFAULT_BLOCKING_POOL_NAME;
        int blockingPoolSize = DEFAULT_BLOCKING_POOL_SIZE;
        ThreadingModel blockingThreadingModel = ThreadingModel.WORKER;
        int maximumConcurrentRpcs = -1;
        int ioInstances = DEFAULT_IO_INSTANCES;
        int maxConcurrentStreams = DEFAULT_MAX_CONCURRENT_STREAMS;
        int initialWindowSize = ChannelOptions.DEFAULT_WINDOW_SIZE;
        int connectionWindowSize = ChannelOptions.DEFAULT_CONNECTION_WINDOW_SIZE;
        int rstFloodMaxFrames = DEFAULT_RST_FLOOD_MAX_FRAMES;
        Duration rstFloodWindow = DEFAULT_RST_FLOOD_WINDOW;
        TlsEngine tlsEngine = TlsEngine.AUTO;
        Duration permitKeepAliveTime = DEFAULT_PERMIT_KEEP_ALIVE_TIME;
        boolean permitKeepAliveWithoutCalls;
        Duration keepAliveTime = DEFAULT_KEEP_ALIVE_TIME;
        Duration keepAliveTimeout = DEFAULT_KEEP_ALIVE_TIMEOUT;

        @Nullable
        Duration maxConnectionIdle;

        @Nullable
        Duration maxConnectionAge;

        @Nullable
        Duration maxConnectionAgeGrace;

        int maxHeaderListSize = DEFAULT_MAX_HEADER_LIST_SIZE;
        int maxFrameSize = DEFAULT_MAX_FRAME_SIZE;
        boolean reusePort;

        @Nullable
        String name;

        boolean eventBusSignals;
        Set<String> ignoredArguments = Set.of();
        Http2Transport http2Transport = Http2Transport.NETTY;

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

    /**
     * A copy serving each port from this many IO verticles, each on its own event loop; the connections are spread over
     * them. {@link #DEFAULT_IO_INSTANCES} (0) means one per event loop.
     */
    public ServerOptions withIoInstances(int instances) {
        if (instances < 0) {
            throw new IllegalArgumentException(
                    "ioInstances: " + instances + " (expected: >= 0, 0 for one per event loop)");
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

    /** A copy with this HTTP/2 per-stream receive window in bytes ({@link ChannelOptions#DEFAULT_WINDOW_SIZE}, 1 MiB). */
    public ServerOptions withInitialWindowSize(int bytes) {
        ChannelOptions.checkWindow("initialWindowSize", bytes);
        return with(c -> c.initialWindowSize = bytes);
    }

    /**
     * A copy with this HTTP/2 connection receive window in bytes ({@link ChannelOptions#DEFAULT_CONNECTION_WINDOW_SIZE},
     * 16 MiB, as for channels): shared by every call of a connection, so it is kept several stream windows large, or
     * one call whose reader is paused holds all of it and every other call on the connection stalls.
     */
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

    /** IO verticles per server; {@link #DEFAULT_IO_INSTANCES} (0) means one per event loop. */
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

    /**
     * A copy with the shortest interval between client pings the server accepts (grpc-java
     * {@code permitKeepAliveTime}, C-core {@code grpc.http2.min_ping_interval_without_data_ms}). A client that pings
     * more often gets GOAWAY {@code ENHANCE_YOUR_CALM} with debug data "too_many_pings" on its third offence; sending
     * response headers or data forgives earlier ones.
     */
    public ServerOptions withPermitKeepAliveTime(Duration interval) {
        checkNotNegative("permitKeepAliveTime", interval);
        return with(c -> c.permitKeepAliveTime = interval);
    }

    /**
     * A copy that accepts client keepalive pings also while the connection has no call (grpc-java
     * {@code permitKeepAliveWithoutCalls}, {@code grpc.keepalive_permit_without_calls}); by default a client without
     * calls may ping only once per 2 hours.
     */
    public ServerOptions withPermitKeepAliveWithoutCalls(boolean permit) {
        return with(c -> c.permitKeepAliveWithoutCalls = permit);
    }

    /**
     * A copy pinging each connection that was quiet for this long: no call started or ended and no response data was
     * sent ({@code grpc.keepalive_time_ms}).
     */
    public ServerOptions withKeepAliveTime(Duration time) {
        checkPositive("keepAliveTime", time);
        return with(c -> c.keepAliveTime = time);
    }

    /** A copy closing a connection whose keepalive ping is not acknowledged within this time. */
    public ServerOptions withKeepAliveTimeout(Duration timeout) {
        checkPositive("keepAliveTimeout", timeout);
        return with(c -> c.keepAliveTimeout = timeout);
    }

    /**
     * A copy that sends GOAWAY to a connection without calls for this long ({@code grpc.max_connection_idle_ms}); the
     * client reconnects for its next call. Unset by default.
     */
    public ServerOptions withMaxConnectionIdle(Duration idle) {
        checkPositive("maxConnectionIdle", idle);
        return with(c -> c.maxConnectionIdle = idle);
    }

    /**
     * A copy that sends GOAWAY to every connection this long (±10 % jitter) after it was accepted
     * ({@code grpc.max_connection_age_ms}); calls in flight then have {@link #maxConnectionAgeGrace()} to finish.
     * Unset by default.
     */
    public ServerOptions withMaxConnectionAge(Duration age) {
        checkPositive("maxConnectionAge", age);
        return with(c -> c.maxConnectionAge = age);
    }

    /**
     * A copy giving the calls of a connection that reached {@link #maxConnectionAge()} this long to finish before they
     * are cancelled and the connection is closed ({@code grpc.max_connection_age_grace_ms}). Unset (unlimited) by
     * default.
     */
    public ServerOptions withMaxConnectionAgeGrace(Duration grace) {
        checkNotNegative("maxConnectionAgeGrace", grace);
        return with(c -> c.maxConnectionAgeGrace = grace);
    }

    /**
     * A copy advertising this HTTP/2 SETTINGS_MAX_HEADER_LIST_SIZE in bytes ({@code grpc.max_metadata_size}): the
     * largest request header block (metadata included) the server accepts.
     */
    public ServerOptions withMaxHeaderListSize(int bytes) {
        if (bytes < 1) {
            throw new IllegalArgumentException("maxHeaderListSize: " + bytes + " (expected: > 0)");
        }
        return with(c -> c.maxHeaderListSize = bytes);
    }

    /** The shortest accepted interval between client pings. */
    public Duration permitKeepAliveTime() {
        return v.permitKeepAliveTime;
    }

    /** Whether clients may ping at {@link #permitKeepAliveTime()} also without calls. */
    public boolean isPermitKeepAliveWithoutCalls() {
        return v.permitKeepAliveWithoutCalls;
    }

    /** How long a connection may be quiet before the server pings it. */
    public Duration keepAliveTime() {
        return v.keepAliveTime;
    }

    /** How long the server waits for a keepalive ping's acknowledgement. */
    public Duration keepAliveTimeout() {
        return v.keepAliveTimeout;
    }

    /** The idle time after which a connection gets GOAWAY, if set. */
    public Optional<Duration> maxConnectionIdle() {
        return Optional.ofNullable(v.maxConnectionIdle);
    }

    /** The age after which a connection gets GOAWAY, if set. */
    public Optional<Duration> maxConnectionAge() {
        return Optional.ofNullable(v.maxConnectionAge);
    }

    /** The grace of a connection that reached its maximum age, if limited. */
    public Optional<Duration> maxConnectionAgeGrace() {
        return Optional.ofNullable(v.maxConnectionAgeGrace);
    }

    /** The advertised SETTINGS_MAX_HEADER_LIST_SIZE. */
    public int maxHeaderListSize() {
        return v.maxHeaderListSize;
    }

    /**
     * A copy advertising this HTTP/2 SETTINGS_MAX_FRAME_SIZE ({@code grpc.http2.max_frame_size}): the largest frame
     * payload the server accepts, from {@value #DEFAULT_MAX_FRAME_SIZE} (the default) to {@value
     * #MAX_FRAME_SIZE_LIMIT}. Larger frames cost less CPU for large messages and more head-of-line blocking.
     */
    public ServerOptions withMaxFrameSize(int bytes) {
        if (bytes < DEFAULT_MAX_FRAME_SIZE || bytes > MAX_FRAME_SIZE_LIMIT) {
            throw new IllegalArgumentException("maxFrameSize: " + bytes + " (expected: " + DEFAULT_MAX_FRAME_SIZE
                    + " to " + MAX_FRAME_SIZE_LIMIT + ")");
        }
        return with(c -> c.maxFrameSize = bytes);
    }

    /**
     * A copy binding its ports with {@code SO_REUSEPORT} ({@code grpc.so_reuseport}), so that several processes may
     * listen on one port. Vert.x sets it only with its native transport ({@code
     * VertxOptions.setPreferNativeTransport(true)} on Linux); off by default. The IO instances of one server share
     * their sockets without it.
     */
    public ServerOptions withReusePort(boolean reusePort) {
        return with(c -> c.reusePort = reusePort);
    }

    /**
     * A copy naming the server: its {@link Server#id()} becomes {@code name} instead of a random UUID, so its control
     * address {@code rpcvertx.server.<name>.control} and its signal addresses are known in advance. Two started
     * servers of one event bus must not share a name: the second one's {@link Server#start()} fails.
     *
     * @throws IllegalArgumentException if {@code name} is empty or holds a character other than letters, digits,
     *     {@code -}, {@code _} and {@code .}
     */
    public ServerOptions withName(String name) {
        Objects.requireNonNull(name, "name");
        if (!name.matches("[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException("name: \"" + name + "\" (expected: letters, digits, '.', '_', '-')");
        }
        return with(c -> c.name = name);
    }

    /** The server's name, if {@link #withName} set one. */
    public Optional<String> name() {
        return Optional.ofNullable(v.name);
    }

    /**
     * A copy that publishes the server's signals as JSON on the event bus (off by default; see
     * {@code docs/eventbus-gateway.md}): lifecycle events ({@code {"server", "event": "started" | "stopping" |
     * "stopped"}}) on {@code rpcvertx.server.<id>.events}, and one event per ended call ({@code {"server", "method",
     * "code", "status", "durationMicros", "peer"}}) on {@code rpcvertx.server.<id>.calls}.
     */
    public ServerOptions withEventBusSignals(boolean publish) {
        return with(c -> c.eventBusSignals = publish);
    }

    /** Whether the server publishes its signals on the event bus. */
    public boolean isEventBusSignals() {
        return v.eventBusSignals;
    }

    /** The advertised SETTINGS_MAX_FRAME_SIZE. */
    public int maxFrameSize() {
        return v.maxFrameSize;
    }

    /**
     * A copy serving its TCP and Unix-domain ports with this HTTP/2 implementation (default {@link
     * Http2Transport#NETTY}; {@link Http2Transport#VERTX_HTTP} for a server that answers HTTP/1.x with 505 or feeds
     * Vert.x's own HTTP server metrics). Both follow the same wire rules and honour the same options; {@link
     * Http2Transport#NETTY} installs Netty's HTTP/2 codec in the pipeline of Vert.x {@code NetServer} sockets, which
     * costs less CPU per call. In-process and event-bus ports are not affected.
     */
    public ServerOptions withHttp2Transport(Http2Transport transport) {
        Objects.requireNonNull(transport, "transport");
        return with(c -> c.http2Transport = transport);
    }

    /** The HTTP/2 implementation of the server's ports. */
    public Http2Transport http2Transport() {
        return v.http2Transport;
    }

    /** Whether ports are bound with {@code SO_REUSEPORT}. */
    public boolean isReusePort() {
        return v.reusePort;
    }

    // ---------------------------------------------------------------- grpc server arguments

    /** The server arguments {@link #fromMap} implements (C-core names; {@code rpcvertx.} ones are ours). */
    private static final GrpcArguments<ServerOptions> ARGUMENTS = new GrpcArguments<>(
            "server argument",
            ServerOptions.class,
            Map.ofEntries(
                    Map.entry(
                            "grpc.max_receive_message_length",
                            (o, k, v) -> o.withMaxReceiveMessageLength(GrpcArguments.intArg(k, v))),
                    Map.entry(
                            "grpc.max_send_message_length",
                            (o, k, v) -> o.withMaxSendMessageLength(GrpcArguments.intArg(k, v))),
                    Map.entry(
                            "grpc.max_concurrent_streams",
                            (o, k, v) -> o.withMaxConcurrentStreams(GrpcArguments.intArg(k, v))),
                    Map.entry(
                            "grpc.max_metadata_size", (o, k, v) -> o.withMaxHeaderListSize(GrpcArguments.intArg(k, v))),
                    Map.entry(
                            "grpc.default_compression_algorithm",
                            (o, k, v) -> o.withCompression(GrpcArguments.compressionArg(k, v))),
                    Map.entry(
                            "grpc.http2.lookahead_bytes",
                            (o, k, v) -> o.withInitialWindowSize(GrpcArguments.intArg(k, v))),
                    Map.entry("grpc.http2.max_frame_size", (o, k, v) -> o.withMaxFrameSize(GrpcArguments.intArg(k, v))),
                    Map.entry(
                            "grpc.http2.min_ping_interval_without_data_ms",
                            (o, k, v) -> o.withPermitKeepAliveTime(Duration.ofMillis(nonNegative(k, v)))),
                    Map.entry(
                            "grpc.keepalive_time_ms", (o, k, v) -> o.withKeepAliveTime(GrpcArguments.millisArg(k, v))),
                    Map.entry(
                            "grpc.keepalive_timeout_ms",
                            (o, k, v) -> o.withKeepAliveTimeout(GrpcArguments.millisArg(k, v))),
                    Map.entry(
                            "grpc.keepalive_permit_without_calls",
                            (o, k, v) -> o.withPermitKeepAliveWithoutCalls(GrpcArguments.booleanArg(k, v))),
                    // C-core spells "unlimited" as INT_MAX: the option stays unset
                    Map.entry(
                            "grpc.max_connection_idle_ms",
                            (o, k, v) -> unlimited(k, v) ? o : o.withMaxConnectionIdle(GrpcArguments.millisArg(k, v))),
                    Map.entry(
                            "grpc.max_connection_age_ms",
                            (o, k, v) -> unlimited(k, v) ? o : o.withMaxConnectionAge(GrpcArguments.millisArg(k, v))),
                    Map.entry(
                            "grpc.max_connection_age_grace_ms",
                            (o, k, v) -> unlimited(k, v)
                                    ? o
                                    : o.withMaxConnectionAgeGrace(Duration.ofMillis(nonNegative(k, v)))),
                    Map.entry("grpc.so_reuseport", (o, k, v) -> o.withReusePort(GrpcArguments.booleanArg(k, v))),
                    Map.entry(
                            "rpcvertx.connection_window_size",
                            (o, k, v) -> o.withConnectionWindowSize(GrpcArguments.intArg(k, v))),
                    Map.entry(
                            "rpcvertx.maximum_concurrent_rpcs",
                            (o, k, v) -> o.withMaximumConcurrentRpcs(GrpcArguments.intArg(k, v))),
                    Map.entry("rpcvertx.io_instances", (o, k, v) -> o.withIoInstances(GrpcArguments.intArg(k, v)))),
            (o, ignored) -> o.with(c -> c.ignoredArguments = ignored));

    /**
     * Options from grpc server arguments, as grpc.aio's {@code aio.server(options=[(key, value), ...])}, with the rules
     * of {@link ChannelOptions#fromMap}: the keys in {@link #argumentNames()} take effect with grpc.aio's meaning, every
     * other key C-core knows is accepted, ignored and logged in one warning ({@link #ignoredArguments()}), and any
     * other key is rejected as a typo with the closest known key as a hint. For example {@code
     * fromMap(Map.of("grpc.max_receive_message_length", 16 << 20, "grpc.max_connection_age_ms", 300_000))}.
     *
     * @throws IllegalArgumentException for an unknown key, a null or mistyped value, or a value out of range, naming
     *     the key
     */
    public static ServerOptions fromMap(Map<String, ?> arguments) {
        return ARGUMENTS.apply(DEFAULT, arguments);
    }

    /** The server argument names {@link #fromMap} implements, sorted. */
    public static Set<String> argumentNames() {
        return ARGUMENTS.names();
    }

    /**
     * The grpc arguments given to {@link #fromMap} that rpc-vertx accepts but does not implement (and so ignores),
     * sorted; empty for options not made by {@code fromMap}.
     */
    public Set<String> ignoredArguments() {
        return v.ignoredArguments;
    }

    private static boolean unlimited(String key, Object value) {
        return GrpcArguments.intArg(key, value) == Integer.MAX_VALUE;
    }

    private static int nonNegative(String key, Object value) {
        int ms = GrpcArguments.intArg(key, value);
        if (ms < 0) {
            throw new IllegalArgumentException(key + ": " + ms + " (expected: >= 0)");
        }
        return ms;
    }

    private static void checkPositive(String name, Duration d) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + ": " + d + " (expected: > 0)");
        }
    }

    private static void checkNotNegative(String name, Duration d) {
        Objects.requireNonNull(d, name);
        if (d.isNegative()) {
            throw new IllegalArgumentException(name + ": " + d + " (expected: >= 0)");
        }
    }

    /**
     * A copy with this tracing policy, used when the Vert.x instance has a tracer (for instance
     * {@code VertxOptions.setTracingOptions(new OpenTelemetryTracingOptions(openTelemetry))}): {@code ALWAYS} starts a
     * span for every call, {@code PROPAGATE} only within an existing trace, {@code IGNORE} never. The default is
     * {@code ALWAYS} (server: every call is traced, as a child of the client's trace when its metadata carries one). Without a tracer the policy costs nothing.
     */
    public ServerOptions withTracingPolicy(TracingPolicy policy) {
        Objects.requireNonNull(policy, "policy");
        return with(c -> c.tracingPolicy = policy);
    }

    /** The tracing policy; see {@link #withTracingPolicy(TracingPolicy)}. */
    public TracingPolicy tracingPolicy() {
        return v.tracingPolicy;
    }
}
