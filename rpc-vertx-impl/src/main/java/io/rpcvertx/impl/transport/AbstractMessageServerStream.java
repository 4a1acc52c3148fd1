package io.rpcvertx.impl.transport;

import io.rpcvertx.Metadata;
import io.rpcvertx.StatusCode;
import io.rpcvertx.impl.codec.Encoding;
import io.rpcvertx.impl.codec.GrpcHeaders;
import io.rpcvertx.impl.codec.MetadataCodec;
import io.rpcvertx.impl.security.AuthContext;
import io.rpcvertx.impl.transport.ServerStreamListener.CancelCause;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.ContextInternal;
import java.util.ArrayDeque;
import org.jspecify.annotations.Nullable;

/**
 * The server half of a message-transport stream (in-process, event bus): the {@link ServerStream} the call layer sees,
 * on a duplicate of its IO instance's event-loop context. This class holds the rules both transports share; a
 * subclass only carries what it is told to send to the client ({@code send*}) and calls the {@code onClient*} methods
 * as the client's messages arrive, on {@link #context()}.
 *
 * <ul>
 *   <li>Request data is handed to the listener in arrival order, the client's half-close behind it, only while
 *       reading is not held; what is read is owed back to the client as {@link Credit} and granted in batches.
 *   <li>Response headers written without flush leave with the first message or the status, as over HTTP/2; a status
 *       with no headers before it is trailers-only. The first of {status written, cancel, client reset, drain
 *       deadline, connection lost} closes the stream; everything after it is dropped.
 * </ul>
 *
 * <pre>
 * NEW --accepted--&gt; OPEN --status written, cancelled, reset by the client, drain deadline, peer lost--&gt; CLOSED
 * NEW --refused--&gt; TERMINATED      CLOSED --callTerminated (or given up on as leaked by a stop)--&gt; TERMINATED
 * </pre>
 */
public abstract class AbstractMessageServerStream implements ServerStream {
    /** RST_STREAM's NO_ERROR: after the status, the client keeps the status it has. */
    protected static final long NO_ERROR = 0x0;
    /** RST_STREAM's REFUSED_STREAM: nothing was processed, the call may be replayed. */
    protected static final long REFUSED_STREAM = 0x7;
    /** RST_STREAM's CANCEL. */
    protected static final long CANCEL = 0x8;
    /** Marks the client's half-close in the inbound queue, behind the data sent before it. */
    private static final Buffer END_OF_STREAM = Buffer.buffer();

    enum State {
        NEW,
        OPEN,
        CLOSED,
        TERMINATED
    }

    private final ContextInternal context;
    private final String path;
    private final MultiMap requestHeaders;
    private final Credit credit;

    private State state = State.NEW;
    private @Nullable ServerStreamListener listener;
    private @Nullable Metadata metadata;
    // inbound (request data), on the context
    private final ArrayDeque<Buffer> inbound = new ArrayDeque<>(2);
    private boolean readingHeld;
    private boolean delivering;
    private boolean clientHalfClosed;
    // outbound (response)
    private @Nullable MultiMap unsentHeaders;
    private boolean headersWritten;

    /**
     * @param credit the client's credit for our response (its window), and the batch our reads are granted back in
     */
    protected AbstractMessageServerStream(
            ContextInternal context, String path, MultiMap requestHeaders, Credit credit) {
        this.context = context;
        this.path = path;
        this.requestHeaders = requestHeaders;
        this.credit = credit;
    }

    // ---------------------------------------------------------------- the carrier (a subclass)

    /** Sends the response headers. */
    protected abstract void sendHeaders(MultiMap headers);

    /** Sends one framed response message. */
    protected abstract void sendMessage(Buffer frame);

    /** Sends the status: {@code lastFrame}, when not null, leaves before it (or with it), as the last message. */
    protected abstract void sendStatus(MultiMap trailers, @Nullable Buffer lastFrame);

    /** Sends a reset (an RST_STREAM error code: {@link #NO_ERROR}, {@link #REFUSED_STREAM}, {@link #CANCEL}). */
    protected abstract void sendReset(long http2ErrorCode);

    /** Grants the client {@code units} more request credit. */
    protected abstract void sendCredit(long units);

    /** Tells the client the connection is lost ({@code why}: the details it reports). */
    protected abstract void sendGone(String why);

    /** The stream just closed (it is OPEN no more): the acceptor forgets it as open. */
    protected abstract void onClosed();

    /** The stream just terminated: the acceptor forgets it as live. */
    protected abstract void onTerminated();

    // ---------------------------------------------------------------- lifecycle

    /** The request headers were accepted: the call layer is told of the stream next. */
    protected final void accept() {
        state = State.OPEN;
    }

    /** The request headers were refused (a stream that raced a stop): the client hears REFUSED_STREAM. */
    protected final void refuse() {
        state = State.TERMINATED;
        sendReset(REFUSED_STREAM);
    }

    public final boolean isOpen() {
        return state == State.OPEN;
    }

    protected final boolean isClientHalfClosed() {
        return clientHalfClosed;
    }

    // ---------------------------------------------------------------- from the client (on the context)

    public final void onClientData(Buffer frame) {
        if (state != State.OPEN) {
            return; // the call is over: what the client still sends is dropped, as after RST_STREAM
        }
        inbound.add(frame);
        deliver();
    }

    public final void onClientHalfClose() {
        if (state != State.OPEN) {
            return;
        }
        clientHalfClosed = true;
        inbound.add(END_OF_STREAM);
        deliver();
    }

    /** The client reset the stream (it cancelled, or its call ended otherwise). */
    public final void onClientReset() {
        if (state != State.OPEN) {
            return;
        }
        close();
        ServerStreamListener l = listener;
        if (l != null) {
            l.onCancel(CancelCause.PEER_RESET);
        }
    }

    /** The client read some of our response: {@code units} more may go. */
    public final void onCredit(long units) {
        boolean turnedReady = credit.grant(units);
        ServerStreamListener l = listener;
        if (turnedReady && state == State.OPEN && l != null) {
            l.onReady();
        }
    }

    private void deliver() {
        if (delivering) {
            return; // a listener that resumed reading from inside onData: the loop below goes on
        }
        delivering = true;
        try {
            ServerStreamListener l;
            while (!readingHeld && state == State.OPEN && (l = listener) != null && !inbound.isEmpty()) {
                Buffer data = inbound.poll();
                if (data == END_OF_STREAM) {
                    l.onHalfClose();
                } else {
                    l.onData(data);
                    if (credit.read(data)) {
                        sendCredit(credit.drain());
                    }
                }
            }
        } finally {
            delivering = false;
        }
    }

    // ---------------------------------------------------------------- the request head

    @Override
    public final ContextInternal context() {
        return context;
    }

    @Override
    public final String path() {
        return path;
    }

    @Override
    public final @Nullable String header(CharSequence name) {
        return requestHeaders.get(name);
    }

    @Override
    public final Metadata metadata() {
        Metadata md = metadata;
        if (md == null) {
            // the same rules as for HTTP/2 headers: reserved headers dropped, -bin values decoded from base64
            md = MetadataCodec.fromHeaders(requestHeaders);
            metadata = md;
        }
        return md;
    }

    /** No transport security to report: as a plaintext connection. */
    @Override
    public final AuthContext authContext() {
        return AuthContext.INSECURE;
    }

    // ---------------------------------------------------------------- events

    @Override
    public final void setListener(ServerStreamListener l) {
        assert context.inThread();
        listener = l;
        deliver();
    }

    @Override
    public final void holdReading(boolean hold) {
        readingHeld = hold;
        if (!hold) {
            deliver();
        }
    }

    // ---------------------------------------------------------------- outbound

    @Override
    public final Future<Void> writeHeaders(Metadata md, Encoding encoding, boolean flush) {
        MultiMap h = MultiMap.caseInsensitiveMultiMap();
        if (!md.isEmpty()) {
            MetadataCodec.toHeaders(md, h);
        }
        h.set(GrpcHeaders.CONTENT_TYPE, GrpcHeaders.APPLICATION_GRPC);
        h.set(GrpcHeaders.GRPC_ACCEPT_ENCODING, GrpcHeaders.ACCEPT_ENCODING_VALUE);
        if (encoding != Encoding.IDENTITY) {
            h.set(GrpcHeaders.GRPC_ENCODING, encoding.headerValue());
        }
        headersWritten = true;
        unsentHeaders = h;
        if (flush) {
            flushHeaders();
        }
        return context.succeededFuture();
    }

    /** Headers written without flush leave with the first message or the status, as over HTTP/2. */
    private void flushHeaders() {
        MultiMap h = unsentHeaders;
        if (h != null && state == State.OPEN) {
            unsentHeaders = null;
            sendHeaders(h);
        }
    }

    @Override
    public final void writeMessage(Buffer frame) {
        if (state != State.OPEN) {
            return;
        }
        flushHeaders();
        credit.take(frame);
        sendMessage(frame);
    }

    /** Ready while the client's credit lasts; a paused client grants none, so this turns false. */
    @Override
    public final boolean isReady() {
        return credit.isReady();
    }

    @Override
    public final void writeTrailers(StatusCode code, String details, Metadata trailers) {
        if (state != State.OPEN) {
            return;
        }
        MultiMap t = MultiMap.caseInsensitiveMultiMap();
        if (headersWritten) {
            flushHeaders();
        } else {
            // gRPC over HTTP/2, Responses: trailers-only, one header map with the status; it advertises our encodings
            t.set(GrpcHeaders.CONTENT_TYPE, GrpcHeaders.APPLICATION_GRPC);
            t.set(GrpcHeaders.GRPC_ACCEPT_ENCODING, GrpcHeaders.ACCEPT_ENCODING_VALUE);
        }
        StatusHeaders.put(t, code, details, trailers);
        close();
        sendStatus(t, null);
    }

    /** The last message and the status; the last message spends no credit (the stream is over with it). */
    @Override
    public final void writeLastMessage(Buffer frame, StatusCode code, String details, Metadata trailers) {
        if (state != State.OPEN) {
            return;
        }
        flushHeaders();
        MultiMap t = StatusHeaders.put(MultiMap.caseInsensitiveMultiMap(), code, details, trailers);
        close();
        sendStatus(t, frame);
    }

    @Override
    public final void stopReading() {
        if (!clientHalfClosed) {
            // RST_STREAM(NO_ERROR) after the status (RFC 7540 section 8.1): the client keeps the status it received
            sendReset(NO_ERROR);
        }
    }

    @Override
    public final void cancel() {
        if (state != State.OPEN) {
            return;
        }
        close();
        sendReset(CANCEL);
    }

    /** The drain deadline of a stop passed: cancel, as grpc does (the client sees CANCELLED). */
    public final void cancelForShutdown() {
        assert context.inThread();
        if (state != State.OPEN) {
            return;
        }
        close();
        ServerStreamListener l = listener;
        if (l != null) {
            l.onCancel(CancelCause.SHUTDOWN);
        }
        sendReset(CANCEL);
    }

    /** The client, or this IO instance, is gone: as a lost connection on both sides ({@code why} for the client). */
    public final void connectionLost(String why) {
        if (state != State.OPEN) {
            return;
        }
        close();
        ServerStreamListener l = listener;
        if (l != null) {
            l.onCancel(CancelCause.CONNECTION_LOST);
        }
        sendGone(why);
    }

    private void close() {
        state = State.CLOSED;
        inbound.clear();
        unsentHeaders = null;
        onClosed();
    }

    @Override
    public final void callTerminated() {
        assert context.inThread();
        if (state == State.TERMINATED) {
            return; // given up on as leaked by a stop: its handler completed after all
        }
        if (state == State.OPEN) {
            // the call is over without its wire work: the client must not wait for a status that never comes
            close();
            sendReset(CANCEL);
        }
        state = State.TERMINATED;
        onTerminated();
    }

    /** A stop gave up on this stream's call (its handler never completed): one still open closes, silently. */
    protected final void abandon() {
        if (state == State.OPEN) {
            close();
        }
        state = State.TERMINATED;
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "{" + path + ", " + state + "}";
    }
}
