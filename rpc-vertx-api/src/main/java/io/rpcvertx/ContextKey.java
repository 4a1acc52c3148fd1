package io.rpcvertx;

import java.util.Objects;

/**
 * A typed key for a value that a {@link ServerInterceptor} hands to the handler of one call: the interceptor adds it
 * with {@link HandlerCallDetails#withValue} and passes those details to its continuation; the handler reads it with
 * {@link ServicerContext#get}. Keys compare by identity (two keys with the same name are different keys), so create
 * each one once, as a constant. Immutable and thread-safe.
 *
 * <pre>{@code
 * static final ContextKey<String> USER = ContextKey.named("user");
 *
 * // in ServerInterceptor.interceptService(continuation, details):
 * return continuation.apply(details.withValue(USER, userFromToken));
 *
 * // in the handler:
 * String user = context.get(USER).orElseThrow();
 * }</pre>
 *
 * @param <T> the type of the value
 */
public final class ContextKey<T> {
    private final String name;

    private ContextKey(String name) {
        this.name = name;
    }

    /** A new key; {@code name} is for debugging only and need not be unique. */
    public static <T> ContextKey<T> named(String name) {
        return new ContextKey<>(Objects.requireNonNull(name, "name"));
    }

    /** The name given at creation. */
    public String name() {
        return name;
    }

    @Override
    public String toString() {
        return "ContextKey{" + name + "}";
    }
}
