package io.rpcvertx;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A service's method handlers by name (grpc.aio {@code grpc.method_handlers_generic_handler(service, handlers)}).
 * A server looks these up by {@code :path} without calling {@link #service}, so registering services this way is the
 * fast path. Immutable.
 *
 * <p>A definition may carry an opaque {@linkplain #schema() schema}: code generated from a {@code .proto} file attaches
 * the service's protobuf {@code Descriptors.ServiceDescriptor}, which server reflection uses to describe the service.
 * The API does not look at it, so it stays free of protobuf types (grpc-java's
 * {@code ServiceDescriptor.getSchemaDescriptor()}).
 */
public final class ServiceDefinition implements GenericRpcHandler {
    private final String serviceName;
    private final Map<String, RpcMethodHandler<?, ?>> byPath;
    private final @Nullable Object schema;

    private ServiceDefinition(String serviceName, Map<String, RpcMethodHandler<?, ?>> byPath, @Nullable Object schema) {
        this.serviceName = serviceName;
        this.byPath = byPath;
        this.schema = schema;
    }

    /**
     * A service from its handlers.
     *
     * @throws IllegalArgumentException if a handler belongs to another service or two handlers share a method
     */
    public static ServiceDefinition of(String serviceName, List<RpcMethodHandler<?, ?>> handlers) {
        Objects.requireNonNull(serviceName, "serviceName");
        Map<String, RpcMethodHandler<?, ?>> byPath = new LinkedHashMap<>();
        for (RpcMethodHandler<?, ?> h : handlers) {
            MethodDescriptor<?, ?> m = h.method();
            if (!m.serviceName().equals(serviceName)) {
                throw new IllegalArgumentException(
                        "handler: " + m.fullMethodName() + " (expected: a method of " + serviceName + ")");
            }
            if (byPath.put(m.path(), h) != null) {
                throw new IllegalArgumentException("handler: " + m.fullMethodName() + " registered twice");
            }
        }
        return new ServiceDefinition(serviceName, Collections.unmodifiableMap(byPath), null);
    }

    /** A service from its handlers. */
    public static ServiceDefinition of(String serviceName, RpcMethodHandler<?, ?>... handlers) {
        return of(serviceName, List.of(handlers));
    }

    /**
     * A copy in which every method handler is {@link RpcMethodHandler#blocking() blocking}: the whole servicer runs on
     * the server's blocking pool (grpc.aio's {@code migration_thread_pool} for a synchronous servicer).
     */
    public ServiceDefinition blocking() {
        Map<String, RpcMethodHandler<?, ?>> copy = new LinkedHashMap<>();
        byPath.forEach((path, handler) -> copy.put(path, handler.blocking()));
        return new ServiceDefinition(serviceName, Collections.unmodifiableMap(copy), schema);
    }

    /**
     * A copy that carries {@code schema}, a description of the service for tools such as server reflection; the
     * handlers are the same. Generated code passes the protobuf {@code Descriptors.ServiceDescriptor} of the service;
     * rpc-vertx's reflection service also accepts the {@code Descriptors.FileDescriptor} that declares it.
     */
    public ServiceDefinition withSchema(Object schema) {
        Objects.requireNonNull(schema, "schema");
        return new ServiceDefinition(serviceName, byPath, schema);
    }

    /** The schema set by {@link #withSchema}, or empty (e.g. a service built by hand). */
    public Optional<Object> schema() {
        return Optional.ofNullable(schema);
    }

    /** The fully-qualified service name, {@code package.Service}. */
    public String serviceName() {
        return serviceName;
    }

    /** The handlers, keyed by {@code :path} ({@code /package.Service/Method}). */
    public Map<String, RpcMethodHandler<?, ?>> handlersByPath() {
        return byPath;
    }

    /** The methods, in registration order. */
    public List<MethodDescriptor<?, ?>> methods() {
        List<MethodDescriptor<?, ?>> methods = new ArrayList<>();
        for (RpcMethodHandler<?, ?> h : byPath.values()) {
            methods.add(h.method());
        }
        return Collections.unmodifiableList(methods);
    }

    @Override
    public Optional<RpcMethodHandler<?, ?>> service(HandlerCallDetails details) {
        return Optional.ofNullable(byPath.get(details.method()));
    }
}
