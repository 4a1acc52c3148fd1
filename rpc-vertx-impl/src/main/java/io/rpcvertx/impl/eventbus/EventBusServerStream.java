package io.rpcvertx.impl.eventbus;

import io.rpcvertx.impl.codec.GrpcHeaders;
import io.rpcvertx.impl.codec.StatusMessages;
import io.rpcvertx.impl.transport.AbstractMessageServerStream;
import io.rpcvertx.impl.transport.Credit;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.internal.ContextInternal;
import org.jspecify.annotations.Nullable;

/**
 * The server half of an event-bus call, on a duplicate of its IO instance's event-loop context: the
 * {@link AbstractMessageServerStream} rules, carried by event-bus messages of this call to the channel's address.
 * Credit is counted in messages: the client's window at first, and every {@link EventBusWire#WINDOW_MESSAGES}/2
 * messages read go back to the client as a {@code credit} message.
 *
 * <pre>
 * (open received) --accepted--&gt; OPEN --status written, cancelled, reset by the client, drain deadline, client lost--&gt;
 * CLOSED --callTerminated (or given up on as leaked by a stop)--&gt; TERMINATED
 * </pre>
 */
final class EventBusServerStream extends AbstractMessageServerStream {
    /** Where the stream's messages go: the event bus ({@code EventBus::send}), or a test's recording. */
    interface Sender {
        void send(String address, @Nullable Object body, DeliveryOptions options);
    }

    /** What the stream tells its acceptor. */
    interface Host {
        void removeOpen(EventBusServerStream stream);

        void onTerminated(EventBusServerStream stream);
    }

    private final Host host;
    private final Sender sender;
    final String call;
    final String clientAddress;
    long lastHeardNanos = System.nanoTime();

    EventBusServerStream(
            ContextInternal context,
            Host host,
            Sender sender,
            String call,
            String clientAddress,
            String path,
            MultiMap requestHeaders,
            int clientWindow) {
        super(
                context,
                path,
                requestHeaders,
                new Credit(Credit.Unit.MESSAGES, clientWindow, EventBusWire.WINDOW_MESSAGES / 2));
        this.host = host;
        this.sender = sender;
        this.call = call;
        this.clientAddress = clientAddress;
        accept();
    }

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

    /** {@code eventbus:<the channel's address>}: the event-bus counterpart of {@code ipv4:host:port}. */
    @Override
    public String peer() {
        return "eventbus:" + clientAddress;
    }

    /** A stop gave up on this stream's call (its handler never completed). */
    void giveUp() {
        abandon();
    }

    // ---------------------------------------------------------------- the carrier: event-bus messages of this call

    @Override
    protected void sendHeaders(MultiMap headers) {
        DeliveryOptions o = EventBusWire.options(EventBusWire.HEADERS, call);
        EventBusWire.addAll(o, headers);
        sender.send(clientAddress, null, o);
    }

    @Override
    protected void sendMessage(Buffer frame) {
        sender.send(clientAddress, frame, EventBusWire.options(EventBusWire.DATA, call));
    }

    /** The last message, when there is one, and the status in one event-bus message: a unary response is two. */
    @Override
    protected void sendStatus(MultiMap trailers, @Nullable Buffer lastFrame) {
        DeliveryOptions o = EventBusWire.options(EventBusWire.TRAILERS, call);
        EventBusWire.addAll(o, trailers);
        sender.send(clientAddress, lastFrame, o);
    }

    @Override
    protected void sendReset(long http2ErrorCode) {
        DeliveryOptions o = EventBusWire.options(EventBusWire.RESET, call);
        o.addHeader(EventBusWire.CODE, Long.toString(http2ErrorCode));
        sender.send(clientAddress, null, o);
    }

    /** A grant while the call is open and the client still sends; after that the client has no use for credit. */
    @Override
    protected void sendCredit(long messages) {
        if (isOpen() && !isClientHalfClosed()) {
            DeliveryOptions o = EventBusWire.options(EventBusWire.CREDIT_KIND, call);
            o.addHeader(EventBusWire.CREDIT, Long.toString(messages));
            sender.send(clientAddress, null, o);
        }
    }

    /** The client, if it still listens, hears {@code gone}. */
    @Override
    protected void sendGone(String why) {
        DeliveryOptions o = EventBusWire.options(EventBusWire.GONE, call);
        o.addHeader(GrpcHeaders.GRPC_MESSAGE.toString(), StatusMessages.encode(why));
        sender.send(clientAddress, null, o);
    }

    @Override
    protected void onClosed() {
        host.removeOpen(this);
    }

    @Override
    protected void onTerminated() {
        host.onTerminated(this);
    }
}
