package io.rpcvertx.impl.netty;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Stream;
import io.rpcvertx.Marshaller;
import io.rpcvertx.Metadata;
import io.rpcvertx.StatusCode;
import io.rpcvertx.impl.codec.Encoding;
import io.rpcvertx.impl.codec.GrpcHeaders;
import io.rpcvertx.impl.codec.Marshalling;
import io.rpcvertx.impl.codec.MessageFramer;
import io.rpcvertx.impl.security.AuthContext;
import io.rpcvertx.impl.transport.ServerStream;
import io.rpcvertx.impl.transport.ServerStreamListener;
import io.rpcvertx.impl.transport.ServerStreamListener.CancelCause;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.net.SocketAddress;
import java.util.ArrayDeque;
import org.jspecify.annotations.Nullable;

/**
 * The Netty HTTP/2 server transport's {@link ServerStream}: one request stream of a {@link NettyServerConnection}, on
 * a duplicate of the connection's context (so on its event loop: every Netty call here is made on the channel's loop).
 *
 * <pre>
 * OPEN --status written, reset by us, reset by the peer, connection lost--&gt; CLOSED
 * CLOSED --callTerminated (or given up on as leaked by a stop)--&gt; TERMINATED
 * </pre>
 *
 * Inbound flow control follows demand: request bytes are returned to the peer's window
 * ({@code Http2LocalFlowController.consumeBytes}) when they are handed to the call layer, not when they arrive; while
 * the call layer holds reading they wait here, unconsumed, so the peer's window closes. Request bytes are not copied:
 * the call layer reads a view of Netty's receive buffer during the delivery (the deframer copies only a message that
 * straddles frames); bytes held back are retained slices, released as they are delivered or when the stream closes.
 * Outbound messages are buffered
 * until the connection flushes, then leave as one DATA frame per stream ({@link NettyFlusher}); a message whose
 * marshaller announces its size is serialized straight into that buffer, behind its prefix.
 */
final class NettyServerStream implements ServerStream {

    private static final Future<Void> WRITTEN_LATER = Future.succeededFuture();

    enum State {
        OPEN,
        CLOSED,
        TERMINATED
    }

    final NettyServerConnection connection;
    final Http2Stream stream;
    private final Http2Headers requestHeaders;
    private final String path;
    private final ContextInternal context;
    private @Nullable ServerStreamListener listener;
    private @Nullable Metadata metadata;
    private State state = State.OPEN;
    private boolean headersWritten;
    private boolean readingHeld;
    /** The peer half-closed (END_STREAM received); {@link #halfCloseDelivered} once the call layer heard of it. */
    private boolean remoteEnded;

    private boolean halfCloseDelivered;
    /**
     * Request bytes received while reading was held, in order, as retained slices of the receive buffers (ours to
     * release); each is consumed from the window when delivered.
     */
    private @Nullable ArrayDeque<ByteBuf> held;

    private boolean delivering;
    /** Response bytes written since the last flush (one DATA frame at the flush), or null. */
    private @Nullable ByteBuf outbound;
    /** Whether {@link #outbound} is our pooled buffer (more messages are appended to it) or a message's own bytes. */
    private boolean outboundOwned;
    /** Netty's writability of the stream when {@link #outbound} took its first bytes. */
    private boolean writableWhenBuffered;
    /** {@link #isReady()} answered false: {@link ServerStreamListener#onReady()} is owed once it turns true. */
    private boolean readyOwed;
    /** In the connection's list of streams with buffered response bytes. */
    boolean buffered;

    @Nullable
    NettyServerStream nextBuffered;

    // the connection's list of open streams
    @Nullable
    NettyServerStream prevOpen;

    @Nullable
    NettyServerStream nextOpen;

    boolean inOpen;

    NettyServerStream(
            NettyServerConnection connection,
            Http2Stream stream,
            Http2Headers requestHeaders,
            ContextInternal context) {
        this.connection = connection;
        this.stream = stream;
        this.requestHeaders = requestHeaders;
        CharSequence p = requestHeaders.path();
        this.path = p == null ? "" : p.toString();
        this.context = context;
    }

    // ---------------------------------------------------------------- the request head

    @Override
    public ContextInternal context() {
        return context;
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public @Nullable String header(CharSequence name) {
        CharSequence v = requestHeaders.get(name);
        return v == null ? null : v.toString();
    }

    @Override
    public Metadata metadata() {
        Metadata md = metadata;
        if (md == null) {
            md = NettyHeaders.metadata(requestHeaders);
            metadata = md;
        }
        return md;
    }

    @Override
    public String peer() {
        return connection.peer();
    }

    @Override
    public @Nullable SocketAddress remoteAddress() {
        SocketAddress remote = connection.remoteAddress();
        return remote == null || remote.isDomainSocket() ? null : remote;
    }

    @Override
    public AuthContext authContext() {
        return connection.authContext();
    }

    // ---------------------------------------------------------------- inbound

    @Override
    public void setListener(ServerStreamListener l) {
        assert context.inThread();
        listener = l;
    }

    /** A DATA frame's payload (padding already returned to the window); {@code end}: END_STREAM. On the loop. */
    void onData(ByteBuf data, boolean end) {
        int n = data.readableBytes();
        if (state == State.OPEN && n > 0) {
            ArrayDeque<ByteBuf> q = held;
            if (readingHeld || (q != null && !q.isEmpty())) {
                if (q == null) {
                    q = new ArrayDeque<>(4);
                    held = q;
                }
                q.add(data.retainedSlice()); // the decoder releases the frame when this returns
            } else {
                deliver(data);
            }
        } else if (n > 0) {
            connection.consume(stream, n); // nobody reads any more: back to the window at once
        }
        if (end) {
            remoteEnded = true;
            deliverHalfCloseIfDue();
        }
    }

    /**
     * Hands {@code data} to the call layer as a view, valid during the (synchronous) dispatch only: the deframer reads
     * messages from it in place and copies just the bytes of a message that continues in a later frame.
     */
    private void deliver(ByteBuf data) {
        int n = data.readableBytes();
        ServerStreamListener l = listener;
        if (l != null && state == State.OPEN) {
            context.dispatch(BufferInternal.buffer(data), l::onData);
        }
        // handed over: the peer may send this much more (a paused reader stops here, so its window stays closed)
        connection.consume(stream, n);
    }

    private void deliverHalfCloseIfDue() {
        ArrayDeque<ByteBuf> q = held;
        if (!remoteEnded || halfCloseDelivered || readingHeld || (q != null && !q.isEmpty())) {
            return;
        }
        halfCloseDelivered = true;
        ServerStreamListener l = listener;
        if (l != null && state == State.OPEN) {
            context.dispatch(l, ServerStreamListener::onHalfClose);
        }
    }

    @Override
    public void holdReading(boolean hold) {
        if (hold == readingHeld) {
            return;
        }
        readingHeld = hold;
        if (hold || delivering) {
            return; // a delivery loop below picks the change up
        }
        delivering = true;
        try {
            ArrayDeque<ByteBuf> q = held;
            while (q != null && !readingHeld && !q.isEmpty()) {
                ByteBuf data = q.poll();
                try {
                    deliver(data);
                } finally {
                    data.release();
                }
            }
            deliverHalfCloseIfDue();
        } finally {
            delivering = false;
        }
        connection.requestFlush(); // the window updates of the bytes delivered
    }

    /** The peer reset the stream (any code, NO_ERROR included) or the connection closed. */
    void onPeerGone(CancelCause cause) {
        if (state != State.OPEN) {
            return;
        }
        close();
        ServerStreamListener l = listener;
        if (l != null) {
            context.dispatch(cause, l::onCancel);
        }
    }

    /** The connection's drain deadline passed (server stop, maximum connection age): cancel, as grpc does. */
    void cancelForShutdown() {
        if (state != State.OPEN) {
            return;
        }
        close();
        discardBuffered();
        ServerStreamListener l = listener;
        if (l != null) {
            context.dispatch(CancelCause.SHUTDOWN, l::onCancel);
        }
        connection.reset(stream, Http2Error.CANCEL);
    }

    // ---------------------------------------------------------------- outbound

    @Override
    public Future<Void> writeHeaders(Metadata md, Encoding encoding, boolean flush) {
        Http2Headers h = NettyHeaders.outbound();
        h.status(NettyServerConnection.STATUS_200);
        NettyHeaders.putMetadata(md, h);
        h.set(GrpcHeaders.CONTENT_TYPE, GrpcHeaders.APPLICATION_GRPC);
        h.set(GrpcHeaders.GRPC_ACCEPT_ENCODING, GrpcHeaders.ACCEPT_ENCODING_VALUE);
        if (encoding != Encoding.IDENTITY) {
            h.set(GrpcHeaders.GRPC_ENCODING, encoding.headerValue());
        }
        headersWritten = true;
        if (state != State.OPEN) {
            return WRITTEN_LATER;
        }
        if (flush) {
            return connection.writeHeadersFlushed(stream, h, context);
        }
        // unflushed: they leave with the first message or the status, in the same flush
        connection.writeHeaders(stream, h, false);
        return WRITTEN_LATER;
    }

    @Override
    public void writeMessage(Buffer frame) {
        if (state != State.OPEN) {
            return;
        }
        boolean first = outbound == null;
        append(frame);
        if (first) {
            firstBuffered();
        }
    }

    /** The message is serialized straight into this flush's buffer, behind the messages before it. */
    @Override
    public <T> void writeMessage(Marshaller<T> marshaller, T message, int size) {
        if (state != State.OPEN) {
            return;
        }
        ByteBuf out = outbound;
        ByteBuf room = NettyOutbound.room(out, outboundOwned, MessageFramer.HEADER_LENGTH + size, connection.alloc());
        outbound = room;
        outboundOwned = true;
        try {
            Marshalling.writeFramed(marshaller, message, size, room);
        } catch (RuntimeException e) {
            if (out == null) {
                outbound = null; // nothing else was buffered: no empty DATA frame at the flush
                room.release();
            }
            throw e;
        }
        if (out == null) {
            firstBuffered();
        }
    }

    /**
     * The first bytes since the last flush: the connection hands this stream's buffer to Netty at its next flush, and
     * Netty's writability of the stream is read once for all the messages buffered until then.
     */
    private void firstBuffered() {
        writableWhenBuffered = connection.isWritable(stream);
        connection.buffered(this);
    }

    private void append(Buffer frame) {
        ByteBuf out = outbound;
        outbound = NettyOutbound.append(out, outboundOwned, ((BufferInternal) frame).getByteBuf(), connection.alloc());
        outboundOwned = out != null;
    }

    /** Hands the buffered response bytes to Netty as one DATA frame (before a flush, or before the trailers). */
    void writeBuffered() {
        ByteBuf out = outbound;
        if (out != null) {
            outbound = null;
            if (stream.state() == Http2Stream.State.CLOSED || stream.isResetSent()) {
                out.release(); // reset underneath since it was buffered: nobody reads it
            } else {
                connection.writeData(stream, out);
            }
            if (readyOwed && state == State.OPEN) {
                // the writer may have stopped at our own buffer's high-water mark, which Netty knows nothing of: its
                // onReady must not wait for a writability change of Netty's (none may come; under TLS a flush that
                // briefly fills the channel reports it only once it is over), so the stream asks after the flush
                connection.awaitFlush(this);
            }
        }
    }

    /**
     * After a flush, or when Netty's writability of the stream changed: owed {@link ServerStreamListener#onReady()}
     * is delivered once the stream takes more.
     */
    void notifyIfReady() {
        if (readyOwed && state == State.OPEN && isReady()) {
            readyOwed = false;
            ServerStreamListener l = listener;
            if (l != null) {
                context.dispatch(l, ServerStreamListener::onReady);
            }
        }
    }

    @Override
    public boolean isReady() {
        if (state != State.OPEN) {
            return true; // nothing waits any more
        }
        ByteBuf out = outbound;
        // While bytes are buffered for the flush, Netty's writability as it was when they started: Netty sees none of
        // them before the flush, so only its connection-wide state could change meanwhile, and our own high-water
        // mark still bounds what one stream buffers (a per-message flow-controller lookup was 5 % of a stream's CPU)
        boolean ready = out == null
                ? connection.isWritable(stream)
                : out.readableBytes() < NettyOutbound.HIGH_WATER && writableWhenBuffered;
        if (!ready) {
            readyOwed = true;
        }
        return ready;
    }

    @Override
    public void writeTrailers(StatusCode code, String details, Metadata trailers) {
        if (state != State.OPEN) {
            return;
        }
        close();
        Http2Headers h = NettyHeaders.outbound();
        if (!headersWritten) {
            // gRPC over HTTP/2, Responses: trailers-only, one HEADERS frame that advertises the encodings we accept
            h.status(NettyServerConnection.STATUS_200);
            h.set(GrpcHeaders.CONTENT_TYPE, GrpcHeaders.APPLICATION_GRPC);
            h.set(GrpcHeaders.GRPC_ACCEPT_ENCODING, GrpcHeaders.ACCEPT_ENCODING_VALUE);
        }
        NettyHeaders.putStatus(h, code, details, trailers);
        writeBuffered();
        connection.writeHeaders(stream, h, true);
    }

    @Override
    public void writeLastMessage(Buffer frame, StatusCode code, String details, Metadata trailers) {
        if (state != State.OPEN) {
            return;
        }
        append(frame);
        writeTrailers(code, details, trailers);
    }

    @Override
    public void stopReading() {
        if (!remoteEnded) {
            connection.reset(stream, Http2Error.NO_ERROR);
        }
    }

    @Override
    public void cancel() {
        if (state != State.OPEN) {
            return;
        }
        close();
        discardBuffered();
        connection.reset(stream, Http2Error.CANCEL);
    }

    /**
     * Leaves the connection's open streams. Runs before the status is written, so a client that starts its next call
     * on seeing the status finds the connection's slot free. Request bytes still held go back to the window.
     */
    private void close() {
        state = State.CLOSED;
        connection.removeOpen(this);
        ArrayDeque<ByteBuf> q = held;
        if (q != null) {
            int n = 0;
            for (ByteBuf b; (b = q.poll()) != null; ) {
                n += b.readableBytes();
                b.release();
            }
            connection.consume(stream, n);
        }
    }

    /** The stream can no longer be written (reset or closed underneath): buffered bytes are dropped. */
    void discardBuffered() {
        ByteBuf out = outbound;
        if (out != null) {
            outbound = null;
            out.release();
        }
    }

    @Override
    public void callTerminated() {
        assert context.inThread();
        if (state == State.TERMINATED) {
            return; // given up on as leaked by a stop: its handler completed after all
        }
        if (state == State.OPEN) {
            // the call is over without its wire work: the peer must not wait for a status that never comes
            close();
            discardBuffered();
            connection.reset(stream, Http2Error.CANCEL);
        }
        state = State.TERMINATED;
        connection.onStreamTerminated(this);
    }

    /** A stop gave up on this stream's call (its handler never completed): forgotten. */
    void giveUp() {
        cancelForShutdown();
        state = State.TERMINATED;
    }

    boolean isOpen() {
        return state == State.OPEN;
    }

    @Override
    public String toString() {
        return "NettyServerStream{" + path + ", " + stream.id() + ", " + state + "}";
    }
}
