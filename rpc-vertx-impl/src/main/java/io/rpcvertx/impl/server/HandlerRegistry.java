package io.rpcvertx.impl.server;

import io.rpcvertx.GenericRpcHandler;
import io.rpcvertx.HandlerCallDetails;
import io.rpcvertx.RpcMethodHandler;
import io.rpcvertx.ServiceDefinition;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The handlers frozen at {@code start()}: {@link ServiceDefinition}s are indexed by {@code :path} (no metadata needed);
 * other {@link GenericRpcHandler}s are asked in registration order. A path served by an earlier generic handler
 * keeps precedence over a later service definition, as in grpc.aio.
 */
final class HandlerRegistry {
    private final Map<String, RpcMethodHandler<?, ?>> byPath;
    private final List<GenericRpcHandler> generic;
    private final Set<String> services;

    private HandlerRegistry(
            Map<String, RpcMethodHandler<?, ?>> byPath, List<GenericRpcHandler> generic, Set<String> services) {
        this.byPath = byPath;
        this.generic = generic;
        this.services = services;
    }

    static HandlerRegistry of(List<GenericRpcHandler> handlers) {
        Map<String, RpcMethodHandler<?, ?>> byPath = new HashMap<>();
        List<GenericRpcHandler> generic = new ArrayList<>();
        Set<String> services = new HashSet<>();
        for (GenericRpcHandler h : handlers) {
            if (h instanceof ServiceDefinition && generic.isEmpty()) {
                ServiceDefinition sd = (ServiceDefinition) h;
                services.add(sd.serviceName());
                sd.handlersByPath().forEach(byPath::putIfAbsent);
            } else {
                generic.add(h);
                if (h instanceof ServiceDefinition) {
                    services.add(((ServiceDefinition) h).serviceName());
                }
            }
        }
        return new HandlerRegistry(Map.copyOf(byPath), List.copyOf(generic), Set.copyOf(services));
    }

    /**
     * The handler a service definition registered for {@code path} ahead of any generic handler, or null: then, if
     * there are {@linkplain #hasGenericHandlers() generic handlers}, {@link #lookup} asks them (the call's details are
     * only made for those).
     */
    @Nullable
    RpcMethodHandler<?, ?> registered(String path) {
        return byPath.get(path);
    }

    boolean hasGenericHandlers() {
        return !generic.isEmpty();
    }

    /** The handler for {@code details.method()}, or null. A generic handler's exception propagates. */
    @Nullable
    RpcMethodHandler<?, ?> lookup(HandlerCallDetails details) {
        RpcMethodHandler<?, ?> h = byPath.get(details.method());
        if (h != null || generic.isEmpty()) {
            return h;
        }
        for (GenericRpcHandler g : generic) {
            Optional<RpcMethodHandler<?, ?>> found = g.service(details);
            if (found.isPresent()) {
                return found.get();
            }
        }
        return null;
    }

    /** Whether {@code path} is a method of a registered service definition (not only a generic handler's). */
    boolean isRegistered(String path) {
        return byPath.containsKey(path);
    }

    /** Whether a registered service definition has this name (for the "unknown service" message). */
    boolean knowsService(String serviceName) {
        return services.contains(serviceName);
    }
}
