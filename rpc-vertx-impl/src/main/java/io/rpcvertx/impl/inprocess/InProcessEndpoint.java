package io.rpcvertx.impl.inprocess;

import io.rpcvertx.impl.transport.ServerStreamHandler;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;

/**
 * A server's in-process name: where its channels find it. Each IO instance of the server {@linkplain #attach attaches}
 * an acceptor on its event loop, and new streams go round-robin over them, as TCP connections spread over the IO
 * instances, so calls run on the server's IO loops whatever transport brought them.
 */
public final class InProcessEndpoint {
    final String name;
    final VertxInternal vertx;
    /** The server's receive window per stream (its {@code initialWindowSize}): what a client may send unread. */
    final int receiveWindow;

    private final BooleanSupplier accepting;
    private final List<InProcessAcceptor> acceptors = new CopyOnWriteArrayList<>();
    private final AtomicInteger next = new AtomicInteger();
    private volatile boolean published;

    InProcessEndpoint(String name, VertxInternal vertx, int receiveWindow, BooleanSupplier accepting) {
        this.name = name;
        this.vertx = vertx;
        this.receiveWindow = receiveWindow;
        this.accepting = accepting;
    }

    /**
     * An IO instance serves this name: its new streams are handed to {@code handler} on its event loop {@code loop}.
     *
     * @param onIdle run on {@code loop} whenever the acceptor's last live stream terminates (a draining IO instance
     *     checks whether it is done)
     */
    public InProcessAcceptor attach(ContextInternal loop, ServerStreamHandler handler, Runnable onIdle) {
        InProcessAcceptor acceptor = new InProcessAcceptor(this, loop, handler, onIdle);
        acceptors.add(acceptor);
        return acceptor;
    }

    void detach(InProcessAcceptor acceptor) {
        acceptors.remove(acceptor);
    }

    /** The server has started: calls are taken from now on, and channels waiting for it are told. */
    public void publish() {
        published = true;
        InProcessRegistry.published(name);
    }

    /** Whether new calls are taken: the server has started and has not been asked to stop. */
    boolean isAccepting() {
        return published && accepting.getAsBoolean();
    }

    /** The acceptor of the next stream, round-robin; null if no IO instance serves (any more). */
    @Nullable
    InProcessAcceptor pick() {
        int size = acceptors.size();
        if (size == 0) {
            return null;
        }
        try {
            return acceptors.get(Math.floorMod(next.getAndIncrement(), size));
        } catch (IndexOutOfBoundsException e) {
            return null; // an IO instance detached meanwhile: the server is going away
        }
    }

    @Override
    public String toString() {
        return "InProcessEndpoint{" + name + "}";
    }
}
