package io.rpcvertx.impl.client;

import io.rpcvertx.ChannelConnectivity;
import io.rpcvertx.ChannelOptions;
import io.rpcvertx.Http2Transport;
import io.rpcvertx.StatusCode;
import io.rpcvertx.impl.netty.NettyClientStream;
import io.rpcvertx.impl.security.ChannelSecurity;
import io.rpcvertx.impl.transport.ClientConnection;
import io.rpcvertx.impl.transport.ClientStream;
import io.rpcvertx.impl.transport.ClientTransport;
import io.rpcvertx.impl.transport.RequestHead;
import io.vertx.core.Future;
import io.vertx.core.http.Http2Settings;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.tracing.TracingPolicy;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A channel's HTTP/2 {@link ClientTransport}, on Vert.x's HTTP client or on Netty's HTTP/2 codec
 * ({@link ChannelOptions#http2Transport()}): its connections (GOAWAY, close, keepalive) and its admission. Streams wait in our own bounded queue (never Vert.x's
 * unbounded one: a stream is opened only on a connection with a free slot) until the load balancer picks a connection
 * for them; each holds its slot until it ends. The live streams are linked through the streams themselves (no hash-set
 * node or identity hash per call on the hot path). Owner context (the channel's event loop) only.
 */
final class ChannelTransport implements ClientTransport {
    private final ChannelImpl channel;
    private final boolean netty;
    private final ArrayDeque<AdmittedStream> queue = new ArrayDeque<>();
    private @Nullable AdmittedStream liveHead;
    private int liveCount;
    private final Set<ChannelImpl.Conn> connections = new LinkedHashSet<>();

    /** The HTTP/2 client a channel's connections are made with: prior knowledge, the channel's windows and limits. */
    static HttpClientOptions clientOptions(ChannelSecurity security, ChannelOptions options) {
        HttpClientOptions http = security.configure(new HttpClientOptions())
                .setProtocolVersion(HttpVersion.HTTP_2)
                .setHttp2ClearTextUpgrade(false)
                // the call layer traces each call (io.rpcvertx.impl.telemetry); an HTTP span per stream would double it
                .setTracingPolicy(TracingPolicy.IGNORE)
                // no server push (gRPC never uses it): Vert.x 5.0.10 otherwise accepts PUSH_PROMISE and fails the
                // connection with a NullPointerException; disabled, Netty rejects it as a PROTOCOL_ERROR
                .setInitialSettings(new Http2Settings()
                        .setInitialWindowSize(options.initialWindowSize())
                        .setPushEnabled(false))
                .setHttp2ConnectionWindowSize(options.connectionWindowSize())
                .setConnectTimeout((int)
                        Math.min(Integer.MAX_VALUE, options.connectTimeout().toMillis()));
        options.maxConcurrentStreams().ifPresent(http::setHttp2MultiplexingLimit);
        return http;
    }

    ChannelTransport(ChannelImpl channel) {
        this.channel = channel;
        this.netty = channel.options.http2Transport() == Http2Transport.NETTY;
    }

    /** An HTTP/2 stream for one call attempt; {@link ClientStream#start} queues it for a connection. */
    @Override
    public ClientStream newStream(RequestHead head) {
        return stream(head, false);
    }

    @Override
    public ClientStream newRetryStream(RequestHead head) {
        return stream(head, true);
    }

    private AdmittedStream stream(RequestHead head, boolean transparentRetry) {
        return netty
                ? new NettyClientStream(channel, head, transparentRetry)
                : new VertxHttpClientStream(channel, head, transparentRetry);
    }

    int liveCount() {
        return liveCount;
    }

    boolean hasQueued() {
        return !queue.isEmpty();
    }

    // ---------------------------------------------------------------- admission

    void admit(AdmittedStream stream) {
        assert channel.owner.inThread();
        ChannelConnectivity state = channel.connectivity();
        if (state == ChannelConnectivity.SHUTDOWN) {
            stream.fail(StatusCode.UNAVAILABLE, "Channel closed", false);
            return;
        }
        link(stream);
        if (queue.isEmpty()) {
            ChannelImpl.Conn c = channel.pick();
            if (c != null) {
                assign(stream, c);
                return;
            }
        }
        if (state == ChannelConnectivity.TRANSIENT_FAILURE && !stream.head.waitForReady()) {
            stream.fail(StatusCode.UNAVAILABLE, channel.lastError(), false);
            return;
        }
        if (queue.size() >= channel.options.maxPendingCalls()) {
            stream.fail(
                    StatusCode.RESOURCE_EXHAUSTED,
                    "too many calls waiting for a connection (" + queue.size() + ", ChannelOptions.maxPendingCalls)",
                    false);
            return;
        }
        queue.add(stream);
        channel.onStreamQueued();
    }

    /** The replay of a stream refused before the server saw it goes to the front of the queue. */
    void requeue(AdmittedStream stream) {
        assert channel.owner.inThread();
        if (channel.connectivity() == ChannelConnectivity.SHUTDOWN) {
            stream.fail(StatusCode.UNAVAILABLE, "Channel closed", false);
            return;
        }
        link(stream);
        queue.addFirst(stream);
        drainQueue();
        channel.onStreamQueued();
    }

    /**
     * A stream ended: its slot (or its place in the queue) is free.
     *
     * @param endReceived whether the peer ended it (END_STREAM received), for the subchannel's stream counts
     */
    void onStreamClosed(AdmittedStream stream, boolean endReceived) {
        assert channel.owner.inThread();
        if (!unlink(stream)) {
            return;
        }
        if (stream.conn() == null) {
            // only a stream without a slot can wait in the queue: skip the linear scan for the others
            queue.remove(stream);
        }
        releaseSlot(stream, endReceived);
        drainQueue();
        if (liveCount == 0) {
            channel.onLastStreamEnded();
        }
    }

    /** Gives waiting streams the slots the load balancer has. */
    void drainQueue() {
        while (!queue.isEmpty()) {
            ChannelImpl.Conn c = channel.pick();
            if (c == null) {
                return;
            }
            assign(queue.poll(), c);
        }
    }

    private void assign(AdmittedStream stream, ChannelImpl.Conn c) {
        c.streams++;
        c.subchannel.streamStarted();
        stream.startOn(c);
    }

    private void releaseSlot(AdmittedStream stream, boolean endReceived) {
        ChannelImpl.Conn c = stream.takeConn();
        if (c != null) {
            c.streams--;
            c.subchannel.streamEnded(endReceived);
            if (c.draining && c.streams == 0) {
                c.link.close();
            }
        }
    }

    // ---------------------------------------------------------------- ending streams for the channel

    /** TRANSIENT_FAILURE: queued streams of calls without wait-for-ready fail now with {@code why}. */
    void failFast(String why) {
        List<AdmittedStream> failing = new ArrayList<>();
        for (AdmittedStream s : queue) {
            if (!s.head.waitForReady()) {
                failing.add(s);
            }
        }
        for (AdmittedStream s : failing) {
            s.fail(StatusCode.UNAVAILABLE, why, false);
        }
    }

    /** Every queued stream fails (the channel is closing). */
    void failQueued(StatusCode code, String why) {
        List<AdmittedStream> waiting = new ArrayList<>(queue);
        queue.clear();
        for (AdmittedStream s : waiting) {
            s.fail(code, why, false);
        }
    }

    /** Every live stream fails and is reset (the channel's grace period is over). */
    void failLive(StatusCode code, String why) {
        for (AdmittedStream s : liveSnapshot()) {
            s.fail(code, why, true);
        }
    }

    /** The streams on {@code c} fail with UNAVAILABLE and are reset (keepalive says the peer is gone). */
    void failLiveOn(ChannelImpl.Conn c, String why) {
        for (AdmittedStream s : liveSnapshot()) {
            if (s.conn() == c) {
                s.fail(StatusCode.UNAVAILABLE, why, true);
            }
        }
    }

    // ---------------------------------------------------------------- connections

    /** A subchannel connected: this tracks the connection for its streams, GOAWAY, keepalive and close. */
    ChannelImpl.Conn openConn(Subchannel subchannel, ClientConnection link) {
        ChannelImpl.Conn c = new ChannelImpl.Conn(link, subchannel);
        connections.add(c);
        link.events(new ClientConnection.Events() {
            @Override
            public void onGoAway(int lastStreamId) {
                if (lastStreamId >= 0 && c.goAwayLastStreamId < 0) {
                    c.goAwayLastStreamId = lastStreamId;
                }
                ChannelTransport.this.onGoAway(c);
            }

            @Override
            public void onRemoteSettings() {
                drainQueue();
            }

            @Override
            public void onError(Throwable failure) {
                channel.setLastError("connection error: " + failure.getMessage());
            }

            @Override
            public void onClosed() {
                onConnectionClosed(c);
            }
        });
        channel.options.keepaliveTime().ifPresent(time -> {
            Keepalive k = new Keepalive(
                    channel.owner,
                    c,
                    time.toMillis(),
                    channel.options.keepaliveTimeout().toMillis(),
                    channel.options.isKeepalivePermitWithoutCalls(),
                    () -> onKeepaliveFailed(c));
            c.keepalive = k;
            k.start();
        });
        return c;
    }

    /** A connection no longer in use by its subchannel (shut down): closes once its calls have ended. */
    void retire(ChannelImpl.Conn c) {
        c.draining = true;
        if (c.streams == 0) {
            c.link.close();
        }
    }

    private void onGoAway(ChannelImpl.Conn c) {
        if (c.draining) {
            return;
        }
        // the first GOAWAY, even with last-stream-id MAX, means: open no new stream here
        retire(c);
        c.subchannel.onConnectionLost(c, "GOAWAY received from " + c.subchannel.describe());
    }

    private void onConnectionClosed(ChannelImpl.Conn c) {
        connections.remove(c);
        c.draining = true;
        Keepalive k = c.keepalive;
        if (k != null) {
            k.stop();
        }
        c.subchannel.onConnectionLost(c, "connection to " + c.subchannel.describe() + " closed");
        channel.onConnectionClosed();
    }

    /** gRPC keepalive: the peer did not answer a PING in time, so its calls will never end by themselves. */
    private void onKeepaliveFailed(ChannelImpl.Conn c) {
        String why = "Keepalive failed: no PING acknowledgement from " + c.subchannel.describe() + " within "
                + channel.options.keepaliveTimeout().toMillis() + " ms; the connection is likely gone";
        channel.setLastError(why);
        c.draining = true;
        // the state changes first: a caller reacting to its failed call must not still see READY
        c.subchannel.onConnectionLost(c, why);
        failLiveOn(c, why);
        c.link.close();
    }

    boolean hasConnections() {
        return !connections.isEmpty();
    }

    /** Closes every connection (the channel is closed); the future completes when all have. */
    Future<?> closeConnections() {
        List<Future<Void>> closing = new ArrayList<>();
        for (ChannelImpl.Conn c : new ArrayList<>(connections)) {
            closing.add(c.link.close());
        }
        connections.clear();
        return Future.join(closing);
    }

    // ---------------------------------------------------------------- the intrusive list of live streams

    private void link(AdmittedStream stream) {
        assert !stream.live;
        stream.live = true;
        stream.livePrev = null;
        stream.liveNext = liveHead;
        if (liveHead != null) {
            liveHead.livePrev = stream;
        }
        liveHead = stream;
        liveCount++;
    }

    /** Removes a live stream; false if it was not live (never admitted, or already removed). */
    private boolean unlink(AdmittedStream stream) {
        if (!stream.live) {
            return false;
        }
        stream.live = false;
        AdmittedStream prev = stream.livePrev;
        AdmittedStream next = stream.liveNext;
        if (prev != null) {
            prev.liveNext = next;
        } else {
            liveHead = next;
        }
        if (next != null) {
            next.livePrev = prev;
        }
        stream.livePrev = null;
        stream.liveNext = null;
        liveCount--;
        return true;
    }

    /** The live streams, oldest first, copied: failing them unlinks them. */
    private List<AdmittedStream> liveSnapshot() {
        List<AdmittedStream> all = new ArrayList<>(liveCount);
        for (AdmittedStream s = liveHead; s != null; s = s.liveNext) {
            all.add(s);
        }
        Collections.reverse(all);
        return all;
    }
}
