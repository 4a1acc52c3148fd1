package io.rpcvertx.impl.transport;

import io.rpcvertx.ServerOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.logging.Logger;
import io.vertx.core.internal.logging.LoggerFactory;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The connection policy of one HTTP/2 server connection, on either HTTP/2 transport: keepalive pings and their
 * enforcement (ping strikes, the ENHANCE_YOUR_CALM GOAWAY), the idle and age limits, and the graceful close with its
 * double GOAWAY. The connection tells it of activity, pings, ping answers and the end of its last call; it decides when
 * the connection drains or closes, and the connection's {@link Wire} puts that on the wire. On the connection's event
 * loop only.
 *
 * <pre>
 * OPEN --drain--&gt; GOAWAY_SENT    GOAWAY(NO_ERROR, 2^31-1) and a PING: streams racing it are still accepted
 * GOAWAY_SENT --PING ack, or 10 s--&gt; DRAINING    GOAWAY(NO_ERROR, last stream); closed when no stream is left
 * any --socket closed--&gt; CLOSED
 * </pre>
 *
 * A drain has a deadline (server stop, maximum connection age): then the calls left are cancelled and the socket is
 * closed even if the peer keeps a stream half open.
 */
public final class ServerConnectionPolicy {
    /** What the policy needs from its connection: its calls, and the frames and closes it decides on. */
    public interface Wire {
        /** The calls open on the connection. */
        int openCalls();

        /** Whether response data is flowing: a client PING now is an answer to it (HTTP/2 BDP), not a keepalive. */
        boolean isResponseDataPending();

        /** Sends a PING with {@code payload}; its answer goes to {@link #onPingAnswered}. */
        void ping(long payload);

        /** Sends the first GOAWAY of the graceful close: NO_ERROR, last stream 2^31-1. */
        void firstGoAway();

        /**
         * Sends the second GOAWAY (NO_ERROR, the last stream created) and closes the socket once no stream is left.
         *
         * @param backstopMillis when to close the socket even if streams remain; -1 for never
         */
        void secondGoAway(long backstopMillis);

        /**
         * The client pinged too often: the GOAWAY ENHANCE_YOUR_CALM ("too_many_pings"), after which the socket closes.
         *
         * @param wasOpen whether the connection was OPEN (no GOAWAY of ours yet)
         * @return whether the rest of the flood is only read (the GOAWAY went out and closes the socket): no later
         *     ping is counted
         */
        boolean tooManyPings(boolean wasOpen);

        /** The drain deadline passed: the calls left are cancelled (the peer sees CANCELLED). */
        void cancelCalls();

        /** Closes the socket now. */
        void close();

        /** The peer's address, for the debug log. */
        Object remoteAddress();
    }

    private static final Logger log = LoggerFactory.getLogger(ServerConnectionPolicy.class);

    /** grpc-java's KeepAliveEnforcer and C-core: the third ping that comes too early closes the connection. */
    public static final int MAX_PING_STRIKES = 2;
    /** Without calls (and without permitKeepAliveWithoutCalls) a client may ping once per 2 hours, as in grpc. */
    static final long IMPLICIT_PERMIT_NANOS = TimeUnit.HOURS.toNanos(2);
    /** How long the graceful close waits for the PING ack before the second GOAWAY (grpc-java: 10 s). */
    static final long GOAWAY_PING_TIMEOUT_MS = 10_000;
    /**
     * The socket of a draining connection closes at the latest this long after the deadline. Only a backstop: at the
     * deadline we cancel the calls and close the socket ourselves, so that statuses are ours and not a hard close's.
     */
    private static final long CLOSE_BACKSTOP_MS = 5_000;

    enum State {
        OPEN,
        GOAWAY_SENT,
        DRAINING,
        CLOSED
    }

    private final Wire wire;
    private final ContextInternal context;
    private final ServerOptions options;
    private final long createdNanos = System.nanoTime();
    private final Promise<Void> goAwayDone;
    private final DrainDeadline drainDeadline;
    private State state = State.OPEN;
    private long goAwayPingTimer = -1;
    private long pingPayload;
    private long goAwayPing = -1;
    private long keepAlivePing = -1;
    // keepalive enforcement (grpc-java KeepAliveEnforcer)
    private long lastValidPingNanos = createdNanos;
    private int pingStrikes;
    /** The GOAWAY ENHANCE_YOUR_CALM went out and closes the socket: the rest of a flood is only read. */
    private boolean tooManyPings;
    // keepalive pings: something happened since the last check, so no ping is needed
    private boolean active;
    private long keepAliveTimer = -1;
    private long keepAliveAckTimer = -1;
    // maximum idle time, checked lazily (grpc-java MaxConnectionIdleManager): one timer, re-armed when it fires early
    private long idleSinceNanos = createdNanos;
    private long idleTimer = -1;
    private long ageTimer = -1;

    public ServerConnectionPolicy(Wire wire, ContextInternal context, ServerOptions options) {
        this.wire = wire;
        this.context = context;
        this.options = options;
        this.goAwayDone = context.promise();
        this.drainDeadline = new DrainDeadline(context, this::onDeadline);
    }

    // ---------------------------------------------------------------- keepalive, idle, age

    /** The connection is set up (its SETTINGS out): the keepalive, idle and age timers start. */
    public void start() {
        armKeepAlive();
        options.maxConnectionIdle().ifPresent(idle -> armIdle(idle.toNanos()));
        options.maxConnectionAge().ifPresent(age -> {
            // ±10 % jitter, as grpc-java and C-core, so connections accepted together do not all reconnect together
            long nanos = (long) (age.toNanos() * ThreadLocalRandom.current().nextDouble(0.9, 1.1));
            ageTimer = context.setTimer(toMillis(nanos), id -> onMaxAge());
        });
    }

    /**
     * A call started or ended, or data moved. Pings that follow are answers to it (HTTP/2 BDP pings), so the strikes
     * are forgiven, as grpc-java's {@code KeepAliveEnforcer.resetCounters()}; and no keepalive ping is due.
     */
    public void onActivity() {
        lastValidPingNanos = createdNanos;
        pingStrikes = 0;
        active = true;
    }

    /** The connection's last open call ended: the idle limit counts from now. */
    public void onNoCalls() {
        idleSinceNanos = System.nanoTime();
        Optional<Duration> maxIdle = options.maxConnectionIdle();
        if (maxIdle.isPresent() && idleTimer < 0 && state == State.OPEN) {
            armIdle(maxIdle.get().toNanos());
        }
    }

    /** A PING from the client: counted against the keepalive policy; the third strike closes the connection. */
    public void onPing() {
        if (wire.isResponseDataPending()) {
            return; // response data is flowing (and waits for the peer's window): an answer to it, as a BDP ping
        }
        long now = System.nanoTime();
        long minInterval = wire.openCalls() == 0 && !options.isPermitKeepAliveWithoutCalls()
                ? IMPLICIT_PERMIT_NANOS
                : Math.min(options.permitKeepAliveTime().toNanos(), IMPLICIT_PERMIT_NANOS);
        if (now - lastValidPingNanos >= minInterval) {
            lastValidPingNanos = now;
            return;
        }
        if (++pingStrikes <= MAX_PING_STRIKES || state == State.CLOSED || tooManyPings) {
            return;
        }
        log.debug("closing " + wire.remoteAddress() + ": too many pings");
        boolean wasOpen = state == State.OPEN;
        if (wasOpen) {
            state = State.DRAINING;
            cancelTimers();
            goAwayDone.tryComplete();
        }
        tooManyPings = wire.tooManyPings(wasOpen);
    }

    /**
     * The answer to a PING of ours: the graceful close's (the second GOAWAY is due) or the keepalive's (the peer is
     * alive).
     *
     * @param acked whether the peer acked it (false: the ping failed, e.g. the connection closed)
     */
    public void onPingAnswered(long payload, boolean acked) {
        if (payload == goAwayPing) {
            goAwayPing = -1;
            cancelTimer(goAwayPingTimer);
            goAwayPingTimer = -1;
            secondGoAway();
        } else if (payload == keepAlivePing) {
            keepAlivePing = -1;
            cancelTimer(keepAliveAckTimer);
            keepAliveAckTimer = -1;
            if (acked && state == State.OPEN) {
                armKeepAlive();
            }
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
            log.debug("closing " + wire.remoteAddress() + ": keepalive ping not acknowledged");
            wire.close();
        });
        keepAlivePing = ++pingPayload; // set before the PING leaves: its answer may come at once
        wire.ping(keepAlivePing);
    }

    private void armIdle(long delayNanos) {
        idleTimer = context.setTimer(toMillis(delayNanos), id -> onIdleTimer());
    }

    private void onIdleTimer() {
        idleTimer = -1;
        if (state != State.OPEN || wire.openCalls() > 0) {
            return; // re-armed when the last call ends
        }
        long maxIdle = options.maxConnectionIdle().orElseThrow().toNanos();
        long idleFor = System.nanoTime() - idleSinceNanos;
        if (idleFor >= maxIdle) {
            log.debug("draining " + wire.remoteAddress() + ": idle for " + Duration.ofNanos(idleFor));
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
        log.debug("draining " + wire.remoteAddress() + ": maximum connection age reached");
        drain(deadline);
    }

    // ---------------------------------------------------------------- graceful close

    /** The second GOAWAY went out (or the connection closed first). */
    public Future<Void> goAwayDone() {
        return goAwayDone.future();
    }

    /**
     * Starts the graceful close (double GOAWAY), or brings its deadline forward; at {@code deadlineNanos} the calls left
     * are cancelled and the socket closed ({@link Long#MAX_VALUE}: no deadline).
     */
    public void drain(long deadlineNanos) {
        if (state == State.CLOSED) {
            return;
        }
        if (state == State.OPEN) {
            state = State.GOAWAY_SENT;
            cancelTimers();
            // gRPC's graceful shutdown: the first GOAWAY stops the client from opening streams without refusing the
            // ones already on the wire; one PING round trip later every such stream has arrived, and the second
            // GOAWAY names the last one (notes section 3.1: Netty alone sends one, refusing the racing streams)
            wire.firstGoAway();
            if (deadlineNanos > System.nanoTime()) {
                goAwayPingTimer = context.setTimer(GOAWAY_PING_TIMEOUT_MS, id -> {
                    goAwayPingTimer = -1;
                    secondGoAway();
                });
                goAwayPing = ++pingPayload; // set before the PING leaves: its answer may come at once
                wire.ping(goAwayPing);
            }
        }
        drainDeadline.bringForward(deadlineNanos); // a later deadline never extends an earlier one
    }

    private void secondGoAway() {
        if (state != State.GOAWAY_SENT) {
            return;
        }
        state = State.DRAINING;
        long deadline = drainDeadline.nanos();
        // with a GOAWAY already sent, Netty's close sends none and closes the socket as soon as no stream is active
        wire.secondGoAway(deadline == Long.MAX_VALUE ? -1 : toMillis(deadline - System.nanoTime()) + CLOSE_BACKSTOP_MS);
        goAwayDone.tryComplete();
    }

    private void onDeadline() {
        if (state == State.CLOSED) {
            return;
        }
        secondGoAway();
        wire.cancelCalls();
        // streams that are not calls any more (a client still sending after our status) must not hold the socket
        wire.close();
    }

    /** The socket closed: every timer stops. Returns false if the connection had closed before. */
    public boolean onClosed() {
        if (state == State.CLOSED) {
            return false;
        }
        state = State.CLOSED;
        drainDeadline.cancel();
        cancelTimer(goAwayPingTimer);
        goAwayPingTimer = -1;
        cancelTimers();
        goAwayDone.tryComplete();
        return true;
    }

    private void cancelTimers() {
        cancelTimer(keepAliveTimer);
        cancelTimer(keepAliveAckTimer);
        cancelTimer(idleTimer);
        cancelTimer(ageTimer);
        keepAliveTimer = keepAliveAckTimer = idleTimer = ageTimer = -1;
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
