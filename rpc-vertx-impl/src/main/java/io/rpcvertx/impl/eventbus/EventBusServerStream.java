package io.rpcvertx.impl.eventbus;

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
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.internal.ContextInternal;
import java.util.ArrayDeque;
import org.jspecify.annotations.Nullable;

/**
 * The server half of an event-bus call: the {@link ServerStream} the call layer sees, on a duplicate of its IO
 * instance's event-loop context. Request messages arrive as the client framed them and are handed to the listener only
 * while reading is not held; every {@link EventBusWire#WINDOW_MESSAGES}/2 messages read go back to the client as credit.
 * Response headers, messages and the status go to the channel's address as event-bus messages of this call.
 *
 * <pre>
 * (open received) --accepted--&gt; OPEN --status written, cancelled, reset by the client, drain deadline, client lost--&gt;
 * CLOSED --callTerminated (or given up on as leaked by a stop)--&gt; TERMINATED
 * </pre>
 */
final class EventBusServerStream implements ServerStream {
    private static final long NO_ERROR = 0x0;
    private static final long CANCEL = 0x8;
    private static final Buffer END_OF_STREAM = Buffer.buffer();

    enum State {
        OPEN,
        CLOSED,
        TERMINATED
    }

    private final EventBusAcceptor acceptor;
    private final ContextInternal context;
    private final EventBus bus;
    final String call;
    final String clientAddress;
    private final String path;
    private final MultiMap requestHeaders;
    /** How many messages the client lets us send unread: its credit. */
    private int credit;

    private State state = State.OPEN;
    private @Nullable ServerStreamListener listener;
    private @Nullable Metadata metadata;
    private final ArrayDeque<Buffer> inbound = new ArrayDeque<>(2);
    private boolean readingHeld;
    private boolean delivering;
    private boolean clientHalfClosed;
    private int consumed;
    private @Nullable MultiMap unsentHeaders;
    private boolean headersWritten;
    long lastHeardNanos = System.nanoTime();

    EventBusServerStream(
            EventBusAcceptor acceptor,
            String call,
            String clientAddress,
            String path,
            MultiMap requestHeaders,
            int clientWindow) {
        this.acceptor = acceptor;
        this.context = acceptor.loop.duplicate();
        this.bus = acceptor.loop.owner().eventBus();
        this.call = call;
        this.clientAddress = clientAddress;
        this.path = path;
        this.requestHeaders = requestHeaders;
        this.credit = clientWindow;
    }

    // ---------------------------------------------------------------- from the client (on the context)

    /** One message of this call from the client (data, half-close, credit, reset). */
    void onClientMessage(Message<?> message) {
        lastHeardNanos = System.nanoTime();
        MultiMap headers = message.headers();
        String kind = headers.get(EventBusWire.KIND);
        if (kind == null) {
            return;
        }
        switch (kind) {
            case EventBusWire.OPEN:
            case EventBusWire.DATA:
                Object body = message.body();
                if (body instanceof Buffer) {
                    onClientData((Buffer) body);
                }
                if ("1".equals(headers.get(EventBusWire.END))) {
                    onClientHalfClose();
                }
                break;
            case EventBusWire.HALF_CLOSE:
                onClientHalfClose();
                break;
            case EventBusWire.CREDIT_KIND:
                onCredit(EventBusWire.intHeader(headers, EventBusWire.CREDIT, 0));
                break;
            case EventBusWire.RESET:
                onClientReset();
                break;
            default:
                break; // a kind of a later protocol version: ignored
        }
    }

    private void onClientData(Buffer frame) {
        if (state != State.OPEN) {
            return; // the call is over: what the client still sends is dropped, as after RST_STREAM
        }
        inbound.add(frame);
        deliver();
    }

    private void onClientHalfClose() {
        if (state != State.OPEN) {
            return;
        }
        clientHalfClosed = true;
        inbound.add(END_OF_STREAM);
        deliver();
    }

    private void onClientReset() {
        if (state != State.OPEN) {
            return;
        }
        close();
        ServerStreamListener l = listener;
        if (l != null) {
            l.onCancel(CancelCause.PEER_RESET);
        }
    }

    private void onCredit(int messages) {
        boolean wasReady = isReady();
        credit += messages;
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
                    l.onData(data);
                    grant();
                }
            }
        } finally {
            delivering = false;
        }
    }

    /** Credit for what we read goes back in batches of half the window: a held reader grants nothing. */
    private void grant() {
        consumed++;
        if (consumed >= EventBusWire.WINDOW_MESSAGES / 2 && state == State.OPEN && !clientHalfClosed) {
            DeliveryOptions o = EventBusWire.options(EventBusWire.CREDIT_KIND, call);
            o.addHeader(EventBusWire.CREDIT, Integer.toString(consumed));
            consumed = 0;
            bus.send(clientAddress, null, o);
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
            md = MetadataCodec.fromHeaders(requestHeaders);
            metadata = md;
        }
        return md;
    }

    /** {@code eventbus:<the channel's address>}: the event-bus counterpart of {@code ipv4:host:port}. */
    @Override
    public String peer() {
        return "eventbus:" + clientAddress;
    }

    /** The event bus authenticates nobody: as a plaintext connection. */
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

    private void flushHeaders() {
        MultiMap h = unsentHeaders;
        if (h != null && state == State.OPEN) {
            unsentHeaders = null;
            DeliveryOptions o = EventBusWire.options(EventBusWire.HEADERS, call);
            EventBusWire.addAll(o, h);
            bus.send(clientAddress, null, o);
        }
    }

    @Override
    public void writeMessage(Buffer frame) {
        if (state != State.OPEN) {
            return;
        }
        flushHeaders();
        credit--;
        bus.send(clientAddress, frame, EventBusWire.options(EventBusWire.DATA, call));
    }

    /** Ready while the client's credit lasts; a paused client grants none, so this turns false. */
    @Override
    public boolean isReady() {
        return credit > 0;
    }

    @Override
    public void writeTrailers(StatusCode code, String details, Metadata trailers) {
        if (state != State.OPEN) {
            return;
        }
        MultiMap t = MultiMap.caseInsensitiveMultiMap();
        if (headersWritten) {
            flushHeaders();
        } else {
            // gRPC over HTTP/2, Responses: trailers-only, one header map with the status
            t.set(GrpcHeaders.CONTENT_TYPE, GrpcHeaders.APPLICATION_GRPC);
            t.set(GrpcHeaders.GRPC_ACCEPT_ENCODING, GrpcHeaders.ACCEPT_ENCODING_VALUE);
        }
        sendStatus(t, null, code, details, trailers);
    }

    @Override
    public void writeLastMessage(Buffer frame, StatusCode code, String details, Metadata trailers) {
        if (state != State.OPEN) {
            return;
        }
        flushHeaders();
        // the last message and the status in one event-bus message: a unary response is two messages, not three
        sendStatus(MultiMap.caseInsensitiveMultiMap(), frame, code, details, trailers);
    }

    private void sendStatus(MultiMap t, @Nullable Buffer lastFrame, StatusCode code, String details, Metadata md) {
        if (!md.isEmpty()) {
            MetadataCodec.toHeaders(md, t);
        }
        t.set(GrpcHeaders.GRPC_STATUS, GrpcHeaders.status(code));
        if (!details.isEmpty()) {
            t.set(GrpcHeaders.GRPC_MESSAGE, StatusMessages.encode(details));
        }
        DeliveryOptions o = EventBusWire.options(EventBusWire.TRAILERS, call);
        EventBusWire.addAll(o, t);
        close();
        bus.send(clientAddress, lastFrame, o);
    }

    @Override
    public void stopReading() {
        if (!clientHalfClosed) {
            // as RST_STREAM(NO_ERROR) after the status (RFC 7540 section 8.1): the client keeps the status it has
            sendReset(NO_ERROR);
        }
    }

    @Override
    public void cancel() {
        if (state != State.OPEN) {
            return;
        }
        close();
        sendReset(CANCEL);
    }

    private void sendReset(long code) {
        DeliveryOptions o = EventBusWire.options(EventBusWire.RESET, call);
        o.addHeader(EventBusWire.CODE, Long.toString(code));
        bus.send(clientAddress, null, o);
    }

    /** The drain deadline of a stop passed: cancel, as grpc does (the client sees CANCELLED). */
    void cancelForShutdown() {
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

    /**
     * The client is gone (silent past {@link EventBusWire#PEER_TIMEOUT_MS}), or this IO instance is: as a lost
     * connection. The client, if it still listens, hears {@code gone}.
     */
    void connectionLost(String why) {
        if (state != State.OPEN) {
            return;
        }
        close();
        ServerStreamListener l = listener;
        if (l != null) {
            l.onCancel(CancelCause.CONNECTION_LOST);
        }
        DeliveryOptions o = EventBusWire.options(EventBusWire.GONE, call);
        o.addHeader(GrpcHeaders.GRPC_MESSAGE.toString(), StatusMessages.encode(why));
        bus.send(clientAddress, null, o);
    }

    boolean isOpen() {
        return state == State.OPEN;
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
            close();
            sendReset(CANCEL);
        }
        state = State.TERMINATED;
        acceptor.onTerminated(this);
    }

    /** A stop gave up on this stream's call (its handler never completed). */
    void giveUp() {
        if (state == State.OPEN) {
            close();
        }
        state = State.TERMINATED;
    }

    @Override
    public String toString() {
        return "EventBusServerStream{" + path + ", " + state + "}";
    }
}
