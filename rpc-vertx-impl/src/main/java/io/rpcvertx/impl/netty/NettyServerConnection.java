package io.rpcvertx.impl.netty;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http2.AbstractHttp2ConnectionHandlerBuilder;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2ConnectionAdapter;
import io.netty.handler.codec.http2.Http2ConnectionDecoder;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Flags;
import io.netty.handler.codec.http2.Http2FrameListener;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2RemoteFlowController;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.util.AsciiString;
import io.rpcvertx.ServerOptions;
import io.rpcvertx.impl.codec.ContentTypes;
import io.rpcvertx.impl.codec.GrpcHeaders;
import io.rpcvertx.impl.security.AuthContext;
import io.rpcvertx.impl.transport.ServerStreamListener.CancelCause;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.logging.Logger;
import io.vertx.core.internal.logging.LoggerFactory;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * One HTTP/2 server connection of the Netty transport: Netty's {@link Http2ConnectionHandler} in the pipeline of a
 * Vert.x {@code NetServer} socket, and its frame listener. Runs on the channel's event loop, which is its IO
 * instance's loop; each call runs on a duplicate of the connection's context. Beside the streams it keeps the
 * connection policy of the Vert.x transport's {@code ServerConnection}: keepalive pings and their enforcement, the
 * idle and age limits, and the graceful close.
 *
 * <pre>
 * OPEN --drain--&gt; GOAWAY_SENT    GOAWAY(NO_ERROR, 2^31-1) and a PING: streams racing it are still accepted
 * GOAWAY_SENT --PING ack, or 10 s--&gt; DRAINING    GOAWAY(NO_ERROR, last stream); closed when no stream is left
 * any --channel inactive--&gt; CLOSED
 * </pre>
 *
 * The HTTP checks of a new request are made here, first-hand, and match the Vert.x transport's (Http2ServerStream and
 * RequestHeadersGuard): a request without {@code :method}, {@code :scheme} or {@code :path} is reset with
 * PROTOCOL_ERROR; a content-type other than gRPC's is answered HTTP 415, a method other than POST HTTP 405; a stream
 * of a server that no longer accepts calls is refused (REFUSED_STREAM). Oversized header lists get Netty's HTTP 431.
 */
final class NettyServerConnection extends Http2ConnectionHandler implements Http2FrameListener, NettyFlusher.Owner {
    private static final Logger log = LoggerFactory.getLogger(NettyServerConnection.class);

    static final AsciiString STATUS_200 = AsciiString.cached("200");
    private static final AsciiString POST = AsciiString.cached("POST");
    private static final AsciiString TEXT_PLAIN = AsciiString.cached("text/plain");
    /** grpc-java's KeepAliveEnforcer and C-core: the third ping that comes too early closes the connection. */
    static final int MAX_PING_STRIKES = 2;
    /** Without calls (and without permitKeepAliveWithoutCalls) a client may ping once per 2 hours, as in grpc. */
    static final long IMPLICIT_PERMIT_NANOS = TimeUnit.HOURS.toNanos(2);
    /** How long the graceful close waits for the PING ack before the second GOAWAY (grpc-java: 10 s). */
    static final long GOAWAY_PING_TIMEOUT_MS = 10_000;
    /** Netty closes a draining connection at the latest this long after the deadline: a backstop only. */
    private static final long CLOSE_BACKSTOP_MS = 5_000;

    enum State {
        OPEN,
        GOAWAY_SENT,
        DRAINING,
        CLOSED
    }

    private final NettyServerAcceptor acceptor;
    private final NetSocketInternal socket;
    private final ContextInternal context;
    private final ServerOptions options;
    private final Http2Connection.PropertyKey streamKey;
    private @Nullable ChannelHandlerContext ctx;
    private @Nullable NettyFlusher flusher;
    private @Nullable String peer;
    private @Nullable AuthContext authContext;

    /** Streams with response bytes buffered since the last flush, linked through the streams. */
    private @Nullable NettyServerStream firstBuffered;

    private @Nullable NettyServerStream lastBuffered;
    /** Open streams (a drain deadline cancels these), linked through the streams. */
    private @Nullable NettyServerStream firstOpen;

    private int openCount;
    private final long createdNanos = System.nanoTime();
    private final Promise<Void> goAwayDone;
    private State state = State.OPEN;
    private long drainDeadlineNanos = Long.MAX_VALUE;
    private long deadlineTimer = -1;
    private long goAwayPingTimer = -1;
    private long pingPayload;
    private long goAwayPing = -1;
    private long keepAlivePing = -1;
    // keepalive enforcement (grpc-java KeepAliveEnforcer)
    private long lastValidPingNanos = createdNanos;
    private int pingStrikes;
    /** The GOAWAY ENHANCE_YOUR_CALM went out: the connection closes as soon as it is written. */
    private boolean tooManyPings;
    // keepalive pings: something happened since the last check, so no ping is needed
    private boolean active;
    private long keepAliveTimer = -1;
    private long keepAliveAckTimer = -1;
    private long idleSinceNanos = createdNanos;
    private long idleTimer = -1;
    private long ageTimer = -1;

    private NettyServerConnection(
            Http2ConnectionDecoder decoder,
            Http2ConnectionEncoder encoder,
            Http2Settings settings,
            NettyServerAcceptor acceptor,
            NetSocketInternal socket,
            ContextInternal context) {
        super(decoder, encoder, settings);
        this.acceptor = acceptor;
        this.socket = socket;
        this.context = context;
        this.options = acceptor.options;
        this.streamKey = connection().newKey();
        this.goAwayDone = context.promise();
    }

    /** A connection handler for {@code socket}, with the server's HTTP/2 settings and limits. */
    static NettyServerConnection create(
            NettyServerAcceptor acceptor, NetSocketInternal socket, ContextInternal context) {
        return new Builder(acceptor, socket, context).build();
    }

    /** Netty's way to build a handler subclass with its codec, here with the server's HTTP/2 settings and limits. */
    private static final class Builder extends AbstractHttp2ConnectionHandlerBuilder<NettyServerConnection, Builder> {
        private final NettyServerAcceptor acceptor;
        private final NetSocketInternal socket;
        private final ContextInternal context;

        Builder(NettyServerAcceptor acceptor, NetSocketInternal socket, ContextInternal context) {
            this.acceptor = acceptor;
            this.socket = socket;
            this.context = context;
            ServerOptions o = acceptor.options;
            initialSettings(new Http2Settings()
                    .maxConcurrentStreams(o.maxConcurrentStreams())
                    .initialWindowSize(o.initialWindowSize())
                    .maxHeaderListSize(o.maxHeaderListSize())
                    .maxFrameSize(o.maxFrameSize()));
            server(true);
            decoderEnforceMaxRstFramesPerWindow(
                    o.rstFloodMaxFrames(), (int) o.rstFloodWindow().toSeconds());
        }

        @Override
        protected NettyServerConnection build() {
            return super.build();
        }

        @Override
        protected NettyServerConnection build(
                Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder, Http2Settings initialSettings) {
            NettyServerConnection handler =
                    new NettyServerConnection(decoder, encoder, initialSettings, acceptor, socket, context);
            frameListener(handler);
            return handler;
        }
    }

    // ---------------------------------------------------------------- pipeline

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
        this.ctx = ctx;
        this.flusher = new NettyFlusher(ctx, this);
        connection().addListener(new Http2ConnectionAdapter() {
            @Override
            public void onStreamClosed(Http2Stream stream) {
                NettyServerStream s = stream.getProperty(streamKey);
                if (s != null) {
                    s.discardBuffered();
                    s.onPeerGone(CancelCause.CONNECTION_LOST);
                }
            }
        });
        encoder().flowController().listener(stream -> {
            NettyServerStream s = stream.getProperty(streamKey);
            if (s != null) {
                s.notifyIfReady();
            }
        });
        super.handlerAdded(ctx); // the preface: our SETTINGS
        int delta = options.connectionWindowSize()
                - connection().local().flowController().windowSize(connection().connectionStream());
        if (delta > 0) {
            connection()
                    .local()
                    .flowController()
                    .incrementWindowSize(connection().connectionStream(), delta);
        }
        ctx.flush();
        start();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        flusher().readStarted();
        super.channelRead(ctx, msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
        flusher().readComplete();
        super.channelReadComplete(ctx); // flushes
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        try {
            super.channelInactive(ctx); // closes every stream: their calls see the connection lost
        } finally {
            onClosed();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) throws Exception {
        if (Http2CodecUtil.getEmbeddedHttp2Exception(cause) != null) {
            super.exceptionCaught(ctx, cause); // a stream error resets the stream, a connection error sends GOAWAY
            return;
        }
        if (cause instanceof IllegalArgumentException || cause instanceof IllegalStateException) {
            // a write that raced its stream's end (the stream is gone or closed): that stream's business only
            log.debug("write on an ended stream of " + ctx.channel() + ": " + cause);
            return;
        }
        // an I/O error (peer gone, TLS failure): nothing is left to say on this connection. Not passed on, so that
        // Vert.x's socket handler behind us has no say in our connection's end
        log.debug("closing " + ctx.channel() + ": " + cause);
        ctx.close();
    }

    @Override
    public void writeBuffered() {
        NettyServerStream s = firstBuffered;
        firstBuffered = null;
        lastBuffered = null;
        while (s != null) {
            NettyServerStream next = s.nextBuffered;
            s.nextBuffered = null;
            s.buffered = false;
            s.writeBuffered();
            s = next;
        }
    }

    @Override
    public void flushNow() {
        ChannelHandlerContext c = ctx;
        if (c != null) {
            flush(c);
        }
    }

    private NettyFlusher flusher() {
        NettyFlusher f = flusher;
        assert f != null;
        return f;
    }

    private ChannelHandlerContext ctx() {
        ChannelHandlerContext c = ctx;
        assert c != null;
        return c;
    }

    // ---------------------------------------------------------------- for the streams

    ByteBufAllocator alloc() {
        return ctx().alloc();
    }

    String peer() {
        String p = peer;
        if (p == null) {
            p = formatPeer(socket.remoteAddress(), socket.localAddress());
            peer = p;
        }
        return p;
    }

    AuthContext authContext() {
        AuthContext a = authContext;
        if (a == null) {
            a = AuthContext.of(socket);
            authContext = a;
        }
        return a;
    }

    void requestFlush() {
        flusher().request();
    }

    /** The stream buffered response bytes: they are written before the next flush, which is requested. */
    void buffered(NettyServerStream stream) {
        if (!stream.buffered) {
            stream.buffered = true;
            if (lastBuffered == null) {
                firstBuffered = stream;
            } else {
                lastBuffered.nextBuffered = stream;
            }
            lastBuffered = stream;
        }
        onActivity();
        flusher().request();
    }

    void writeData(Http2Stream stream, ByteBuf data) {
        encoder().writeData(ctx(), stream.id(), data, 0, false, ctx().voidPromise());
    }

    void writeHeaders(Http2Stream stream, Http2Headers headers, boolean endStream) {
        onActivity();
        encoder().writeHeaders(ctx(), stream.id(), headers, 0, endStream, ctx().voidPromise());
        if (endStream) {
            flusher().request();
        }
    }

    Future<Void> writeHeadersFlushed(Http2Stream stream, Http2Headers headers, ContextInternal caller) {
        onActivity();
        Promise<Void> written = caller.promise();
        ChannelPromise promise = ctx().newPromise();
        promise.addListener(f -> {
            if (f.isSuccess()) {
                written.tryComplete();
            } else {
                written.tryFail(f.cause());
            }
        });
        encoder().writeHeaders(ctx(), stream.id(), headers, 0, false, promise);
        flusher().request();
        return written.future();
    }

    void reset(Http2Stream stream, Http2Error error) {
        if (stream.state() == Http2Stream.State.CLOSED) {
            return;
        }
        resetStream(ctx(), stream.id(), error.code(), ctx().newPromise());
        flusher().request();
    }

    /** Returns {@code bytes} of {@code stream} to the flow-control windows (the reader took them). */
    void consume(Http2Stream stream, int bytes) {
        if (bytes <= 0 || stream.state() == Http2Stream.State.CLOSED) {
            return; // a closed stream's bytes went back to the connection window as it closed
        }
        try {
            if (connection().local().flowController().consumeBytes(stream, bytes)) {
                flusher().request(); // a WINDOW_UPDATE
            }
        } catch (Http2Exception e) {
            onError(ctx(), false, e);
        }
    }

    boolean isWritable(Http2Stream stream) {
        return encoder().flowController().isWritable(stream);
    }

    void removeOpen(NettyServerStream s) {
        if (!s.inOpen) {
            return;
        }
        NettyServerStream prev = s.prevOpen;
        NettyServerStream next = s.nextOpen;
        if (prev != null) {
            prev.nextOpen = next;
        } else {
            firstOpen = next;
        }
        if (next != null) {
            next.prevOpen = prev;
        }
        s.prevOpen = null;
        s.nextOpen = null;
        s.inOpen = false;
        openCount--;
        onActivity();
        if (openCount == 0) {
            idleSinceNanos = System.nanoTime();
            Optional<Duration> maxIdle = options.maxConnectionIdle();
            if (maxIdle.isPresent() && idleTimer < 0 && state == State.OPEN) {
                armIdle(maxIdle.get().toNanos());
            }
        }
    }

    private void addOpen(NettyServerStream s) {
        s.nextOpen = firstOpen;
        if (firstOpen != null) {
            firstOpen.prevOpen = s;
        }
        firstOpen = s;
        s.inOpen = true;
        openCount++;
        onActivity();
    }

    void onStreamTerminated(NettyServerStream s) {
        s.stream.removeProperty(streamKey);
        acceptor.onStreamTerminated(s);
    }

    // ---------------------------------------------------------------- frames

    @Override
    public void onHeadersRead(
            ChannelHandlerContext ctx, int streamId, Http2Headers headers, int padding, boolean endOfStream)
            throws Http2Exception {
        Http2Stream stream = connection().stream(streamId);
        if (stream == null) {
            return;
        }
        NettyServerStream s = stream.getProperty(streamKey);
        if (s != null) {
            // trailers of a request (gRPC clients send none): only their END_STREAM matters
            if (endOfStream) {
                s.onData(Unpooled.EMPTY_BUFFER, true);
            }
            return;
        }
        onRequest(stream, headers, endOfStream);
    }

    @Override
    public void onHeadersRead(
            ChannelHandlerContext ctx,
            int streamId,
            Http2Headers headers,
            int streamDependency,
            short weight,
            boolean exclusive,
            int padding,
            boolean endOfStream)
            throws Http2Exception {
        onHeadersRead(ctx, streamId, headers, padding, endOfStream);
    }

    private void onRequest(Http2Stream stream, Http2Headers headers, boolean endOfStream) {
        CharSequence method = headers.method();
        if (method == null || headers.path() == null || headers.scheme() == null) {
            // a malformed request (RFC 9113 8.3.1), as Vert.x answers it
            reset(stream, Http2Error.PROTOCOL_ERROR);
            return;
        }
        CharSequence contentType = headers.get(GrpcHeaders.CONTENT_TYPE);
        if (!ContentTypes.isGrpc(contentType == null ? null : contentType.toString())) {
            // gRPC over HTTP/2: a server must answer a wrong content-type with HTTP 415
            answer(stream, "415", "unsupported content-type", endOfStream);
            return;
        }
        if (!POST.contentEquals(method)) {
            answer(stream, "405", "method not allowed", endOfStream);
            return;
        }
        if (!acceptor.isAccepting()) {
            // a stream that raced our GOAWAY: REFUSED_STREAM tells any gRPC client that nothing was processed
            reset(stream, Http2Error.REFUSED_STREAM);
            return;
        }
        ContextInternal streamContext = context.duplicate();
        NettyServerStream s = new NettyServerStream(this, stream, headers, streamContext);
        stream.setProperty(streamKey, s);
        addOpen(s);
        acceptor.onStreamOpened(s);
        streamContext.dispatch(s, acceptor.handler::streamCreated);
        if (endOfStream) {
            s.onData(Unpooled.EMPTY_BUFFER, true);
        }
    }

    /** A plain HTTP answer to a request that is not a gRPC call (as Vert.x's response.end(text) sends it). */
    private void answer(Http2Stream stream, String status, String body, boolean requestEnded) {
        Http2Headers h = NettyHeaders.outbound().status(status).set(GrpcHeaders.CONTENT_TYPE, TEXT_PLAIN);
        ChannelHandlerContext c = ctx();
        encoder().writeHeaders(c, stream.id(), h, 0, false, c.voidPromise());
        encoder()
                .writeData(
                        c,
                        stream.id(),
                        Unpooled.copiedBuffer(body, StandardCharsets.US_ASCII),
                        0,
                        true,
                        c.voidPromise());
        flusher().request();
    }

    @Override
    public int onDataRead(ChannelHandlerContext ctx, int streamId, ByteBuf data, int padding, boolean endOfStream)
            throws Http2Exception {
        onActivity();
        Http2Stream stream = connection().stream(streamId);
        NettyServerStream s = stream == null ? null : stream.getProperty(streamKey);
        if (s == null) {
            return data.readableBytes() + padding; // no call reads this stream: back to the window at once
        }
        s.onData(data, endOfStream);
        return padding; // the data itself goes back to the window as the call layer takes it
    }

    @Override
    public void onRstStreamRead(ChannelHandlerContext ctx, int streamId, long errorCode) {
        Http2Stream stream = connection().stream(streamId);
        NettyServerStream s = stream == null ? null : stream.getProperty(streamKey);
        if (s != null) {
            s.discardBuffered();
            s.onPeerGone(CancelCause.PEER_RESET);
        }
    }

    @Override
    public void onPriorityRead(
            ChannelHandlerContext ctx, int streamId, int streamDependency, short weight, boolean exclusive) {}

    @Override
    public void onSettingsAckRead(ChannelHandlerContext ctx) {}

    @Override
    public void onSettingsRead(ChannelHandlerContext ctx, Http2Settings settings) {}

    @Override
    public void onPingRead(ChannelHandlerContext ctx, long data) {
        onPing();
    }

    @Override
    public void onPingAckRead(ChannelHandlerContext ctx, long data) {
        if (data == goAwayPing) {
            goAwayPing = -1;
            cancelTimer(goAwayPingTimer);
            goAwayPingTimer = -1;
            secondGoAway();
        } else if (data == keepAlivePing) {
            keepAlivePing = -1;
            cancelTimer(keepAliveAckTimer);
            keepAliveAckTimer = -1;
            if (state == State.OPEN) {
                armKeepAlive();
            }
        }
    }

    @Override
    public void onPushPromiseRead(
            ChannelHandlerContext ctx, int streamId, int promisedStreamId, Http2Headers headers, int padding) {}

    @Override
    public void onGoAwayRead(ChannelHandlerContext ctx, int lastStreamId, long errorCode, ByteBuf debugData) {}

    @Override
    public void onWindowUpdateRead(ChannelHandlerContext ctx, int streamId, int windowSizeIncrement) {
        // the client takes our data: pings that come with it (BDP) are answers to it, as after a DATA frame we wrote
        onActivity();
    }

    @Override
    public void onUnknownFrame(
            ChannelHandlerContext ctx, byte frameType, int streamId, Http2Flags flags, ByteBuf payload) {}

    // ---------------------------------------------------------------- keepalive, idle, age

    private void start() {
        armKeepAlive();
        options.maxConnectionIdle().ifPresent(idle -> armIdle(idle.toNanos()));
        options.maxConnectionAge().ifPresent(age -> {
            // ±10 % jitter, as grpc-java and C-core, so connections accepted together do not all reconnect together
            long nanos = (long) (age.toNanos() * ThreadLocalRandom.current().nextDouble(0.9, 1.1));
            ageTimer = context.setTimer(toMillis(nanos), id -> onMaxAge());
        });
    }

    /**
     * A call started or ended, or data moved. Pings that follow are answers to it (HTTP/2 BDP pings), so the strikes
     * are forgiven, as grpc-java's {@code KeepAliveEnforcer.resetCounters()}; and no keepalive ping is due.
     */
    private void onActivity() {
        lastValidPingNanos = createdNanos;
        pingStrikes = 0;
        active = true;
    }

    private void onPing() {
        if (isResponseDataPending()) {
            return; // response data is flowing (and waits for the peer's window): an answer to it, as a BDP ping
        }
        long now = System.nanoTime();
        long minInterval = openCount == 0 && !options.isPermitKeepAliveWithoutCalls()
                ? IMPLICIT_PERMIT_NANOS
                : Math.min(options.permitKeepAliveTime().toNanos(), IMPLICIT_PERMIT_NANOS);
        if (now - lastValidPingNanos >= minInterval) {
            lastValidPingNanos = now;
            return;
        }
        if (++pingStrikes <= MAX_PING_STRIKES || state == State.CLOSED || tooManyPings) {
            return; // after the GOAWAY, the rest of a flood is only read: Netty closes once the GOAWAY is out
        }
        log.debug("closing " + socket.remoteAddress() + ": too many pings");
        tooManyPings = true;
        if (state == State.OPEN) {
            state = State.DRAINING;
            cancelTimers();
            goAwayDone.tryComplete();
        }
        // a GOAWAY with an error code makes Netty close the socket once it is written; during a graceful close it
        // names the same last stream as before (a GOAWAY's last stream may not grow)
        ChannelHandlerContext c = ctx();
        int last = connection().goAwaySent()
                ? Math.min(
                        connection().remote().lastStreamKnownByPeer(),
                        connection().remote().lastStreamCreated())
                : connection().remote().lastStreamCreated();
        goAway(
                c,
                last,
                Http2Error.ENHANCE_YOUR_CALM.code(),
                ByteBufUtil.writeAscii(c.alloc(), "too_many_pings"),
                c.newPromise());
        flusher().request();
    }

    /** Whether a stream (status written or not) still has response bytes waiting for the peer's window. */
    private boolean isResponseDataPending() {
        Http2RemoteFlowController flow = encoder().flowController();
        boolean[] pending = {false};
        try {
            connection().forEachActiveStream(stream -> {
                pending[0] = flow.hasFlowControlled(stream);
                return !pending[0];
            });
        } catch (Http2Exception e) {
            return false; // the visitor throws nothing
        }
        return pending[0];
    }

    private void armKeepAlive() {
        keepAliveTimer = context.setTimer(toMillis(options.keepAliveTime().toNanos()), id -> onKeepAliveTimer());
    }

    private void onKeepAliveTimer() {
        keepAliveTimer = -1;
        if (state != State.OPEN) {
            return;
        }
        if (active) {
            active = false;
            armKeepAlive();
            return;
        }
        keepAliveAckTimer = context.setTimer(toMillis(options.keepAliveTimeout().toNanos()), id -> {
            keepAliveAckTimer = -1;
            log.debug("closing " + socket.remoteAddress() + ": keepalive ping not acknowledged");
            ctx().close();
        });
        keepAlivePing = ping();
    }

    private long ping() {
        long payload = ++pingPayload;
        encoder().writePing(ctx(), false, payload, ctx().voidPromise());
        flusher().request();
        return payload;
    }

    private void armIdle(long delayNanos) {
        idleTimer = context.setTimer(toMillis(delayNanos), id -> onIdleTimer());
    }

    private void onIdleTimer() {
        idleTimer = -1;
        if (state != State.OPEN || openCount > 0) {
            return; // re-armed when the last call ends
        }
        long maxIdle = options.maxConnectionIdle().orElseThrow().toNanos();
        long idleFor = System.nanoTime() - idleSinceNanos;
        if (idleFor >= maxIdle) {
            log.debug("draining " + socket.remoteAddress() + ": idle for " + Duration.ofNanos(idleFor));
            drain(Long.MAX_VALUE);
        } else {
            armIdle(maxIdle - idleFor);
        }
    }

    private void onMaxAge() {
        ageTimer = -1;
        long deadline = options.maxConnectionAgeGrace()
                .map(grace -> System.nanoTime() + grace.toNanos())
                .orElse(Long.MAX_VALUE);
        log.debug("draining " + socket.remoteAddress() + ": maximum connection age reached");
        drain(deadline);
    }

    // ---------------------------------------------------------------- graceful close

    /** The second GOAWAY went out (or the connection closed first). */
    Future<Void> goAwayDone() {
        return goAwayDone.future();
    }

    /**
     * Starts the graceful close (double GOAWAY), or brings its deadline forward; at {@code deadlineNanos} the calls left
     * are cancelled and the socket closed ({@link Long#MAX_VALUE}: no deadline).
     */
    void drain(long deadlineNanos) {
        if (state == State.CLOSED) {
            return;
        }
        long now = System.nanoTime();
        if (state == State.OPEN) {
            state = State.GOAWAY_SENT;
            cancelTimers();
            // gRPC's graceful shutdown: the first GOAWAY stops the client from opening streams without refusing the
            // ones already on the wire; one PING round trip later every such stream has arrived, and the second
            // GOAWAY names the last one
            ChannelHandlerContext c = ctx();
            goAway(c, Integer.MAX_VALUE, Http2Error.NO_ERROR.code(), Unpooled.EMPTY_BUFFER, c.newPromise());
            if (deadlineNanos > now) {
                goAwayPingTimer = context.setTimer(GOAWAY_PING_TIMEOUT_MS, id -> {
                    goAwayPingTimer = -1;
                    secondGoAway();
                });
                goAwayPing = ping();
            }
            flusher().request();
        }
        if (deadlineNanos >= drainDeadlineNanos) {
            return; // a later deadline never extends an earlier one
        }
        drainDeadlineNanos = deadlineNanos;
        cancelTimer(deadlineTimer);
        deadlineTimer = -1;
        if (deadlineNanos <= now) {
            onDeadline();
        } else if (deadlineNanos != Long.MAX_VALUE) {
            deadlineTimer = context.setTimer(toMillis(deadlineNanos - now), id -> {
                deadlineTimer = -1;
                onDeadline();
            });
        }
    }

    private void secondGoAway() {
        if (state != State.GOAWAY_SENT) {
            return;
        }
        state = State.DRAINING;
        ChannelHandlerContext c = ctx();
        goAway(
                c,
                connection().remote().lastStreamCreated(),
                Http2Error.NO_ERROR.code(),
                Unpooled.EMPTY_BUFFER,
                c.newPromise());
        // with a GOAWAY already sent, Netty's graceful close sends none and closes as soon as no stream is active
        gracefulShutdownTimeoutMillis(
                drainDeadlineNanos == Long.MAX_VALUE
                        ? -1
                        : toMillis(drainDeadlineNanos - System.nanoTime()) + CLOSE_BACKSTOP_MS);
        c.channel().close();
        goAwayDone.tryComplete();
    }

    private void onDeadline() {
        if (state == State.CLOSED) {
            return;
        }
        secondGoAway();
        List<NettyServerStream> open = new ArrayList<>(openCount);
        for (NettyServerStream s = firstOpen; s != null; s = s.nextOpen) {
            open.add(s);
        }
        for (NettyServerStream s : open) {
            s.cancelForShutdown();
        }
        flushNow();
        // streams that are not calls any more (a client still sending after our status) must not hold the socket
        ctx().close();
    }

    private void onClosed() {
        if (state == State.CLOSED) {
            return;
        }
        state = State.CLOSED;
        cancelTimer(deadlineTimer);
        cancelTimer(goAwayPingTimer);
        cancelTimers();
        goAwayDone.tryComplete();
        acceptor.onConnectionClosed(this);
    }

    /** The IO instance goes away: the socket closes now (its calls see the connection lost). */
    void closeNow() {
        ChannelHandlerContext c = ctx;
        if (c != null) {
            c.close();
        } else {
            socket.close();
        }
    }

    private void cancelTimers() {
        cancelTimer(keepAliveTimer);
        cancelTimer(keepAliveAckTimer);
        cancelTimer(idleTimer);
        cancelTimer(ageTimer);
        keepAliveTimer = keepAliveAckTimer = idleTimer = ageTimer = -1;
    }

    private void cancelTimer(long id) {
        if (id >= 0) {
            context.owner().cancelTimer(id);
        }
    }

    private static long toMillis(long nanos) {
        // rounded up: truncated, the timer fired up to 1 ms before the grace deadline
        return Math.max(1, (nanos + 999_999) / 1_000_000);
    }

    /** The peer as grpc names it: {@code ipv4:1.2.3.4:5}, {@code ipv6:[::1]:5}, {@code unix:/path}. */
    static String formatPeer(@Nullable SocketAddress remote, @Nullable SocketAddress local) {
        if (remote == null || remote.isDomainSocket()) {
            return "unix:" + (local != null && local.path() != null ? local.path() : "");
        }
        String host = remote.hostAddress() != null ? remote.hostAddress() : remote.host();
        return host.contains(":") ? "ipv6:[" + host + "]:" + remote.port() : "ipv4:" + host + ":" + remote.port();
    }
}
