package io.rpcvertx;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
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
    /** 20 s, the gRPC connection-backoff spec's minimum connect timeout. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(20);
    /** Calls waiting for a connection or a stream slot, beyond which new calls fail RESOURCE_EXHAUSTED. */
    public static final int DEFAULT_MAX_PENDING_CALLS = 10_000;

    /** All defaults. */
    public static final ChannelOptions DEFAULT = new ChannelOptions(new Values());

    /** The mutable twin used only while copying; every field has its default here. */
    private static final class Values implements Cloneable {
        int maxReceiveMessageLength = DEFAULT_MAX_RECEIVE_MESSAGE_LENGTH;
        int maxSendMessageLength = -1;
        Compression compression = Compression.NO_COMPRESSION;

        @Nullable
        String primaryUserAgent;

        @Nullable
        String defaultAuthority;

        Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        int initialWindowSize = DEFAULT_WINDOW_SIZE;
        int connectionWindowSize = DEFAULT_WINDOW_SIZE;
        int maxPendingCalls = DEFAULT_MAX_PENDING_CALLS;

        @Nullable
        String sslTargetNameOverride;

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

    /** A copy with this connect timeout. */
    public ChannelOptions withConnectTimeout(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("connectTimeout: " + timeout + " (expected: > 0)");
        }
        return with(c -> c.connectTimeout = timeout);
    }

    /** A copy with this HTTP/2 per-stream receive window in bytes. */
    public ChannelOptions withInitialWindowSize(int bytes) {
        checkWindow("initialWindowSize", bytes);
        return with(c -> c.initialWindowSize = bytes);
    }

    /** A copy with this HTTP/2 connection receive window in bytes. */
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
}
