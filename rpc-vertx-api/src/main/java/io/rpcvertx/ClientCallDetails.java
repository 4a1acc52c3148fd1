package io.rpcvertx;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * What a client interceptor sees of an RPC about to start, and may replace (grpc.aio {@code ClientCallDetails}): the
 * method and grpc.aio's per-call keyword arguments. Immutable; an interceptor passes a modified copy to its
 * continuation.
 *
 * <pre>{@code
 * ClientCallDetails withToken = details.withMetadata(
 *     details.metadata().toBuilder().add("authorization", "Bearer " + token).build());
 * return continuation.call(withToken, request);
 * }</pre>
 *
 * <p>The timeout is measured from the moment the application made the call, as without interceptors: time spent in
 * interceptors counts against it, also after an interceptor replaced it.
 */
public final class ClientCallDetails {
    private final String method;
    private final CallOptions options;

    private ClientCallDetails(String method, CallOptions options) {
        this.method = method;
        this.options = options;
    }

    /**
     * Details for {@code method} with these options.
     *
     * @param method {@code /package.Service/Method}; the form without the leading {@code /} is accepted
     * @throws IllegalArgumentException if the name is not {@code service/method} with both parts non-empty
     */
    public static ClientCallDetails of(String method, CallOptions options) {
        Objects.requireNonNull(options, "options");
        return new ClientCallDetails(normalizeMethod(method), options);
    }

    private static String normalizeMethod(String method) {
        Objects.requireNonNull(method, "method");
        String name = method.startsWith("/") ? method.substring(1) : method;
        int slash = name.indexOf('/');
        if (slash <= 0 || slash == name.length() - 1 || name.indexOf('/', slash + 1) >= 0) {
            throw new IllegalArgumentException("method: \"" + method + "\" (expected: /package.Service/Method)");
        }
        return "/" + name;
    }

    /** The method path, {@code /package.Service/Method}. */
    public String method() {
        return method;
    }

    /** The timeout, if any. */
    public Optional<Duration> timeout() {
        return options.timeout();
    }

    /** The request metadata. */
    public Metadata metadata() {
        return options.metadata();
    }

    /** The call credentials, if any. */
    public Optional<CallCredentials> credentials() {
        return options.credentials();
    }

    /** The wait-for-ready choice, if set. */
    public Optional<Boolean> waitForReady() {
        return options.waitForReady();
    }

    /** The request compression, if set. */
    public Optional<Compression> compression() {
        return options.compression();
    }

    /** The same details as {@link CallOptions}. */
    public CallOptions callOptions() {
        return options;
    }

    /**
     * A copy calling another method of the same shape; the request and response marshallers stay the same.
     *
     * @throws IllegalArgumentException if the name is not {@code /service/method}
     */
    public ClientCallDetails withMethod(String method) {
        return new ClientCallDetails(normalizeMethod(method), options);
    }

    /** A copy with this timeout, measured from the moment the application made the call. */
    public ClientCallDetails withTimeout(Duration timeout) {
        return new ClientCallDetails(method, options.withTimeout(timeout));
    }

    /** A copy without a timeout. */
    public ClientCallDetails withoutTimeout() {
        return new ClientCallDetails(method, options.withoutTimeout());
    }

    /** A copy sending this request metadata instead. */
    public ClientCallDetails withMetadata(Metadata metadata) {
        return new ClientCallDetails(method, options.withMetadata(metadata));
    }

    /** A copy with these call credentials. */
    public ClientCallDetails withCredentials(CallCredentials credentials) {
        return new ClientCallDetails(method, options.withCredentials(credentials));
    }

    /** A copy with this wait-for-ready choice. */
    public ClientCallDetails withWaitForReady(boolean waitForReady) {
        return new ClientCallDetails(method, options.withWaitForReady(waitForReady));
    }

    /** A copy compressing requests with this algorithm. */
    public ClientCallDetails withCompression(Compression compression) {
        return new ClientCallDetails(method, options.withCompression(compression));
    }

    /** A copy with all of these options (replacing timeout, metadata, credentials, wait-for-ready, compression). */
    public ClientCallDetails withCallOptions(CallOptions options) {
        Objects.requireNonNull(options, "options");
        return new ClientCallDetails(method, options);
    }

    @Override
    public String toString() {
        return "ClientCallDetails{" + method + ", " + options + "}";
    }
}
