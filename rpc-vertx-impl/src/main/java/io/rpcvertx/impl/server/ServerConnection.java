package io.rpcvertx.impl.server;

import io.rpcvertx.impl.transport.RequestHeadersGuard;
import io.rpcvertx.impl.transport.ServerConnectionPolicy;
import io.rpcvertx.impl.transport.StreamErrorGuard;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.internal.ContextInternal;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * One HTTP/2 connection of a server IO instance, on that instance's event loop: its calls, and the wire of its
 * {@link ServerConnectionPolicy} (the keepalive policy, the idle and age limits, and the graceful close), which this
 * class puts on Vert.x's {@link HttpConnection}.
 */
final class ServerConnection implements ServerConnectionPolicy.Wire {
    /** HTTP/2's minimum (and Vert.x's default) SETTINGS_MAX_FRAME_SIZE: a write up to this size is one DATA frame. */
    private static final int SINGLE_FRAME_BYTES = 16_384;

    private static final long NO_ERROR = 0x0;
    private static final long ENHANCE_YOUR_CALM = 0xb;
    /** "No deadline" for a drain without one (max idle, max age without grace): a year. */
    private static final long NO_DEADLINE_MS = TimeUnit.DAYS.toMillis(365);

    final HttpConnection http;
    private final ServerIoVerticle io;
    private final ContextInternal context;
    private final ServerConnectionPolicy policy;
    /** The open streams, linked through the streams themselves: no allocation per call on the hot path. */
    private @Nullable Http2ServerStream firstStream;

    private int streamCount;
    /** Response messages handed to Vert.x and not yet written out: while data flows, pings are not counted. */
    private int responseWritesInFlight;

    ServerConnection(ServerIoVerticle io, HttpConnection http, ContextInternal context) {
        this.io = io;
        this.http = http;
        this.context = context;
        this.policy = new ServerConnectionPolicy(this, context, io.server.options);
    }

    /** On the IO loop, when Vert.x hands the connection over (before any request). */
    void start() {
        assert context.inThread();
        StreamErrorGuard.install(http);
        RequestHeadersGuard.install(http);
        http.pingHandler(data -> policy.onPing());
        http.closeHandler(v -> onClosed());
        policy.start();
    }

    /** The second GOAWAY went out (or the connection closed first). */
    Future<Void> goAwayDone() {
        return policy.goAwayDone();
    }

    // ---------------------------------------------------------------- calls

    /** A new stream of this connection (before the call layer sees it). */
    void add(Http2ServerStream stream) {
        assert context.inThread();
        stream.nextInConnection = firstStream;
        if (firstStream != null) {
            firstStream.prevInConnection = stream;
        }
        firstStream = stream;
        stream.inConnection = true;
        streamCount++;
        policy.onActivity();
    }

    /**
     * The stream closed (status written, or reset). Runs before its status is written, so a client that starts its
     * next call on seeing the status finds the connection's slot free.
     */
    void remove(Http2ServerStream stream) {
        assert context.inThread();
        if (!stream.inConnection) {
            return;
        }
        Http2ServerStream prev = stream.prevInConnection;
        Http2ServerStream next = stream.nextInConnection;
        if (prev != null) {
            prev.nextInConnection = next;
        } else {
            firstStream = next;
        }
        if (next != null) {
            next.prevInConnection = prev;
        }
        stream.prevInConnection = null;
        stream.nextInConnection = null;
        stream.inConnection = false;
        streamCount--;
        policy.onActivity();
        if (streamCount == 0) {
            policy.onNoCalls();
        }
    }

    /**
     * A response message (or the last one with the status) was handed to Vert.x. grpc-java forgives pings on every DATA
     * frame it writes; Vert.x has no per-frame hook. Every write counts as activity (the strikes start over), and a
     * write larger than one DATA frame is tracked until it is out: a 4 MiB message is many frames, and the client's BDP
     * pings answer each burst. A smaller write is a single DATA frame, and the strikes that start over with it cover
     * the ping that answers it, so the hot path needs no listener for it.
     */
    void onResponseWrite(Future<Void> written, int bytes) {
        policy.onActivity();
        if (bytes > SINGLE_FRAME_BYTES) {
            responseWritesInFlight++;
            written.onComplete(ar -> responseWritesInFlight--);
        }
    }

    // ---------------------------------------------------------------- graceful close

    /**
     * Starts the graceful close (double GOAWAY), or brings its deadline forward; at {@code deadlineNanos} the calls left
     * are cancelled and the socket closed ({@link Long#MAX_VALUE}: no deadline).
     */
    void drain(long deadlineNanos) {
        assert context.inThread();
        policy.drain(deadlineNanos);
    }

    private void onClosed() {
        if (policy.onClosed()) {
            io.onConnectionClosed(this);
        }
    }

    // ---------------------------------------------------------------- the policy's wire (ServerConnectionPolicy.Wire)

    @Override
    public int openCalls() {
        return streamCount;
    }

    @Override
    public boolean isResponseDataPending() {
        return responseWritesInFlight > 0;
    }

    @Override
    public void ping(long payload) {
        http.ping(Buffer.buffer(8).appendLong(payload))
                .onComplete(ar -> policy.onPingAnswered(payload, ar.succeeded()));
    }

    @Override
    public void firstGoAway() {
        http.goAway(NO_ERROR, Integer.MAX_VALUE);
    }

    @Override
    public void secondGoAway(long backstopMillis) {
        http.goAway(NO_ERROR, -1);
        http.shutdown(backstopMillis < 0 ? NO_DEADLINE_MS : backstopMillis, TimeUnit.MILLISECONDS);
    }

    @Override
    public boolean tooManyPings(boolean wasOpen) {
        if (wasOpen) {
            // a GOAWAY with an error code makes Netty close the socket once it is written
            http.goAway(ENHANCE_YOUR_CALM, -1, Buffer.buffer("too_many_pings"));
        } else {
            http.close(); // Netty would not send a second GOAWAY naming the same last stream
        }
        return false;
    }

    @Override
    public void cancelCalls() {
        List<Http2ServerStream> open = new ArrayList<>(streamCount);
        for (Http2ServerStream s = firstStream; s != null; s = s.nextInConnection) {
            open.add(s);
        }
        for (Http2ServerStream stream : open) {
            stream.cancelForShutdown();
        }
    }

    @Override
    public void close() {
        http.close();
    }

    @Override
    public Object remoteAddress() {
        return http.remoteAddress();
    }
}
