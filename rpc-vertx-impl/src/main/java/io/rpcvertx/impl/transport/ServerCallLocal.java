package io.rpcvertx.impl.transport;

import io.rpcvertx.RpcContext;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxBootstrap;
import io.vertx.core.spi.VertxServiceProvider;
import io.vertx.core.spi.context.storage.AccessMode;
import io.vertx.core.spi.context.storage.ContextLocal;
import org.jspecify.annotations.Nullable;

/**
 * The server call a piece of code runs for, as a Vert.x context-local of the call's duplicated context: a server call
 * publishes itself when it starts, and a client call created while that context is current (in the handler, or in a
 * callback of a future bound to it) can inherit its deadline and cancellation (deadline propagation).
 *
 * <p>Vert.x sizes every context's local storage when the {@code Vertx} instance is built, so the local is registered
 * by this class's initializer, which runs when Vert.x loads this {@link VertxServiceProvider} (declared in {@code
 * META-INF/services}) while building its first instance.
 */
public final class ServerCallLocal implements VertxServiceProvider {
    private static final ContextLocal<RpcContext> LOCAL = ContextLocal.registerLocal(RpcContext.class);

    /** For {@link java.util.ServiceLoader}. */
    public ServerCallLocal() {}

    @Override
    public void init(VertxBootstrap builder) {
        // registration happened in the static initializer, exactly once per class loader
    }

    /** Publishes {@code call} in its own (duplicated) context. */
    public static void publish(ContextInternal context, RpcContext call) {
        context.putLocal(LOCAL, AccessMode.CONCURRENT, call);
    }

    /** The server call whose context {@code context} is, or null. */
    public static @Nullable RpcContext get(ContextInternal context) {
        try {
            return context.getLocal(LOCAL, AccessMode.CONCURRENT);
        } catch (IllegalArgumentException e) {
            return null; // a Vertx built before this class was loaded (another class loader) has no slot for it
        }
    }
}
