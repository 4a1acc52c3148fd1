package io.rpcvertx.impl.inprocess;

import io.rpcvertx.Metadata;
import io.rpcvertx.StatusCode;
import io.rpcvertx.impl.codec.Encoding;
import io.rpcvertx.impl.codec.GrpcHeaders;
import io.rpcvertx.impl.codec.MetadataCodec;
import io.rpcvertx.impl.codec.StatusMessages;
import io.rpcvertx.impl.security.AuthContext;
import io.rpcvertx.impl.transport.ServerStream;
import io.rpcvertx.impl.transport.ServerStreamListener;
import io.rpcvertx.impl.transport.ServerStreamListener.CancelCause;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.ContextInternal;
import java.util.ArrayDeque;
import org.jspecify.annotations.Nullable;

/**
 * The server half of an in-process stream: the {@link ServerStream} the call layer sees, on a duplicate of its IO
 * instance's event-loop context (as an HTTP/2 stream is). Request data arrives as the client framed it and is handed
 * to the listener only while reading is not held, returning its bytes to the client's credit as it goes; response
 * headers, framed messages and the status go to the {@link InProcessClientStream} as header maps and frames, as they
 * would go on the wire.
 *
 * <pre>
 * (created by the client) --arrive, accepted--&gt; OPEN   --arrive, refused--&gt; TERMINATED (the client sees REFUSED_STREAM)
 * OPEN --status written, cancelled by us, reset by the client, drain deadline, IO instance gone--&gt; CLOSED
 * CLOSED --callTerminated (or given up on as leaked by a stop)--&gt; TERMINATED
 * </pre>
 */
final class InProcessServerStream implements ServerStream {
    private static final long NO_ERROR = 0x0;
    private static final long REFUSED_STREAM = 0x7;
    private static final long CANCEL = 0x8;
    /** Marks the client's half-close in the inbound queue, behind the data sent before it. */
    private static final Buffer END_OF_STREAM = Buffer.buffer();

    enum State {
        NEW,
        OPEN,
        CLOSED,
        TERMINATED
    }

    private final InProcessAcceptor acceptor;
    private final ContextInternal context;
    private final InProcessClientStream client;
    private final String path;
    private final MultiMap requestHeaders;
    /** What the client may have in flight unread: its receive window. */
    private final int clientWindow;

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
    private long unacknowledged;

    InProcessServerStream(
            InProcessAcceptor acceptor,
            InProcessClientStream client,
            String path,
            MultiMap requestHeaders,
            int clientWindow) {
        this.acceptor = acceptor;
        this.context = acceptor.loop.duplicate();
        this.client = client;
        this.path = path;
        this.requestHeaders = requestHeaders;
        this.clientWindow = clientWindow;
    }

    // ---------------------------------------------------------------- from the client (each hop queued on the context)

    /** The request headers arrive: the stream is accepted (the call layer takes it) or refused. */
    void arrive() {
        assert context.inThread();
        if (!acceptor.isAccepting()) {
            // a stream that raced the stop: as HTTP/2's REFUSED_STREAM, nothing was processed
            state = State.TERMINATED;
            client.post(() -> client.onReset(REFUSED_STREAM));
            return;
        }
        state = State.OPEN;
        acceptor.add(this);
        acceptor.handler.streamCreated(this);
    }

    void onClientData(Buffer frame) {
        if (state != State.OPEN) {
            return; // the call is over: what the client still sends is dropped, as after RST_STREAM
        }
        inbound.add(frame);
        deliver();
    }

    void onClientHalfClose() {
        if (state != State.OPEN) {
            return;
        }
        clientHalfClosed = true;
        inbound.add(END_OF_STREAM);
        deliver();
    }

    /** The client reset the stream (it cancelled, or its call ended otherwise). */
    void onClientReset() {
        if (state != State.OPEN) {
            return;
        }
        close();
        ServerStreamListener l = listener;
        if (l != null) {
            l.onCancel(CancelCause.PEER_RESET);
        }
    }

    /** The client read {@code bytes} of our response: they count against its window no longer. */
    void onCredit(int bytes) {
        boolean wasReady = isReady();
        unacknowledged -= bytes;
        ServerStreamListener l = listener;
        if (!wasReady && isReady() && state == State.OPEN && l != null) {
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
                    int bytes = data.length();
                    l.onData(data);
                    client.post(() -> client.onCredit(bytes));
                }
            }
        } finally {
            delivering = false;
        }
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
        return requestHeaders.get(name);
    }

    @Override
    public Metadata metadata() {
        Metadata md = metadata;
        if (md == null) {
            // the same rules as for HTTP/2 headers: reserved headers dropped, -bin values decoded from base64
            md = MetadataCodec.fromHeaders(requestHeaders);
            metadata = md;
        }
        return md;
    }

    /** {@code inprocess:<name>}: the in-process counterpart of {@code ipv4:host:port}. */
    @Override
    public String peer() {
        return "inprocess:" + acceptor.endpoint.name;
    }

    /** No transport security to report: as a plaintext connection. */
    @Override
    public AuthContext authContext() {
        return AuthContext.INSECURE;
    }

    // ---------------------------------------------------------------- events

    @Override
    public void setListener(ServerStreamListener l) {
        assert context.inThread();
        listener = l;
        deliver();
    }

    @Override
    public void holdReading(boolean hold) {
        readingHeld = hold;
        if (!hold) {
            deliver();
        }
    }

    // ---------------------------------------------------------------- outbound

    @Override
    public Future<Void> writeHeaders(Metadata md, Encoding encoding, boolean flush) {
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
            client.post(() -> client.onHeaders(h));
        }
    }

    @Override
    public void writeMessage(Buffer frame) {
        if (state != State.OPEN) {
            return;
        }
        flushHeaders();
        sendFrame(frame);
    }

    private void sendFrame(Buffer frame) {
        unacknowledged += frame.length();
        client.post(() -> client.onFrame(frame));
    }

    /** Ready while the client's window has room; a paused client returns no credit, so this turns false. */
    @Override
    public boolean isReady() {
        return unacknowledged < clientWindow;
    }

    @Override
    public void writeTrailers(StatusCode code, String details, Metadata trailers) {
        if (state != State.OPEN) {
            return;
        }
        if (headersWritten) {
            flushHeaders();
            MultiMap t = status(MultiMap.caseInsensitiveMultiMap(), code, details, trailers);
            close();
            client.post(() -> client.onTrailers(t));
        } else {
            // gRPC over HTTP/2, Responses: trailers-only, one header map with the status; it advertises our encodings
            MultiMap h = MultiMap.caseInsensitiveMultiMap();
            h.set(GrpcHeaders.CONTENT_TYPE, GrpcHeaders.APPLICATION_GRPC);
            h.set(GrpcHeaders.GRPC_ACCEPT_ENCODING, GrpcHeaders.ACCEPT_ENCODING_VALUE);
            MultiMap t = status(h, code, details, trailers);
            close();
            client.post(() -> client.onTrailers(t));
        }
    }

    @Override
    public void writeLastMessage(Buffer frame, StatusCode code, String details, Metadata trailers) {
        if (state != State.OPEN) {
            return;
        }
        flushHeaders();
        sendFrame(frame);
        MultiMap t = status(MultiMap.caseInsensitiveMultiMap(), code, details, trailers);
        close();
        client.post(() -> client.onTrailers(t));
    }

    @Override
    public void stopReading() {
        if (!clientHalfClosed) {
            // RST_STREAM(NO_ERROR) after the status (RFC 7540 section 8.1): the client keeps the status it received
            client.post(() -> client.onReset(NO_ERROR));
        }
    }

    @Override
    public void cancel() {
        if (state != State.OPEN) {
            return;
        }
        close();
        client.post(() -> client.onReset(CANCEL));
    }

    /** The drain deadline of a stop passed: cancel, as grpc does (the client sees CANCELLED). */
    void cancelForShutdown() {
        assert context.inThread();
        if (state != State.OPEN) {
            return;
        }
        close();
        ServerStreamListener l = listener;
        if (l != null) {
            l.onCancel(CancelCause.SHUTDOWN);
        }
        client.post(() -> client.onReset(CANCEL));
    }

    /** The IO instance went away: as a closed connection on both sides. */
    void connectionLost() {
        if (state != State.OPEN) {
            return;
        }
        close();
        ServerStreamListener l = listener;
        if (l != null) {
            l.onCancel(CancelCause.CONNECTION_LOST);
        }
        client.post(() -> client.onConnectionLost("in-process server " + acceptor.endpoint.name + " went away"));
    }

    private void close() {
        state = State.CLOSED;
        inbound.clear();
        unsentHeaders = null;
        acceptor.removeOpen(this);
    }

    @Override
    public void callTerminated() {
        assert context.inThread();
        if (state == State.TERMINATED) {
            return; // given up on as leaked by a stop: its handler completed after all
        }
        if (state == State.OPEN) {
            // the call is over without its wire work: the client must not wait for a status that never comes
            close();
            client.post(() -> client.onReset(CANCEL));
        }
        state = State.TERMINATED;
        acceptor.onTerminated(this);
    }

    /** A stop gave up on this stream's call (its handler never completed); one still open is cancelled first. */
    void giveUp() {
        cancelForShutdown();
        state = State.TERMINATED;
    }

    /** Queues {@code action} on this stream's context (never inline: the two halves may share an event loop). */
    void post(Runnable action) {
        context.runOnContext(v -> action.run());
    }

    private static MultiMap status(MultiMap map, StatusCode code, String details, Metadata trailers) {
        if (!trailers.isEmpty()) {
            MetadataCodec.toHeaders(trailers, map);
        }
        map.set(GrpcHeaders.GRPC_STATUS, GrpcHeaders.status(code));
        if (!details.isEmpty()) {
            map.set(GrpcHeaders.GRPC_MESSAGE, StatusMessages.encode(details));
        }
        return map;
    }

    @Override
    public String toString() {
        return "InProcessServerStream{" + path + ", " + state + "}";
    }
}
