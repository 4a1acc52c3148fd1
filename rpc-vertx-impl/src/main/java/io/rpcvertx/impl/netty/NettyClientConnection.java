package io.rpcvertx.impl.netty;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.VoidChannelPromise;
import io.netty.handler.codec.http2.DefaultHttp2Connection;
import io.netty.handler.codec.http2.DefaultHttp2ConnectionDecoder;
import io.netty.handler.codec.http2.DefaultHttp2ConnectionEncoder;
import io.netty.handler.codec.http2.DefaultHttp2FrameReader;
import io.netty.handler.codec.http2.DefaultHttp2FrameWriter;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.DefaultHttp2LocalFlowController;
import io.netty.handler.codec.http2.DefaultHttp2RemoteFlowController;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2ConnectionAdapter;
import io.netty.handler.codec.http2.Http2ConnectionDecoder;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2RemoteFlowController;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2Stream;
import io.rpcvertx.ChannelOptions;
import io.rpcvertx.impl.transport.ClientConnection;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VertxException;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.net.NetSocketInternal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * One HTTP/2 client connection on Netty's codec, installed in the pipeline of a Vert.x {@code NetClient} socket (in
 * front of Vert.x's own handler, which then sees no bytes): the frames of its streams go to their
 * {@link NettyClientStream}s, the connection's events to the channel. Everything runs on the socket's event loop, the
 * channel's owner context; events reach the call layer inside that context's dispatch, as Vert.x's own handlers do.
 *
 * <p>Writes nobody waits on carry a void promise. Writes made while a read is being handled are flushed by
 * {@code channelReadComplete}; others mark the connection and one flush runs at the end of the event-loop task, so the
 * headers, message and END_STREAM of a unary request leave in one flush, and consecutive messages of a stream are
 * coalesced into one DATA frame by Netty's flow controller.
 */
public final class NettyClientConnection extends Http2ConnectionHandler
        implements ClientConnection, NettyFlusher.Owner {
    private final ContextInternal owner;
    private final Http2Connection.PropertyKey streamKey;
    private final int connectionWindow;
    private final long streamLimit;
    private final Promise<ClientConnection> ready;
    private final Promise<Void> closed;
    private final Map<Long, Promise<Void>> pings = new HashMap<>();
    /** Streams with messages buffered for the next flush, in the order they were first written. */
    private final List<NettyClientStream> buffered = new ArrayList<>();
    /** Streams that owe their writer an onReady once a flush has taken their buffered messages. */
    private final List<NettyClientStream> waitingForReady = new ArrayList<>();

    private @Nullable ChannelHandlerContext ctx;
    private @Nullable NettyFlusher flusher;
    private @Nullable ChannelPromise voidPromise;
    private @Nullable Events events;
    private @Nullable Throwable connectionError;
    private boolean settingsReceived;
    private boolean inactive;

    private NettyClientConnection(
            Http2ConnectionDecoder decoder,
            Http2ConnectionEncoder encoder,
            Http2Settings settings,
            ContextInternal owner,
            int connectionWindow,
            long streamLimit) {
        super(decoder, encoder, settings);
        this.owner = owner;
        this.connectionWindow = connectionWindow;
        this.streamLimit = streamLimit;
        this.streamKey = connection().newKey();
        this.ready = owner.promise();
        this.closed = owner.promise();
        decoder.frameListener(new NettyClientFrames(this));
        connection().addListener(new Http2ConnectionAdapter() {
            @Override
            public void onStreamClosed(Http2Stream stream) {
                NettyClientStream s = stream.getProperty(streamKey);
                if (s != null) {
                    // also called from a flush (our RST_STREAM written): what it sets off runs in the owner's dispatch
                    ContextInternal previous = owner.beginDispatch();
                    try {
                        s.onNettyStreamClosed();
                    } finally {
                        owner.endDispatch(previous);
                    }
                }
            }
        });
        ((DefaultHttp2RemoteFlowController) connection().remote().flowController())
                .listener(new Http2RemoteFlowController.Listener() {
                    @Override
                    public void writabilityChanged(Http2Stream stream) {
                        NettyClientStream s = stream.getProperty(streamKey);
                        if (s != null) {
                            s.onWritabilityChanged();
                        }
                    }
                });
        // a connection we stop using has no calls left on it (the channel drains first): no graceful wait
        gracefulShutdownTimeoutMillis(0);
    }

    /**
     * Installs the HTTP/2 codec in {@code socket}'s pipeline and sends the connection preface.
     *
     * @return completes with the connection when the server's first SETTINGS arrived, fails if the socket closes
     *     first
     */
    static Future<ClientConnection> install(
            ContextInternal owner, NetSocketInternal socket, ChannelOptions options, int maxHeaderListSize) {
        assert owner.inThread();
        int streamWindow = options.initialWindowSize();
        // one paused call must not stall the others: the connection window is larger than any stream's
        int connectionWindow =
                (int) Math.min(Integer.MAX_VALUE, Math.max((long) options.connectionWindowSize(), 2L * streamWindow));
        Http2Connection connection = new DefaultHttp2Connection(false);
        connection.local().flowController(new DefaultHttp2LocalFlowController(connection, 0.5f, false));
        connection.remote().flowController(NettyOutbound.remoteFlowController(connection));
        DefaultHttp2ConnectionEncoder encoder =
                new DefaultHttp2ConnectionEncoder(connection, new DefaultHttp2FrameWriter());
        DefaultHttp2ConnectionDecoder decoder = new DefaultHttp2ConnectionDecoder(
                connection,
                encoder,
                new DefaultHttp2FrameReader(new DefaultHttp2HeadersDecoder(true, maxHeaderListSize)));
        Http2Settings settings = new Http2Settings()
                .pushEnabled(false)
                .initialWindowSize(streamWindow)
                .maxHeaderListSize(maxHeaderListSize);
        long limit = options.maxConcurrentStreams().isPresent()
                ? options.maxConcurrentStreams().getAsInt()
                : Long.MAX_VALUE;
        NettyClientConnection c = new NettyClientConnection(decoder, encoder, settings, owner, connectionWindow, limit);
        socket.channelHandlerContext().pipeline().addBefore("handler", "rpcvertx-h2-client", c);
        return c.ready.future();
    }

    // ---------------------------------------------------------------- pipeline events

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
        this.ctx = ctx;
        this.voidPromise = new VoidChannelPromise(ctx.channel(), false);
        this.flusher = new NettyFlusher(ctx, this);
        super.handlerAdded(ctx);
        int delta = connectionWindow - Http2CodecUtil.DEFAULT_WINDOW_SIZE;
        if (delta > 0) {
            connection()
                    .local()
                    .flowController()
                    .incrementWindowSize(connection().connectionStream(), delta);
        }
        ctx.flush();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        ContextInternal previous = owner.beginDispatch();
        flusher().readStarted();
        try {
            super.channelRead(ctx, msg);
        } finally {
            owner.endDispatch(previous);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
        // what the read's callbacks buffered goes to Netty, and Http2ConnectionHandler flushes it with the
        // WINDOW_UPDATEs the read made
        flusher().readComplete();
        super.channelReadComplete(ctx);
        notifyWaiting();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        ContextInternal previous = owner.beginDispatch();
        try {
            super.channelWritabilityChanged(ctx);
        } finally {
            owner.endDispatch(previous);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        inactive = true;
        ContextInternal previous = owner.beginDispatch();
        try {
            // closes every stream: each ends UNAVAILABLE (or refused by a GOAWAY)
            super.channelInactive(ctx);
            List<Promise<Void>> waiting = new ArrayList<>(pings.values());
            pings.clear();
            for (Promise<Void> p : waiting) {
                p.tryFail("connection closed");
            }
            Throwable error = connectionError;
            ready.tryFail(
                    error != null
                            ? new VertxException(
                                    "connection closed before the HTTP/2 handshake ended: " + error.getMessage(), error)
                            : new VertxException("connection closed before the HTTP/2 handshake ended"));
            Events e = events;
            if (e != null) {
                e.onClosed();
            }
            closed.tryComplete();
        } finally {
            owner.endDispatch(previous);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) throws Exception {
        ContextInternal previous = owner.beginDispatch();
        try {
            Events e = events;
            if (e != null) {
                e.onError(cause);
            }
            if (Http2CodecUtil.getEmbeddedHttp2Exception(cause) != null) {
                super.exceptionCaught(ctx, cause);
            } else {
                // an I/O failure (reset by peer, TLS): the connection is gone; its streams end when it closes
                if (connectionError == null) {
                    connectionError = cause;
                }
                ctx.close();
            }
        } finally {
            owner.endDispatch(previous);
        }
    }

    @Override
    protected void onConnectionError(
            ChannelHandlerContext ctx, boolean outbound, Throwable cause, @Nullable Http2Exception http2Ex) {
        if (connectionError == null) {
            connectionError = cause;
        }
        super.onConnectionError(ctx, outbound, cause, http2Ex);
    }

    @Override
    protected void onStreamError(
            ChannelHandlerContext ctx, boolean outbound, Throwable cause, Http2Exception.StreamException http2Ex) {
        Http2Stream stream = connection().stream(http2Ex.streamId());
        NettyClientStream s = stream == null ? null : stream.getProperty(streamKey);
        if (s != null) {
            // this stream alone fails; Netty resets it with the error's code
            s.onStreamError(cause);
        }
        super.onStreamError(ctx, outbound, cause, http2Ex);
    }

    // ---------------------------------------------------------------- for streams (owner)

    private ChannelHandlerContext ctx() {
        ChannelHandlerContext c = ctx;
        assert c != null;
        return c;
    }

    private NettyFlusher flusher() {
        NettyFlusher f = flusher;
        assert f != null;
        return f;
    }

    /** The allocator of the socket's buffers. */
    ByteBufAllocator alloc() {
        return ctx().alloc();
    }

    /** {@code stream} buffered messages: they go to Netty as one DATA frame before the next flush. */
    void buffered(NettyClientStream stream) {
        buffered.add(stream);
        flusher().request();
    }

    @Override
    public void writeBuffered() {
        if (buffered.isEmpty()) {
            return;
        }
        for (int i = 0; i < buffered.size(); i++) {
            buffered.get(i).writeBuffered();
        }
        buffered.clear();
    }

    @Override
    public void flushNow() {
        ChannelHandlerContext c = ctx;
        if (c != null && !inactive) {
            flush(c);
        }
        notifyWaiting();
    }

    /** The streams that waited for a flush hear onReady (user code: inside the owner context's dispatch). */
    private void notifyWaiting() {
        if (waitingForReady.isEmpty()) {
            return;
        }
        // a writer called back may fill its buffer again and wait for the next flush: a fresh list for those
        List<NettyClientStream> waiting = new ArrayList<>(waitingForReady);
        waitingForReady.clear();
        ContextInternal previous = owner.beginDispatch();
        try {
            for (int i = 0; i < waiting.size(); i++) {
                waiting.get(i).notifyIfReady();
            }
        } finally {
            owner.endDispatch(previous);
        }
    }

    /** {@code stream} said it was not ready because of what it buffered: it hears onReady after the flush. */
    void awaitFlush(NettyClientStream stream) {
        waitingForReady.add(stream);
    }

    private ChannelPromise voidPromise() {
        ChannelPromise p = voidPromise;
        assert p != null;
        return p;
    }

    /**
     * Opens a stream for {@code owner} with its request headers; null if this connection can open none any more
     * (GOAWAY received, closed).
     */
    @Nullable
    Http2Stream newStream(NettyClientStream owner, Http2Headers headers, boolean endOfStream) {
        Http2Connection connection = connection();
        if (inactive || connection.goAwayReceived() || !connection.local().canOpenStream()) {
            return null;
        }
        int id = connection.local().incrementAndGetNextStreamId();
        if (id < 0) {
            return null; // stream ids exhausted
        }
        encoder().writeHeaders(ctx(), id, headers, 0, endOfStream, voidPromise());
        Http2Stream stream = connection.stream(id);
        if (stream != null) {
            stream.setProperty(streamKey, owner);
        }
        scheduleFlush();
        return stream;
    }

    /** Writes DATA on {@code stream} (flow controlled; coalesced with the stream's other writes until the flush). */
    void writeData(Http2Stream stream, ByteBuf data, boolean endOfStream) {
        if (!canWrite(stream)) {
            data.release();
            return;
        }
        // called just before a flush (NettyFlusher): no flush of its own
        encoder().writeData(ctx(), stream.id(), data, 0, endOfStream, voidPromise());
    }

    private static boolean canWrite(Http2Stream stream) {
        Http2Stream.State state = stream.state();
        return state == Http2Stream.State.OPEN || state == Http2Stream.State.HALF_CLOSED_REMOTE;
    }

    /** Resets {@code stream} with {@code errorCode} if it is still open. */
    void reset(Http2Stream stream, Http2Error errorCode) {
        if (stream.state() == Http2Stream.State.CLOSED || stream.isResetSent()) {
            return;
        }
        resetStream(ctx(), stream.id(), errorCode.code(), voidPromise());
        scheduleFlush();
    }

    /** Whether {@code stream} can take more DATA without queueing beyond its window. */
    boolean isWritable(Http2Stream stream) {
        return connection().remote().flowController().isWritable(stream);
    }

    /** Returns {@code bytes} of {@code stream}'s DATA to the flow-control windows (a message reached its reader). */
    void consumeBytes(Http2Stream stream, int bytes) {
        if (bytes <= 0 || stream.state() == Http2Stream.State.CLOSED) {
            return;
        }
        try {
            if (connection().local().flowController().consumeBytes(stream, bytes)) {
                scheduleFlush();
            }
        } catch (Http2Exception e) {
            onError(ctx(), false, e);
        }
    }

    /** Whether a GOAWAY from the peer says it never processed {@code streamId}. */
    boolean isRefusedByGoAway(int streamId) {
        Http2Connection connection = connection();
        return connection.goAwayReceived() && streamId > connection.local().lastStreamKnownByPeer();
    }

    /** The error that failed the connection, if one did. */
    @Nullable
    Throwable connectionError() {
        return connectionError;
    }

    /** A flush at the end of this event-loop task, unless a read is being handled (its end flushes). */
    void scheduleFlush() {
        flusher().request();
    }

    // ---------------------------------------------------------------- ClientConnection (owner)

    @Override
    public long maxActiveStreams() {
        return Math.min(streamLimit, connection().local().maxActiveStreams());
    }

    @Override
    public Future<Void> close() {
        ChannelHandlerContext c = ctx;
        if (c != null && !inactive) {
            c.close();
        }
        return closed.future();
    }

    @Override
    public Future<?> ping(long data) {
        Promise<Void> promise = owner.promise();
        if (inactive) {
            promise.fail("connection closed");
            return promise.future();
        }
        pings.put(data, promise);
        encoder().writePing(ctx(), false, data, voidPromise());
        scheduleFlush();
        return promise.future();
    }

    @Override
    public void events(Events events) {
        this.events = events;
    }

    // ---------------------------------------------------------------- frames (owner, inside a read: NettyClientFrames)

    /** The stream {@code streamId} belongs to, if it is one of ours and still known. */
    @Nullable
    NettyClientStream streamOf(int streamId) {
        Http2Stream stream = connection().stream(streamId);
        return stream == null ? null : stream.getProperty(streamKey);
    }

    /** The peer's SETTINGS: the first makes the connection ready; each may change the stream slots. */
    void onSettings() {
        if (!settingsReceived) {
            settingsReceived = true;
            ready.tryComplete(this);
        }
        Events e = events;
        if (e != null) {
            e.onRemoteSettings();
        }
    }

    /** The peer acknowledged our PING {@code data}. */
    void onPingAck(long data) {
        Promise<Void> p = pings.remove(data);
        if (p != null) {
            p.tryComplete();
        }
    }

    /** The peer sent GOAWAY. */
    void onGoAway(int lastStreamId) {
        Events e = events;
        if (e != null) {
            e.onGoAway(lastStreamId);
        }
    }
}
