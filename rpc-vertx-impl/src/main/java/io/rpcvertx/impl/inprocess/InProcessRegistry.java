package io.rpcvertx.impl.inprocess;

import io.rpcvertx.ServerOptions;
import io.vertx.core.internal.VertxInternal;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;

/**
 * The in-process names of this JVM (grpc-java's {@code InProcessServer} registry): a name belongs to at most one
 * server from the start of that server until it has stopped. Channels look names up at each call, so a server started
 * after its channel is found, and one that stopped is not.
 */
public final class InProcessRegistry {
    private static final ConcurrentMap<String, InProcessEndpoint> SERVERS = new ConcurrentHashMap<>();
    /** Actions waiting for a name to be served (channels with wait-for-ready calls or {@code channelReady()}). */
    private static final ConcurrentMap<String, List<Runnable>> WATCHERS = new ConcurrentHashMap<>();

    private InProcessRegistry() {}

    /**
     * Reserves {@code name} for a server that is starting; its channels find it from now on, and get streams once it
     * {@linkplain InProcessEndpoint#publish() publishes} itself.
     *
     * @param accepting whether the server takes new calls (false once it stops)
     * @throws IllegalStateException if another server holds the name
     */
    public static InProcessEndpoint claim(
            String name, VertxInternal vertx, ServerOptions options, BooleanSupplier accepting) {
        InProcessEndpoint endpoint = new InProcessEndpoint(name, vertx, options.initialWindowSize(), accepting);
        InProcessEndpoint previous = SERVERS.putIfAbsent(name, endpoint);
        if (previous != null) {
            throw new IllegalStateException("in-process name \"" + name + "\" is already served by another server");
        }
        return endpoint;
    }

    /** The server stopped: the name is free again. */
    public static void release(InProcessEndpoint endpoint) {
        SERVERS.remove(endpoint.name, endpoint);
    }

    static @Nullable InProcessEndpoint lookup(String name) {
        return SERVERS.get(name);
    }

    /**
     * Runs {@code action} (on the thread that publishes) the next time a server of {@code name} starts serving. A
     * watcher that looked the name up before registering checks again after: a publication in between is not repeated.
     */
    static void watch(String name, Runnable action) {
        WATCHERS.computeIfAbsent(name, n -> new CopyOnWriteArrayList<>()).add(action);
    }

    static void unwatch(String name, Runnable action) {
        List<Runnable> actions = WATCHERS.get(name);
        if (actions != null) {
            actions.remove(action);
        }
    }

    static void published(String name) {
        List<Runnable> actions = WATCHERS.remove(name);
        if (actions != null) {
            for (Runnable action : actions) {
                action.run();
            }
        }
    }
}
