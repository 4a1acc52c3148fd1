package io.rpcvertx.impl.inprocess;

import io.rpcvertx.impl.codec.MessageFramer;
import io.rpcvertx.impl.transport.AbstractMessageClientStream;
import io.rpcvertx.impl.transport.Credit;
import io.rpcvertx.impl.transport.RequestHead;
import io.vertx.core.buffer.Buffer;
import org.jspecify.annotations.Nullable;

/**
 * The client half of an in-process stream, on its channel's event loop: the {@link AbstractMessageClientStream} rules,
 * carried by direct handoff to the {@link InProcessServerStream}, each hop queued on the server's context. It sends
 * what a Vert.x HTTP/2 stream would: the request headers as a header map (so metadata goes through the same
 * reserved-header and {@code -bin} rules) and each message framed. Flow control is byte credit: what was sent and not
 * yet read by the server counts against the server's window, and each response frame's bytes go back as it is read.
 *
 * The server half is created, and reached, only once the headers leave ({@link #sendHeaders}, the first message or the
 * half-close), as the server sees an HTTP/2 stream only once its HEADERS frame arrives.
 */
final class InProcessClientStream extends AbstractMessageClientStream {
    private final InProcessChannel channel;
    private @Nullable InProcessEndpoint endpoint;
    private @Nullable InProcessServerStream server;
    private boolean halfClosed;

    InProcessClientStream(InProcessChannel channel, RequestHead head) {
        super(head, new Credit(Credit.Unit.BYTES, 0, 1));
        this.channel = channel;
    }

    @Override
    protected void admit() {
        channel.admit(this);
    }

    /** The channel found a server that takes calls: the stream exists from now on, with the server's window. */
    void open(InProcessEndpoint e) {
        this.endpoint = e;
        open(e.receiveWindow);
    }

    // ---------------------------------------------------------------- ClientStream (owner)

    /** The request headers leave now: the server half is created on the next IO instance and reached from here on. */
    private @Nullable InProcessServerStream sent() {
        InProcessServerStream s = server;
        if (s != null || !isOpen()) {
            return s;
        }
        InProcessEndpoint e = endpoint;
        InProcessAcceptor acceptor = e == null ? null : e.pick();
        if (acceptor == null) {
            // every IO instance of the server went away since the stream opened: as a connection lost
            post(() -> onConnectionLost("in-process server " + channel.name + " went away"));
            return null;
        }
        s = new InProcessServerStream(
                acceptor, this, head.path(), requestHeaders(channel.userAgent), channel.receiveWindow());
        server = s;
        s.post(s::arrive);
        return s;
    }

    @Override
    public void sendHeaders() {
        sent();
    }

    @Override
    public int writeMessage(Buffer payload, boolean endOfStream) {
        if (!isOpen()) {
            return 0; // ended meanwhile: the call fails its writes itself
        }
        InProcessServerStream s = sent();
        if (s == null) {
            return 0; // the server went away: dropped
        }
        Buffer frame = frame(payload);
        int wireBytes = frame.length() - MessageFramer.HEADER_LENGTH;
        s.post(() -> s.onClientData(frame));
        if (endOfStream) {
            halfClosed = true;
            s.post(s::onClientHalfClose);
        }
        return wireBytes;
    }

    @Override
    public void halfClose() {
        if (!isOpen() || halfClosed) {
            return;
        }
        InProcessServerStream s = sent();
        if (s != null) {
            halfClosed = true;
            s.post(s::onClientHalfClose);
        }
    }

    // ---------------------------------------------------------------- the carrier: direct handoff to the server

    @Override
    protected void resetPeer() {
        InProcessServerStream s = server;
        if (s != null) {
            s.post(s::onClientReset);
        }
    }

    @Override
    protected void returnCredit() {
        InProcessServerStream s = server;
        long bytes = drainCredit();
        if (s != null) {
            s.post(() -> s.onCredit(bytes));
        }
    }

    @Override
    protected void onClosed() {
        channel.onStreamClosed(this);
    }

    /** Queues {@code action} on the channel's event loop (never inline: the two halves may share one). */
    void post(Runnable action) {
        channel.owner.runOnContext(v -> action.run());
    }
}
