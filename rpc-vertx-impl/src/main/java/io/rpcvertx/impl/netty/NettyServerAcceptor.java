package io.rpcvertx.impl.netty;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.SslHandler;
import io.rpcvertx.ServerOptions;
import io.rpcvertx.impl.transport.LiveStreams;
import io.rpcvertx.impl.transport.ServerStreamHandler;
import io.rpcvertx.impl.transport.StreamErrorGuard;
import io.vertx.core.Future;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.internal.logging.Logger;
import io.vertx.core.internal.logging.LoggerFactory;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * One IO instance's share of a server port on the Netty transport: a Vert.x {@link NetServer} listening on the port
 * (every IO instance listens on the same one, so Vert.x shares the socket and spreads the connections over their event
 * loops, with its TLS, ALPN and SNI options), and Netty's HTTP/2 codec installed in each accepted socket's pipeline
 * ({@link NettyServerConnection}). Takes part in the server's drain as the Vert.x transport's connections do.
 *
 * <pre>
 * SERVING --drain(deadline)--&gt; DRAINING (double GOAWAY on every connection; new sockets are closed; once no
 *         connection is left the listener is closed)
 * any --close (the IO instance is undeployed)--&gt; CLOSED (the listener and every connection close at once)
 * </pre>
 */
public final class NettyServerAcceptor {
    private static final Logger log = LoggerFactory.getLogger(NettyServerAcceptor.class);
    /** Vert.x's name of a socket's own handler: the HTTP/2 codec goes right in front of it. */
    private static final String VERTX_HANDLER = "handler";

    private static final String CODEC = "rpcvertx-h2";

    enum State {
        SERVING,
        DRAINING,
        CLOSED
    }

    final ServerOptions options;
    final ServerStreamHandler handler;
    private final VertxInternal vertx;
    private final ContextInternal loop;
    private final NetServerOptions netOptions;
    private final SocketAddress address;
    private final BooleanSupplier serverAccepting;
    private final Runnable onIdle;
    private final Runnable onCallDone;
    private final Consumer<NetServer> onListening;
    private final Set<NettyServerConnection> connections = new LinkedHashSet<>();
    private final LiveStreams<NettyServerStream> live;
    private @Nullable NetServer server;
    private State state = State.SERVING;
    private boolean unbound;
    private long drainDeadlineNanos = Long.MAX_VALUE;

    /**
     * @param serverAccepting whether the server still takes new calls (false once a stop was requested)
     * @param onIdle runs on the loop whenever this acceptor may have become idle (see {@link #isIdle()})
     * @param onCallDone runs on the loop once per call that terminated (the IO instance reports them in batches)
     * @param onListening gets the listening server (TLS updates reach it there)
     */
    public NettyServerAcceptor(
            VertxInternal vertx,
            ContextInternal loop,
            ServerOptions options,
            NetServerOptions netOptions,
            SocketAddress address,
            ServerStreamHandler handler,
            BooleanSupplier serverAccepting,
            Runnable onIdle,
            Runnable onCallDone,
            Consumer<NetServer> onListening) {
        this.vertx = vertx;
        this.loop = loop;
        this.options = options;
        this.netOptions = netOptions;
        this.address = address;
        this.handler = handler;
        this.serverAccepting = serverAccepting;
        this.onIdle = onIdle;
        this.onCallDone = onCallDone;
        this.onListening = onListening;
        this.live = new LiveStreams<>(onIdle);
    }

    /** Listens on the port (shared with the other IO instances). */
    public Future<Void> start() {
        NetServer s = vertx.createNetServer(netOptions).connectHandler(this::onSocket);
        server = s;
        return s.listen(address).onSuccess(onListening::accept).mapEmpty();
    }

    /** Whether a stream arriving now is served. */
    boolean isAccepting() {
        return state == State.SERVING && serverAccepting.getAsBoolean();
    }

    private void onSocket(NetSocket socket) {
        NetSocketInternal so = (NetSocketInternal) socket;
        if (!isAccepting()) {
            // a stopping server takes no new connection: the client turns to another address
            socket.close();
            return;
        }
        ChannelHandlerContext chctx = so.channelHandlerContext();
        if (so.isSsl()) {
            // gRPC needs HTTP/2: a TLS client must have negotiated h2 by ALPN (Vert.x does not tell a server socket
            // the protocol, its SslHandler does)
            SslHandler ssl = chctx.pipeline().get(SslHandler.class);
            String alpn = ssl == null ? null : ssl.applicationProtocol();
            if (!"h2".equals(alpn)) {
                log.debug("closing " + socket.remoteAddress() + ": ALPN protocol " + alpn + " (expected: h2)");
                socket.close();
                return;
            }
        }
        if (!chctx.channel().eventLoop().inEventLoop() || !loop.inThread()) {
            // Vert.x hands a shared server's sockets to the listening instance on the socket's own loop; the
            // connection's state lives on that loop, so anything else would break the threading rule
            log.error("closing " + socket.remoteAddress() + ": accepted off its event loop ("
                    + Thread.currentThread().getName() + ")");
            socket.close();
            return;
        }
        chctx.channel().config().setWriteBufferWaterMark(NettyOutbound.WRITE_BUFFER_WATER_MARK);
        NettyServerConnection connection = NettyServerConnection.create(this, so, loop);
        connections.add(connection);
        ChannelPipeline pipeline = chctx.pipeline();
        pipeline.addBefore(VERTX_HANDLER, CODEC, connection);
        // names the last stream in the GOAWAY of a connection error (netty#10670), as on the Vert.x transport
        StreamErrorGuard.installBefore(pipeline, CODEC);
    }

    void onStreamOpened(NettyServerStream stream) {
        live.add(stream);
    }

    void onStreamTerminated(NettyServerStream stream) {
        onCallDone.run();
        live.terminated(stream);
    }

    void onConnectionClosed(NettyServerConnection connection) {
        if (connections.remove(connection)) {
            if (state == State.DRAINING && connections.isEmpty()) {
                unbind();
            }
            onIdle.run();
        }
    }

    /** Whether no call, connection or listener is left: a draining IO instance may report itself drained. */
    public boolean isIdle() {
        return state != State.SERVING && unbound && connections.isEmpty() && live.isEmpty();
    }

    /**
     * Starts the graceful stop, or brings its deadline forward: each connection gets the double GOAWAY, and at
     * {@code deadlineNanos} its calls left are cancelled and it is closed. The listener closes once no connection is
     * left (until then new sockets are closed as they come).
     */
    public void drain(long deadlineNanos) {
        assert loop.inThread();
        if (state == State.CLOSED) {
            return;
        }
        if (state == State.SERVING) {
            state = State.DRAINING;
        } else if (deadlineNanos >= drainDeadlineNanos) {
            return;
        }
        drainDeadlineNanos = Math.min(drainDeadlineNanos, deadlineNanos);
        for (NettyServerConnection c : new ArrayList<>(connections)) {
            c.drain(deadlineNanos);
        }
        if (connections.isEmpty()) {
            unbind();
        }
    }

    private void unbind() {
        NetServer s = server;
        if (s == null || unbound) {
            unbound = true;
            return;
        }
        // the last listener of a shared socket unbinds it; no connection of ours is left to close
        s.close().onComplete(ar -> {
            unbound = true;
            onIdle.run();
        });
        server = null;
    }

    /**
     * A stop gives up on the handlers of cancelled calls that never completed their futures: each is logged once, as
     * leaked, and no longer holds the stop.
     */
    public void giveUpOnLeaked() {
        assert loop.inThread();
        live.giveUpOnAll(stream -> {
            log.warn("server stop: the handler of " + stream.path() + " did not complete after its call was cancelled"
                    + " at the grace deadline; leaked (the stop continues without it)");
            stream.giveUp();
            onCallDone.run();
        });
    }

    /** The IO instance goes away (undeployed): the listener and the connections close now. */
    public Future<Void> close() {
        if (state == State.CLOSED) {
            return Future.succeededFuture();
        }
        state = State.CLOSED;
        List<NettyServerConnection> open = new ArrayList<>(connections);
        for (NettyServerConnection c : open) {
            c.closeNow();
        }
        NetServer s = server;
        server = null;
        unbound = true;
        return s == null ? Future.succeededFuture() : s.close();
    }
}
