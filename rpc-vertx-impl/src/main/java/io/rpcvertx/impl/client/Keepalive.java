package io.rpcvertx.impl.client;

import io.vertx.core.internal.ContextInternal;

/**
 * Client keepalive of one connection (gRPC "Client-side Keepalive"): an HTTP/2 PING {@code time} after the previous one
 * was acknowledged; no acknowledgement within {@code timeout} reports the connection dead. Data received from the peer
 * proves it alive as well as an acknowledgement does (grpc-java's {@code KeepAliveManager.onDataReceived}): a busy peer
 * whose PING ack queues behind its own writes is not declared dead, and a connection that keeps receiving is not
 * pinged. Connections without calls are pinged only if permitted. Owned by the channel's event loop.
 */
final class Keepalive {
    enum State {
        WAITING,
        PINGING,
        STOPPED
    }

    private final ContextInternal owner;
    private final ChannelImpl.Conn conn;
    private final long timeMs;
    private final long timeoutMs;
    private final boolean withoutCalls;
    private final Runnable onDead;
    private State state = State.WAITING;
    private long timer = -1;
    private long pings;
    /** Data arrived since the ping timer was last armed: a plain flag, set on the hot path without a clock read. */
    private boolean dataReceived;

    Keepalive(
            ContextInternal owner,
            ChannelImpl.Conn conn,
            long timeMs,
            long timeoutMs,
            boolean withoutCalls,
            Runnable onDead) {
        this.owner = owner;
        this.conn = conn;
        this.timeMs = Math.max(1, timeMs);
        this.timeoutMs = Math.max(1, timeoutMs);
        this.withoutCalls = withoutCalls;
        this.onDead = onDead;
    }

    void start() {
        assert owner.inThread();
        timer = owner.setTimer(timeMs, id -> ping());
    }

    private void ping() {
        timer = -1;
        if (state != State.WAITING) {
            return;
        }
        if (dataReceived) {
            dataReceived = false; // the peer spoke within the last period: no ping needed yet
            timer = owner.setTimer(timeMs, id -> ping());
            return;
        }
        if (conn.streams == 0 && !withoutCalls) {
            timer = owner.setTimer(timeMs, id -> ping());
            return;
        }
        state = State.PINGING;
        timer = owner.setTimer(timeoutMs, id -> {
            timer = -1;
            if (state == State.PINGING) {
                state = State.STOPPED;
                onDead.run();
            }
        });
        conn.link.ping(++pings).onComplete(ar -> {
            if (state != State.PINGING) {
                return;
            }
            cancelTimer();
            if (ar.succeeded()) {
                state = State.WAITING;
                timer = owner.setTimer(timeMs, id -> ping());
            } else {
                state = State.STOPPED; // the connection is closing; its close handler takes over
            }
        });
    }

    /** A frame of a call arrived on this connection: the peer is alive. Owner context only. */
    void onDataReceived() {
        if (state == State.PINGING) {
            // alive, whatever became of the PING: wait a full period again (its ack, if it comes, is ignored)
            cancelTimer();
            state = State.WAITING;
            dataReceived = false;
            timer = owner.setTimer(timeMs, id -> ping());
        } else {
            dataReceived = true;
        }
    }

    /** No more pings (connection closed). */
    void stop() {
        state = State.STOPPED;
        cancelTimer();
    }

    private void cancelTimer() {
        if (timer >= 0) {
            owner.owner().cancelTimer(timer);
            timer = -1;
        }
    }
}
