package io.rpcvertx;

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
 * Channel options: grpc.aio's {@code options=} channel arguments and {@code compression=} as an immutable value.
 * Every default is a documented constant; {@link #DEFAULT} holds them all.
 */
public final class ChannelOptions {
    /** 4 MiB, gRPC's default receive limit. */
    public static final int DEFAULT_MAX_RECEIVE_MESSAGE_LENGTH = 4 * 1024 * 1024;
    /** 1 MiB: Vert.x's 64 KiB default window stalls many concurrent calls (see BENCHMARKS). */
    public static final int DEFAULT_WINDOW_SIZE = 1024 * 1024;
    /**
     * 16 MiB, 16 stream windows: the connection window must be larger than a stream's, or one call whose reader is
     * paused fills the whole connection window with its stream window's worth and every other call on the connection
     * stalls. This way it takes 16 paused readers; the unread bytes a connection can hold are bounded by this.
     */
    public static final int DEFAULT_CONNECTION_WINDOW_SIZE = 16 * 1024 * 1024;
    /** 20 s, the gRPC connection-backoff spec's minimum connect timeout. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(20);
    /** Calls waiting for a connection or a stream slot, beyond which new calls fail RESOURCE_EXHAUSTED. */
    public static final int DEFAULT_MAX_PENDING_CALLS = 10_000;
    /** 256 KiB, C-core's {@code grpc.per_rpc_retry_buffer_size}. */
    public static final int DEFAULT_PER_RPC_RETRY_BUFFER_SIZE = 256 * 1024;

    /** {@value}: connect to the first address that works, use only that connection (the default policy). */
    public static final String PICK_FIRST = "pick_first";
    /** {@value}: one connection per resolved address, calls spread over the READY ones in turn. */
    public static final String ROUND_ROBIN = "round_robin";
    /** 20 s, gRPC's default time to wait for a keepalive ping's acknowledgement. */
    public static final Duration DEFAULT_KEEPALIVE_TIMEOUT = Duration.ofSeconds(20);
    /** 1 s, the gRPC connection-backoff spec's INITIAL_BACKOFF. */
    public static final Duration DEFAULT_INITIAL_RECONNECT_BACKOFF = Duration.ofSeconds(1);
    /** 120 s, the gRPC connection-backoff spec's MAX_BACKOFF. */
    public static final Duration DEFAULT_MAX_RECONNECT_BACKOFF = Duration.ofSeconds(120);
    /** 1.6, the gRPC connection-backoff spec's MULTIPLIER. */
    public static final double DEFAULT_RECONNECT_BACKOFF_MULTIPLIER = 1.6;
    /** 0.2, the gRPC connection-backoff spec's JITTER. */
    public static final double DEFAULT_RECONNECT_BACKOFF_JITTER = 0.2;
    /** 30 min, gRPC's default client idle timeout ({@code grpc.client_idle_timeout_ms}). */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(30);
    /** 30 s, gRPC's default minimum time between two DNS resolutions of one channel. */
    public static final Duration DEFAULT_DNS_MIN_TIME_BETWEEN_RESOLUTIONS = Duration.ofSeconds(30);
    /** 5 min: how often a connected channel re-resolves a DNS target even when nothing failed. */
    public static final Duration DEFAULT_DNS_REFRESH_INTERVAL = Duration.ofMinutes(5);

    /** All defaults. */
    public static final ChannelOptions DEFAULT = new ChannelOptions(new Values());

    /** The mutable twin used only while copying; every field has its default here. */
    private static final class Values implements Cloneable {
        TracingPolicy tracingPolicy = TracingPolicy.PROPAGATE;
        int maxReceiveMessageLength = DEFAULT_MAX_RECEIVE_MESSAGE_LENGTH;
        int maxSendMessageLength = -1;
        Compression compression = Compression.NO_COMPRESSION;

        @Nullable
        String primaryUserAgent;

        @Nullable
        String defaultAuthority;

        Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        int initialWindowSize = DEFAULT_WINDOW_SIZE;
        int connectionWindowSize = DEFAULT_CONNECTION_WINDOW_SIZE;
        int maxPendingCalls = DEFAULT_MAX_PENDING_CALLS;

        @Nullable
        String serviceConfig;

        List<ClientInterceptor> interceptors = List.of();
        boolean deadlinePropagation;
        int perRpcRetryBufferSize = DEFAULT_PER_RPC_RETRY_BUFFER_SIZE;
        // connection management (keepalive, backoff, idleness, resolution, load balancing)
        @Nullable
        Duration keepaliveTime;

        Duration keepaliveTimeout = DEFAULT_KEEPALIVE_TIMEOUT;
        boolean keepalivePermitWithoutCalls;
        Duration initialReconnectBackoff = DEFAULT_INITIAL_RECONNECT_BACKOFF;
        Duration maxReconnectBackoff = DEFAULT_MAX_RECONNECT_BACKOFF;
        double reconnectBackoffMultiplier = DEFAULT_RECONNECT_BACKOFF_MULTIPLIER;
        double reconnectBackoffJitter = DEFAULT_RECONNECT_BACKOFF_JITTER;
        Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
        int maxConcurrentStreams = -1;
        String loadBalancingPolicy = PICK_FIRST;
        Duration dnsMinTimeBetweenResolutions = DEFAULT_DNS_MIN_TIME_BETWEEN_RESOLUTIONS;
        Duration dnsRefreshInterval = DEFAULT_DNS_REFRESH_INTERVAL;

        @Nullable
        String sslTargetNameOverride;

        TlsEngine tlsEngine = TlsEngine.AUTO;
        Http2Transport http2Transport = Http2Transport.NETTY;
        boolean retriesEnabled = true;
        Set<String> ignoredArguments = Set.of();

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

    private ChannelOptions(Values v) {
        this.v = v;
    }

    private ChannelOptions with(Consumer<Values> change) {
        Values copy = v.clone();
        change.accept(copy);
        return new ChannelOptions(copy);
    }

    /**
     * A copy with this receive limit in bytes ({@code grpc.max_receive_message_length}); -1 means unlimited. A larger
     * message, also after decompression, ends the call with {@link StatusCode#RESOURCE_EXHAUSTED}.
     */
    public ChannelOptions withMaxReceiveMessageLength(int bytes) {
        checkLimit("maxReceiveMessageLength", bytes);
        return with(c -> c.maxReceiveMessageLength = bytes);
    }

    /**
     * A copy with this send limit in bytes ({@code grpc.max_send_message_length}); -1 (the default) means unlimited.
     * Writing a larger message fails the call with {@link StatusCode#RESOURCE_EXHAUSTED} before it is sent.
     */
    public ChannelOptions withMaxSendMessageLength(int bytes) {
        checkLimit("maxSendMessageLength", bytes);
        return with(c -> c.maxSendMessageLength = bytes);
    }

    /** A copy compressing requests with this algorithm unless a call says otherwise. */
    public ChannelOptions withCompression(Compression compression) {
        Objects.requireNonNull(compression, "compression");
        return with(c -> c.compression = compression);
    }

    /** A copy whose {@code user-agent} starts with this ({@code grpc.primary_user_agent}). */
    public ChannelOptions withPrimaryUserAgent(String userAgent) {
        Objects.requireNonNull(userAgent, "userAgent");
        return with(c -> c.primaryUserAgent = userAgent);
    }

    /** A copy sending this {@code :authority} instead of the target's ({@code grpc.default_authority}). */
    public ChannelOptions withDefaultAuthority(String authority) {
        Objects.requireNonNull(authority, "authority");
        return with(c -> c.defaultAuthority = authority);
    }

    /**
     * A copy with this connect timeout: the gRPC connection-backoff spec's MIN_CONNECT_TIMEOUT ({@code
     * grpc.min_reconnect_backoff_ms}, 20 s). An attempt may take the larger of this and the current backoff delay,
     * including the HTTP/2 handshake.
     */
    public ChannelOptions withConnectTimeout(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("connectTimeout: " + timeout + " (expected: > 0)");
        }
        return with(c -> c.connectTimeout = timeout);
    }

    /**
     * A copy with this HTTP/2 per-stream receive window in bytes ({@link #DEFAULT_WINDOW_SIZE}, 1 MiB): how much of a
     * response the server may send ahead of a reader that has paused. Keep it well below {@link
     * #withConnectionWindowSize the connection window}, which all calls of a connection share.
     */
    public ChannelOptions withInitialWindowSize(int bytes) {
        checkWindow("initialWindowSize", bytes);
        return with(c -> c.initialWindowSize = bytes);
    }

    /**
     * A copy with this HTTP/2 connection receive window in bytes ({@link #DEFAULT_CONNECTION_WINDOW_SIZE}, 16 MiB):
     * what all calls of a connection together may have received and not yet read. Paused readers each hold up to a
     * stream window of it; once they hold it all, every call on the connection stalls, so it should be several stream
     * windows ({@link #withInitialWindowSize}); no larger than one, one paused reader stalls the whole connection.
     */
    public ChannelOptions withConnectionWindowSize(int bytes) {
        checkWindow("connectionWindowSize", bytes);
        return with(c -> c.connectionWindowSize = bytes);
    }

    /** A copy allowing this many calls to wait for a connection or a stream slot. */
    public ChannelOptions withMaxPendingCalls(int calls) {
        if (calls < 1) {
            throw new IllegalArgumentException("maxPendingCalls: " + calls + " (expected: > 0)");
        }
        return with(c -> c.maxPendingCalls = calls);
    }

    /**
     * A copy with this service config ({@code grpc.service_config}): the gRPC service config JSON, with per-method
     * {@code timeout}, {@code waitForReady}, {@code maxRequestMessageBytes}, {@code maxResponseMessageBytes},
     * {@code retryPolicy} or {@code hedgingPolicy}, plus {@code retryThrottling} and {@code loadBalancingConfig}.
     * Per call, explicit {@link CallOptions} win: the smaller timeout applies, and a wait-for-ready choice set on the
     * call beats the config's; the smaller message limit applies. The JSON is checked when the channel is created
     * ({@link IllegalArgumentException} naming the bad field).
     *
     * <pre>{@code
     * ChannelOptions.DEFAULT.withServiceConfig("{\"methodConfig\": [{"
     *     + "\"name\": [{\"service\": \"helloworld.Greeter\"}], \"timeout\": \"2s\","
     *     + "\"retryPolicy\": {\"maxAttempts\": 3, \"initialBackoff\": \"0.1s\", \"maxBackoff\": \"1s\","
     *     + " \"backoffMultiplier\": 2, \"retryableStatusCodes\": [\"UNAVAILABLE\"]}}]}");
     * }</pre>
     */
    public ChannelOptions withServiceConfig(String json) {
        Objects.requireNonNull(json, "json");
        return with(c -> c.serviceConfig = json);
    }

    /**
     * A copy running these client interceptors on every RPC of their shape (aio {@code interceptors=}); the first is
     * the outermost. See {@link ClientInterceptor}.
     */
    public ChannelOptions withInterceptors(List<? extends ClientInterceptor> interceptors) {
        List<ClientInterceptor> copy = List.copyOf(Objects.requireNonNull(interceptors, "interceptors"));
        return with(c -> c.interceptors = copy);
    }

    /**
     * A copy that, when {@code enabled}, makes every RPC started from inside a servicer (of a server on the same
     * Vert.x instance) a child of that server call, beyond grpc.aio: it inherits the server call's remaining deadline
     * (the smaller of that and its own timeout applies) and is cancelled when the server call is cancelled (by its
     * client, its deadline or server stop). Off by default, as in grpc.aio.
     */
    public ChannelOptions withDeadlinePropagation(boolean enabled) {
        return with(c -> c.deadlinePropagation = enabled);
    }

    /**
     * A copy keeping at most this many bytes of sent request messages per RPC for retries and hedging
     * ({@code grpc.per_rpc_retry_buffer_size}); beyond it the RPC commits to its current attempt and is no longer
     * retried.
     */
    public ChannelOptions withPerRpcRetryBufferSize(int bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("perRpcRetryBufferSize: " + bytes + " (expected: >= 0)");
        }
        return with(c -> c.perRpcRetryBufferSize = bytes);
    }

    /**
     * A copy sending an HTTP/2 PING after each {@code time} on a connection ({@code grpc.keepalive_time_ms}; default:
     * no keepalive). A ping not acknowledged within {@link #withKeepaliveTimeout keepaliveTimeout} marks the peer dead:
     * the connection's calls end with {@link StatusCode#UNAVAILABLE} and the connection is closed, so a dead peer is
     * found within {@code keepaliveTime + keepaliveTimeout}. Servers limit how often they accept pings (grpc-java: at
     * most every 5 min by default, answering more with GOAWAY {@code too_many_pings}); rpc-vertx does not clamp.
     */
    public ChannelOptions withKeepaliveTime(Duration time) {
        checkPositive("keepaliveTime", time);
        return with(c -> c.keepaliveTime = time);
    }

    /** A copy waiting this long for a keepalive ping's acknowledgement ({@code grpc.keepalive_timeout_ms}, 20 s). */
    public ChannelOptions withKeepaliveTimeout(Duration timeout) {
        checkPositive("keepaliveTimeout", timeout);
        return with(c -> c.keepaliveTimeout = timeout);
    }

    /**
     * A copy that also pings connections without calls ({@code grpc.keepalive_permit_without_calls}; default {@code
     * false}: only connections with calls are pinged).
     */
    public ChannelOptions withKeepalivePermitWithoutCalls(boolean permit) {
        return with(c -> c.keepalivePermitWithoutCalls = permit);
    }

    /** A copy with this first reconnect delay ({@code grpc.initial_reconnect_backoff_ms}, 1 s). */
    public ChannelOptions withInitialReconnectBackoff(Duration backoff) {
        checkPositive("initialReconnectBackoff", backoff);
        return with(c -> c.initialReconnectBackoff = backoff);
    }

    /** A copy with this largest reconnect delay before jitter ({@code grpc.max_reconnect_backoff_ms}, 120 s). */
    public ChannelOptions withMaxReconnectBackoff(Duration backoff) {
        checkPositive("maxReconnectBackoff", backoff);
        return with(c -> c.maxReconnectBackoff = backoff);
    }

    /** A copy multiplying the reconnect delay by this after each failed attempt (1.6; at least 1). */
    public ChannelOptions withReconnectBackoffMultiplier(double multiplier) {
        if (!(multiplier >= 1.0) || Double.isInfinite(multiplier)) {
            throw new IllegalArgumentException("reconnectBackoffMultiplier: " + multiplier + " (expected: >= 1)");
        }
        return with(c -> c.reconnectBackoffMultiplier = multiplier);
    }

    /**
     * A copy randomizing each reconnect delay by up to this fraction either way (0.2, i.e. +-20 %; from 0 to 1).
     */
    public ChannelOptions withReconnectBackoffJitter(double jitter) {
        if (!(jitter >= 0.0 && jitter <= 1.0)) {
            throw new IllegalArgumentException("reconnectBackoffJitter: " + jitter + " (expected: 0 to 1)");
        }
        return with(c -> c.reconnectBackoffJitter = jitter);
    }

    /**
     * A copy moving the channel back to {@link ChannelConnectivity#IDLE} (its connections closed) after it had no
     * calls for this long ({@code grpc.client_idle_timeout_ms}, 30 min). The next RPC reconnects.
     */
    public ChannelOptions withIdleTimeout(Duration timeout) {
        checkPositive("idleTimeout", timeout);
        return with(c -> c.idleTimeout = timeout);
    }

    /**
     * A copy opening at most this many concurrent streams per connection, even if the server allows more; further
     * calls wait in the channel's queue ({@link #withMaxPendingCalls}). Default: the server's
     * SETTINGS_MAX_CONCURRENT_STREAMS.
     */
    public ChannelOptions withMaxConcurrentStreams(int streams) {
        if (streams < 1) {
            throw new IllegalArgumentException("maxConcurrentStreams: " + streams + " (expected: > 0)");
        }
        return with(c -> c.maxConcurrentStreams = streams);
    }

    /**
     * A copy with this load-balancing policy ({@code grpc.lb_policy_name}, or the service config's {@code
     * loadBalancingPolicy}): {@value #PICK_FIRST} (the default) or {@value #ROUND_ROBIN}.
     *
     * @throws IllegalArgumentException for any other name
     */
    public ChannelOptions withLoadBalancingPolicy(String policy) {
        Objects.requireNonNull(policy, "policy");
        if (!policy.equals(PICK_FIRST) && !policy.equals(ROUND_ROBIN)) {
            throw new IllegalArgumentException(
                    "loadBalancingPolicy: \"" + policy + "\" (expected: " + PICK_FIRST + " or " + ROUND_ROBIN + ")");
        }
        return with(c -> c.loadBalancingPolicy = policy);
    }

    /**
     * A copy re-resolving a DNS target at most once per this interval when connections fail ({@code
     * grpc.dns_min_time_between_resolutions_ms}, 30 s; zero allows immediate re-resolution).
     */
    public ChannelOptions withDnsMinTimeBetweenResolutions(Duration interval) {
        Objects.requireNonNull(interval, "interval");
        if (interval.isNegative()) {
            throw new IllegalArgumentException("dnsMinTimeBetweenResolutions: " + interval + " (expected: >= 0)");
        }
        return with(c -> c.dnsMinTimeBetweenResolutions = interval);
    }

    /** A copy re-resolving a DNS target this often while the channel is not IDLE (5 min). */
    public ChannelOptions withDnsRefreshInterval(Duration interval) {
        checkPositive("dnsRefreshInterval", interval);
        return with(c -> c.dnsRefreshInterval = interval);
    }

    /** The keepalive ping interval; empty (the default) when keepalive is off. */
    public Optional<Duration> keepaliveTime() {
        return Optional.ofNullable(v.keepaliveTime);
    }

    /** How long a keepalive ping may stay unacknowledged. */
    public Duration keepaliveTimeout() {
        return v.keepaliveTimeout;
    }

    /** Whether connections without calls are pinged too. */
    public boolean isKeepalivePermitWithoutCalls() {
        return v.keepalivePermitWithoutCalls;
    }

    /** The first reconnect delay. */
    public Duration initialReconnectBackoff() {
        return v.initialReconnectBackoff;
    }

    /** The largest reconnect delay (before jitter). */
    public Duration maxReconnectBackoff() {
        return v.maxReconnectBackoff;
    }

    /** The reconnect delay multiplier. */
    public double reconnectBackoffMultiplier() {
        return v.reconnectBackoffMultiplier;
    }

    /** The reconnect delay jitter, a fraction. */
    public double reconnectBackoffJitter() {
        return v.reconnectBackoffJitter;
    }

    /** The idle timeout. */
    public Duration idleTimeout() {
        return v.idleTimeout;
    }

    /** The cap on concurrent streams per connection, if set. */
    public OptionalInt maxConcurrentStreams() {
        return v.maxConcurrentStreams < 0 ? OptionalInt.empty() : OptionalInt.of(v.maxConcurrentStreams);
    }

    /** The load-balancing policy name: {@value #PICK_FIRST} or {@value #ROUND_ROBIN}. */
    public String loadBalancingPolicy() {
        return v.loadBalancingPolicy;
    }

    /** The minimum time between two DNS resolutions triggered by failures. */
    public Duration dnsMinTimeBetweenResolutions() {
        return v.dnsMinTimeBetweenResolutions;
    }

    /** The periodic DNS re-resolution interval. */
    public Duration dnsRefreshInterval() {
        return v.dnsRefreshInterval;
    }

    /**
     * A copy checking the server certificate against this host name instead of the target's, and sending it as SNI
     * and (unless {@link #withDefaultAuthority} says otherwise) as {@code :authority}
     * ({@code grpc.ssl_target_name_override}). For tests and IP targets; secure channels only.
     */
    public ChannelOptions withSslTargetNameOverride(String hostName) {
        Objects.requireNonNull(hostName, "hostName");
        if (hostName.isEmpty()) {
            throw new IllegalArgumentException("sslTargetNameOverride: empty (expected: a host name)");
        }
        return with(c -> c.sslTargetNameOverride = hostName);
    }

    /** A copy running TLS on this engine (default {@link TlsEngine#AUTO}); secure channels only. */
    public ChannelOptions withTlsEngine(TlsEngine engine) {
        Objects.requireNonNull(engine, "engine");
        return with(c -> c.tlsEngine = engine);
    }

    /**
     * A copy whose connections use this HTTP/2 implementation (default {@link Http2Transport#NETTY}: Netty's HTTP/2
     * codec installed in Vert.x {@code NetClient} sockets). Both speak the same wire rules; {@link
     * Http2Transport#VERTX_HTTP} runs them on Vert.x's {@code HttpClient}.
     */
    @Experimental
    public ChannelOptions withHttp2Transport(Http2Transport transport) {
        Objects.requireNonNull(transport, "transport");
        return with(c -> c.http2Transport = transport);
    }

    /** The HTTP/2 implementation of this channel's connections. */
    @Experimental
    public Http2Transport http2Transport() {
        return v.http2Transport;
    }

    /** The receive limit in bytes, -1 for unlimited. */
    public int maxReceiveMessageLength() {
        return v.maxReceiveMessageLength;
    }

    /** The send limit in bytes, -1 for unlimited. */
    public int maxSendMessageLength() {
        return v.maxSendMessageLength;
    }

    /** The default request compression. */
    public Compression compression() {
        return v.compression;
    }

    /** The primary user agent, if set. */
    public Optional<String> primaryUserAgent() {
        return Optional.ofNullable(v.primaryUserAgent);
    }

    /** The authority override, if set. */
    public Optional<String> defaultAuthority() {
        return Optional.ofNullable(v.defaultAuthority);
    }

    /** The connect timeout. */
    public Duration connectTimeout() {
        return v.connectTimeout;
    }

    /** The HTTP/2 per-stream receive window. */
    public int initialWindowSize() {
        return v.initialWindowSize;
    }

    /** The HTTP/2 connection receive window. */
    public int connectionWindowSize() {
        return v.connectionWindowSize;
    }

    /** How many calls may wait for a connection or stream slot. */
    public int maxPendingCalls() {
        return v.maxPendingCalls;
    }

    /** The service config JSON, if set. */
    public Optional<String> serviceConfig() {
        return Optional.ofNullable(v.serviceConfig);
    }

    /** The client interceptors, outermost first; empty by default. */
    public List<ClientInterceptor> interceptors() {
        return v.interceptors;
    }

    /** Whether RPCs started inside a servicer inherit its deadline and cancellation. */
    public boolean isDeadlinePropagation() {
        return v.deadlinePropagation;
    }

    /** The per-RPC retry buffer size in bytes. */
    public int perRpcRetryBufferSize() {
        return v.perRpcRetryBufferSize;
    }

    // ---------------------------------------------------------------- grpc channel arguments

    /**
     * The channel arguments {@link #fromMap} implements. Keys are grpc's names (C-core {@code channel_arg_names.h});
     * the {@code rpcvertx.} ones set options grpc has no argument for. docs/options.md lists them.
     */
    private static final GrpcArguments<ChannelOptions> ARGUMENTS = new GrpcArguments<>(
            "channel argument",
            ChannelOptions.class,
            Map.ofEntries(
                    Map.entry(
                            "grpc.max_receive_message_length",
                            (o, k, v) -> o.withMaxReceiveMessageLength(GrpcArguments.intArg(k, v))),
                    Map.entry(
                            "grpc.max_send_message_length",
                            (o, k, v) -> o.withMaxSendMessageLength(GrpcArguments.intArg(k, v))),
                    Map.entry(
                            "grpc.primary_user_agent",
                            (o, k, v) -> o.withPrimaryUserAgent(GrpcArguments.stringArg(k, v))),
                    Map.entry(
                            "grpc.default_authority",
                            (o, k, v) -> o.withDefaultAuthority(GrpcArguments.stringArg(k, v))),
                    Map.entry(
                            "grpc.ssl_target_name_override",
                            (o, k, v) -> o.withSslTargetNameOverride(GrpcArguments.stringArg(k, v))),
                    Map.entry(
                            "grpc.default_compression_algorithm",
                            (o, k, v) -> o.withCompression(GrpcArguments.compressionArg(k, v))),
                    Map.entry(
                            "grpc.http2.lookahead_bytes",
                            (o, k, v) -> o.withInitialWindowSize(GrpcArguments.intArg(k, v))),
                    Map.entry("grpc.keepalive_time_ms", (o, k, v) -> {
                        int ms = GrpcArguments.intArg(k, v);
                        // C-core spells "keepalive off" as INT_MAX
                        return ms == Integer.MAX_VALUE
                                ? o.withoutKeepalive()
                                : o.withKeepaliveTime(GrpcArguments.millisArg(k, v));
                    }),
                    Map.entry(
                            "grpc.keepalive_timeout_ms",
                            (o, k, v) -> o.withKeepaliveTimeout(GrpcArguments.millisArg(k, v))),
                    Map.entry(
                            "grpc.keepalive_permit_without_calls",
                            (o, k, v) -> o.withKeepalivePermitWithoutCalls(GrpcArguments.booleanArg(k, v))),
                    Map.entry(
                            "grpc.initial_reconnect_backoff_ms",
                            (o, k, v) -> o.withInitialReconnectBackoff(GrpcArguments.millisArg(k, v))),
                    Map.entry(
                            "grpc.max_reconnect_backoff_ms",
                            (o, k, v) -> o.withMaxReconnectBackoff(GrpcArguments.millisArg(k, v))),
                    Map.entry(
                            "grpc.min_reconnect_backoff_ms",
                            (o, k, v) -> o.withConnectTimeout(GrpcArguments.millisArg(k, v))),
                    Map.entry(
                            "grpc.client_idle_timeout_ms",
                            (o, k, v) -> o.withIdleTimeout(GrpcArguments.millisArg(k, v))),
                    Map.entry(
                            "grpc.lb_policy_name",
                            (o, k, v) -> o.withLoadBalancingPolicy(GrpcArguments.stringArg(k, v))),
                    Map.entry("grpc.service_config", (o, k, v) -> o.withServiceConfig(GrpcArguments.stringArg(k, v))),
                    Map.entry("grpc.enable_retries", (o, k, v) -> o.withRetriesEnabled(GrpcArguments.booleanArg(k, v))),
                    Map.entry(
                            "grpc.per_rpc_retry_buffer_size",
                            (o, k, v) -> o.withPerRpcRetryBufferSize(GrpcArguments.intArg(k, v))),
                    Map.entry(
                            "grpc.dns_min_time_between_resolutions_ms",
                            (o, k, v) ->
                                    o.withDnsMinTimeBetweenResolutions(Duration.ofMillis(GrpcArguments.intArg(k, v)))),
                    // 0: no HTTP proxy, which is what rpc-vertx does; 1 (C-core's default) asks for proxy support
                    // rpc-vertx does not have, so it is accepted with the warning
                    Map.entry("grpc.enable_http_proxy", (o, k, v) -> GrpcArguments.booleanArg(k, v) ? null : o),
                    Map.entry(
                            "rpcvertx.connection_window_size",
                            (o, k, v) -> o.withConnectionWindowSize(GrpcArguments.intArg(k, v))),
                    Map.entry(
                            "rpcvertx.max_concurrent_streams",
                            (o, k, v) -> o.withMaxConcurrentStreams(GrpcArguments.intArg(k, v))),
                    Map.entry(
                            "rpcvertx.max_pending_calls",
                            (o, k, v) -> o.withMaxPendingCalls(GrpcArguments.intArg(k, v))),
                    Map.entry(
                            "rpcvertx.reconnect_backoff_multiplier",
                            (o, k, v) -> o.withReconnectBackoffMultiplier(GrpcArguments.doubleArg(k, v))),
                    Map.entry(
                            "rpcvertx.reconnect_backoff_jitter",
                            (o, k, v) -> o.withReconnectBackoffJitter(GrpcArguments.doubleArg(k, v))),
                    Map.entry(
                            "rpcvertx.dns_refresh_interval_ms",
                            (o, k, v) -> o.withDnsRefreshInterval(GrpcArguments.millisArg(k, v)))),
            (o, ignored) -> o.with(c -> c.ignoredArguments = ignored));

    /**
     * Options from grpc channel arguments, as grpc.aio's {@code options=[(key, value), ...]}: for example {@code
     * fromMap(Map.of("grpc.max_receive_message_length", 16 << 20, "grpc.keepalive_time_ms", 30_000))}. Integers may be
     * any {@link Number} without a fraction, booleans a {@link Boolean} or 0/1, names a {@link String}.
     *
     * <p>The keys in {@link #argumentNames()} take effect with grpc.aio's meaning. Any other key C-core knows is
     * accepted and ignored: the ignored keys are logged in one warning ({@code System.Logger} named after this class)
     * and listed by {@link #ignoredArguments()}. grpc.aio ignores unknown keys silently; rpc-vertx rejects a key C-core
     * does not know either, as a typo, suggesting the closest known key.
     *
     * @throws IllegalArgumentException for an unknown key, a null or mistyped value, or a value out of range, naming
     *     the key
     */
    public static ChannelOptions fromMap(Map<String, ?> arguments) {
        return ARGUMENTS.apply(DEFAULT, arguments);
    }

    /** The channel argument names {@link #fromMap} implements, sorted. */
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

    /**
     * A copy with retries switched on (the default) or off ({@code grpc.enable_retries}). Off, the service config's
     * {@code retryPolicy}, {@code hedgingPolicy} and {@code retryThrottling} are ignored and a stream the server
     * refused is not retried transparently: every RPC makes exactly one attempt.
     */
    public ChannelOptions withRetriesEnabled(boolean enabled) {
        return with(c -> c.retriesEnabled = enabled);
    }

    /** Whether retries (configured and transparent) are enabled. */
    public boolean isRetriesEnabled() {
        return v.retriesEnabled;
    }

    private ChannelOptions withoutKeepalive() {
        return with(c -> c.keepaliveTime = null);
    }

    static void checkPositive(String name, Duration d) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + ": " + d + " (expected: > 0)");
        }
    }

    /** The host name the server certificate is checked against instead of the target's, if set. */
    public Optional<String> sslTargetNameOverride() {
        return Optional.ofNullable(v.sslTargetNameOverride);
    }

    /** The TLS engine of secure channels. */
    public TlsEngine tlsEngine() {
        return v.tlsEngine;
    }

    static void checkLimit(String name, int bytes) {
        if (bytes < -1) {
            throw new IllegalArgumentException(name + ": " + bytes + " (expected: >= 0, or -1 for unlimited)");
        }
    }

    static void checkWindow(String name, int bytes) {
        if (bytes < 65_535) {
            throw new IllegalArgumentException(name + ": " + bytes + " (expected: >= 65535)");
        }
    }

    /**
     * A copy with this tracing policy, used when the Vert.x instance has a tracer (for instance
     * {@code VertxOptions.setTracingOptions(new OpenTelemetryTracingOptions(openTelemetry))}): {@code ALWAYS} starts a
     * span for every call, {@code PROPAGATE} only within an existing trace, {@code IGNORE} never. The default is
     * {@code PROPAGATE} (client: a call is traced when the caller's context carries a trace (a server call's handler, or a span the application made current)). Without a tracer the policy costs nothing.
     */
    public ChannelOptions withTracingPolicy(TracingPolicy policy) {
        Objects.requireNonNull(policy, "policy");
        return with(c -> c.tracingPolicy = policy);
    }

    /** The tracing policy; see {@link #withTracingPolicy(TracingPolicy)}. */
    public TracingPolicy tracingPolicy() {
        return v.tracingPolicy;
    }
}
