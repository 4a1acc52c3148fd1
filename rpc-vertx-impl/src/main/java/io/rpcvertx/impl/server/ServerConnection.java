package io.rpcvertx.impl.server;

import io.rpcvertx.ServerOptions;
import io.rpcvertx.impl.transport.RequestHeadersGuard;
import io.rpcvertx.impl.transport.StreamErrorGuard;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.logging.Logger;
import io.vertx.core.internal.logging.LoggerFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * One HTTP/2 connection of a server IO instance, on that instance's event loop: its calls, the keepalive policy (the
 * client's ping rate is enforced, a quiet client is pinged), the idle and age limits, and the graceful close.
 *
 * <pre>
 * OPEN --drain--&gt; GOAWAY_SENT    GOAWAY(NO_ERROR, 2^31-1) and a PING: streams racing it are still accepted
 * GOAWAY_SENT --PING ack, or 10 s--&gt; DRAINING    GOAWAY(NO_ERROR, last stream); the socket closes when no stream is left
 * any --socket closed--&gt; CLOSED
 * </pre>
 *
 * A drain has a deadline (server stop, maximum connection age): then the calls left are cancelled and the socket is
 * closed even if the peer keeps a stream half open.
 */
final class ServerConnection {
    /** HTTP/2's minimum (and Vert.x's default) SETTINGS_MAX_FRAME_SIZE: a write up to this size is one DATA frame. */
    private static final int SINGLE_FRAME_BYTES = 16_384;

    private static final Logger log = LoggerFactory.getLogger(ServerConnection.class);
    private static final long NO_ERROR = 0x0;
    private static final long ENHANCE_YOUR_CALM = 0xb;
    /** grpc-java's KeepAliveEnforcer and C-core: the third ping that comes too early closes the connection. */
    static final int MAX_PING_STRIKES = 2;
    /** Without calls (and without permitKeepAliveWithoutCalls) a client may ping once per 2 hours, as in grpc. */
    static final long IMPLICIT_PERMIT_NANOS = TimeUnit.HOURS.toNanos(2);
    /** How long the graceful close waits for the PING ack before the second GOAWAY (grpc-java: 10 s). */
    static final long GOAWAY_PING_TIMEOUT_MS = 10_000;
    /**
     * Vert.x closes a draining socket at the latest this long after the deadline. Only a backstop: at the deadline we
     * cancel the calls and close the socket ourselves, so that statuses are ours and not a hard close's.
     */
    private static final long CLOSE_BACKSTOP_MS = 5_000;
    /** "No deadline" for a drain without one (max idle, max age without grace): a year. */
    private static final long NO_DEADLINE_MS = TimeUnit.DAYS.toMillis(365);

    enum State {
        OPEN,
        GOAWAY_SENT,
        DRAINING,
        CLOSED
    }

    final HttpConnection http;
    private final ServerIoVerticle io;
    private final ServerOptions options;
    private final ContextInternal context;
    /** The open streams, linked through the streams themselves: no allocation per call on the hot path. */
    private @Nullable Http2ServerStream firstStream;

    private int streamCount;
    private final long createdNanos = System.nanoTime();
    private final Promise<Void> goAwayDone;

    private State state = State.OPEN;
    private long drainDeadlineNanos = Long.MAX_VALUE;
    private long deadlineTimer = -1;
    private long pingPayload;
    // keepalive enforcement (grpc-java KeepAliveEnforcer)
    private long lastValidPingNanos = createdNanos;

    private int pingStrikes;
    /** Response messages handed to Vert.x and not yet written out: while data flows, pings are not counted. */
    private int responseWritesInFlight;
    // keepalive pings: something happened since the last check, so no ping is needed
    private boolean active;
    private long keepAliveTimer = -1;
    private long keepAliveAckTimer = -1;
    // maximum idle time, checked lazily (grpc-java MaxConnectionIdleManager): one timer, re-armed when it fires early
    private long idleSinceNanos = createdNanos;
    private long idleTimer = -1;
    private long ageTimer = -1;

    ServerConnection(ServerIoVerticle io, HttpConnection http, ContextInternal context) {
        this.io = io;
        this.http = http;
        this.options = io.server.options;
        this.context = context;
        this.goAwayDone = context.promise();
    }

    /** On the IO loop, when Vert.x hands the connection over (before any request). */
    void start() {
        assert context.inThread();
        StreamErrorGuard.install(http);
        RequestHeadersGuard.install(http);
        http.pingHandler(data -> onPing());
        http.closeHandler(v -> onClosed());
        armKeepAlive();
        options.maxConnectionIdle().ifPresent(idle -> armIdle(idle.toNanos()));
        options.maxConnectionAge().ifPresent(age -> {
            // ±10 % jitter, as grpc-java and C-core, so connections accepted together do not all reconnect together
            long nanos = (long) (age.toNanos() * ThreadLocalRandom.current().nextDouble(0.9, 1.1));
            ageTimer = context.setTimer(toMillis(nanos), id -> onMaxAge());
        });
    }

    State state() {
        return state;
    }

    /** The second GOAWAY went out (or the connection closed first). */
    Future<Void> goAwayDone() {
        return goAwayDone.future();
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
        onActivity();
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
        onActivity();
        if (streamCount == 0) {
            idleSinceNanos = System.nanoTime();
            Optional<Duration> maxIdle = options.maxConnectionIdle();
            if (maxIdle.isPresent() && idleTimer < 0 && state == State.OPEN) {
                armIdle(maxIdle.get().toNanos());
            }
        }
    }

    /**
     * A call started or ended, or a response message goes out. Pings that follow are answers to it (HTTP/2 BDP pings),
     * so the strikes are forgiven, as grpc-java's {@code KeepAliveEnforcer.resetCounters()}; and the connection is not
     * quiet, so no keepalive ping is due.
     */
    private void onActivity() {
        lastValidPingNanos = createdNanos;
        pingStrikes = 0;
        active = true;
    }

    /**
     * A response message (or the last one with the status) was handed to Vert.x. grpc-java forgives pings on every DATA
     * frame it writes; Vert.x has no per-frame hook. Every write counts as activity (the strikes start over), and a
     * write larger than one DATA frame is tracked until it is out: a 4 MiB message is many frames, and the client's BDP
     * pings answer each burst. A smaller write is a single DATA frame, and the strikes that start over with it cover
     * the ping that answers it, so the hot path needs no listener for it.
     */
    void onResponseWrite(Future<Void> written, int bytes) {
        onActivity();
        if (bytes > SINGLE_FRAME_BYTES) {
            responseWritesInFlight++;
            written.onComplete(ar -> responseWritesInFlight--);
        }
    }

    // ---------------------------------------------------------------- keepalive

    private void onPing() {
        if (responseWritesInFlight > 0) {
            return; // data is flowing: an answer to it, as a BDP ping
        }
        long now = System.nanoTime();
        long minInterval = streamCount == 0 && !options.isPermitKeepAliveWithoutCalls()
                ? IMPLICIT_PERMIT_NANOS
                : Math.min(options.permitKeepAliveTime().toNanos(), IMPLICIT_PERMIT_NANOS);
        if (now - lastValidPingNanos >= minInterval) {
            lastValidPingNanos = now;
            return;
        }
        if (++pingStrikes <= MAX_PING_STRIKES || state == State.CLOSED) {
            return;
        }
        log.debug("closing " + http.remoteAddress() + ": too many pings");
        if (state == State.OPEN) {
            state = State.DRAINING;
            cancelTimer(keepAliveTimer);
            cancelTimer(keepAliveAckTimer);
            cancelTimer(idleTimer);
            cancelTimer(ageTimer);
            goAwayDone.tryComplete();
            // a GOAWAY with an error code makes Netty close the socket once it is written
            http.goAway(ENHANCE_YOUR_CALM, -1, Buffer.buffer("too_many_pings"));
        } else {
            http.close(); // Netty would not send a second GOAWAY naming the same last stream
        }
    }

    private void armKeepAlive() {
        keepAliveTimer = context.setTimer(toMillis(options.keepAliveTime().toNanos()), id -> onKeepAliveTimer());
    }

    private void onKeepAliveTimer() {
        keepAliveTimer = -1;
        if (state != State.OPEN) {
            return;
        }
        if (active) {
            active = false;
            armKeepAlive();
            return;
        }
        keepAliveAckTimer = context.setTimer(toMillis(options.keepAliveTimeout().toNanos()), id -> {
            keepAliveAckTimer = -1;
            log.debug("closing " + http.remoteAddress() + ": keepalive ping not acknowledged");
            http.close();
        });
        http.ping(nextPingPayload()).onComplete(ar -> {
            cancelTimer(keepAliveAckTimer);
            keepAliveAckTimer = -1;
            if (ar.succeeded() && state == State.OPEN) {
                armKeepAlive();
            }
        });
    }

    // ---------------------------------------------------------------- idle, age

    private void armIdle(long delayNanos) {
        idleTimer = context.setTimer(toMillis(delayNanos), id -> onIdleTimer());
    }

    private void onIdleTimer() {
        idleTimer = -1;
        if (state != State.OPEN || streamCount > 0) {
            return; // re-armed when the last call ends
        }
        long maxIdle = options.maxConnectionIdle().orElseThrow().toNanos();
        long idleFor = System.nanoTime() - idleSinceNanos;
        if (idleFor >= maxIdle) {
            log.debug("draining " + http.remoteAddress() + ": idle for " + Duration.ofNanos(idleFor));
            drain(Long.MAX_VALUE);
        } else {
            armIdle(maxIdle - idleFor);
        }
    }

    private void onMaxAge() {
        ageTimer = -1;
        long deadline = options.maxConnectionAgeGrace()
                .map(grace -> System.nanoTime() + grace.toNanos())
                .orElse(Long.MAX_VALUE);
        log.debug("draining " + http.remoteAddress() + ": maximum connection age reached");
        drain(deadline);
    }

    // ---------------------------------------------------------------- graceful close

    /**
     * Starts the graceful close (double GOAWAY), or brings its deadline forward; at {@code deadlineNanos} the calls left
     * are cancelled and the socket closed ({@link Long#MAX_VALUE}: no deadline).
     */
    void drain(long deadlineNanos) {
        assert context.inThread();
        if (state == State.CLOSED) {
            return;
        }
        long now = System.nanoTime();
        if (state == State.OPEN) {
            state = State.GOAWAY_SENT;
            cancelTimer(keepAliveTimer);
            cancelTimer(keepAliveAckTimer);
            cancelTimer(idleTimer);
            cancelTimer(ageTimer);
            // gRPC's graceful shutdown: the first GOAWAY stops the client from opening streams without refusing the
            // ones already on the wire; one PING round trip later every such stream has arrived, and the second
            // GOAWAY names the last one (notes section 3.1: Netty alone sends one, refusing the racing streams)
            http.goAway(NO_ERROR, Integer.MAX_VALUE);
            if (deadlineNanos > now) {
                long pingTimeout = context.setTimer(GOAWAY_PING_TIMEOUT_MS, id -> secondGoAway());
                http.ping(nextPingPayload()).onComplete(ar -> {
                    cancelTimer(pingTimeout);
                    secondGoAway();
                });
            }
        }
        if (deadlineNanos >= drainDeadlineNanos) {
            return; // a later deadline never extends an earlier one
        }
        drainDeadlineNanos = deadlineNanos;
        cancelTimer(deadlineTimer);
        deadlineTimer = -1;
        if (deadlineNanos <= now) {
            onDeadline();
        } else if (deadlineNanos != Long.MAX_VALUE) {
            deadlineTimer = context.setTimer(toMillis(deadlineNanos - now), id -> {
                deadlineTimer = -1;
                onDeadline();
            });
        }
    }

    private void secondGoAway() {
        if (state != State.GOAWAY_SENT) {
            return;
        }
        state = State.DRAINING;
        http.goAway(NO_ERROR, -1);
        // with a GOAWAY already sent, Netty's close sends none and closes the socket as soon as no stream is active
        long backstop = drainDeadlineNanos == Long.MAX_VALUE
                ? NO_DEADLINE_MS
                : toMillis(drainDeadlineNanos - System.nanoTime()) + CLOSE_BACKSTOP_MS;
        http.shutdown(backstop, TimeUnit.MILLISECONDS);
        goAwayDone.tryComplete();
    }

    private void onDeadline() {
        if (state == State.CLOSED) {
            return;
        }
        secondGoAway();
        List<Http2ServerStream> open = new ArrayList<>(streamCount);
        for (Http2ServerStream s = firstStream; s != null; s = s.nextInConnection) {
            open.add(s);
        }
        for (Http2ServerStream stream : open) {
            stream.cancelForShutdown();
        }
        // streams that are not calls any more (a client still sending after our status) must not hold the socket
        http.close();
    }

    private void onClosed() {
        if (state == State.CLOSED) {
            return;
        }
        state = State.CLOSED;
        cancelTimer(deadlineTimer);
        cancelTimer(keepAliveTimer);
        cancelTimer(keepAliveAckTimer);
        cancelTimer(idleTimer);
        cancelTimer(ageTimer);
        goAwayDone.tryComplete();
        io.onConnectionClosed(this);
    }

    // ---------------------------------------------------------------- helpers

    private Buffer nextPingPayload() {
        return Buffer.buffer(8).appendLong(++pingPayload);
    }

    private void cancelTimer(long id) {
        if (id >= 0) {
            context.owner().cancelTimer(id);
        }
    }

    private static long toMillis(long nanos) {
        // rounded up: truncated, the timer fired up to 1 ms before the grace deadline
        return Math.max(1, (nanos + 999_999) / 1_000_000);
    }
}
