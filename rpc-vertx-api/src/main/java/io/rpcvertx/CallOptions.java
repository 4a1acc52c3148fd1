package io.rpcvertx;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Per-call options: grpc.aio's keyword arguments {@code timeout, metadata, credentials, wait_for_ready, compression}
 * as an immutable value.
 *
 * <pre>{@code
 * CallOptions options = CallOptions.DEFAULT
 *     .withTimeout(Duration.ofSeconds(2))
 *     .withMetadata(Metadata.of("x-request-id", "42"))
 *     .withCompression(Compression.GZIP);
 * }</pre>
 */
public final class CallOptions {
    /** No timeout, no metadata, no credentials, channel defaults for the rest. */
    public static final CallOptions DEFAULT = new CallOptions(null, Metadata.EMPTY, null, null, null);

    private final @Nullable Duration timeout;
    private final Metadata metadata;
    private final @Nullable CallCredentials credentials;
    private final @Nullable Boolean waitForReady;
    private final @Nullable Compression compression;

    private CallOptions(
            @Nullable Duration timeout,
            Metadata metadata,
            @Nullable CallCredentials credentials,
            @Nullable Boolean waitForReady,
            @Nullable Compression compression) {
        this.timeout = timeout;
        this.metadata = metadata;
        this.credentials = credentials;
        this.waitForReady = waitForReady;
        this.compression = compression;
    }

    /**
     * A copy with a deadline {@code timeout} after the call is created. The deadline covers connecting and queueing;
     * when it passes the call ends with {@link StatusCode#DEADLINE_EXCEEDED}. Zero or negative expires at once.
     */
    public CallOptions withTimeout(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        return new CallOptions(timeout, metadata, credentials, waitForReady, compression);
    }

    /** A copy without a deadline. */
    public CallOptions withoutTimeout() {
        return new CallOptions(null, metadata, credentials, waitForReady, compression);
    }

    /** A copy sending this request metadata. */
    public CallOptions withMetadata(Metadata metadata) {
        Objects.requireNonNull(metadata, "metadata");
        return new CallOptions(timeout, metadata, credentials, waitForReady, compression);
    }

    /** A copy with call credentials (see {@link CallCredentials} for insecure channels). */
    public CallOptions withCredentials(CallCredentials credentials) {
        Objects.requireNonNull(credentials, "credentials");
        return new CallOptions(timeout, metadata, credentials, waitForReady, compression);
    }

    /**
     * A copy that waits for the channel to become ready instead of failing fast with {@link StatusCode#UNAVAILABLE}
     * while it is in {@link ChannelConnectivity#TRANSIENT_FAILURE}.
     */
    public CallOptions withWaitForReady(boolean waitForReady) {
        return new CallOptions(timeout, metadata, credentials, waitForReady, compression);
    }

    /** A copy compressing request messages with this algorithm (overrides the channel default). */
    public CallOptions withCompression(Compression compression) {
        Objects.requireNonNull(compression, "compression");
        return new CallOptions(timeout, metadata, credentials, waitForReady, compression);
    }

    /** The timeout, if any. */
    public Optional<Duration> timeout() {
        return Optional.ofNullable(timeout);
    }

    /** The request metadata. */
    public Metadata metadata() {
        return metadata;
    }

    /** The call credentials, if any. */
    public Optional<CallCredentials> credentials() {
        return Optional.ofNullable(credentials);
    }

    /** The wait-for-ready choice, if set; otherwise the channel decides (default: fail fast). */
    public Optional<Boolean> waitForReady() {
        return Optional.ofNullable(waitForReady);
    }

    /** The request compression, if set; otherwise the channel default. */
    public Optional<Compression> compression() {
        return Optional.ofNullable(compression);
    }

    @Override
    public String toString() {
        return "CallOptions{timeout=" + timeout + ", metadata=" + metadata + ", credentials=" + (credentials != null)
                + ", waitForReady=" + waitForReady + ", compression=" + compression + "}";
    }
}
