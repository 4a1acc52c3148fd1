package io.rpcvertx.impl.netty;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
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
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.util.AsciiString;
import io.rpcvertx.ServerOptions;
import io.rpcvertx.impl.security.AuthContext;
import io.rpcvertx.impl.transport.ServerConnectionPolicy;
import io.rpcvertx.impl.transport.ServerStreamListener.CancelCause;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.logging.Logger;
import io.vertx.core.internal.logging.LoggerFactory;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.SocketAddress;
import org.jspecify.annotations.Nullable;

/**
 * One HTTP/2 server connection of the Netty transport: Netty's {@link Http2ConnectionHandler} in the pipeline of a
 * Vert.x {@code NetServer} socket, and its frame listener. Runs on the channel's event loop, which is its IO
 * instance's loop; each call runs on a duplicate of the connection's context. This class keeps the streams (the open
 * ones and those with response bytes buffered for the next flush) and reads the frames; the connection policy
 * (keepalive, idle and age limits, the graceful close) is its {@link ServerConnectionPolicy}'s (on the wire: {@link NettyPolicyWire}), and the HTTP checks a new
 * request passes before it is a call are {@link NettyRequestChecks}'.
 */
final class NettyServerConnection extends Http2ConnectionHandler implements Http2FrameListener, NettyFlusher.Owner {
    private static final Logger log = LoggerFactory.getLogger(NettyServerConnection.class);

    static final AsciiString STATUS_200 = AsciiString.cached("200");

    private final NettyServerAcceptor acceptor;
    private final NetSocketInternal socket;
    private final ContextInternal context;
    private final Http2Connection.PropertyKey streamKey;
    private final ServerConnectionPolicy policy;
    private @Nullable ChannelHandlerContext ctx;
    private @Nullable NettyFlusher flusher;
    private @Nullable String peer;
    private @Nullable AuthContext authContext;

    private final NettyServerStreams streams = new NettyServerStreams();

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
        this.streamKey = connection().newKey();
        this.policy = new ServerConnectionPolicy(new NettyPolicyWire(this, streams), context, acceptor.options);
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
        int delta = acceptor.options.connectionWindowSize()
                - connection().local().flowController().windowSize(connection().connectionStream());
        if (delta > 0) {
            connection()
                    .local()
                    .flowController()
                    .incrementWindowSize(connection().connectionStream(), delta);
        }
        ctx.flush();
        policy.start();
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
        streams.notifyWaiting();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        try {
            super.channelInactive(ctx); // closes every stream: their calls see the connection lost
        } finally {
            if (policy.onClosed()) {
                acceptor.onConnectionClosed(this);
            }
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
        streams.writeBuffered();
    }

    @Override
    public void flushNow() {
        ChannelHandlerContext c = ctx;
        if (c != null) {
            flush(c);
        }
        streams.notifyWaiting();
    }

    private NettyFlusher flusher() {
        NettyFlusher f = flusher;
        assert f != null;
        return f;
    }

    ChannelHandlerContext ctx() {
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

    SocketAddress remoteAddress() {
        return socket.remoteAddress();
    }

    void requestFlush() {
        flusher().request();
    }

    /** The stream buffered response bytes: they are written before the next flush, which is requested. */
    void buffered(NettyServerStream stream) {
        streams.buffered(stream);
        policy.onActivity();
        flusher().request();
    }

    void writeData(Http2Stream stream, ByteBuf data) {
        encoder().writeData(ctx(), stream.id(), data, 0, false, ctx().voidPromise());
    }

    void writeHeaders(Http2Stream stream, Http2Headers headers, boolean endStream) {
        policy.onActivity();
        encoder().writeHeaders(ctx(), stream.id(), headers, 0, endStream, ctx().voidPromise());
        if (endStream) {
            flusher().request();
        }
    }

    Future<Void> writeHeadersFlushed(Http2Stream stream, Http2Headers headers, ContextInternal caller) {
        policy.onActivity();
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

    /** {@code stream}'s writer waits for its buffered bytes to leave: it is asked again after the coming flush. */
    void awaitFlush(NettyServerStream stream) {
        streams.awaitFlush(stream);
    }

    boolean isWritable(Http2Stream stream) {
        return encoder().flowController().isWritable(stream);
    }

    /** The call of {@code s} ended: it leaves the open streams (once); the last one starts the idle count. */
    void removeOpen(NettyServerStream s) {
        if (!streams.removeOpen(s)) {
            return;
        }
        policy.onActivity();
        if (streams.openCount() == 0) {
            policy.onNoCalls();
        }
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

    /** A new request: a call, once it passed the HTTP checks. */
    private void onRequest(Http2Stream stream, Http2Headers headers, boolean endOfStream) {
        if (!NettyRequestChecks.pass(this, stream, headers, acceptor.isAccepting())) {
            return;
        }
        ContextInternal streamContext = context.duplicate();
        NettyServerStream s = new NettyServerStream(this, stream, headers, streamContext);
        stream.setProperty(streamKey, s);
        streams.addOpen(s);
        policy.onActivity();
        acceptor.onStreamOpened(s);
        streamContext.dispatch(s, acceptor.handler::streamCreated);
        if (endOfStream) {
            s.onData(Unpooled.EMPTY_BUFFER, true);
        }
    }

    @Override
    public int onDataRead(ChannelHandlerContext ctx, int streamId, ByteBuf data, int padding, boolean endOfStream)
            throws Http2Exception {
        policy.onActivity();
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
        policy.onPing();
    }

    @Override
    public void onPingAckRead(ChannelHandlerContext ctx, long data) {
        policy.onPingAnswered(data, true);
    }

    @Override
    public void onPushPromiseRead(
            ChannelHandlerContext ctx, int streamId, int promisedStreamId, Http2Headers headers, int padding) {}

    @Override
    public void onGoAwayRead(ChannelHandlerContext ctx, int lastStreamId, long errorCode, ByteBuf debugData) {}

    @Override
    public void onWindowUpdateRead(ChannelHandlerContext ctx, int streamId, int windowSizeIncrement) {
        // the client takes our data: pings that come with it (BDP) are answers to it, as after a DATA frame we wrote
        policy.onActivity();
    }

    @Override
    public void onUnknownFrame(
            ChannelHandlerContext ctx, byte frameType, int streamId, Http2Flags flags, ByteBuf payload) {}

    // ---------------------------------------------------------------- drain and close

    /** Starts the graceful close, or brings its deadline forward ({@link ServerConnectionPolicy#drain}). */
    void drain(long deadlineNanos) {
        policy.drain(deadlineNanos);
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

    /** The peer as grpc names it: {@code ipv4:1.2.3.4:5}, {@code ipv6:[::1]:5}, {@code unix:/path}. */
    static String formatPeer(@Nullable SocketAddress remote, @Nullable SocketAddress local) {
        if (remote == null || remote.isDomainSocket()) {
            return "unix:" + (local != null && local.path() != null ? local.path() : "");
        }
        String host = remote.hostAddress() != null ? remote.hostAddress() : remote.host();
        return host.contains(":") ? "ipv6:[" + host + "]:" + remote.port() : "ipv4:" + host + ":" + remote.port();
    }
}
