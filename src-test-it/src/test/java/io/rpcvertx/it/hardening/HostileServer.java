package io.rpcvertx.it.hardening;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http2.DefaultHttp2FrameReader;
import io.netty.handler.codec.http2.DefaultHttp2FrameWriter;
import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Flags;
import io.netty.handler.codec.http2.Http2FrameAdapter;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersEncoder;
import io.netty.handler.codec.http2.Http2Settings;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * A misbehaving HTTP/2 server for our channel, written on raw Netty frames ({@link DefaultHttp2FrameReader} in,
 * {@link DefaultHttp2FrameWriter} out) with no HTTP/2 connection state machine in between: whatever a script writes
 * goes on the wire, including frames a correct server would never send (headers after trailers, DATA past the
 * window, an increasing GOAWAY, raw bytes).
 *
 * <p>Each request stream is handed to the {@link Responder} when its HEADERS arrive; the responder scripts the answer
 * of that stream ({@link HostileStream}), usually after the request ended ({@link HostileStream#whenRequestEnds}).
 * The server reads everything the client sends and returns the window for it at once, answers PING and SETTINGS,
 * and keeps what it observed (WINDOW_UPDATEs and RST_STREAMs per stream, connections) for the tests.
 *
 * <p>Threads: one Netty event loop of its own; all stream and connection state lives on it. The observation
 * counters are atomic and readable from any thread.
 */
final class HostileServer implements AutoCloseable {
    /** Scripts the answer of one request stream; runs on the server's event loop when the request HEADERS arrive. */
    @FunctionalInterface
    interface Responder {
        void respond(HostileStream stream);
    }

    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel listener;
    private final Set<HostileConnection> open = ConcurrentHashMap.newKeySet();
    private volatile Responder responder;
    private volatile Http2Settings initialSettings = new Http2Settings();
    /** Connections accepted so far. */
    final AtomicInteger connections = new AtomicInteger();

    private HostileServer(Responder responder) throws InterruptedException {
        this.responder = responder;
        this.listener = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        connections.incrementAndGet();
                        HostileConnection c = new HostileConnection();
                        open.add(c);
                        ch.closeFuture().addListener(f -> open.remove(c));
                        ch.pipeline().addLast(c);
                    }
                })
                .bind("127.0.0.1", 0)
                .sync()
                .channel();
    }

    /** A server on 127.0.0.1 and an ephemeral port, answering with {@code responder}. */
    static HostileServer start(Responder responder) throws InterruptedException {
        return new HostileServer(responder);
    }

    int port() {
        return ((InetSocketAddress) listener.localAddress()).getPort();
    }

    String target() {
        return "127.0.0.1:" + port();
    }

    void responder(Responder r) {
        this.responder = r;
    }

    /** The SETTINGS this server sends first on new connections. */
    void initialSettings(Http2Settings s) {
        this.initialSettings = s;
    }

    /** The connections open now. */
    List<HostileConnection> openConnections() {
        return List.copyOf(open);
    }

    @Override
    public void close() throws InterruptedException {
        listener.close().sync();
        for (HostileConnection c : List.copyOf(open)) {
            Channel ch = c.channel;
            if (ch != null) {
                ch.close().sync();
            }
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    /** One client connection: frames in, scripted frames out. All methods run on (or hop to) its event loop. */
    final class HostileConnection extends ByteToMessageDecoder {
        private final DefaultHttp2FrameReader reader = new DefaultHttp2FrameReader(false);
        private final DefaultHttp2FrameWriter writer =
                new DefaultHttp2FrameWriter(new DefaultHttp2HeadersEncoder(Http2HeadersEncoder.NEVER_SENSITIVE, true));
        private final Map<Integer, HostileStream> streams = new ConcurrentHashMap<>();
        private final Map<Long, CompletableFuture<Void>> pings = new HashMap<>();
        private final Map<Integer, CompletableFuture<Long>> resets = new ConcurrentHashMap<>();
        private final Listener frames = new Listener();
        private @Nullable ChannelHandlerContext ctx;
        private volatile @Nullable Channel channel;
        private boolean prefaceRead;
        private long remoteInitialWindow = Http2CodecUtil.DEFAULT_WINDOW_SIZE;
        private long sendWindow = Http2CodecUtil.DEFAULT_WINDOW_SIZE;
        private int maxFrameSize = Http2CodecUtil.DEFAULT_MAX_FRAME_SIZE;
        private long nextPing = 1;
        /** WINDOW_UPDATE frames for the connection (stream 0) received from the client. */
        final AtomicInteger connectionWindowUpdates = new AtomicInteger();
        /** PING acknowledgements and SETTINGS acknowledgements received from the client. */
        final AtomicLong pingAcks = new AtomicLong();

        final AtomicLong settingsAcks = new AtomicLong();

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            this.ctx = ctx;
            this.channel = ctx.channel();
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) throws Exception {
            writer.writeSettings(ctx, initialSettings, ctx.newPromise());
            ctx.flush();
            super.channelActive(ctx);
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
            if (!prefaceRead) {
                if (in.readableBytes() < PREFACE.length) {
                    return;
                }
                byte[] got = new byte[PREFACE.length];
                in.readBytes(got);
                if (!java.util.Arrays.equals(got, PREFACE)) {
                    ctx.close();
                    return;
                }
                prefaceRead = true;
            }
            reader.readFrame(ctx, in, frames);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
            super.channelReadComplete(ctx);
            ctx.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close(); // a client we cannot parse: nothing a hostile server owes it
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            for (HostileStream s : streams.values()) {
                s.dropPending();
            }
            for (CompletableFuture<Void> p : pings.values()) {
                p.completeExceptionally(new IllegalStateException("connection closed before the PING ack"));
            }
            super.channelInactive(ctx);
        }

        private ChannelHandlerContext ctx() {
            ChannelHandlerContext c = ctx;
            if (c == null) {
                throw new IllegalStateException("not attached");
            }
            return c;
        }

        /** Runs {@code action} on this connection's event loop, then flushes. */
        void run(Runnable action) {
            ChannelHandlerContext c = ctx();
            if (c.executor().inEventLoop()) {
                action.run();
                c.flush();
            } else {
                c.executor().execute(() -> {
                    action.run();
                    c.flush();
                });
            }
        }

        /** Runs {@code action} on the event loop after {@code millis}, then flushes. */
        void later(long millis, Runnable action) {
            ctx().executor().schedule(() -> run(action), millis, TimeUnit.MILLISECONDS);
        }

        boolean isOpen() {
            Channel ch = channel;
            return ch != null && ch.isActive();
        }

        void goAway(int lastStreamId, long errorCode, String debug) {
            writer.writeGoAway(
                    ctx(),
                    lastStreamId,
                    errorCode,
                    Unpooled.copiedBuffer(debug, StandardCharsets.UTF_8),
                    ctx().newPromise());
        }

        void ping(boolean ack, long data) {
            writer.writePing(ctx(), ack, data, ctx().newPromise());
        }

        void settings(Http2Settings s) {
            writer.writeSettings(ctx(), s, ctx().newPromise());
        }

        void windowUpdate(int streamId, int increment) {
            // the writer refuses increments out of range; a hostile one is written as a raw frame
            ByteBuf payload = Unpooled.buffer(4).writeInt(increment);
            writer.writeFrame(
                    ctx(), Http2FrameTypes.WINDOW_UPDATE, streamId, new Http2Flags(), payload, ctx().newPromise());
        }

        void rawFrame(byte type, int streamId, Http2Flags flags, ByteBuf payload) {
            writer.writeFrame(ctx(), type, streamId, flags, payload, ctx().newPromise());
        }

        /** Bytes straight onto the socket, no framing. */
        void raw(ByteBuf bytes) {
            ctx().write(bytes);
        }

        void close() {
            ctx().flush();
            ctx().close();
        }

        /** A PING round trip: completes when the client acknowledged it (everything it sent before has been read). */
        CompletableFuture<Void> roundTrip() {
            CompletableFuture<Void> done = new CompletableFuture<>();
            run(() -> {
                long data = nextPing++ | 0x5EED_0000_0000_0000L;
                pings.put(data, done);
                ping(false, data);
            });
            return done;
        }

        /**
         * Completes with the code of the client's RST_STREAM for stream {@code id}, also for a stream this server has
         * already ended (and forgotten).
         */
        CompletableFuture<Long> resetOf(int id) {
            return resets.computeIfAbsent(id, k -> new CompletableFuture<>());
        }

        /** The stream with this id, if the client opened it. */
        @Nullable
        HostileStream stream(int id) {
            return streams.get(id);
        }

        private void flushAll() {
            for (HostileStream s : List.copyOf(streams.values())) {
                s.flushPending();
            }
        }

        private final class Listener extends Http2FrameAdapter {
            @Override
            public void onSettingsRead(ChannelHandlerContext ctx, Http2Settings settings)
                    throws io.netty.handler.codec.http2.Http2Exception {
                Long window = settings.initialWindowSize() == null
                        ? null
                        : settings.initialWindowSize().longValue();
                if (window != null) {
                    long delta = window - remoteInitialWindow;
                    remoteInitialWindow = window;
                    for (HostileStream s : streams.values()) {
                        s.sendWindow += delta;
                    }
                }
                Integer frameSize = settings.maxFrameSize();
                if (frameSize != null) {
                    maxFrameSize = frameSize;
                }
                writer.writeSettingsAck(ctx, ctx.newPromise());
                flushAll();
            }

            @Override
            public void onSettingsAckRead(ChannelHandlerContext ctx) {
                settingsAcks.incrementAndGet();
            }

            @Override
            public void onPingRead(ChannelHandlerContext ctx, long data) {
                writer.writePing(ctx, true, data, ctx.newPromise());
            }

            @Override
            public void onPingAckRead(ChannelHandlerContext ctx, long data) {
                pingAcks.incrementAndGet();
                CompletableFuture<Void> p = pings.remove(data);
                if (p != null) {
                    p.complete(null);
                }
            }

            @Override
            public void onHeadersRead(
                    ChannelHandlerContext ctx, int streamId, Http2Headers headers, int padding, boolean endStream) {
                HostileStream s = streams.get(streamId);
                if (s != null) {
                    // request trailers
                    if (endStream) {
                        s.requestEnded();
                    }
                    return;
                }
                s = new HostileStream(HostileConnection.this, streamId, headers, remoteInitialWindow);
                streams.put(streamId, s);
                responder.respond(s);
                if (endStream) {
                    s.requestEnded();
                }
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
                    boolean endStream) {
                onHeadersRead(ctx, streamId, headers, padding, endStream);
            }

            @Override
            public int onDataRead(
                    ChannelHandlerContext ctx, int streamId, ByteBuf data, int padding, boolean endStream) {
                int bytes = data.readableBytes() + padding;
                // this server always reads: the window goes back at once (connection and stream)
                if (bytes > 0) {
                    writer.writeWindowUpdate(ctx, 0, bytes, ctx.newPromise());
                }
                HostileStream s = streams.get(streamId);
                if (s != null) {
                    if (bytes > 0 && !endStream && s.isOpenForUpdates()) {
                        writer.writeWindowUpdate(ctx, streamId, bytes, ctx.newPromise());
                    }
                    s.requestData(data);
                    if (endStream) {
                        s.requestEnded();
                    }
                }
                return bytes;
            }

            @Override
            public void onRstStreamRead(ChannelHandlerContext ctx, int streamId, long errorCode) {
                resetOf(streamId).complete(errorCode);
                HostileStream s = streams.get(streamId);
                if (s != null) {
                    s.resetByClient(errorCode);
                }
            }

            @Override
            public void onWindowUpdateRead(ChannelHandlerContext ctx, int streamId, int increment) {
                if (streamId == 0) {
                    connectionWindowUpdates.incrementAndGet();
                    sendWindow += increment;
                    flushAll();
                    return;
                }
                HostileStream s = streams.get(streamId);
                if (s != null) {
                    s.windowUpdates.incrementAndGet();
                    s.sendWindow += increment;
                    s.flushPending();
                }
            }
        }

        // ------------------------------------------------------------ used by HostileStream (event loop)

        void forget(int id) {
            streams.remove(id);
        }

        ChannelHandlerContext context() {
            return ctx();
        }

        DefaultHttp2FrameWriter writer() {
            return writer;
        }

        long connectionSendWindow() {
            return sendWindow;
        }

        void consumeConnectionWindow(int n) {
            sendWindow -= n;
        }

        int maxFrameSize() {
            return maxFrameSize;
        }
    }

    /** Frame type codes for {@link HostileConnection#rawFrame} (RFC 9113, "Frame Definitions"). */
    static final class Http2FrameTypes {
        static final byte DATA = 0x0;
        static final byte HEADERS = 0x1;
        static final byte RST_STREAM = 0x3;
        static final byte SETTINGS = 0x4;
        static final byte PING = 0x6;
        static final byte GOAWAY = 0x7;
        static final byte WINDOW_UPDATE = 0x8;
        static final byte CONTINUATION = 0x9;

        private Http2FrameTypes() {}
    }

    /**
     * One request stream and the script of its answer. Flow-controlled DATA ({@link #data}) waits for the client's
     * window; everything else goes out at once. Event loop only, except the observation fields.
     */
    static final class HostileStream {
        private final HostileConnection connection;
        final int id;
        final Http2Headers requestHeaders;
        private final ByteBuf request = Unpooled.buffer();
        private final ArrayDeque<Chunk> pending = new ArrayDeque<>();
        private final ArrayDeque<Runnable> onRequestEnd = new ArrayDeque<>();
        private long sendWindow;
        private boolean requestEnded;
        private boolean responseEnded;
        private @Nullable Supplier<ByteBuf> producer;
        /** WINDOW_UPDATE frames received for this stream. */
        final AtomicInteger windowUpdates = new AtomicInteger();
        /** Bytes of flow-controlled DATA sent on this stream. */
        final AtomicLong dataSent = new AtomicLong();
        /** Completes with the RST_STREAM code the client sent. */
        final CompletableFuture<Long> clientReset = new CompletableFuture<>();
        /** Completes each time the producer stalls on a closed window; replaced when it moves again. */
        private volatile CompletableFuture<Long> stalled = new CompletableFuture<>();

        /** Pending DATA, or (with {@code trailers}) trailers that wait behind it. */
        private record Chunk(
                ByteBuf data, boolean endStream, @Nullable Http2Headers trailers) {
            Chunk(ByteBuf data, boolean endStream) {
                this(data, endStream, null);
            }
        }

        HostileStream(HostileConnection connection, int id, Http2Headers requestHeaders, long initialWindow) {
            this.connection = connection;
            this.id = id;
            this.requestHeaders = requestHeaders;
            this.sendWindow = initialWindow;
        }

        HostileConnection connection() {
            return connection;
        }

        /** The value of a request header, or null. */
        @Nullable
        String header(String name) {
            CharSequence v = requestHeaders.get(name);
            return v == null ? null : v.toString();
        }

        String path() {
            CharSequence p = requestHeaders.path();
            return p == null ? "" : p.toString();
        }

        /** The request body received so far (length-prefixed messages), as a copy. */
        byte[] requestBytes() {
            byte[] b = new byte[request.readableBytes()];
            request.getBytes(request.readerIndex(), b);
            return b;
        }

        /** Runs {@code action} once the client half-closed (at once if it already did). */
        void whenRequestEnds(Runnable action) {
            if (requestEnded) {
                action.run();
            } else {
                onRequestEnd.add(action);
            }
        }

        void headers(Http2Headers headers, boolean endStream) {
            connection
                    .writer()
                    .writeHeaders(
                            connection.context(),
                            id,
                            headers,
                            0,
                            endStream,
                            connection.context().newPromise());
            if (endStream) {
                responseEnded = true;
                forgetIfDone();
            }
        }

        /** Flow-controlled DATA: it leaves as the client's stream and connection windows allow. */
        void data(ByteBuf data, boolean endStream) {
            pending.add(new Chunk(data, endStream));
            flushPending();
        }

        /** DATA that ignores the client's window (a flow-control violation when it does not fit). */
        void dataIgnoringWindow(ByteBuf data, boolean endStream) {
            connection
                    .writer()
                    .writeData(
                            connection.context(),
                            id,
                            data,
                            0,
                            endStream,
                            connection.context().newPromise());
        }

        /** Flow-controlled trailers: they wait behind pending DATA. */
        void trailers(Http2Headers trailers) {
            if (pending.isEmpty()) {
                headers(trailers, true);
            } else {
                pending.add(new Chunk(Unpooled.EMPTY_BUFFER, true, trailers));
            }
        }

        void rst(long errorCode) {
            responseEnded = true;
            dropPending();
            connection
                    .writer()
                    .writeRstStream(
                            connection.context(),
                            id,
                            errorCode,
                            connection.context().newPromise());
            connection.forget(id);
        }

        /**
         * Sends what {@code next} supplies for as long as the client's window lets it, forever: an endless response
         * to a reader that may stop reading.
         */
        void produce(Supplier<ByteBuf> next) {
            this.producer = next;
            flushPending();
        }

        /** Completes with the bytes sent so far once the producer waits on a closed window. */
        CompletableFuture<Long> stalled() {
            return stalled;
        }

        boolean isOpenForUpdates() {
            return !responseEnded;
        }

        // ------------------------------------------------------------ connection side (event loop)

        void requestData(ByteBuf data) {
            if (request.readableBytes() < 1 << 20) {
                request.writeBytes(data, data.readerIndex(), Math.min(data.readableBytes(), 1 << 20));
            }
        }

        void requestEnded() {
            if (requestEnded) {
                return;
            }
            requestEnded = true;
            while (!onRequestEnd.isEmpty()) {
                onRequestEnd.poll().run();
            }
            forgetIfDone();
        }

        /** A stream over in both directions leaves the connection's table (a fuzz run opens many thousands). */
        private void forgetIfDone() {
            if (responseEnded && pending.isEmpty() && (requestEnded || clientReset.isDone())) {
                connection.forget(id);
            }
        }

        void resetByClient(long code) {
            responseEnded = true;
            producer = null;
            dropPending();
            clientReset.complete(code);
            forgetIfDone();
        }

        void dropPending() {
            for (Chunk c : pending) {
                c.data.release();
            }
            pending.clear();
            producer = null;
        }

        void flushPending() {
            ChannelHandlerContext ctx = connection.context();
            while (true) {
                Chunk c = pending.peek();
                if (c == null) {
                    Supplier<ByteBuf> p = producer;
                    if (p == null || responseEnded || !windowOpen()) {
                        if (p != null && !responseEnded) {
                            stalled.complete(dataSent.get());
                        }
                        return;
                    }
                    pending.add(new Chunk(p.get(), false));
                    continue;
                }
                Http2Headers t = c.trailers();
                if (t != null) {
                    pending.poll();
                    headers(t, true);
                    continue;
                }
                int readable = c.data.readableBytes();
                if (readable == 0) {
                    pending.poll();
                    c.data.release();
                    if (c.endStream) {
                        responseEnded = true;
                        connection.writer().writeData(ctx, id, Unpooled.EMPTY_BUFFER, 0, true, ctx.newPromise());
                    }
                    continue;
                }
                long allowed =
                        Math.min(Math.min(sendWindow, connection.connectionSendWindow()), connection.maxFrameSize());
                if (allowed <= 0) {
                    stalled.complete(dataSent.get());
                    return;
                }
                if (stalled.isDone()) {
                    stalled = new CompletableFuture<>();
                }
                int n = (int) Math.min(allowed, readable);
                boolean last = n == readable;
                ByteBuf piece = c.data.readRetainedSlice(n);
                sendWindow -= n;
                connection.consumeConnectionWindow(n);
                dataSent.addAndGet(n);
                boolean end = last && c.endStream;
                if (last) {
                    pending.poll();
                    c.data.release();
                }
                if (end) {
                    responseEnded = true;
                }
                connection.writer().writeData(ctx, id, piece, 0, end, ctx.newPromise());
            }
        }

        private boolean windowOpen() {
            return sendWindow > 0 && connection.connectionSendWindow() > 0;
        }
    }
}
