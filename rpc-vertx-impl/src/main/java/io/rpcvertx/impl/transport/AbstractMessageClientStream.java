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
 *       stream; the channel forgets it before the listener hears of the end, and nothing is heard after.
 * </ul>
 *
 * <pre>
 * NEW --start--&gt; WAITING (the channel waits for a server) --server found--&gt; OPEN
 * NEW --start, server found--&gt; OPEN      any --terminal event, cancel(), or the channel ended it--&gt; CLOSED
 * </pre>
 */
public abstract class AbstractMessageClientStream implements ClientStream {
    /** RST_STREAM's CANCEL: what a reset from the server means when it names no code. */
    protected static final long CANCEL = 0x8;

    enum State {
        NEW,
        WAITING,
        OPEN,
        CLOSED
    }

    /** The response's end in the inbound queue, behind the data that came before it. */
    private record End(MultiMap source, @Nullable Buffer lastFrame) {}

    public final RequestHead head;
    private final Credit credit;
    private @Nullable ClientStreamListener listener;
    private State state = State.NEW;
    // inbound (response), on the owner
    private final ArrayDeque<Object> inbound = new ArrayDeque<>(2);
    private boolean paused;
    private boolean delivering;
    private @Nullable MessageDeframer deframer;
    private @Nullable String pushback;

    /** @param credit the server's credit for our requests, and the batch our reads are granted back in */
    protected AbstractMessageClientStream(RequestHead head, Credit credit) {
        this.head = head;
        this.credit = credit;
    }

    // ---------------------------------------------------------------- the carrier (a subclass)

    /** Asks the channel to admit the stream: it calls {@link #open()}, {@link #waitForServer} or {@link #fail}. */
    protected abstract void admit();

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

    @Override
    public final void start(ClientStreamListener l) {
        this.listener = l;
        admit();
    }

    protected final ClientStreamListener listener() {
        ClientStreamListener l = listener;
        assert l != null;
        return l;
    }

    /** Waits for a server (a wait-for-ready call). */
    public final void waitForServer() {
        state = State.WAITING;
    }

    public final boolean isWaiting() {
        return state == State.WAITING;
    }

    public final boolean isOpen() {
        return state == State.OPEN;
    }

    /**
     * The channel found a server: the stream is open from now on, unless its deadline passed meanwhile.
     *
     * @param serverCredit credit the server gives on top of what the stream started with
     * @return whether it opened
     */
    protected final boolean open(long serverCredit) {
        long deadline = head.deadlineNanos();
        if (deadline != RequestHead.NO_DEADLINE && deadline - System.nanoTime() <= 0) {
            close();
            listener().onClosed(StatusCode.DEADLINE_EXCEEDED, "deadline exceeded before the stream opened", false);
            return false;
        }
        credit.grant(serverCredit);
        state = State.OPEN;
        listener().onOpen();
        return true;
    }

    /** The channel ends this stream (closed, no server, server lost): it reports {@code code}, resetting if asked. */
    public final void fail(StatusCode code, String details, boolean reset) {
        if (state == State.CLOSED) {
            return;
        }
        if (reset) {
            resetPeerIfOpen();
        }
        close();
        listener().onClosed(code, details, false);
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
        return credit.isReady() || state != State.OPEN;
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

    @Override
    public final void cancel() {
        if (state == State.CLOSED) {
            return;
        }
        resetPeerIfOpen();
        close();
    }

    @Override
    public final @Nullable String retryPushback() {
        return pushback;
    }

    // ---------------------------------------------------------------- from the server (on the owner)

    /** The server read some of our requests: {@code units} more may go. */
    public final void onCredit(long units) {
        if (grantCredit(units) && state == State.OPEN) {
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
        if (state != State.OPEN) {
            return;
        }
        listener().onHeaders(MetadataCodec.fromHeaders(headers));
        if (state != State.OPEN) {
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
        if (state != State.OPEN) {
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
        if (state != State.OPEN) {
            return;
        }
        inbound.add(new End(source, lastFrame));
        deliver();
    }

    /** The server reset the stream (as RST_STREAM with {@code http2ErrorCode}). */
    public final void onReset(long http2ErrorCode) {
        if (state != State.OPEN) {
            return;
        }
        close();
        listener().onReset(http2ErrorCode);
    }

    /** The server, or the way to it, is gone: UNAVAILABLE with {@code details}. */
    public final void onConnectionLost(String details) {
        if (state != State.OPEN) {
            return;
        }
        close();
        listener().onClosed(StatusCode.UNAVAILABLE, details, false);
    }

    /** Response messages and the end, in order, while the call reads; credit is owed for each message read. */
    private void deliver() {
        if (delivering) {
            return;
        }
        delivering = true;
        try {
            while (!paused && state == State.OPEN && !inbound.isEmpty()) {
                Object next = inbound.poll();
                if (next instanceof End) {
                    End end = (End) next;
                    Buffer last = end.lastFrame();
                    if (last != null && !deliverFrame(last)) {
                        return;
                    }
                    if (state == State.OPEN) {
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
            d.update(frame, this::onMessage);
        } catch (WireException e) {
            failMalformed(e.code(), e.getMessage());
            return false;
        }
        return state == State.OPEN;
    }

    private void onMessage(Buffer payload) {
        if (state == State.OPEN) {
            listener().onMessage(payload);
        }
    }

    private void onEnd(MultiMap source) {
        MessageDeframer d = deframer;
        if (d != null && d.hasPartialMessage()) {
            close();
            listener().onTrailers(StatusCode.INTERNAL, "Encountered end-of-stream mid-frame", Metadata.EMPTY);
            return;
        }
        pushback = source.get("grpc-retry-pushback-ms");
        StatusHeaders.Received status = StatusHeaders.Received.read(source);
        close();
        status.deliver(listener());
    }

    /** A response we cannot read: reset the server half and end with {@code code}. */
    private void failMalformed(StatusCode code, String details) {
        resetPeerIfOpen();
        close();
        listener().onClosed(code, details, false);
    }

    private void resetPeerIfOpen() {
        if (state == State.OPEN) {
            resetPeer();
        }
    }

    /** The one transition to CLOSED: the channel forgets the stream before the listener hears of the end. */
    protected final void close() {
        state = State.CLOSED;
        inbound.clear();
        onClosed();
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "{" + head.path() + ", " + state + "}";
    }
}
