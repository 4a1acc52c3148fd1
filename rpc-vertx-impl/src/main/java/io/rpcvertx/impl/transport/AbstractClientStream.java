package io.rpcvertx.impl.transport;

import io.rpcvertx.Metadata;
import io.rpcvertx.StatusCode;
import io.rpcvertx.impl.codec.MessageDeframer;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import org.jspecify.annotations.Nullable;

/**
 * The one state machine of a client stream, whichever transport carries it (HTTP/2 on Netty or Vert.x, in-process, the
 * event bus): the state, the one guarded transition to CLOSED ({@link #close(long)}), and the terminal events it hands
 * the listener ({@link #closeWithStatus}, {@link #closeWithTrailers}, {@link #closeWithReset}). The first terminal event
 * wins, whoever raises it (the peer, the channel, the call's cancel, a malformed response); later ones are ignored, and
 * nothing is heard after it. A subclass does only the wire work: it asks for admission ({@link #admit}), opens, and
 * takes the stream off the wire in {@link #onClose}. Owner context (the channel's event loop) only.
 *
 * <pre>
 * QUEUED --admitted--&gt; OPENING (HTTP/2: its stream is being created) --the stream can be written--&gt; OPEN
 * QUEUED --admitted (message transports: a server was found)--&gt; OPEN
 * any --terminal event, cancel(), or the channel ended it--&gt; CLOSED
 * </pre>
 */
public abstract class AbstractClientStream implements ClientStream, MessageDeframer.Listener {
    private enum State {
        QUEUED,
        OPENING,
        OPEN,
        CLOSED
    }

    /** {@link #close(long)}'s reset code for an ending the peer caused, or one that never reached it: no reset. */
    protected static final long NO_RESET = -1;
    /** RST_STREAM's CANCEL (RFC 9113 7): for the endings the peer did not cause. */
    protected static final long CANCEL = 0x8;
    /** RST_STREAM's PROTOCOL_ERROR (RFC 9113 7): for frames no HTTP/2 peer may send. */
    protected static final long PROTOCOL_ERROR = 0x1;

    /** The request head of this attempt. */
    public final RequestHead head;

    private @Nullable ClientStreamListener listener;
    private State state = State.QUEUED;
    private @Nullable String pushback;

    protected AbstractClientStream(RequestHead head) {
        this.head = head;
    }

    // ---------------------------------------------------------------- the transport (a subclass)

    /** Asks the channel to admit the stream; it opens ({@link #opened()}) or ends from here or later. */
    protected abstract void admit();

    /**
     * The wire work of the transition to CLOSED, which has just happened: the peer is told (reset with {@code
     * resetCode} unless it is {@link #NO_RESET}), what never left is dropped, and the channel forgets the stream (its
     * slot goes back). The listener hears of the end after this.
     *
     * @param wasOpen whether the stream was OPEN until now
     */
    protected abstract void onClose(long resetCode, boolean wasOpen);

    // ---------------------------------------------------------------- ClientStream

    @Override
    public final void start(ClientStreamListener l) {
        this.listener = l;
        admit();
    }

    /** The listener given to {@link #start}. */
    protected final ClientStreamListener listener() {
        ClientStreamListener l = listener;
        assert l != null;
        return l;
    }

    /** Ends the stream from our side: the peer (if it heard of it) is reset with CANCEL; no listener event follows. */
    @Override
    public final void cancel() {
        close(CANCEL);
    }

    @Override
    public final @Nullable String retryPushback() {
        return pushback;
    }

    /**
     * The channel ends this stream (closed, no connection or server, queue full, keepalive failure): it reports
     * {@code code}.
     *
     * @param reset whether a stream the peer may have heard of is reset with CANCEL
     */
    public final void fail(StatusCode code, String details, boolean reset) {
        closeWithStatus(reset ? CANCEL : NO_RESET, code, details, false);
    }

    // ---------------------------------------------------------------- the state machine

    /** Still waiting for admission (a connection's slot, or a server). */
    public final boolean isQueued() {
        return state == State.QUEUED;
    }

    public final boolean isOpen() {
        return state == State.OPEN;
    }

    public final boolean isClosed() {
        return state == State.CLOSED;
    }

    /** Admitted: the transport creates the stream (OPENING). */
    protected final void opening() {
        if (state == State.QUEUED) {
            state = State.OPENING;
        }
    }

    /**
     * Ends the stream with DEADLINE_EXCEEDED if its deadline passed while it waited for admission or for its stream.
     *
     * @return whether it ended
     */
    protected final boolean expiredBeforeOpen() {
        long deadline = head.deadlineNanos();
        if (deadline == RequestHead.NO_DEADLINE || deadline - System.nanoTime() > 0) {
            return false;
        }
        closeWithStatus(CANCEL, StatusCode.DEADLINE_EXCEEDED, "deadline exceeded before the stream opened", false);
        return true;
    }

    /** The stream can be written: OPEN (unless it ended meanwhile), and the listener hears {@code onOpen}. */
    protected final void opened() {
        if (state == State.CLOSED) {
            return;
        }
        state = State.OPEN;
        listener().onOpen();
    }

    /**
     * The one transition to CLOSED, before anything it sets off (a reset we send may surface synchronously as an
     * error that must find the stream closed); the channel forgets the stream before the listener hears of the end.
     *
     * @param resetCode the RST_STREAM code for the peer, or {@link #NO_RESET}
     * @return false if the stream had closed already (then nothing happens)
     */
    protected final boolean close(long resetCode) {
        State was = state;
        if (was == State.CLOSED) {
            return false;
        }
        state = State.CLOSED;
        onClose(resetCode, was == State.OPEN);
        return true;
    }

    /** Terminal: the stream ended without a status from the peer ({@link ClientStreamListener#onClosed}). */
    protected final void closeWithStatus(long resetCode, StatusCode code, String details, boolean refused) {
        if (close(resetCode)) {
            listener().onClosed(code, details, refused);
        }
    }

    /** Terminal: the response ended with a status ({@link ClientStreamListener#onTrailers}). */
    protected final void closeWithTrailers(long resetCode, StatusCode code, String details, Metadata trailers) {
        if (close(resetCode)) {
            listener().onTrailers(code, details, trailers);
        }
    }

    /** Terminal: the peer reset the stream with {@code http2ErrorCode} ({@link ClientStreamListener#onReset}). */
    protected final void closeWithReset(long resetCode, long http2ErrorCode) {
        if (close(resetCode)) {
            listener().onReset(http2ErrorCode);
        }
    }

    /** Terminal: a response we cannot read; the peer is reset with CANCEL and the stream ends with {@code code}. */
    protected final void failMalformed(StatusCode code, String details) {
        closeWithStatus(CANCEL, code, details, false);
    }

    // ---------------------------------------------------------------- the response

    /** One deframed response message ({@link MessageDeframer.Listener}). */
    @Override
    public final void onMessage(Buffer payload) {
        if (state == State.CLOSED) {
            return; // the call ended (e.g. a second message on a unary call) while this frame was being deframed
        }
        listener().onMessage(payload);
    }

    /** Keeps the retry hint of the response's {@code trailers} (gRFC A6) for {@link #retryPushback()}. */
    protected final void readPushback(MultiMap trailers) {
        pushback = trailers.get("grpc-retry-pushback-ms");
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "{" + head.path() + ", " + state + "}";
    }
}
