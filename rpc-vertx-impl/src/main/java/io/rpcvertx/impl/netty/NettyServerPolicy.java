package io.rpcvertx.impl.netty;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2RemoteFlowController;
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
 * The connection policy of one {@link NettyServerConnection}, as the Vert.x transport's {@code ServerConnection} keeps
 * it: keepalive pings and their enforcement (ping strikes, the ENHANCE_YOUR_CALM GOAWAY), the idle and age limits, and
 * the graceful close with its double GOAWAY. The connection tells it of activity, pings and the end of its last call;
 * it decides when the connection drains or closes. On the connection's event loop only.
 *
 * <pre>
 * OPEN --drain--&gt; GOAWAY_SENT    GOAWAY(NO_ERROR, 2^31-1) and a PING: streams racing it are still accepted
 * GOAWAY_SENT --PING ack, or 10 s--&gt; DRAINING    GOAWAY(NO_ERROR, last stream); closed when no stream is left
 * any --channel inactive--&gt; CLOSED
 * </pre>
 */
final class NettyServerPolicy {
    private static final Logger log = LoggerFactory.getLogger(NettyServerPolicy.class);

    /** grpc-java's KeepAliveEnforcer and C-core: the third ping that comes too early closes the connection. */
    static final int MAX_PING_STRIKES = 2;
    /** Without calls (and without permitKeepAliveWithoutCalls) a client may ping once per 2 hours, as in grpc. */
    static final long IMPLICIT_PERMIT_NANOS = TimeUnit.HOURS.toNanos(2);
    /** How long the graceful close waits for the PING ack before the second GOAWAY (grpc-java: 10 s). */
    static final long GOAWAY_PING_TIMEOUT_MS = 10_000;
    /** Netty closes a draining connection at the latest this long after the deadline: a backstop only. */
    private static final long CLOSE_BACKSTOP_MS = 5_000;

    enum State {
        OPEN,
        GOAWAY_SENT,
        DRAINING,
        CLOSED
    }

    private final NettyServerConnection conn;
    private final NettyServerStreams streams;
    private final ContextInternal context;
    private final ServerOptions options;
    private final long createdNanos = System.nanoTime();
    private final Promise<Void> goAwayDone;
    private State state = State.OPEN;
    private long drainDeadlineNanos = Long.MAX_VALUE;
    private long deadlineTimer = -1;
    private long goAwayPingTimer = -1;
    private long pingPayload;
    private long goAwayPing = -1;
    private long keepAlivePing = -1;
    // keepalive enforcement (grpc-java KeepAliveEnforcer)
    private long lastValidPingNanos = createdNanos;
    private int pingStrikes;
    /** The GOAWAY ENHANCE_YOUR_CALM went out: the connection closes as soon as it is written. */
    private boolean tooManyPings;
    // keepalive pings: something happened since the last check, so no ping is needed
    private boolean active;
    private long keepAliveTimer = -1;
    private long keepAliveAckTimer = -1;
    private long idleSinceNanos = createdNanos;
    private long idleTimer = -1;
    private long ageTimer = -1;

    NettyServerPolicy(
            NettyServerConnection conn, NettyServerStreams streams, ContextInternal context, ServerOptions options) {
        this.conn = conn;
        this.streams = streams;
        this.context = context;
        this.options = options;
        this.goAwayDone = context.promise();
    }

    // ---------------------------------------------------------------- keepalive, idle, age

    /** The connection's preface is out: the keepalive, idle and age timers start. */
    void start() {
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
    void onActivity() {
        lastValidPingNanos = createdNanos;
        pingStrikes = 0;
        active = true;
    }

    /** The connection's last open call ended: the idle limit counts from now. */
    void onNoCalls() {
        idleSinceNanos = System.nanoTime();
        Optional<Duration> maxIdle = options.maxConnectionIdle();
        if (maxIdle.isPresent() && idleTimer < 0 && state == State.OPEN) {
            armIdle(maxIdle.get().toNanos());
        }
    }

    /** A PING from the client: counted against the keepalive policy; the third strike closes the connection. */
    void onPing() {
        if (isResponseDataPending()) {
            return; // response data is flowing (and waits for the peer's window): an answer to it, as a BDP ping
        }
        long now = System.nanoTime();
        long minInterval = streams.openCount() == 0 && !options.isPermitKeepAliveWithoutCalls()
                ? IMPLICIT_PERMIT_NANOS
                : Math.min(options.permitKeepAliveTime().toNanos(), IMPLICIT_PERMIT_NANOS);
        if (now - lastValidPingNanos >= minInterval) {
            lastValidPingNanos = now;
            return;
        }
        if (++pingStrikes <= MAX_PING_STRIKES || state == State.CLOSED || tooManyPings) {
            return; // after the GOAWAY, the rest of a flood is only read: Netty closes once the GOAWAY is out
        }
        log.debug("closing " + conn.remoteAddress() + ": too many pings");
        tooManyPings = true;
        if (state == State.OPEN) {
            state = State.DRAINING;
            cancelTimers();
            goAwayDone.tryComplete();
        }
        // a GOAWAY with an error code makes Netty close the socket once it is written; during a graceful close it
        // names the same last stream as before (a GOAWAY's last stream may not grow)
        ChannelHandlerContext c = conn.ctx();
        Http2Connection connection = conn.connection();
        int last = connection.goAwaySent()
                ? Math.min(
                        connection.remote().lastStreamKnownByPeer(),
                        connection.remote().lastStreamCreated())
                : connection.remote().lastStreamCreated();
        conn.goAway(
                c,
                last,
                Http2Error.ENHANCE_YOUR_CALM.code(),
                ByteBufUtil.writeAscii(c.alloc(), "too_many_pings"),
                c.newPromise());
        conn.requestFlush();
    }

    /** A PING ack: the graceful close's (the second GOAWAY is due) or the keepalive's (the peer is alive). */
    void onPingAck(long data) {
        if (data == goAwayPing) {
            goAwayPing = -1;
            cancelTimer(goAwayPingTimer);
            goAwayPingTimer = -1;
            secondGoAway();
        } else if (data == keepAlivePing) {
            keepAlivePing = -1;
            cancelTimer(keepAliveAckTimer);
            keepAliveAckTimer = -1;
            if (state == State.OPEN) {
                armKeepAlive();
            }
        }
    }

    /** Whether a stream (status written or not) still has response bytes waiting for the peer's window. */
    private boolean isResponseDataPending() {
        Http2RemoteFlowController flow = conn.encoder().flowController();
        boolean[] pending = {false};
        try {
            conn.connection().forEachActiveStream(stream -> {
                pending[0] = flow.hasFlowControlled(stream);
                return !pending[0];
            });
        } catch (Http2Exception e) {
            return false; // the visitor throws nothing
        }
        return pending[0];
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
            log.debug("closing " + conn.remoteAddress() + ": keepalive ping not acknowledged");
            conn.ctx().close();
        });
        keepAlivePing = ping();
    }

    private long ping() {
        long payload = ++pingPayload;
        ChannelHandlerContext c = conn.ctx();
        conn.encoder().writePing(c, false, payload, c.voidPromise());
        conn.requestFlush();
        return payload;
    }

    private void armIdle(long delayNanos) {
        idleTimer = context.setTimer(toMillis(delayNanos), id -> onIdleTimer());
    }

    private void onIdleTimer() {
        idleTimer = -1;
        if (state != State.OPEN || streams.openCount() > 0) {
            return; // re-armed when the last call ends
        }
        long maxIdle = options.maxConnectionIdle().orElseThrow().toNanos();
        long idleFor = System.nanoTime() - idleSinceNanos;
        if (idleFor >= maxIdle) {
            log.debug("draining " + conn.remoteAddress() + ": idle for " + Duration.ofNanos(idleFor));
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
        log.debug("draining " + conn.remoteAddress() + ": maximum connection age reached");
        drain(deadline);
    }

    // ---------------------------------------------------------------- graceful close

    /** The second GOAWAY went out (or the connection closed first). */
    Future<Void> goAwayDone() {
        return goAwayDone.future();
    }

    /**
     * Starts the graceful close (double GOAWAY), or brings its deadline forward; at {@code deadlineNanos} the calls left
     * are cancelled and the socket closed ({@link Long#MAX_VALUE}: no deadline).
     */
    void drain(long deadlineNanos) {
        if (state == State.CLOSED) {
            return;
        }
        long now = System.nanoTime();
        if (state == State.OPEN) {
            state = State.GOAWAY_SENT;
            cancelTimers();
            // gRPC's graceful shutdown: the first GOAWAY stops the client from opening streams without refusing the
            // ones already on the wire; one PING round trip later every such stream has arrived, and the second
            // GOAWAY names the last one
            ChannelHandlerContext c = conn.ctx();
            conn.goAway(c, Integer.MAX_VALUE, Http2Error.NO_ERROR.code(), Unpooled.EMPTY_BUFFER, c.newPromise());
            if (deadlineNanos > now) {
                goAwayPingTimer = context.setTimer(GOAWAY_PING_TIMEOUT_MS, id -> {
                    goAwayPingTimer = -1;
                    secondGoAway();
                });
                goAwayPing = ping();
            }
            conn.requestFlush();
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
        ChannelHandlerContext c = conn.ctx();
        conn.goAway(
                c,
                conn.connection().remote().lastStreamCreated(),
                Http2Error.NO_ERROR.code(),
                Unpooled.EMPTY_BUFFER,
                c.newPromise());
        // with a GOAWAY already sent, Netty's graceful close sends none and closes as soon as no stream is active
        conn.gracefulShutdownTimeoutMillis(
                drainDeadlineNanos == Long.MAX_VALUE
                        ? -1
                        : toMillis(drainDeadlineNanos - System.nanoTime()) + CLOSE_BACKSTOP_MS);
        c.channel().close();
        goAwayDone.tryComplete();
    }

    private void onDeadline() {
        if (state == State.CLOSED) {
            return;
        }
        secondGoAway();
        streams.cancelOpen();
        conn.flushNow();
        // streams that are not calls any more (a client still sending after our status) must not hold the socket
        conn.ctx().close();
    }

    /** The channel went inactive: every timer stops. Returns false if the connection had closed before. */
    boolean onClosed() {
        if (state == State.CLOSED) {
            return false;
        }
        state = State.CLOSED;
        cancelTimer(deadlineTimer);
        cancelTimer(goAwayPingTimer);
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
