package io.rpcvertx.impl.eventbus;

import io.rpcvertx.impl.transport.DrainDeadline;
import io.rpcvertx.impl.transport.LiveStreams;
import io.rpcvertx.impl.transport.ServerStreamHandler;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.logging.Logger;
import io.vertx.core.internal.logging.LoggerFactory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * One IO instance's share of a server's event-bus address, on that instance's event loop: the event-bus counterpart of
 * its HTTP/2 connections. It consumes two addresses: the server's address, shared with every other consumer of it,
 * where calls open; and an address of its own, which its acks name, where the rest of each call's client messages
 * come, so a call stays on the IO instance (and node) that took it. It takes part in the server's drain as a
 * connection does, and cancels calls whose client fell silent (a client pings its servers every
 * {@link EventBusWire#PING_INTERVAL_MS}).
 *
 * <pre>
 * SERVING --drain(deadline)--&gt; DRAINING (opens are refused; at the deadline the open calls are cancelled)
 * any --close (the IO instance is undeployed)--&gt; CLOSED (the open streams end as on a lost connection)
 * </pre>
 */
public final class EventBusAcceptor implements EventBusServerStream.Host {
    private static final Logger log = LoggerFactory.getLogger(EventBusAcceptor.class);

    enum State {
        SERVING,
        DRAINING,
        CLOSED
    }

    final EventBusEndpoint endpoint;
    final ContextInternal loop;
    final ServerStreamHandler handler;
    final String ownAddress = EventBusWire.uniqueAddress("server");
    private final EventBus bus;
    /** Streams whose call is live, by call id: client messages go to these. */
    private final Map<String, EventBusServerStream> open = new HashMap<>();
    /** Streams not yet terminated: a drain waits for these. */
    private final LiveStreams<EventBusServerStream> live;
    /** When each client channel last pinged us ({@link System#nanoTime()}). */
    private final Map<String, Long> clientPings = new HashMap<>();

    private State state = State.SERVING;
    private @Nullable MessageConsumer<Object> shared;
    private @Nullable MessageConsumer<Object> own;
    private final DrainDeadline deadline;
    private long sweepTimer = -1;

    EventBusAcceptor(EventBusEndpoint endpoint, ContextInternal loop, ServerStreamHandler handler, Runnable onIdle) {
        this.endpoint = endpoint;
        this.loop = loop;
        this.handler = handler;
        this.live = new LiveStreams<>(onIdle);
        this.deadline = new DrainDeadline(loop, this::cancelOpen);
        this.bus = loop.owner().eventBus();
    }

    /** Consumes the addresses (on the loop); completes once both consumers are registered (cluster-wide if clustered). */
    public Future<Void> start() {
        assert loop.inThread();
        MessageConsumer<Object> s = bus.consumer(endpoint.address, this::onShared);
        MessageConsumer<Object> o = bus.consumer(ownAddress, this::onOwn);
        shared = s;
        own = o;
        sweepTimer = loop.setPeriodic(EventBusWire.PING_INTERVAL_MS, id -> sweep());
        return Future.all(s.completion(), o.completion()).mapEmpty();
    }

    // ---------------------------------------------------------------- messages

    /** The shared address: a call opens, or a channel probes for a server. */
    private void onShared(Message<Object> message) {
        MultiMap headers = message.headers();
        String kind = headers.get(EventBusWire.KIND);
        if (EventBusWire.PING.equals(kind)) {
            message.reply(null, new DeliveryOptions().addHeader(EventBusWire.KIND, EventBusWire.ACK));
            return;
        }
        if (!EventBusWire.OPEN.equals(kind)) {
            message.fail(400, "expected an open or a ping on " + endpoint.address + ", got " + kind);
            return;
        }
        String call = headers.get(EventBusWire.CALL);
        String replyTo = headers.get(EventBusWire.REPLY_TO);
        String path = headers.get(EventBusWire.PATH);
        if (call == null || replyTo == null || path == null) {
            message.fail(
                    400,
                    "an open needs " + EventBusWire.CALL + ", " + EventBusWire.REPLY_TO + " and " + EventBusWire.PATH);
            return;
        }
        if (state != State.SERVING || !endpoint.isAccepting() || open.containsKey(call)) {
            // a call racing the stop: as HTTP/2's REFUSED_STREAM, nothing was processed
            message.reply(null, new DeliveryOptions().addHeader(EventBusWire.KIND, EventBusWire.REFUSE));
            return;
        }
        int window = EventBusWire.intHeader(headers, EventBusWire.WINDOW, EventBusWire.WINDOW_MESSAGES);
        EventBusServerStream stream = new EventBusServerStream(
                loop.duplicate(),
                this,
                bus::send,
                call,
                replyTo,
                path,
                EventBusWire.grpcHeaders(headers),
                Math.max(1, window));
        open.put(call, stream);
        live.add(stream);
        message.reply(
                null,
                new DeliveryOptions()
                        .addHeader(EventBusWire.KIND, EventBusWire.ACK)
                        .addHeader(EventBusWire.SERVER, ownAddress)
                        .addHeader(EventBusWire.WINDOW, Integer.toString(EventBusWire.WINDOW_MESSAGES)));
        stream.context().dispatch(message, m -> {
            handler.streamCreated(stream);
            stream.onClientMessage(m);
        });
    }

    /** Our own address: a message of a call we took, or a client's ping. */
    private void onOwn(Message<Object> message) {
        MultiMap headers = message.headers();
        if (EventBusWire.PING.equals(headers.get(EventBusWire.KIND))) {
            String client = headers.get(EventBusWire.REPLY_TO);
            if (client != null) {
                clientPings.put(client, System.nanoTime());
            }
            message.reply(null);
            return;
        }
        String call = headers.get(EventBusWire.CALL);
        EventBusServerStream stream = call == null ? null : open.get(call);
        if (stream != null) {
            stream.context().dispatch(message, stream::onClientMessage);
        }
        // else: the call is over here; what its client still sends is dropped, as frames after RST_STREAM
    }

    /** Calls whose client has been silent past the peer timeout end as on a lost connection. */
    private void sweep() {
        long now = System.nanoTime();
        long timeout = TimeUnit.MILLISECONDS.toNanos(EventBusWire.PEER_TIMEOUT_MS);
        for (EventBusServerStream stream : new ArrayList<>(open.values())) {
            Long pinged = clientPings.get(stream.clientAddress);
            long heard = pinged == null ? stream.lastHeardNanos : Math.max(pinged, stream.lastHeardNanos);
            if (now - heard > timeout) {
                stream.context()
                        .dispatch(
                                stream,
                                s -> s.connectionLost("the client " + s.clientAddress + " fell silent for more than "
                                        + EventBusWire.PEER_TIMEOUT_MS + " ms"));
            }
        }
        for (Iterator<Long> it = clientPings.values().iterator(); it.hasNext(); ) {
            if (now - it.next() > timeout) {
                it.remove();
            }
        }
    }

    // ---------------------------------------------------------------- streams

    /** The stream closed: client messages of its call are dropped from now on, a drain no longer cancels it. */
    @Override
    public void removeOpen(EventBusServerStream stream) {
        open.remove(stream.call, stream);
    }

    @Override
    public void onTerminated(EventBusServerStream stream) {
        live.terminated(stream);
    }

    public boolean isIdle() {
        return live.isEmpty();
    }

    // ---------------------------------------------------------------- drain and close

    /**
     * Starts the graceful stop, or brings its deadline forward: new calls are refused from now on (as REFUSED_STREAM:
     * the client may replay them on another server of the address), and at {@code deadlineNanos} the open calls are
     * cancelled.
     */
    public void drain(long deadlineNanos) {
        assert loop.inThread();
        if (state == State.CLOSED) {
            return;
        }
        // the shared address stays consumed until close: an open that reaches us is refused (the client may replay it
        // elsewhere), where an address unregistered under a node that still lists it would leave the open unanswered
        state = State.DRAINING;
        deadline.bringForward(deadlineNanos);
    }

    private void cancelOpen() {
        for (EventBusServerStream stream : new ArrayList<>(open.values())) {
            stream.context().dispatch(stream, EventBusServerStream::cancelForShutdown);
        }
    }

    /** A stop gives up on the handlers of cancelled calls that never completed their futures (logged once each). */
    public void giveUpOnLeaked() {
        assert loop.inThread();
        live.giveUpOnAll(stream -> {
            log.warn("server stop: the handler of event-bus call " + stream.path() + " did not complete after its"
                    + " call was cancelled at the grace deadline; leaked (the stop continues without it)");
            stream.giveUp();
        });
    }

    /** The IO instance goes away: both addresses are released, and the calls still open end as on a lost connection. */
    public Future<Void> close() {
        assert loop.inThread();
        if (state == State.CLOSED) {
            return Future.succeededFuture();
        }
        state = State.CLOSED;
        deadline.cancel();
        if (sweepTimer >= 0) {
            loop.owner().cancelTimer(sweepTimer);
            sweepTimer = -1;
        }
        for (EventBusServerStream stream : new ArrayList<>(open.values())) {
            stream.context().dispatch(stream, s -> s.connectionLost("the server's IO instance went away"));
        }
        List<Future<Void>> unregistering = new ArrayList<>();
        unregistering.add(unregisterShared());
        MessageConsumer<Object> o = own;
        own = null;
        if (o != null) {
            unregistering.add(o.unregister());
        }
        return Future.join(unregistering).mapEmpty();
    }

    private Future<Void> unregisterShared() {
        MessageConsumer<Object> s = shared;
        shared = null;
        return s == null ? Future.succeededFuture() : s.unregister();
    }
}
