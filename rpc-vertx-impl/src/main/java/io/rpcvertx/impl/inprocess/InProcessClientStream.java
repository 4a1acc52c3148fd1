package io.rpcvertx.impl.inprocess;

import io.rpcvertx.Metadata;
import io.rpcvertx.StatusCode;
import io.rpcvertx.impl.codec.Encoding;
import io.rpcvertx.impl.codec.GrpcHeaders;
import io.rpcvertx.impl.codec.GrpcTimeout;
import io.rpcvertx.impl.codec.MessageDeframer;
import io.rpcvertx.impl.codec.MessageFramer;
import io.rpcvertx.impl.codec.MetadataCodec;
import io.rpcvertx.impl.codec.WireException;
import io.rpcvertx.impl.transport.ClientStream;
import io.rpcvertx.impl.transport.ClientStreamListener;
import io.rpcvertx.impl.transport.RequestHead;
import io.rpcvertx.impl.transport.StatusHeaders;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayDeque;
import org.jspecify.annotations.Nullable;

/**
 * The client half of an in-process stream, on its channel's event loop. It sends what a Vert.x HTTP/2 stream would:
 * the request headers as a header map (so metadata goes through the same reserved-header and {@code -bin} rules) and
 * each message framed, compressed if the call asked for it; it reads the response the same way, deframing under the
 * call's receive limit. Flow control is byte credit: what was sent and not yet read by the server counts against the
 * server's window ({@link #isReady()}), and response data is read, and its credit returned, only while not paused.
 *
 * <pre>
 * NEW --start--&gt; WAITING (wait-for-ready, no server yet) --server found--&gt; OPEN
 * NEW --start, server found--&gt; OPEN      any --terminal event, cancel(), or the channel ended it--&gt; CLOSED
 * </pre>
 *
 * The server half is created, and reached, only once the headers leave ({@link #sendHeaders}, the first message or the
 * half-close), as the server sees an HTTP/2 stream only once its HEADERS frame arrives.
 */
final class InProcessClientStream implements ClientStream {
    private static final long CANCEL = 0x8;

    enum State {
        NEW,
        WAITING,
        OPEN,
        CLOSED
    }

    /** The response's end in the inbound queue, behind the data that came before it. */
    private record End(MultiMap source) {}

    private final InProcessChannel channel;
    final RequestHead head;
    private @Nullable ClientStreamListener listener;
    private State state = State.NEW;
    private @Nullable InProcessEndpoint endpoint;
    private @Nullable InProcessServerStream server;
    private boolean halfClosed;
    private long unacknowledged;
    private int serverWindow;
    // inbound (response), on the owner
    private final ArrayDeque<Object> inbound = new ArrayDeque<>(2);
    private boolean paused;
    private boolean delivering;
    private @Nullable MessageDeframer deframer;
    private @Nullable String pushback;

    InProcessClientStream(InProcessChannel channel, RequestHead head) {
        this.channel = channel;
        this.head = head;
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

    /** Waits for a server of the channel's name (a wait-for-ready call). */
    void waitForServer() {
        state = State.WAITING;
    }

    boolean isWaiting() {
        return state == State.WAITING;
    }

    /** The channel found a server that takes calls: the stream exists from now on. */
    void open(InProcessEndpoint e) {
        long deadline = head.deadlineNanos();
        if (deadline != RequestHead.NO_DEADLINE && deadline - System.nanoTime() <= 0) {
            close();
            listener().onClosed(StatusCode.DEADLINE_EXCEEDED, "deadline exceeded before the stream opened", false);
            return;
        }
        this.endpoint = e;
        this.serverWindow = e.receiveWindow;
        state = State.OPEN;
        listener().onOpen();
    }

    /** The channel ends this stream (closed, no server): it reports {@code code}, resetting the server half if asked. */
    void fail(StatusCode code, String details, boolean reset) {
        if (state == State.CLOSED) {
            return;
        }
        if (reset) {
            resetServer();
        }
        close();
        listener().onClosed(code, details, false);
    }

    // ---------------------------------------------------------------- ClientStream (owner)

    /** The request headers leave now: the server half is created on the next IO instance and reached from here on. */
    private @Nullable InProcessServerStream sent() {
        InProcessServerStream s = server;
        if (s != null || state != State.OPEN) {
            return s;
        }
        InProcessEndpoint e = endpoint;
        InProcessAcceptor acceptor = e == null ? null : e.pick();
        if (acceptor == null) {
            // every IO instance of the server went away since the stream opened: as a connection lost
            post(() -> onConnectionLost("in-process server " + channel.name + " went away"));
            return null;
        }
        s = new InProcessServerStream(acceptor, this, head.path(), requestHeaders(), channel.receiveWindow());
        server = s;
        s.post(s::arrive);
        return s;
    }

    /** What a Vert.x HTTP/2 stream puts in its HEADERS frame, in the same order. */
    private MultiMap requestHeaders() {
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
        return h;
    }

    @Override
    public void sendHeaders() {
        sent();
    }

    @Override
    public int writeMessage(Buffer payload, boolean endOfStream) {
        if (state != State.OPEN) {
            return 0; // ended meanwhile: the call fails its writes itself
        }
        Encoding encoding = head.encoding();
        Buffer message = encoding == Encoding.IDENTITY ? payload : encoding.compress(payload);
        Buffer frame = MessageFramer.frame(message, encoding != Encoding.IDENTITY);
        InProcessServerStream s = sent();
        if (s == null) {
            return 0; // the server went away: dropped
        }
        unacknowledged += frame.length();
        s.post(() -> s.onClientData(frame));
        if (endOfStream) {
            halfClosed = true;
            s.post(s::onClientHalfClose);
        }
        return message.length();
    }

    @Override
    public void halfClose() {
        if (state != State.OPEN || halfClosed) {
            return;
        }
        InProcessServerStream s = sent();
        if (s != null) {
            halfClosed = true;
            s.post(s::onClientHalfClose);
        }
    }

    /** Ready while the server's window has room; a server that does not read returns no credit. */
    @Override
    public boolean isReady() {
        return unacknowledged < serverWindow || state != State.OPEN;
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
        resetServer();
        close();
    }

    @Override
    public @Nullable String retryPushback() {
        return pushback;
    }

    // ---------------------------------------------------------------- from the server (each hop queued on the owner)

    /** The server read {@code bytes} of our request: they count against its window no longer. */
    void onCredit(int bytes) {
        boolean wasReady = isReady();
        unacknowledged -= bytes;
        if (!wasReady && isReady() && state == State.OPEN) {
            listener().onReady();
        }
    }

    void onHeaders(MultiMap headers) {
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

    void onFrame(Buffer frame) {
        if (state != State.OPEN) {
            return;
        }
        inbound.add(frame);
        deliver();
    }

    /** The status: in trailers, or alone in a trailers-only response (then no headers came before it). */
    void onTrailers(MultiMap source) {
        if (state != State.OPEN) {
            return;
        }
        inbound.add(new End(source));
        deliver();
    }

    /** The server reset the stream (as RST_STREAM with {@code http2ErrorCode}). */
    void onReset(long http2ErrorCode) {
        if (state != State.OPEN) {
            return;
        }
        close();
        listener().onReset(http2ErrorCode);
    }

    void onConnectionLost(String details) {
        if (state != State.OPEN) {
            return;
        }
        close();
        listener().onClosed(StatusCode.UNAVAILABLE, details, false);
    }

    /** Response data and the end, in order, while the call reads; each frame's bytes go back to the server's credit. */
    private void deliver() {
        if (delivering) {
            return;
        }
        delivering = true;
        try {
            while (!paused && state == State.OPEN && !inbound.isEmpty()) {
                Object next = inbound.poll();
                if (next instanceof End) {
                    onEnd((End) next);
                    return;
                }
                Buffer frame = (Buffer) next;
                InProcessServerStream s = server;
                if (s != null) {
                    int bytes = frame.length();
                    s.post(() -> s.onCredit(bytes));
                }
                MessageDeframer d = deframer;
                if (d == null) {
                    failMalformed(StatusCode.INTERNAL, "a message before the response headers");
                    return;
                }
                try {
                    d.update(frame, this::onMessage);
                } catch (WireException e) {
                    failMalformed(e.code(), e.getMessage());
                }
            }
        } finally {
            delivering = false;
        }
    }

    private void onMessage(Buffer payload) {
        if (state == State.OPEN) {
            listener().onMessage(payload);
        }
    }

    private void onEnd(End end) {
        MessageDeframer d = deframer;
        if (d != null && d.hasPartialMessage()) {
            close();
            listener().onTrailers(StatusCode.INTERNAL, "Encountered end-of-stream mid-frame", Metadata.EMPTY);
            return;
        }
        MultiMap source = end.source();
        pushback = source.get("grpc-retry-pushback-ms");
        StatusHeaders.Received status = StatusHeaders.Received.read(source);
        close();
        status.deliver(listener());
    }

    /** A response we cannot read: reset the server half and end with {@code code}. */
    private void failMalformed(StatusCode code, String details) {
        resetServer();
        close();
        listener().onClosed(code, details, false);
    }

    private void resetServer() {
        InProcessServerStream s = server;
        if (s != null && state == State.OPEN) {
            s.post(s::onClientReset);
        }
    }

    /** The one transition to CLOSED: the channel forgets the stream before the listener hears of the end. */
    private void close() {
        state = State.CLOSED;
        inbound.clear();
        channel.onStreamClosed(this);
    }

    /** Queues {@code action} on the channel's event loop (never inline: the two halves may share one). */
    void post(Runnable action) {
        channel.owner.runOnContext(v -> action.run());
    }

    @Override
    public String toString() {
        return "InProcessClientStream{" + head.path() + ", " + state + "}";
    }
}
