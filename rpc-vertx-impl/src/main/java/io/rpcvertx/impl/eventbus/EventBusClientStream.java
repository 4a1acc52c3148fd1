package io.rpcvertx.impl.eventbus;

import io.rpcvertx.Metadata;
import io.rpcvertx.StatusCode;
import io.rpcvertx.impl.codec.Encoding;
import io.rpcvertx.impl.codec.GrpcHeaders;
import io.rpcvertx.impl.codec.GrpcTimeout;
import io.rpcvertx.impl.codec.MessageDeframer;
import io.rpcvertx.impl.codec.MessageFramer;
import io.rpcvertx.impl.codec.MetadataCodec;
import io.rpcvertx.impl.codec.StatusMessages;
import io.rpcvertx.impl.codec.WireException;
import io.rpcvertx.impl.transport.ClientStream;
import io.rpcvertx.impl.transport.ClientStreamListener;
import io.rpcvertx.impl.transport.RequestHead;
import io.rpcvertx.impl.transport.StatusHeaders;
import io.vertx.core.AsyncResult;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The client half of an event-bus call, on its channel's event loop. The request headers (as a Vert.x HTTP/2 stream
 * would send them, so metadata goes through the same reserved-header and {@code -bin} rules) leave in an {@code open}
 * request to the server's address, with the first message when there is one; the ack names the address of the server
 * IO instance that took the call, and every later message of the call goes there, so the call sticks to that node.
 * Until the ack, later messages wait here. Flow control is message credit both ways: we send while the server's credit
 * lasts ({@link #isReady()}), and grant credit back for response messages only as the call reads them.
 *
 * <pre>
 * NEW --start, admitted--&gt; OPEN (headers sent: OPENING until acked, then ACKED)
 * any --terminal event, cancel(), or the channel ended it--&gt; CLOSED
 * </pre>
 */
final class EventBusClientStream implements ClientStream {
    enum State {
        NEW,
        OPEN,
        CLOSED
    }

    private record End(MultiMap source, @Nullable Buffer lastFrame) {}

    private record Pending(@Nullable Buffer body, DeliveryOptions options) {}

    private final EventBusChannel channel;
    final RequestHead head;
    final String call;
    private @Nullable ClientStreamListener listener;
    private State state = State.NEW;
    private boolean headersSent;
    /** The address of the server IO instance that took the call: known once acked. */
    @Nullable
    String server;

    private final List<Pending> unsent = new ArrayList<>();
    private boolean halfClosed;
    private int credit = EventBusWire.WINDOW_MESSAGES;
    // inbound (response), on the owner
    private final ArrayDeque<Object> inbound = new ArrayDeque<>(2);
    private boolean paused;
    private boolean delivering;
    private int consumed;
    private @Nullable MessageDeframer deframer;
    private @Nullable String pushback;

    EventBusClientStream(EventBusChannel channel, RequestHead head, String call) {
        this.channel = channel;
        this.head = head;
        this.call = call;
    }

    // ---------------------------------------------------------------- admission (the channel)

    @Override
    public void start(ClientStreamListener l) {
        this.listener = l;
        channel.admit(this);
    }

    private ClientStreamListener listener() {
        ClientStreamListener l = listener;
        assert l != null;
        return l;
    }

    /** The channel found a server (its probe, or an earlier call, was answered): messages may be written. */
    void open() {
        long deadline = head.deadlineNanos();
        if (deadline != RequestHead.NO_DEADLINE && deadline - System.nanoTime() <= 0) {
            close();
            listener().onClosed(StatusCode.DEADLINE_EXCEEDED, "deadline exceeded before the stream opened", false);
            return;
        }
        state = State.OPEN;
        listener().onOpen();
    }

    /** The channel ends this stream (closed, no server, server lost): it reports {@code code}. */
    void fail(StatusCode code, String details, boolean reset) {
        if (state == State.CLOSED) {
            return;
        }
        if (reset) {
            sendReset();
        }
        close();
        listener().onClosed(code, details, false);
    }

    boolean isOpen() {
        return state == State.OPEN;
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
        MultiMap h = MultiMap.caseInsensitiveMultiMap();
        h.set(GrpcHeaders.CONTENT_TYPE, GrpcHeaders.APPLICATION_GRPC);
        h.set(GrpcHeaders.TE, GrpcHeaders.TRAILERS);
        h.set(GrpcHeaders.USER_AGENT, channel.userAgent);
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
        EventBusWire.addAll(o, h);
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
        if (state != State.OPEN) {
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
            close();
            listener().onReset(0x7); // REFUSED_STREAM: the server did not process it, so it may be replayed
            return;
        }
        String s = headers.get(EventBusWire.SERVER);
        if (s == null) {
            fail(StatusCode.INTERNAL, "an ack without " + EventBusWire.SERVER, false);
            return;
        }
        server = s;
        boolean wasReady = isReady();
        credit += EventBusWire.intHeader(headers, EventBusWire.WINDOW, EventBusWire.WINDOW_MESSAGES)
                - EventBusWire.WINDOW_MESSAGES;
        for (Pending p : unsent) {
            channel.bus().send(s, p.body(), p.options());
        }
        unsent.clear();
        channel.onAcked(this);
        if (consumed >= EventBusWire.WINDOW_MESSAGES / 2) {
            grant();
        }
        if (!wasReady && isReady()) {
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
        if (state == State.OPEN && !headersSent) {
            sendOpen(null, false);
        }
    }

    @Override
    public int writeMessage(Buffer payload, boolean endOfStream) {
        if (state != State.OPEN || halfClosed) {
            return 0; // ended meanwhile: the call fails its writes itself
        }
        Encoding encoding = head.encoding();
        Buffer message = encoding == Encoding.IDENTITY ? payload : encoding.compress(payload);
        Buffer frame = MessageFramer.frame(message, encoding != Encoding.IDENTITY);
        credit--;
        halfClosed = endOfStream;
        if (!headersSent) {
            sendOpen(frame, endOfStream);
            return message.length();
        }
        DeliveryOptions o = EventBusWire.options(EventBusWire.DATA, call);
        if (endOfStream) {
            o.addHeader(EventBusWire.END, "1");
        }
        sendToServer(frame, o);
        return message.length();
    }

    @Override
    public void halfClose() {
        if (state != State.OPEN || halfClosed) {
            return;
        }
        halfClosed = true;
        if (!headersSent) {
            sendOpen(null, true);
        } else {
            sendToServer(null, EventBusWire.options(EventBusWire.HALF_CLOSE, call));
        }
    }

    /** Ready while the server's credit lasts; a server that does not read grants none. */
    @Override
    public boolean isReady() {
        return credit > 0 || state != State.OPEN;
    }

    @Override
    public void pause() {
        paused = true;
    }

    @Override
    public void resume() {
        paused = false;
        deliver();
    }

    @Override
    public void cancel() {
        if (state == State.CLOSED) {
            return;
        }
        sendReset();
        close();
    }

    @Override
    public @Nullable String retryPushback() {
        return pushback;
    }

    // ---------------------------------------------------------------- from the server (on the owner)

    void onServerMessage(Message<?> message) {
        if (state != State.OPEN) {
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
                    inbound.add(body);
                    deliver();
                }
                break;
            case EventBusWire.TRAILERS:
                inbound.add(new End(EventBusWire.grpcHeaders(headers), body instanceof Buffer ? (Buffer) body : null));
                deliver();
                break;
            case EventBusWire.CREDIT_KIND:
                boolean wasReady = isReady();
                credit += EventBusWire.intHeader(headers, EventBusWire.CREDIT, 0);
                if (!wasReady && isReady()) {
                    listener().onReady();
                }
                break;
            case EventBusWire.RESET:
                close();
                listener().onReset(EventBusWire.intHeader(headers, EventBusWire.CODE, 0x8));
                break;
            case EventBusWire.GONE:
                String why = headers.get(GrpcHeaders.GRPC_MESSAGE.toString());
                close();
                listener()
                        .onClosed(
                                StatusCode.UNAVAILABLE,
                                why == null ? "the server went away" : StatusMessages.decode(why),
                                false);
                break;
            default:
                break; // a kind of a later protocol version: ignored
        }
    }

    private void onHeaders(MultiMap headers) {
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

    /** Response messages and the end, in order, while the call reads; credit goes back as they are read. */
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
                if (!deliverFrame((Buffer) next)) {
                    return;
                }
                consumed++;
                if (consumed >= EventBusWire.WINDOW_MESSAGES / 2) {
                    grant();
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

    private void grant() {
        String s = server;
        if (s == null || state != State.OPEN) {
            return; // granted once the ack names the server
        }
        DeliveryOptions o = EventBusWire.options(EventBusWire.CREDIT_KIND, call);
        o.addHeader(EventBusWire.CREDIT, Integer.toString(consumed));
        consumed = 0;
        channel.bus().send(s, null, o);
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

    private void failMalformed(StatusCode code, String details) {
        sendReset();
        close();
        listener().onClosed(code, details, false);
    }

    /** Tells the server the call is over from our side (as RST_STREAM(CANCEL)), if it has heard of the call. */
    private void sendReset() {
        if (state == State.OPEN && headersSent) {
            unsent.clear();
            if (server != null) {
                sendToServer(null, EventBusWire.options(EventBusWire.RESET, call));
            }
            // not acked yet: onAck sends the reset once it knows the server
        }
    }

    /** The one transition to CLOSED: the channel forgets the stream before the listener hears of the end. */
    private void close() {
        state = State.CLOSED;
        inbound.clear();
        unsent.clear();
        channel.onStreamClosed(this);
    }

    @Override
    public String toString() {
        return "EventBusClientStream{" + head.path() + ", " + state + "}";
    }
}
