package io.rpcvertx.services.gateway;

import io.rpcvertx.ChannelOptions;
import java.time.Duration;
import java.util.Objects;

/** Options of an {@link EventBusGateway}: an immutable value. */
public final class GatewayOptions {
    /** The default request limit: gRPC's default receive limit, 4 MiB of JSON. */
    public static final int DEFAULT_MAX_REQUEST_BYTES = ChannelOptions.DEFAULT_MAX_RECEIVE_MESSAGE_LENGTH;
    /** The default credit of a streaming client that does not grant: 16 responses. */
    public static final int DEFAULT_CREDIT = 16;
    /** The default idle timeout of a streaming call: 60 seconds without a message from the client. */
    public static final Duration DEFAULT_STREAM_IDLE_TIMEOUT = Duration.ofSeconds(60);

    /** All defaults: every call admitted, requests up to 4 MiB, credit 16, streams idle for 60 s cancelled. */
    public static final GatewayOptions DEFAULT = new GatewayOptions(
            DEFAULT_MAX_REQUEST_BYTES, GatewayAuthorizer.ALLOW_ALL, DEFAULT_CREDIT, DEFAULT_STREAM_IDLE_TIMEOUT);

    private final int maxRequestBytes;
    private final GatewayAuthorizer authorizer;
    private final int defaultCredit;
    private final Duration streamIdleTimeout;

    private GatewayOptions(
            int maxRequestBytes, GatewayAuthorizer authorizer, int defaultCredit, Duration streamIdleTimeout) {
        this.maxRequestBytes = maxRequestBytes;
        this.authorizer = authorizer;
        this.defaultCredit = defaultCredit;
        this.streamIdleTimeout = streamIdleTimeout;
    }

    /** A copy refusing JSON requests longer than {@code bytes} (UTF-8) with {@code RESOURCE_EXHAUSTED}. */
    public GatewayOptions withMaxRequestBytes(int bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("maxRequestBytes: " + bytes + " (expected: >= 0)");
        }
        return new GatewayOptions(bytes, authorizer, defaultCredit, streamIdleTimeout);
    }

    /** A copy asking {@code authorizer} about each call before it reaches the server. */
    public GatewayOptions withAuthorizer(GatewayAuthorizer authorizer) {
        return new GatewayOptions(
                maxRequestBytes, Objects.requireNonNull(authorizer, "authorizer"), defaultCredit, streamIdleTimeout);
    }

    /**
     * A copy giving {@code credit} responses to a streaming client whose first control message is not a grant
     * ({@code {"request": n}}): it receives that many, then the server is held until it grants more.
     */
    public GatewayOptions withDefaultCredit(int credit) {
        if (credit < 0) {
            throw new IllegalArgumentException("defaultCredit: " + credit + " (expected: >= 0)");
        }
        return new GatewayOptions(maxRequestBytes, authorizer, credit, streamIdleTimeout);
    }

    /**
     * A copy cancelling a streaming call whose client has sent nothing to its control address for {@code timeout}
     * (the client is taken to be gone); {@code {"request": 0}} keeps a quiet stream alive.
     */
    public GatewayOptions withStreamIdleTimeout(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("streamIdleTimeout: " + timeout + " (expected: > 0)");
        }
        return new GatewayOptions(maxRequestBytes, authorizer, defaultCredit, timeout);
    }

    /** The request limit in bytes. */
    public int maxRequestBytes() {
        return maxRequestBytes;
    }

    /** The authorization hook. */
    public GatewayAuthorizer authorizer() {
        return authorizer;
    }

    /** The credit of a streaming client that starts without granting. */
    public int defaultCredit() {
        return defaultCredit;
    }

    /** How long a streaming call waits for its silent client before cancelling it. */
    public Duration streamIdleTimeout() {
        return streamIdleTimeout;
    }
}
