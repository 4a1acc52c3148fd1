package io.rpcvertx.impl.inprocess;

import io.rpcvertx.impl.transport.DrainDeadline;
import io.rpcvertx.impl.transport.LiveStreams;
import io.rpcvertx.impl.transport.ServerStreamHandler;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.logging.Logger;
import io.vertx.core.internal.logging.LoggerFactory;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * One IO instance's share of an in-process endpoint, on that instance's event loop: the in-process counterpart of its
 * HTTP/2 connections. It hands new streams to the call layer, and takes part in the server's drain as a connection
 * does: no new stream once the drain began, the open ones cancelled at the drain deadline, and the IO instance is
 * drained only once every stream it accepted has terminated.
 *
 * <pre>
 * SERVING --drain(deadline)--&gt; DRAINING (new streams refused; at the deadline the open ones are cancelled)
 * any --close (the IO instance is undeployed)--&gt; CLOSED (the open streams are cancelled as by a lost connection)
 * </pre>
 */
public final class InProcessAcceptor {
    private static final Logger log = LoggerFactory.getLogger(InProcessAcceptor.class);

    enum State {
        SERVING,
        DRAINING,
        CLOSED
    }

    final InProcessEndpoint endpoint;
    final ContextInternal loop;
    final ServerStreamHandler handler;
    /** Streams whose call is live: a drain deadline cancels these. */
    private final Set<InProcessServerStream> open = new LinkedHashSet<>();
    /** Streams not yet terminated (their call is live, or its handler still runs): a drain waits for these. */
    private final LiveStreams<InProcessServerStream> live;

    private State state = State.SERVING;
    private final DrainDeadline deadline;

    InProcessAcceptor(InProcessEndpoint endpoint, ContextInternal loop, ServerStreamHandler handler, Runnable onIdle) {
        this.endpoint = endpoint;
        this.loop = loop;
        this.handler = handler;
        this.live = new LiveStreams<>(onIdle);
        this.deadline = new DrainDeadline(loop, this::cancelOpen);
    }

    /** Whether a stream arriving now is taken (on the loop). */
    boolean isAccepting() {
        return state == State.SERVING && endpoint.isAccepting();
    }

    void add(InProcessServerStream stream) {
        assert loop.inThread();
        open.add(stream);
        live.add(stream);
    }

    /** The stream closed (status written, or reset): a drain deadline no longer needs to cancel it. */
    void removeOpen(InProcessServerStream stream) {
        open.remove(stream);
    }

    /** The stream's call is over and its handler terminated (or was given up on). */
    void onTerminated(InProcessServerStream stream) {
        assert loop.inThread();
        live.terminated(stream);
    }

    /** Whether no stream is live: a draining IO instance may report itself drained. */
    public boolean isIdle() {
        return live.isEmpty();
    }

    /**
     * Starts the graceful stop, or brings its deadline forward: new streams are refused from now on, and at
     * {@code deadlineNanos} the open ones are cancelled (their handlers see it, their clients get CANCELLED).
     */
    public void drain(long deadlineNanos) {
        assert loop.inThread();
        if (state == State.CLOSED) {
            return;
        }
        state = State.DRAINING;
        deadline.bringForward(deadlineNanos);
    }

    private void cancelOpen() {
        for (InProcessServerStream stream : new ArrayList<>(open)) {
            stream.cancelForShutdown();
        }
    }

    /**
     * A stop gives up on the handlers of cancelled calls that never completed their futures: each is logged once, as
     * leaked, and no longer holds the stop (the HTTP/2 streams of the IO instance get the same treatment).
     */
    public void giveUpOnLeaked() {
        assert loop.inThread();
        live.giveUpOnAll(stream -> {
            log.warn("server stop: the handler of in-process call " + stream.path() + " did not complete after its"
                    + " call was cancelled at the grace deadline; leaked (the stop continues without it)");
            stream.giveUp();
        });
    }

    /**
     * The IO instance goes away (undeployed, e.g. as Vert.x closes): the name stops leading here, and the calls still
     * open end as on a lost connection.
     */
    public void close() {
        assert loop.inThread();
        if (state == State.CLOSED) {
            return;
        }
        state = State.CLOSED;
        deadline.cancel();
        endpoint.detach(this);
        for (InProcessServerStream stream : new ArrayList<>(open)) {
            stream.connectionLost();
        }
    }
}
