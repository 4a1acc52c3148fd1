package io.rpcvertx.impl.eventbus;

import io.rpcvertx.impl.transport.ServerStreamHandler;
import io.vertx.core.internal.ContextInternal;
import java.util.function.BooleanSupplier;

/**
 * A server's event-bus address: each IO instance of the server {@linkplain #attach attaches} an acceptor on its event
 * loop, which consumes the address. The event bus round-robins the calls' first messages over every consumer of the
 * address, those of this server's IO instances and those of other servers on the same address, on any node of a
 * clustered event bus.
 */
public final class EventBusEndpoint {
    final String address;
    private final BooleanSupplier accepting;

    /**
     * @param accepting whether the server takes new calls (false once it stops)
     */
    public EventBusEndpoint(String address, BooleanSupplier accepting) {
        this.address = address;
        this.accepting = accepting;
    }

    /**
     * An IO instance serves this address: its new streams are handed to {@code handler} on its event loop {@code loop}.
     * Its consumers are registered by {@link EventBusAcceptor#start()}, which must run on {@code loop}.
     *
     * @param onIdle run on {@code loop} whenever the acceptor's last live stream terminates
     */
    public EventBusAcceptor attach(ContextInternal loop, ServerStreamHandler handler, Runnable onIdle) {
        return new EventBusAcceptor(this, loop, handler, onIdle);
    }

    boolean isAccepting() {
        return accepting.getAsBoolean();
    }

    public String address() {
        return address;
    }

    @Override
    public String toString() {
        return "EventBusEndpoint{" + address + "}";
    }
}
