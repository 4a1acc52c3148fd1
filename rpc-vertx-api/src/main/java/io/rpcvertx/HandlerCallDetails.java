package io.rpcvertx;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What a {@link GenericRpcHandler} or {@link ServerInterceptor} sees of an incoming RPC before it is dispatched
 * (grpc.aio {@code HandlerCallDetails}), plus the call values interceptors add for the handler. Immutable: an
 * interceptor passes a changed copy to its continuation.
 *
 * <p>As in grpc.aio, the method and metadata given to a continuation only steer the handler lookup; the handler's
 * {@link ServicerContext#method()} and {@link ServicerContext#invocationMetadata()} stay what the client sent. The
 * values ({@link #withValue}) reach the handler: it sees those of the details last passed to a continuation.
 */
public final class HandlerCallDetails {
    private final String method;
    private final Metadata invocationMetadata;
    private final Map<ContextKey<?>, Object> values;

    /**
     * Details without call values.
     *
     * @param method the full method name, {@code /package.Service/Method}
     * @param invocationMetadata the request metadata
     */
    public HandlerCallDetails(String method, Metadata invocationMetadata) {
        this(method, invocationMetadata, Map.of());
    }

    private HandlerCallDetails(String method, Metadata invocationMetadata, Map<ContextKey<?>, Object> values) {
        this.method = Objects.requireNonNull(method, "method");
        this.invocationMetadata = Objects.requireNonNull(invocationMetadata, "invocationMetadata");
        this.values = values;
    }

    /** The full method name, {@code /package.Service/Method}. */
    public String method() {
        return method;
    }

    /** The request metadata. */
    public Metadata invocationMetadata() {
        return invocationMetadata;
    }

    /** The value added under {@code key}, if any. */
    public <T> Optional<T> get(ContextKey<T> key) {
        Objects.requireNonNull(key, "key");
        @SuppressWarnings("unchecked") // withValue only stores a T under a ContextKey<T>
        T value = (T) values.get(key);
        return Optional.ofNullable(value);
    }

    /** A copy with {@code value} under {@code key} (replacing an earlier value of that key). */
    public <T> HandlerCallDetails withValue(ContextKey<T> key, T value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        Map<ContextKey<?>, Object> copy = new HashMap<>(values);
        copy.put(key, value);
        return new HandlerCallDetails(method, invocationMetadata, Map.copyOf(copy));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HandlerCallDetails
                && ((HandlerCallDetails) o).method.equals(method)
                && ((HandlerCallDetails) o).invocationMetadata.equals(invocationMetadata)
                && ((HandlerCallDetails) o).values.equals(values);
    }

    @Override
    public int hashCode() {
        return Objects.hash(method, invocationMetadata, values);
    }

    @Override
    public String toString() {
        return "HandlerCallDetails{" + method + ", " + invocationMetadata + (values.isEmpty() ? "" : ", " + values)
                + "}";
    }
}
