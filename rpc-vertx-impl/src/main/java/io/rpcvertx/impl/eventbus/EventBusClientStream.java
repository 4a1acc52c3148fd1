package io.rpcvertx.impl.eventbus;

import io.rpcvertx.StatusCode;
import io.rpcvertx.impl.codec.GrpcHeaders;
import io.rpcvertx.impl.codec.MessageFramer;
import io.rpcvertx.impl.codec.StatusMessages;
import io.rpcvertx.impl.transport.AbstractMessageClientStream;
import io.rpcvertx.impl.transport.Credit;
import io.rpcvertx.impl.transport.RequestHead;
import io.vertx.core.AsyncResult;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The client half of an event-bus call, on its channel's event loop: the {@link AbstractMessageClientStream} rules,
 * carried by event-bus messages of this call. The request headers (as a Vert.x HTTP/2 stream would send them, so
 * metadata goes through the same reserved-header and {@code -bin} rules) leave in an {@code open} request to the
 * server's address, with the first message when there is one; the ack names the address of the server IO instance that
 * took the call, and every later message of the call goes there, so the call sticks to that node. Until the ack, later
 * messages wait here. Flow control is message credit both ways: we send while the server's credit lasts, and grant
 * credit back, every {@link EventBusWire#WINDOW_MESSAGES}/2 messages, only as the call reads them.
 *
 * <pre>
 * QUEUED --start, admitted--&gt; OPEN (headers sent: OPENING until acked, then ACKED)
 * any --terminal event, cancel(), or the channel ended it--&gt; CLOSED
 * </pre>
 */
final class EventBusClientStream extends AbstractMessageClientStream {
    private record Pending(@Nullable Buffer body, DeliveryOptions options) {}

    private final EventBusChannel channel;
    final String call;
    private boolean headersSent;
    /** The address of the server IO instance that took the call: known once acked. */
    @Nullable
    String server;

    private final List<Pending> unsent = new ArrayList<>();
    private boolean halfClosed;

    EventBusClientStream(EventBusChannel channel, RequestHead head, String call) {
        super(head, new Credit(Credit.Unit.MESSAGES, EventBusWire.WINDOW_MESSAGES, EventBusWire.WINDOW_MESSAGES / 2));
        this.channel = channel;
        this.call = call;
    }

    @Override
    protected void admit() {
        channel.admit(this);
    }

    /** The channel found a server (its probe, or an earlier call, was answered): messages may be written. */
    void open() {
        open(0);
    }

    // ---------------------------------------------------------------- ClientStream (owner)

    /** What a Vert.x HTTP/2 stream puts in its HEADERS frame, in the same order, plus the protocol's open headers. */
    private DeliveryOptions openOptions(boolean end) {
        DeliveryOptions o = EventBusWire.options(EventBusWire.OPEN, call);
        o.addHeader(EventBusWire.REPLY_TO, channel.address);
        o.addHeader(EventBusWire.PATH, head.path());
        o.addHeader(EventBusWire.WINDOW, Integer.toString(EventBusWire.WINDOW_MESSAGES));
        if (end) {
            o.addHeader(EventBusWire.END, "1");
        }
        EventBusWire.addAll(o, requestHeaders(channel.userAgent));
        return o;
    }

    /** The open request: the headers, and the first message when it leaves with them. */
    private void sendOpen(@Nullable Buffer firstFrame, boolean end) {
        headersSent = true;
        channel.bus()
                .request(channel.target, firstFrame, openOptions(end).setSendTimeout(EventBusWire.OPEN_TIMEOUT_MS))
                .onComplete(this::onAck);
    }

    private void onAck(AsyncResult<Message<Object>> ar) {
        if (!isOpen()) {
            if (ar.succeeded()) {
                String s = ar.result().headers().get(EventBusWire.SERVER);
                if (s != null) {
                    // cancelled before the ack: the server took the call meanwhile, so it must hear of the end
                    channel.bus().send(s, null, EventBusWire.options(EventBusWire.RESET, call));
                }
            }
            return;
        }
        if (ar.failed()) {
            Throwable cause = ar.cause();
            boolean noServer = cause instanceof ReplyException
                    && ((ReplyException) cause).failureType() == ReplyFailure.NO_HANDLERS;
            channel.onServerMissing();
            fail(
                    StatusCode.UNAVAILABLE,
                    noServer
                            ? "no server on event-bus address " + channel.target
                            : "the open of the call was not answered: " + cause.getMessage(),
                    false);
            return;
        }
        MultiMap headers = ar.result().headers();
        if (EventBusWire.REFUSE.equals(headers.get(EventBusWire.KIND))) {
            onReset(0x7); // REFUSED_STREAM: the server did not process it, so it may be replayed
            return;
        }
        String s = headers.get(EventBusWire.SERVER);
        if (s == null) {
            fail(StatusCode.INTERNAL, "an ack without " + EventBusWire.SERVER, false);
            return;
        }
        server = s;
        boolean turnedReady =
                grantCredit(EventBusWire.intHeader(headers, EventBusWire.WINDOW, EventBusWire.WINDOW_MESSAGES)
                        - EventBusWire.WINDOW_MESSAGES);
        for (Pending p : unsent) {
            channel.bus().send(s, p.body(), p.options());
        }
        unsent.clear();
        channel.onAcked(this);
        if (isCreditDue()) {
            returnCredit();
        }
        if (turnedReady && isOpen()) {
            listener().onReady();
        }
    }

    /** A message after the open: to the server once acked, until then kept in order here. */
    private void sendToServer(@Nullable Buffer body, DeliveryOptions options) {
        String s = server;
        if (s != null) {
            channel.bus().send(s, body, options);
        } else {
            unsent.add(new Pending(body, options));
        }
    }

    @Override
    public void sendHeaders() {
        if (isOpen() && !headersSent) {
            sendOpen(null, false);
        }
    }

    @Override
    public int writeMessage(Buffer payload, boolean endOfStream) {
        if (!isOpen() || halfClosed) {
            return 0; // ended meanwhile: the call fails its writes itself
        }
        Buffer frame = frame(payload);
        int wireBytes = frame.length() - MessageFramer.HEADER_LENGTH;
        halfClosed = endOfStream;
        if (!headersSent) {
            sendOpen(frame, endOfStream);
            return wireBytes;
        }
        DeliveryOptions o = EventBusWire.options(EventBusWire.DATA, call);
        if (endOfStream) {
            o.addHeader(EventBusWire.END, "1");
        }
        sendToServer(frame, o);
        return wireBytes;
    }

    @Override
    public void halfClose() {
        if (!isOpen() || halfClosed) {
            return;
        }
        halfClosed = true;
        if (!headersSent) {
            sendOpen(null, true);
        } else {
            sendToServer(null, EventBusWire.options(EventBusWire.HALF_CLOSE, call));
        }
    }

    // ---------------------------------------------------------------- from the server (on the owner)

    void onServerMessage(Message<?> message) {
        if (!isOpen()) {
            return;
        }
        MultiMap headers = message.headers();
        String kind = headers.get(EventBusWire.KIND);
        if (kind == null) {
            return;
        }
        Object body = message.body();
        switch (kind) {
            case EventBusWire.HEADERS:
                onHeaders(EventBusWire.grpcHeaders(headers));
                break;
            case EventBusWire.DATA:
                if (body instanceof Buffer) {
                    onFrame((Buffer) body);
                }
                break;
            case EventBusWire.TRAILERS:
                onTrailers(EventBusWire.grpcHeaders(headers), body instanceof Buffer ? (Buffer) body : null);
                break;
            case EventBusWire.CREDIT_KIND:
                onCredit(EventBusWire.intHeader(headers, EventBusWire.CREDIT, 0));
                break;
            case EventBusWire.RESET:
                onReset(EventBusWire.intHeader(headers, EventBusWire.CODE, (int) CANCEL));
                break;
            case EventBusWire.GONE:
                String why = headers.get(GrpcHeaders.GRPC_MESSAGE.toString());
                onConnectionLost(why == null ? "the server went away" : StatusMessages.decode(why));
                break;
            default:
                break; // a kind of a later protocol version: ignored
        }
    }

    // ---------------------------------------------------------------- the carrier: event-bus messages of this call

    /** Tells the server the call is over from our side (as RST_STREAM(CANCEL)), if it has heard of the call. */
    @Override
    protected void resetPeer() {
        if (headersSent) {
            unsent.clear();
            if (server != null) {
                sendToServer(null, EventBusWire.options(EventBusWire.RESET, call));
            }
            // not acked yet: onAck sends the reset once it knows the server
        }
    }

    /** Credit for what the call read, once the ack names the server (until then it is kept). */
    @Override
    protected void returnCredit() {
        String s = server;
        if (s == null || !isOpen()) {
            return;
        }
        DeliveryOptions o = EventBusWire.options(EventBusWire.CREDIT_KIND, call);
        o.addHeader(EventBusWire.CREDIT, Long.toString(drainCredit()));
        channel.bus().send(s, null, o);
    }

    @Override
    protected void onClosed() {
        unsent.clear();
        channel.onStreamClosed(this);
    }
}
