package io.rpcvertx.impl.transport;

import io.rpcvertx.Metadata;
import io.rpcvertx.StatusCode;
import io.rpcvertx.impl.codec.Encoding;
import io.rpcvertx.impl.codec.GrpcHeaders;
import io.rpcvertx.impl.codec.GrpcTimeout;
import io.rpcvertx.impl.codec.MessageDeframer;
import io.rpcvertx.impl.codec.MessageFramer;
import io.rpcvertx.impl.codec.MetadataCodec;
import io.rpcvertx.impl.codec.WireException;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayDeque;
import org.jspecify.annotations.Nullable;

/**
 * The client half of a message-transport stream (in-process, event bus), on its channel's event loop. This class holds
 * the rules both transports share; a subclass carries the request to the server (the {@code ClientStream} write
 * methods, {@link #resetPeer}, {@link #returnCredit}) and calls the {@code on*} methods as the server's messages arrive.
 *
 * <ul>
 *   <li>Requests are framed as over HTTP/2 ({@link #frame}), headers built as a Vert.x HTTP/2 stream builds them
 *       ({@link #requestHeaders}); we send while the server's {@link Credit} lasts ({@link #isReady()}).
 *   <li>Response messages and the status are queued in arrival order and handed on, deframed under the call's receive
 *       limit, only while not paused; what is read is owed back to the server as credit. The status comes after the
 *       last message, always.
 *   <li>The first of {status, reset, connection lost, malformed response, cancel, the channel failing it} closes the
 *       stream ({@link AbstractClientStream}'s state machine: a stream waits QUEUED until the channel finds a server);
 *       the channel forgets it before the listener hears of the end, and nothing is heard after.
 * </ul>
 */
public abstract class AbstractMessageClientStream extends AbstractClientStream {
    /** The response's end in the inbound queue, behind the data that came before it. */
    private record End(MultiMap source, @Nullable Buffer lastFrame) {}

    private final Credit credit;
    // inbound (response), on the owner
    private final ArrayDeque<Object> inbound = new ArrayDeque<>(2);
    private boolean paused;
    private boolean delivering;
    private @Nullable MessageDeframer deframer;

    /** @param credit the server's credit for our requests, and the batch our reads are granted back in */
    protected AbstractMessageClientStream(RequestHead head, Credit credit) {
        super(head);
        this.credit = credit;
    }

    // ---------------------------------------------------------------- the carrier (a subclass)

    /**
     * Tells the server the call is over from our side (RST_STREAM(CANCEL)), if it has heard of the call. Called while
     * the stream is still open, just before it closes.
     */
    protected abstract void resetPeer();

    /** Grants the server the credit {@link #drainCredit()} gives, if it can be reached yet. */
    protected abstract void returnCredit();

    /** The stream just closed: the channel forgets it. */
    protected abstract void onClosed();

    // ---------------------------------------------------------------- admission (the channel)

    /**
     * The channel found a server: the stream is open from now on, unless its deadline passed meanwhile.
     *
     * @param serverCredit credit the server gives on top of what the stream started with
     * @return whether it opened
     */
    protected final boolean open(long serverCredit) {
        if (expiredBeforeOpen()) {
            return false;
        }
        credit.grant(serverCredit);
        opened();
        return true;
    }

    // ---------------------------------------------------------------- request side

    /** What a Vert.x HTTP/2 stream puts in its HEADERS frame, in the same order. */
    protected final MultiMap requestHeaders(String userAgent) {
        MultiMap h = MultiMap.caseInsensitiveMultiMap();
        h.set(GrpcHeaders.CONTENT_TYPE, GrpcHeaders.APPLICATION_GRPC);
        h.set(GrpcHeaders.TE, GrpcHeaders.TRAILERS);
        h.set(GrpcHeaders.USER_AGENT, userAgent);
        h.set(GrpcHeaders.GRPC_ACCEPT_ENCODING, GrpcHeaders.ACCEPT_ENCODING_VALUE);
        Encoding encoding = head.encoding();
        if (encoding != Encoding.IDENTITY) {
            h.set(GrpcHeaders.GRPC_ENCODING, encoding.headerValue());
        }
        long deadline = head.deadlineNanos();
        if (deadline != RequestHead.NO_DEADLINE) {
            // computed as the headers leave, so the time queued counts, as over HTTP/2
            h.set(GrpcHeaders.GRPC_TIMEOUT, GrpcTimeout.format(Math.max(1, deadline - System.nanoTime())));
        }
        MetadataCodec.toHeaders(head.metadata(), h);
        int previous = head.previousAttempts();
        if (previous > 0) {
            h.set("grpc-previous-rpc-attempts", Integer.toString(previous));
        }
        MetadataCodec.toHeaders(head.credentialsMetadata(), h);
        return h;
    }

    /** {@code payload} framed, compressed if the call asked for it; the frame spends the server's credit. */
    protected final Buffer frame(Buffer payload) {
        Encoding encoding = head.encoding();
        Buffer frame = encoding == Encoding.IDENTITY
                ? MessageFramer.frame(payload, false)
                : MessageFramer.frame(encoding.compress(payload), true);
        credit.take(frame);
        return frame;
    }

    /** What we read and owe the server, now granted (see {@link #returnCredit}). */
    protected final long drainCredit() {
        return credit.drain();
    }

    protected final boolean isCreditDue() {
        return credit.isDue();
    }

    /** Ready while the server's credit lasts; a server that does not read grants none. */
    @Override
    public final boolean isReady() {
        return credit.isReady() || !isOpen();
    }

    @Override
    public final void pause() {
        paused = true;
    }

    @Override
    public final void resume() {
        paused = false;
        deliver();
    }

    // ---------------------------------------------------------------- from the server (on the owner)

    /** The server read some of our requests: {@code units} more may go. */
    public final void onCredit(long units) {
        if (grantCredit(units) && isOpen()) {
            listener().onReady();
        }
    }

    /**
     * Changes the server's credit by {@code units} (fewer, if negative) without telling the listener.
     *
     * @return whether this turned it ready: the caller tells the listener once its own state allows
     */
    protected final boolean grantCredit(long units) {
        return credit.grant(units);
    }

    public final void onHeaders(MultiMap headers) {
        if (!isOpen()) {
            return;
        }
        listener().onHeaders(MetadataCodec.fromHeaders(headers));
        if (!isOpen()) {
            return;
        }
        String encodingName = headers.get(GrpcHeaders.GRPC_ENCODING);
        Encoding encoding = encodingName == null ? Encoding.IDENTITY : Encoding.forName(encodingName);
        if (encoding == null) {
            failMalformed(StatusCode.INTERNAL, "Can't find decompressor for " + encodingName);
            return;
        }
        deframer = new MessageDeframer(head.maxReceiveBytes(), encoding);
    }

    public final void onFrame(Buffer frame) {
        if (!isOpen()) {
            return;
        }
        inbound.add(frame);
        deliver();
    }

    /**
     * The status: in trailers, or alone in a trailers-only response (then no headers came before it); {@code lastFrame}
     * is a last message that came with it.
     */
    public final void onTrailers(MultiMap source, @Nullable Buffer lastFrame) {
        if (!isOpen()) {
            return;
        }
        inbound.add(new End(source, lastFrame));
        deliver();
    }

    /** The server reset the stream (as RST_STREAM with {@code http2ErrorCode}). */
    public final void onReset(long http2ErrorCode) {
        if (isOpen()) {
            closeWithReset(NO_RESET, http2ErrorCode);
        }
    }

    /** The server, or the way to it, is gone: UNAVAILABLE with {@code details}. */
    public final void onConnectionLost(String details) {
        if (isOpen()) {
            closeWithStatus(NO_RESET, StatusCode.UNAVAILABLE, details, false);
        }
    }

    /** Response messages and the end, in order, while the call reads; credit is owed for each message read. */
    private void deliver() {
        if (delivering) {
            return;
        }
        delivering = true;
        try {
            while (!paused && isOpen() && !inbound.isEmpty()) {
                Object next = inbound.poll();
                if (next instanceof End) {
                    End end = (End) next;
                    Buffer last = end.lastFrame();
                    if (last != null && !deliverFrame(last)) {
                        return;
                    }
                    if (isOpen()) {
                        onEnd(end.source());
                    }
                    return;
                }
                Buffer frame = (Buffer) next;
                if (!deliverFrame(frame)) {
                    return;
                }
                if (credit.read(frame)) {
                    returnCredit();
                }
            }
        } finally {
            delivering = false;
        }
    }

    private boolean deliverFrame(Buffer frame) {
        MessageDeframer d = deframer;
        if (d == null) {
            failMalformed(StatusCode.INTERNAL, "a message before the response headers");
            return false;
        }
        try {
            d.update(frame, this);
        } catch (WireException e) {
            failMalformed(e.code(), e.getMessage());
            return false;
        }
        return isOpen();
    }

    private void onEnd(MultiMap source) {
        MessageDeframer d = deframer;
        if (d != null && d.hasPartialMessage()) {
            closeWithTrailers(NO_RESET, StatusCode.INTERNAL, "Encountered end-of-stream mid-frame", Metadata.EMPTY);
            return;
        }
        readPushback(source);
        StatusHeaders.Received status = StatusHeaders.Received.read(source);
        if (close(NO_RESET)) {
            status.deliver(listener());
        }
    }

    /** Off the wire: the server hears of the end if it heard of the call, and the channel forgets the stream. */
    @Override
    protected final void onClose(long resetCode, boolean wasOpen) {
        if (resetCode != NO_RESET && wasOpen) {
            resetPeer();
        }
        inbound.clear();
        onClosed();
    }
}
