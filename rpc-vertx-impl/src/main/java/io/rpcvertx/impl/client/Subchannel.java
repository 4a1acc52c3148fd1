package io.rpcvertx.impl.client;

import io.rpcvertx.CallCounts;
import io.rpcvertx.ChannelConnectivity;
import io.rpcvertx.SubchannelStats;
import io.rpcvertx.impl.transport.ClientConnection;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.net.SocketAddress;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * One address of a channel and at most one usable HTTP/2 connection to it, with its own connectivity state and
 * reconnect backoff (the gRPC connection-backoff spec). Owned by the channel's event loop; every state change is
 * reported to {@link ChannelImpl#onSubchannelState}, where the load balancer decides what to do next.
 *
 * <pre>
 * IDLE --requestConnection--&gt; CONNECTING --HTTP/2 settings received--&gt; READY --GOAWAY / closed / keepalive--&gt; IDLE
 * CONNECTING --refused / timed out--&gt; TRANSIENT_FAILURE --until the attempt's backoff deadline--&gt; IDLE
 * any --shutdown--&gt; SHUTDOWN (not reported; the connection drains its calls)
 * </pre>
 */
final class Subchannel {
    final SocketAddress address;
    private final ChannelImpl channel;
    private final ContextInternal owner;
    private final Backoff backoff;
    private ChannelConnectivity state = ChannelConnectivity.IDLE;
    private ChannelImpl.@Nullable Conn conn;
    /** Counts attempts, so the completion of an abandoned (timed out, shut down) attempt is recognized. */
    private int attempt;

    private long attemptTimer = -1;
    private long backoffTimer = -1;
    private long nextAttemptNanos;
    private String lastError = "not connected";

    // channelz-lite: the streams run on this subchannel's connections (owner only, read by stats() on the owner)
    private long streamsStarted;
    private long streamsSucceeded;
    private long streamsFailed;
    private long lastStreamStartedMillis;

    Subchannel(ChannelImpl channel, SocketAddress address) {
        this.channel = channel;
        this.owner = channel.owner;
        this.address = address;
        this.backoff = Backoff.of(channel.options);
    }

    ChannelConnectivity state() {
        return state;
    }

    /** The READY connection, or null. */
    ChannelImpl.@Nullable Conn conn() {
        return conn;
    }

    String lastError() {
        return lastError;
    }

    /** A stream took a slot on this subchannel's connection (owner). */
    void streamStarted() {
        streamsStarted++;
        lastStreamStartedMillis = System.currentTimeMillis();
    }

    /**
     * A stream that had a slot here ended (owner): channelz counts it succeeded when the peer ended it (END_STREAM
     * received, whatever the gRPC status), failed otherwise (reset, cancelled, connection lost).
     */
    void streamEnded(boolean endReceived) {
        if (endReceived) {
            streamsSucceeded++;
        } else {
            streamsFailed++;
        }
    }

    /** A snapshot of this subchannel for {@link io.rpcvertx.Channel#stats()} (owner). */
    SubchannelStats stats() {
        assert owner.inThread();
        Instant last = streamsStarted == 0 ? Instant.EPOCH : Instant.ofEpochMilli(lastStreamStartedMillis);
        return new SubchannelStats(
                describe(), state, new CallCounts(streamsStarted, streamsSucceeded, streamsFailed, last));
    }

    /** Starts connecting if IDLE; in any other state there is nothing to do (backoff is never cut short). */
    void requestConnection() {
        assert owner.inThread();
        if (state == ChannelConnectivity.IDLE) {
            connect();
        }
    }

    private void connect() {
        // gRPC Connection Backoff: the next attempt starts one backoff after this one started; this one may take
        // max(MIN_CONNECT_TIMEOUT, backoff), HTTP/2 handshake included (Vert.x's own timeout covers only TCP)
        long delay = backoff.nextDelayNanos();
        nextAttemptNanos = System.nanoTime() + delay;
        long timeoutMs = Math.max(channel.options.connectTimeout().toMillis(), TimeUnit.NANOSECONDS.toMillis(delay));
        int id = ++attempt;
        setState(ChannelConnectivity.CONNECTING);
        attemptTimer = owner.setTimer(Math.max(1, timeoutMs), t -> {
            attemptTimer = -1;
            if (id == attempt && state == ChannelConnectivity.CONNECTING) {
                attempt++;
                onConnectFailed("connection attempt timed out after " + timeoutMs + " ms");
            }
        });
        channel.connect(address, timeoutMs).onComplete(ar -> {
            if (id != attempt || state != ChannelConnectivity.CONNECTING) {
                if (ar.succeeded()) {
                    ar.result().close();
                }
                return;
            }
            cancelTimer(attemptTimer);
            attemptTimer = -1;
            if (ar.succeeded()) {
                onConnected(ar.result());
            } else {
                onConnectFailed(
                        "failed to connect to " + describe() + ": " + ar.cause().getMessage());
            }
        });
    }

    private void onConnected(ClientConnection link) {
        conn = channel.openConn(this, link);
        backoff.reset();
        setState(ChannelConnectivity.READY);
    }

    private void onConnectFailed(String error) {
        lastError = error;
        setState(ChannelConnectivity.TRANSIENT_FAILURE);
        if (state != ChannelConnectivity.TRANSIENT_FAILURE) {
            return; // shut down while being reported
        }
        long waitNanos = Math.max(0, nextAttemptNanos - System.nanoTime());
        backoffTimer = owner.setTimer(Math.max(1, TimeUnit.NANOSECONDS.toMillis(waitNanos)), t -> {
            backoffTimer = -1;
            if (state == ChannelConnectivity.TRANSIENT_FAILURE) {
                setState(ChannelConnectivity.IDLE);
            }
        });
    }

    /** The READY connection {@code c} can take no new stream (GOAWAY, closed, keepalive failed). */
    void onConnectionLost(ChannelImpl.Conn c, String why) {
        assert owner.inThread();
        if (c != conn) {
            return;
        }
        conn = null;
        lastError = why;
        setState(ChannelConnectivity.IDLE);
    }

    /** Stops for good: no more attempts or reports; the connection, if any, finishes its calls and closes. */
    void shutdown() {
        assert owner.inThread();
        if (state == ChannelConnectivity.SHUTDOWN) {
            return;
        }
        state = ChannelConnectivity.SHUTDOWN;
        attempt++;
        cancelTimer(attemptTimer);
        cancelTimer(backoffTimer);
        attemptTimer = -1;
        backoffTimer = -1;
        ChannelImpl.Conn c = conn;
        conn = null;
        if (c != null) {
            channel.retire(c);
        }
    }

    private void setState(ChannelConnectivity next) {
        if (state == next || state == ChannelConnectivity.SHUTDOWN) {
            return;
        }
        ChannelConnectivity previous = state;
        state = next;
        channel.onSubchannelState(this, previous);
    }

    private void cancelTimer(long id) {
        if (id >= 0) {
            owner.owner().cancelTimer(id);
        }
    }

    String describe() {
        if (address.isDomainSocket()) {
            return "unix:" + address.path();
        }
        String host = address.host();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + address.port();
    }

    @Override
    public String toString() {
        return "Subchannel{" + describe() + ", " + state + "}";
    }
}
