package io.rpcvertx.impl.netty;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Stream;
import io.rpcvertx.StatusCode;
import io.rpcvertx.impl.client.AdmittedStream;
import io.rpcvertx.impl.client.ChannelImpl;
import io.rpcvertx.impl.codec.Encoding;
import io.rpcvertx.impl.codec.MessageFramer;
import io.rpcvertx.impl.codec.ResponseRules;
import io.rpcvertx.impl.codec.WireException;
import io.rpcvertx.impl.transport.ClientConnection;
import io.rpcvertx.impl.transport.RequestHead;
import io.rpcvertx.impl.transport.TransportErrors;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.impl.headers.HeadersMultiMap;
import io.vertx.core.http.impl.headers.Http2HeadersAdaptor;
import io.vertx.core.impl.buffer.VertxByteBufAllocator;
import io.vertx.core.internal.buffer.BufferInternal;
import java.util.ArrayDeque;
import org.jspecify.annotations.Nullable;

/**
 * One gRPC stream on a {@link NettyClientConnection}: request headers and messages out, response headers, messages and
 * trailers in; the response rules and the state machine are {@link AdmittedStream}'s. The request headers leave with
 * {@link #sendHeaders()}, the first message or the half-close, whichever comes first.
 *
 * <p>Inbound flow control follows demand: a DATA frame's bytes go back to the HTTP/2 windows when its messages were
 * handed to the reader, so a paused reader (whose frames wait here) stops the WINDOW_UPDATEs. Outbound follows the
 * stream's writability in Netty's flow controller. Owner context (the channel's event loop) only.
 */
public final class NettyClientStream extends AdmittedStream {
    private static final MultiMap NO_TRAILERS = HeadersMultiMap.httpHeaders();

    private @Nullable NettyClientConnection conn;
    private @Nullable Http2Stream stream;
    private boolean endSent;
    private boolean responseStarted;
    private boolean remoteEnded;
    private boolean paused;
    /** DATA read while the reader was paused, in order; its bytes are not yet back in the windows. */
    private @Nullable ArrayDeque<Buffer> held;
    /** The end of the response (its trailers), once read, while {@link #held} data waits or the reader is paused. */
    private @Nullable MultiMap heldEnd;

    /** Messages written since the last flush, one buffer (one DATA frame); owned (to release) if merged by us. */
    private @Nullable ByteBuf outbound;

    private boolean outboundOwned;
    private boolean outboundEnd;
    private boolean outboundQueued;
    private boolean readyOwed;
    /** The peer ended or reset the stream, or Netty resets it: Netty closes the HTTP/2 stream next. */
    private boolean closingByPeer;
    /** Closed while Netty still counts the HTTP/2 stream active: the slot goes back when Netty closes it. */
    private boolean releaseOwed;

    private boolean releaseEndReceived;

    public NettyClientStream(ChannelImpl channel, RequestHead head, boolean transparentRetry) {
        super(channel, head, transparentRetry);
    }

    // ---------------------------------------------------------------- admission (the channel)

    @Override
    protected void open(ClientConnection connection) {
        this.conn = (NettyClientConnection) connection;
        if (!expiredBeforeOpen()) {
            opened();
        }
    }

    // ---------------------------------------------------------------- ClientStream (owner)

    @Override
    public void sendHeaders() {
        if (isOpen() && stream == null) {
            openStream(false);
        }
    }

    @Override
    public int writeMessage(Buffer payload, boolean endOfStream) {
        if (!isOpen() || endSent) {
            return 0; // ended meanwhile: the call fails its writes itself
        }
        Http2Stream s = stream != null ? stream : openStream(false);
        NettyClientConnection c = conn;
        if (s == null || c == null) {
            return 0;
        }
        Encoding encoding = head.encoding();
        Buffer message = encoding == Encoding.IDENTITY ? payload : encoding.compress(payload);
        Buffer frame = MessageFramer.frame(message, encoding != Encoding.IDENTITY);
        endSent = endOfStream;
        append(((BufferInternal) frame).getByteBuf());
        outboundEnd = endOfStream;
        markBuffered(c);
        return message.length();
    }

    /** Once per flush: the connection hands this stream's buffer to Netty before flushing. */
    private void markBuffered(NettyClientConnection c) {
        if (!outboundQueued) {
            outboundQueued = true;
            c.buffered(this);
        }
    }

    private void append(ByteBuf bytes) {
        NettyClientConnection c = conn;
        assert c != null;
        ByteBuf out = outbound;
        outbound = NettyOutbound.append(out, outboundOwned, bytes, c.alloc());
        outboundOwned = out != null;
    }

    /** Hands the buffered messages (and a buffered END_STREAM) to Netty as one DATA frame, before a flush. */
    void writeBuffered() {
        ByteBuf out = outbound;
        Http2Stream s = stream;
        NettyClientConnection c = conn;
        boolean end = outboundEnd;
        outbound = null;
        outboundEnd = false;
        outboundQueued = false;
        if (out == null && !end || s == null || c == null) {
            return;
        }
        c.writeData(s, out != null ? out : Unpooled.EMPTY_BUFFER, end);
    }

    /** After a flush: an owed {@link io.rpcvertx.impl.transport.ClientStreamListener#onReady()} goes out once ready. */
    void notifyIfReady() {
        if (!readyOwed) {
            return;
        }
        // if Netty's window is what stops it now, Netty's writability event says when it takes more
        readyOwed = false;
        if (isOpen() && isReady()) {
            listener().onReady();
        }
    }

    @Override
    public void halfClose() {
        if (!isOpen() || endSent) {
            return;
        }
        if (stream == null) {
            openStream(true);
            return;
        }
        endSent = true;
        outboundEnd = true;
        NettyClientConnection c = conn;
        if (c != null) {
            markBuffered(c);
        }
    }

    @Override
    public boolean isReady() {
        Http2Stream s = stream;
        NettyClientConnection c = conn;
        if (!isOpen() || s == null || c == null || endSent) {
            return true;
        }
        ByteBuf out = outbound;
        if (out != null && out.readableBytes() >= NettyOutbound.HIGH_WATER) {
            // the buffer leaves with the next flush, which then says whether the stream takes more
            if (!readyOwed) {
                readyOwed = true;
                c.awaitFlush(this);
            }
            return false;
        }
        return c.isWritable(s);
    }

    @Override
    public void pause() {
        paused = true;
    }

    @Override
    public void resume() {
        if (!paused) {
            return;
        }
        paused = false;
        deliverHeld();
    }

    // ---------------------------------------------------------------- request headers

    /** Sends the request headers, creating the HTTP/2 stream; null (and the stream ended) if the connection can't. */
    private @Nullable Http2Stream openStream(boolean endOfStream) {
        NettyClientConnection c = conn;
        assert c != null;
        Http2Stream s = c.newStream(this, NettyHeaders.request(head, isTls(), authority(), userAgent()), endOfStream);
        if (s == null) {
            // the server never saw it: the call may replay it on another connection
            closeWithStatus(NO_RESET, StatusCode.UNAVAILABLE, REFUSED_BY_GOAWAY, true);
            return null;
        }
        stream = s;
        endSent = endOfStream;
        return s;
    }

    // ---------------------------------------------------------------- inbound (owner, inside a read)

    /** A HEADERS frame: the response head, or the trailers. */
    void onHeaders(Http2Headers headers, boolean endOfStream) {
        onFrameReceived();
        if (isClosed()) {
            return;
        }
        MultiMap view = new Http2HeadersAdaptor(headers);
        if (responseStarted) {
            if (!endOfStream) {
                failMalformed(StatusCode.INTERNAL, "response trailers without END_STREAM");
                return;
            }
            remoteEnded = true;
            end(view);
            return;
        }
        int status;
        try {
            status = ResponseRules.httpStatus(headers.status());
        } catch (WireException e) {
            failMalformed(e.code(), e.getMessage());
            return;
        }
        if (status < 200 && !endOfStream) {
            return; // informational (1xx): the real head follows
        }
        responseStarted = true;
        if (!responseHead(status, view)) {
            return;
        }
        if (endOfStream) {
            remoteEnded = true;
            end(ResponseRules.isTrailersOnly(view) ? view : NO_TRAILERS);
        }
    }

    /**
     * A DATA frame: handed to the deframer now, or held while the reader is paused.
     *
     * @return the bytes Netty may return to the windows at once (the padding); the data's own go back when its
     *     messages were delivered
     */
    int onData(ByteBuf data, int padding, boolean endOfStream) {
        onFrameReceived();
        int bytes = data.readableBytes();
        if (isClosed()) {
            return bytes + padding;
        }
        if (!hasResponseHead()) {
            // malformed (RFC 9113 8.1.1): a stream error PROTOCOL_ERROR, as the Vert.x transport's ResponseFramesGuard
            closeWithStatus(PROTOCOL_ERROR, StatusCode.INTERNAL, "DATA before response headers", false);
            return bytes + padding;
        }
        // a copy into an unpooled heap buffer (as Vert.x's HTTP client makes): the deframer keeps slices of what it is
        // given, and the frame's pooled buffer is released when this returns
        Buffer chunk = BufferInternal.buffer(
                VertxByteBufAllocator.DEFAULT.heapBuffer(bytes).writeBytes(data, data.readerIndex(), bytes));
        if (endOfStream) {
            remoteEnded = true;
        }
        if (paused || held != null && !held.isEmpty()) {
            hold(chunk);
        } else {
            deliver(chunk);
        }
        if (endOfStream && !isClosed()) {
            end(NO_TRAILERS);
        }
        return padding;
    }

    private void hold(Buffer chunk) {
        ArrayDeque<Buffer> h = held;
        if (h == null) {
            h = new ArrayDeque<>(4);
            held = h;
        }
        h.add(chunk);
    }

    /** Messages of one DATA frame to the reader, then the frame's bytes back to the windows. */
    private void deliver(Buffer chunk) {
        if (!deframe(chunk)) {
            return;
        }
        Http2Stream s = stream;
        NettyClientConnection c = conn;
        if (s != null && c != null) {
            c.consumeBytes(s, chunk.length());
        }
    }

    /** The reader resumed: what was held goes to it, as long as it keeps reading. */
    private void deliverHeld() {
        ArrayDeque<Buffer> h = held;
        while (h != null && !h.isEmpty() && !paused && isOpen()) {
            deliver(h.poll());
        }
        MultiMap trailers = heldEnd;
        if (trailers != null && !paused && isOpen() && (h == null || h.isEmpty())) {
            heldEnd = null;
            endResponse(trailers, localEnded() ? NO_RESET : CANCEL);
        }
    }

    /** The response ended with {@code trailers}: the status goes to the reader after every held message. */
    private void end(MultiMap trailers) {
        if (paused || held != null && !held.isEmpty()) {
            heldEnd = trailers;
            return;
        }
        // a response that ended before our request did (END_STREAM not yet written: still queued behind the server's
        // window, perhaps for good): our side is reset, which also drops what Netty still queues for it
        endResponse(trailers, localEnded() ? NO_RESET : CANCEL);
    }

    /** Whether our END_STREAM has left: written by Netty, not only handed to its flow controller. */
    private boolean localEnded() {
        Http2Stream s = stream;
        if (s == null) {
            return endSent;
        }
        Http2Stream.State st = s.state();
        return st == Http2Stream.State.HALF_CLOSED_LOCAL || st == Http2Stream.State.CLOSED;
    }

    /** RST_STREAM from the peer. */
    void onPeerReset(long errorCode) {
        if (isClosed()) {
            return;
        }
        closingByPeer = true;
        closeWithReset(NO_RESET, errorCode);
    }

    /** An error Netty found in this stream's frames (it resets the stream with the error's code next). */
    void onStreamError(Throwable cause) {
        if (isClosed()) {
            return;
        }
        NettyClientConnection c = conn;
        Http2Stream s = stream;
        if (c != null && s != null && c.isRefusedByGoAway(s.id())) {
            // a GOAWAY closed it with DATA still queued ("stream closed before write could take place"): the server
            // never processed it, which onNettyStreamClosed reports (refused, so the call may replay it)
            onNettyStreamClosed();
            return;
        }
        closingByPeer = true; // Netty resets it with the error's code
        closeWithStatus(
                NO_RESET,
                TransportErrors.code(cause, !responseStarted),
                TransportErrors.details(cause, !responseStarted),
                false);
    }

    /** Netty closed the HTTP/2 stream without our knowing why yet: a GOAWAY covered it, or the connection ended. */
    void onNettyStreamClosed() {
        if (releaseOwed) {
            // Netty no longer counts it against the peer's SETTINGS_MAX_CONCURRENT_STREAMS: a waiting call may open
            releaseOwed = false;
            released(releaseEndReceived);
            return;
        }
        if (isClosed() || remoteEnded) {
            return; // the response's end is read (perhaps held for a paused reader): nothing is lost
        }
        NettyClientConnection c = conn;
        Http2Stream s = stream;
        boolean refused = c != null && s != null && c.isRefusedByGoAway(s.id());
        StatusCode code = StatusCode.UNAVAILABLE;
        String details;
        Throwable error = c == null ? null : c.connectionError();
        if (refused) {
            details = REFUSED_BY_GOAWAY;
        } else if (error != null) {
            code = TransportErrors.code(error, !responseStarted);
            details = "Connection closed: " + TransportErrors.details(error, !responseStarted);
        } else {
            details = "Connection closed";
        }
        closeWithStatus(NO_RESET, code, details, refused);
    }

    /** The stream's writability changed in Netty's flow controller. */
    void onWritabilityChanged() {
        if (isOpen() && isReady()) {
            listener().onReady();
        }
    }

    // ---------------------------------------------------------------- the end (owner)

    /** Off the wire: what never left is dropped, and the slot goes back once Netty no longer counts the stream. */
    @Override
    protected void onClose(long resetCode, boolean wasOpen) {
        boolean reset = resetCode != NO_RESET;
        held = null;
        heldEnd = null;
        ByteBuf out = outbound;
        // what never left: the server can't see this stream end, so it is reset
        boolean unsent = out != null || outboundEnd;
        outbound = null;
        outboundEnd = false;
        if (out != null && outboundOwned) {
            out.release();
        }
        Http2Stream s = stream;
        NettyClientConnection c = conn;
        if ((reset || unsent) && s != null && c != null) {
            c.reset(s, reset ? Http2Error.valueOf(resetCode) : Http2Error.CANCEL);
        }
        // a stream neither we nor what never left reset was ended by the peer (trailers)
        boolean endReceived = !(reset || unsent);
        if (s != null && s.state() != Http2Stream.State.CLOSED && (reset || unsent || remoteEnded || closingByPeer)) {
            // Netty closes the HTTP/2 stream after this frame's callback returns, or once our RST_STREAM is written;
            // until then it counts against the peer's stream limit, and a call given the slot now could not open
            // its stream (it was refused and replayed into the same refusal)
            releaseOwed = true;
            releaseEndReceived = endReceived;
            return;
        }
        released(endReceived);
    }
}
