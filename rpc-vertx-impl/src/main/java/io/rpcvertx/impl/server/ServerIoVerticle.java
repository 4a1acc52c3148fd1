package io.rpcvertx.impl.server;

import io.rpcvertx.Http2Transport;
import io.rpcvertx.impl.eventbus.EventBusAcceptor;
import io.rpcvertx.impl.eventbus.EventBusEndpoint;
import io.rpcvertx.impl.inprocess.InProcessAcceptor;
import io.rpcvertx.impl.inprocess.InProcessEndpoint;
import io.rpcvertx.impl.netty.NettyServerAcceptor;
import io.rpcvertx.impl.server.ServerSignals.CallsDone;
import io.rpcvertx.impl.server.ServerSignals.Drain;
import io.rpcvertx.impl.server.ServerSignals.Drained;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.logging.Logger;
import io.vertx.core.internal.logging.LoggerFactory;
import io.vertx.core.net.NetServerOptions;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * One IO instance of a server: an {@link HttpServer} per bound address, all instances sharing each socket, so
 * connections spread over the instances' event loops. Owns its connections and, through them, its calls; every call
 * lives on its connection's loop, which is this verticle's.
 *
 * <pre>
 * SERVING --Drain--&gt; DRAINING (connections get the double GOAWAY, then the sockets stop listening)
 * DRAINING --no call left, every connection and listener closed--&gt; DRAINED (reported to the control context)
 * </pre>
 */
final class ServerIoVerticle extends VerticleBase {
    private static final Logger log = LoggerFactory.getLogger(ServerIoVerticle.class);
    /** Beyond the drain deadline, how long Vert.x may keep a listener's last sockets: a backstop only. */
    private static final long UNBIND_BACKSTOP_MS = 10_000;
    /**
     * Beyond the drain deadline, how long a cancelled call's handler may take to complete its future before the stop
     * gives up on it as leaked: the stop completes no later than grace + 1 s whatever the handlers do.
     */
    static final long LEAK_AFTER_MS = 500;

    enum State {
        SERVING,
        DRAINING,
        DRAINED
    }

    final ServerImpl server;
    final int index;
    /** The call layer: where this instance's streams go once their HTTP checks passed. */
    final CallDispatcher dispatcher;

    private final List<ListenAddress> addresses;
    /** Built once: the call-done signal is sent every event-loop turn in which calls ended. */
    private final String doneAddress;

    private final List<HttpServer> httpServers = new ArrayList<>();
    /** The ports served by the Netty transport ({@code ServerOptions.withHttp2Transport(NETTY)}), one per address. */
    private final List<NettyServerAcceptor> nettyPorts = new ArrayList<>();

    private final Map<HttpConnection, ServerConnection> connections = new IdentityHashMap<>();
    private @Nullable ContextInternal loop;
    private State state = State.SERVING;
    private long drainDeadlineNanos = Long.MAX_VALUE;
    private boolean unbound;
    /** Streams not yet terminated (their call is live, or its handler still runs), linked through the streams. */
    private @Nullable Http2ServerStream firstLive;

    private int liveCalls;
    /** This instance's share of the server's in-process name, if it has one: its in-process calls. */
    private @Nullable InProcessAcceptor inProcess;

    /** This instance's share of the server's event-bus addresses: its event-bus calls. */
    private final List<EventBusAcceptor> eventBus = new ArrayList<>();

    private long leakTimer = -1;
    private int unreportedDone;
    private boolean reportScheduled;

    ServerIoVerticle(ServerImpl server, int index, List<ListenAddress> addresses) {
        this.server = server;
        this.index = index;
        this.addresses = addresses;
        this.dispatcher = new CallDispatcher(server, server.registry());
        this.doneAddress = ServerSignals.doneAddress(server.id());
    }

    @Override
    public Future<?> start() {
        loop = (ContextInternal) context;
        MessageConsumer<Drain> drains =
                vertx.eventBus().localConsumer(ServerSignals.ioAddress(server.id(), index), msg -> onDrain(msg.body()));
        List<Future<?>> ready = new ArrayList<>();
        ready.add(drains.completion());
        InProcessEndpoint endpoint = server.inProcessEndpoint();
        if (endpoint != null) {
            inProcess = endpoint.attach(loop(), dispatcher, this::reportIfDrained);
        }
        for (EventBusEndpoint e : server.eventBusEndpoints()) {
            EventBusAcceptor acceptor = e.attach(loop(), dispatcher, this::reportIfDrained);
            eventBus.add(acceptor);
            ready.add(acceptor.start());
        }
        for (ListenAddress address : addresses) {
            if (server.options.http2Transport() == Http2Transport.NETTY) {
                NettyServerAcceptor port = new NettyServerAcceptor(
                        server.vertx,
                        loop(),
                        server.options,
                        netOptions(address),
                        address.socketAddress(),
                        dispatcher,
                        server::isAccepting,
                        this::reportIfDrained,
                        this::onCallDone,
                        net -> server.security(address).serving(net));
                nettyPorts.add(port);
                ready.add(port.start());
                continue;
            }
            HttpServer http = vertx.createHttpServer(server.httpOptions(address))
                    .connectionHandler(this::onConnection)
                    .requestHandler(req -> Http2ServerStream.serve(req, this));
            httpServers.add(http);
            ready.add(
                    address.listen(http).onSuccess(s -> server.security(address).serving(http)));
        }
        return Future.all(ready);
    }

    /** The socket options of a Netty-transport port: the HTTP server's (TLS, ALPN h2 only, reuse-port). */
    private NetServerOptions netOptions(ListenAddress address) {
        NetServerOptions net = new NetServerOptions(server.httpOptions(address));
        if (net.isSsl()) {
            net.getSslOptions().setApplicationLayerProtocols(List.of("h2"));
        }
        return net;
    }

    private ContextInternal loop() {
        ContextInternal l = loop;
        assert l != null && l.inThread();
        return l;
    }

    // ---------------------------------------------------------------- connections

    private void onConnection(HttpConnection http) {
        if (!isHttp2(http)) {
            return; // gRPC needs HTTP/2: such a connection's requests are answered 505 and it has no GOAWAY or PING
        }
        if (state != State.SERVING || server.isStopRequested()) {
            // a stopping server takes no new connection: closing it at once fails the client's connect, so it
            // turns to another address instead of opening streams here that could only be refused
            http.close();
            return;
        }
        ServerConnection connection = new ServerConnection(this, http, loop());
        connections.put(http, connection);
        connection.start();
    }

    private static boolean isHttp2(HttpConnection http) {
        // the public API has no version on a connection; HTTP/1.x connections refuse SETTINGS
        try {
            http.settings();
            return true;
        } catch (UnsupportedOperationException e) {
            return false;
        }
    }

    /** The connection of a request; null only for a connection that already closed. */
    @Nullable
    ServerConnection connection(HttpConnection http) {
        return connections.get(http);
    }

    void onConnectionClosed(ServerConnection connection) {
        connections.remove(connection.http);
        reportIfDrained();
    }

    // ---------------------------------------------------------------- calls

    void onStreamOpened(Http2ServerStream stream) {
        stream.nextInIo = firstLive;
        if (firstLive != null) {
            firstLive.prevInIo = stream;
        }
        firstLive = stream;
        liveCalls++;
    }

    /**
     * A stream's call ended and its handler terminated (or never ran). The control context hears of it in a batch: one
     * signal per event-loop turn, whatever the number of calls that ended in it.
     */
    void onStreamTerminated(Http2ServerStream stream) {
        Http2ServerStream prev = stream.prevInIo;
        Http2ServerStream next = stream.nextInIo;
        if (prev != null) {
            prev.nextInIo = next;
        } else {
            firstLive = next;
        }
        if (next != null) {
            next.prevInIo = prev;
        }
        stream.prevInIo = null;
        stream.nextInIo = null;
        liveCalls--;
        onCallDone();
    }

    /**
     * A call of this instance ended and its handler terminated (any transport that reports them: HTTP/2 streams, and
     * the Netty transport's). The control context hears of it in a batch.
     */
    private void onCallDone() {
        unreportedDone++;
        if (!reportScheduled) {
            reportScheduled = true;
            loop().runOnContext(v -> reportDone());
        }
    }

    private void reportDone() {
        reportScheduled = false;
        int done = unreportedDone;
        unreportedDone = 0;
        vertx.eventBus().send(doneAddress, new CallsDone(index, done), ServerSignals.LOCAL);
        reportIfDrained();
    }

    // ---------------------------------------------------------------- drain

    private void onDrain(Drain drain) {
        long deadline = drain.deadlineNanos();
        if (state == State.SERVING) {
            state = State.DRAINING;
            drainDeadlineNanos = deadline;
            List<Future<Void>> goAways = new ArrayList<>();
            for (ServerConnection connection : new ArrayList<>(connections.values())) {
                connection.drain(deadline);
                goAways.add(connection.goAwayDone());
            }
            // stop listening only once every connection has its second GOAWAY: Vert.x's shutdown closes idle sockets
            // at once, which would drop streams racing the first GOAWAY
            Future.join(goAways).onComplete(ar -> unbind());
            drainInProcess(deadline);
            armLeakTimer();
        } else if (deadline < drainDeadlineNanos) {
            drainDeadlineNanos = deadline;
            for (ServerConnection connection : new ArrayList<>(connections.values())) {
                connection.drain(deadline);
            }
            drainInProcess(deadline);
            armLeakTimer();
        }
    }

    private void drainInProcess(long deadline) {
        for (NettyServerAcceptor port : nettyPorts) {
            port.drain(deadline);
        }
        InProcessAcceptor acceptor = inProcess;
        if (acceptor != null) {
            acceptor.drain(deadline);
        }
        for (EventBusAcceptor e : eventBus) {
            e.drain(deadline);
        }
    }

    /** At the drain deadline every call was cancelled; shortly after, handlers that still run are given up on. */
    private void armLeakTimer() {
        if (leakTimer >= 0) {
            vertx.cancelTimer(leakTimer);
            leakTimer = -1;
        }
        if (drainDeadlineNanos == Long.MAX_VALUE) {
            return;
        }
        long delayMs =
                TimeUnit.NANOSECONDS.toMillis(Math.max(0, drainDeadlineNanos - System.nanoTime())) + LEAK_AFTER_MS;
        leakTimer = loop().setTimer(Math.max(1, delayMs), id -> {
            leakTimer = -1;
            giveUpOnLeakedCalls();
        });
    }

    /**
     * The handlers of cancelled calls that never completed their futures: each is logged once, as leaked, and no
     * longer holds the stop. Its call stays cancelled; whatever the handler does later has no effect on the wire.
     */
    private void giveUpOnLeakedCalls() {
        List<Http2ServerStream> leaked = new ArrayList<>();
        for (Http2ServerStream s = firstLive; s != null; s = s.nextInIo) {
            leaked.add(s);
        }
        InProcessAcceptor acceptor = inProcess;
        if (acceptor != null) {
            acceptor.giveUpOnLeaked();
        }
        for (EventBusAcceptor e : eventBus) {
            e.giveUpOnLeaked();
        }
        for (NettyServerAcceptor port : nettyPorts) {
            port.giveUpOnLeaked();
        }
        for (Http2ServerStream stream : leaked) {
            log.warn("server stop: the handler of " + stream.path() + " did not complete within "
                    + LEAK_AFTER_MS + " ms after its call was cancelled at the grace deadline; leaked (the stop"
                    + " continues without it)");
            stream.giveUp();
            onStreamTerminated(stream);
        }
    }

    private void unbind() {
        long backstop =
                TimeUnit.NANOSECONDS.toMillis(Math.max(0, drainDeadlineNanos - System.nanoTime())) + UNBIND_BACKSTOP_MS;
        List<Future<Void>> closing = new ArrayList<>();
        for (HttpServer http : httpServers) {
            // the last listener of a shared socket unbinds it; the connections already have their GOAWAYs
            closing.add(http.shutdown(backstop, TimeUnit.MILLISECONDS));
        }
        Future.join(closing).onComplete(ar -> {
            unbound = true;
            reportIfDrained();
        });
    }

    private void reportIfDrained() {
        if (state != State.DRAINING || !unbound || liveCalls > 0 || reportScheduled || !connections.isEmpty()) {
            return;
        }
        InProcessAcceptor acceptor = inProcess;
        if (acceptor != null && !acceptor.isIdle()) {
            return;
        }
        for (EventBusAcceptor e : eventBus) {
            if (!e.isIdle()) {
                return;
            }
        }
        for (NettyServerAcceptor port : nettyPorts) {
            if (!port.isIdle()) {
                return;
            }
        }
        state = State.DRAINED;
        vertx.eventBus().send(doneAddress, new Drained(index), ServerSignals.LOCAL);
    }

    @Override
    public Future<?> stop() {
        InProcessAcceptor acceptor = inProcess;
        if (acceptor != null) {
            acceptor.close();
        }
        List<Future<Void>> closing = new ArrayList<>();
        for (EventBusAcceptor e : eventBus) {
            closing.add(e.close());
        }
        for (HttpServer http : httpServers) {
            closing.add(http.close());
        }
        for (NettyServerAcceptor port : nettyPorts) {
            closing.add(port.close());
        }
        return Future.join(closing).onComplete(ar -> {
            if (state != State.DRAINED) {
                // undeployed before a stop drained us (Vert.x is closing, or the deployment was swept away): closing
                // the HTTP servers ended our calls, so tell the control side, or a stop would wait for us forever
                state = State.DRAINED;
                vertx.eventBus().send(doneAddress, new Drained(index), ServerSignals.LOCAL);
            }
        });
    }
}
