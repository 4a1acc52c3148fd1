package io.rpcvertx.impl.inprocess;

import io.rpcvertx.impl.transport.AbstractMessageServerStream;
import io.rpcvertx.impl.transport.Credit;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import org.jspecify.annotations.Nullable;

/**
 * The server half of an in-process stream, on a duplicate of its IO instance's event-loop context (as an HTTP/2 stream
 * is): the {@link AbstractMessageServerStream} rules, carried by direct handoff. What it sends goes to the
 * {@link InProcessClientStream} as header maps and frames, as they would go on the wire, each hop queued on the
 * client's context; credit is the client's receive window in bytes, each frame's bytes returned as it is read.
 *
 * <pre>
 * (created by the client) --arrive, accepted--&gt; OPEN   --arrive, refused--&gt; TERMINATED (the client sees REFUSED_STREAM)
 * OPEN --status written, cancelled by us, reset by the client, drain deadline, IO instance gone--&gt; CLOSED
 * CLOSED --callTerminated (or given up on as leaked by a stop)--&gt; TERMINATED
 * </pre>
 */
final class InProcessServerStream extends AbstractMessageServerStream {
    private final InProcessAcceptor acceptor;
    private final InProcessClientStream client;

    InProcessServerStream(
            InProcessAcceptor acceptor,
            InProcessClientStream client,
            String path,
            MultiMap requestHeaders,
            int clientWindow) {
        super(acceptor.loop.duplicate(), path, requestHeaders, new Credit(Credit.Unit.BYTES, clientWindow, 1));
        this.acceptor = acceptor;
        this.client = client;
    }

    /** The request headers arrive: the stream is accepted (the call layer takes it) or refused. */
    void arrive() {
        assert context().inThread();
        if (!acceptor.isAccepting()) {
            refuse(); // a stream that raced the stop: as HTTP/2's REFUSED_STREAM, nothing was processed
            return;
        }
        accept();
        acceptor.add(this);
        acceptor.handler.streamCreated(this);
    }

    /** {@code inprocess:<name>}: the in-process counterpart of {@code ipv4:host:port}. */
    @Override
    public String peer() {
        return "inprocess:" + acceptor.endpoint.name;
    }

    /** The IO instance went away: as a closed connection on both sides. */
    void connectionLost() {
        connectionLost("in-process server " + acceptor.endpoint.name + " went away");
    }

    /** A stop gave up on this stream's call (its handler never completed); one still open is cancelled first. */
    void giveUp() {
        cancelForShutdown();
        abandon();
    }

    /** Queues {@code action} on this stream's context (never inline: the two halves may share an event loop). */
    void post(Runnable action) {
        context().runOnContext(v -> action.run());
    }

    // ---------------------------------------------------------------- the carrier: direct handoff to the client

    @Override
    protected void sendHeaders(MultiMap headers) {
        client.post(() -> client.onHeaders(headers));
    }

    @Override
    protected void sendMessage(Buffer frame) {
        client.post(() -> client.onFrame(frame));
    }

    @Override
    protected void sendStatus(MultiMap trailers, @Nullable Buffer lastFrame) {
        if (lastFrame != null) {
            client.post(() -> client.onFrame(lastFrame));
        }
        client.post(() -> client.onTrailers(trailers, null));
    }

    @Override
    protected void sendReset(long http2ErrorCode) {
        client.post(() -> client.onReset(http2ErrorCode));
    }

    @Override
    protected void sendCredit(long bytes) {
        client.post(() -> client.onCredit(bytes));
    }

    @Override
    protected void sendGone(String why) {
        client.post(() -> client.onConnectionLost(why));
    }

    @Override
    protected void onClosed() {
        acceptor.removeOpen(this);
    }

    @Override
    protected void onTerminated() {
        acceptor.onTerminated(this);
    }
}
