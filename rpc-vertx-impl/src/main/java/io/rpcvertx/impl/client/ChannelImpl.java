package io.rpcvertx.impl.client;

import io.rpcvertx.Channel;
import io.rpcvertx.ChannelConnectivity;
import io.rpcvertx.ChannelCredentials;
import io.rpcvertx.ChannelOptions;
import io.rpcvertx.ChannelStats;
import io.rpcvertx.ConnectRequest;
import io.rpcvertx.MethodDescriptor;
import io.rpcvertx.MethodType;
import io.rpcvertx.StatusCode;
import io.rpcvertx.StreamStreamMultiCallable;
import io.rpcvertx.StreamUnaryMultiCallable;
import io.rpcvertx.SubchannelStats;
import io.rpcvertx.UnaryStreamMultiCallable;
import io.rpcvertx.UnaryUnaryMultiCallable;
import io.rpcvertx.impl.security.ChannelSecurity;
import io.rpcvertx.impl.transport.ChannelClose;
import io.rpcvertx.impl.transport.ClientConnection;
import io.rpcvertx.impl.transport.ConnectivityWatchers;
import io.rpcvertx.impl.transport.Contexts;
import io.vertx.core.Closeable;
import io.vertx.core.Completable;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.net.HostAndPort;
import io.vertx.core.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * A channel: one owner event loop; a name resolver and a load balancer whose subchannels hold one HTTP/2 connection per
 * address (plus draining ones after GOAWAY); our own bounded queue of calls waiting for a connection or a stream slot;
 * and the connectivity state machine (DESIGN.md section 6):
 *
 * <pre>
 * IDLE --first RPC / getState(TRY_TO_CONNECT) / channelReady()--&gt; CONNECTING (resolving, then connecting)
 * CONNECTING --a subchannel READY--&gt; READY   --all attempts failed--&gt; TRANSIENT_FAILURE --backoff--&gt; CONNECTING
 * READY --pick_first's connection lost (GOAWAY, closed, keepalive)--&gt; IDLE (reconnects at once if calls wait)
 * any --no calls for idleTimeout--&gt; IDLE (connections closed)          any --close(grace)--&gt; SHUTDOWN
 * </pre>
 *
 * The channel state is computed from the subchannels' ({@link LoadBalancer#state()}) in one place, {@link
 * #updateState()}. Connections are made by its {@link ChannelConnector} from the owner context, so every stream
 * event of this channel runs on the owner's loop.
 */
public final class ChannelImpl implements Channel, Closeable {
    static final String VERSION = "0.1.0";

    final VertxInternal vertx;
    final ContextInternal owner;
    final ChannelOptions options;
    final String authority;
    /** {@link #authority} parsed once for every request's {@code :authority} (null if it does not parse). */
    final @Nullable HostAndPort authorityHeader;

    final String userAgent;
    private final ChannelConnector connector;

    final ChannelSecurity security;
    private final Target target;
    private final Resolution resolution;
    private final LoadBalancer balancer;
    /** Admission: the queue of streams waiting for a connection, and the live ones. */
    final ChannelTransport transport;

    private final ConnectivityWatchers watchers = new ConnectivityWatchers();
    private final ChannelClose close;
    private final MultiCallables callables;

    private volatile ChannelConnectivity state = ChannelConnectivity.IDLE;
    private String lastError = "not connected";
    private long idleTimer = -1;
    private long idleSinceNanos;

    /** One HTTP/2 connection and the streams this channel runs on it. */
    static final class Conn {
        final ClientConnection link;
        final Subchannel subchannel;
        int streams;
        boolean draining;
        /** The last-stream-id of the peer's first GOAWAY, -1 before one arrived. */
        int goAwayLastStreamId = -1;

        @Nullable
        Keepalive keepalive;

        Conn(ClientConnection link, Subchannel subchannel) {
            this.link = link;
            this.subchannel = subchannel;
        }

        boolean hasSlot() {
            return !draining && streams < link.maxActiveStreams();
        }
    }

    public ChannelImpl(VertxInternal vertx, String target, ChannelOptions options) {
        this(vertx, target, options, null, NameResolver.JDK);
    }

    /** A channel secured by {@code credentials}; {@code null} for an insecure one. */
    public ChannelImpl(
            VertxInternal vertx, String target, ChannelOptions options, @Nullable ChannelCredentials credentials) {
        this(vertx, target, options, credentials, NameResolver.JDK);
    }

    ChannelImpl(VertxInternal vertx, String target, ChannelOptions options, NameResolver.Lookup lookup) {
        this(vertx, target, options, null, lookup);
    }

    ChannelImpl(
            VertxInternal vertx,
            String target,
            ChannelOptions options,
            @Nullable ChannelCredentials credentials,
            NameResolver.Lookup lookup) {
        ServiceConfig parsed = ServiceConfig.parse(options.serviceConfig().orElse(null));
        // grpc.enable_retries = 0: the config still applies, without its retry and hedging policies
        ServiceConfig serviceConfig = options.isRetriesEnabled() ? parsed : parsed.withoutRetries();
        this.vertx = vertx;
        this.target = Target.parse(target);
        this.options = options;
        this.security = ChannelSecurity.of(vertx, credentials, options, this.target.authority);
        this.authority = security.authority();
        this.authorityHeader = HostAndPort.parseAuthority(authority, -1);
        this.userAgent = TransportCalls.userAgent(options);
        this.owner = Contexts.ownerFor(vertx);
        this.close = new ChannelClose(vertx, owner, new ChannelClose.Channel() {
            @Override
            public void onClosing() {
                setState(ChannelConnectivity.SHUTDOWN);
                callables.onChannelClosing();
                resolution.cancelTimer();
                cancelTimer(idleTimer);
                idleTimer = -1;
                balancer.shutdown();
            }

            @Override
            public boolean hasLive() {
                return transport.liveCount() != 0;
            }

            @Override
            public void failWaiting(StatusCode code, String details) {
                transport.failQueued(code, details);
            }

            @Override
            public void failLive(StatusCode code, String details) {
                transport.failLive(code, details);
            }

            @Override
            public Future<Void> release() {
                owner.removeCloseHook(ChannelImpl.this);
                return transport.closeConnections().transform(ar -> connector.close());
            }
        });
        this.connector = new ChannelConnector(vertx, owner, security, options);
        this.transport = new ChannelTransport(this);
        this.callables = new MultiCallables(this, serviceConfig);
        this.resolution = new Resolution(this, new NameResolver(owner, this.target, lookup));
        this.balancer =
                LoadBalancer.of(this, serviceConfig.loadBalancingPolicy().orElse(options.loadBalancingPolicy()));
        owner.addCloseHook(this);
    }

    @Override
    public String target() {
        return target.text;
    }

    // ---------------------------------------------------------------- multi-callables

    @Override
    public <Req, Resp> UnaryUnaryMultiCallable<Req, Resp> unaryUnary(MethodDescriptor<Req, Resp> method) {
        TransportCalls.check(method, MethodType.UNARY_UNARY);
        return callables.unaryUnary(method);
    }

    @Override
    public <Req, Resp> UnaryStreamMultiCallable<Req, Resp> unaryStream(MethodDescriptor<Req, Resp> method) {
        TransportCalls.check(method, MethodType.UNARY_STREAM);
        return callables.unaryStream(method);
    }

    @Override
    public <Req, Resp> StreamUnaryMultiCallable<Req, Resp> streamUnary(MethodDescriptor<Req, Resp> method) {
        TransportCalls.check(method, MethodType.STREAM_UNARY);
        return callables.streamUnary(method);
    }

    @Override
    public <Req, Resp> StreamStreamMultiCallable<Req, Resp> streamStream(MethodDescriptor<Req, Resp> method) {
        TransportCalls.check(method, MethodType.STREAM_STREAM);
        return callables.streamStream(method);
    }

    // ---------------------------------------------------------------- for the transport (owner)

    ChannelConnectivity connectivity() {
        return state;
    }

    String lastError() {
        return lastError;
    }

    ChannelImpl.@Nullable Conn pick() {
        return balancer.pick();
    }

    /** A stream waits for a connection while the channel is IDLE: connect. */
    void onStreamQueued() {
        if (state == ChannelConnectivity.IDLE) {
            exitIdle();
        }
    }

    /** The last live stream ended. */
    void onLastStreamEnded() {
        if (close.isClosing()) {
            close.streamClosed();
        } else {
            armIdleTimer();
        }
    }

    boolean hasQueuedCalls() {
        return transport.hasQueued();
    }

    // ---------------------------------------------------------------- resolution and idleness (owner)

    /** Leaves IDLE: resolve (first time, or after the idle timeout) or reconnect the load balancer's subchannels. */
    private void exitIdle() {
        assert owner.inThread();
        if (close.isClosing()) {
            return;
        }
        if (!balancer.hasAddresses()) {
            if (!resolution.isResolving()) {
                resolution.resolve();
            }
        } else {
            balancer.requestConnection();
        }
        if (transport.liveCount() == 0) {
            armIdleTimer();
        }
        updateState();
    }

    // ---------------------------------------------------------------- for the resolution (owner)

    boolean isClosing() {
        return close.isClosing();
    }

    boolean hasAddresses() {
        return balancer.hasAddresses();
    }

    /** A lookup found {@code addresses}. */
    void onResolved(List<SocketAddress> addresses) {
        // leaving IDLE connects; a refresh of a channel that is IDLE (pick_first lost its connection) does not
        boolean connect = !balancer.hasAddresses() || state != ChannelConnectivity.IDLE || transport.hasQueued();
        balancer.update(addresses);
        if (connect) {
            balancer.requestConnection();
        }
    }

    /** A lookup failed: returns whether to look up again after a backoff (the channel has no addresses). */
    boolean onResolutionFailed(String why) {
        lastError = why;
        return !balancer.hasAddresses();
    }

    /** A lookup started or ended: queued calls may go on or fail fast, and the channel state follows. */
    void afterResolution() {
        transport.drainQueue();
        updateState();
    }

    /** Starts (or keeps) the idle timer; called when the last call ended or the channel left IDLE without calls. */
    private void armIdleTimer() {
        idleSinceNanos = System.nanoTime();
        if (idleTimer < 0 && !close.isClosing()) {
            idleTimer = owner.setTimer(Math.max(1, options.idleTimeout().toMillis()), this::onIdleTimer);
        }
    }

    private void onIdleTimer(long id) {
        idleTimer = -1;
        if (close.isClosing()
                || transport.liveCount() != 0
                || state == ChannelConnectivity.IDLE && !balancer.hasAddresses()) {
            return; // the next time the last call ends, the timer starts again
        }
        if (watchers.awaitingReady()) {
            // channelReady() keeps the channel connecting, as aio's channel_ready() loop with try_to_connect does
            armIdleTimer();
            return;
        }
        // one timer per idle period, not one per call: it re-arms for what is left since the last call ended
        long left = idleSinceNanos + options.idleTimeout().toNanos() - System.nanoTime();
        if (left > 0 || resolution.isResolving()) {
            idleTimer = owner.setTimer(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)), this::onIdleTimer);
            return;
        }
        enterIdle();
    }

    private void enterIdle() {
        balancer.shutdown();
        resolution.reset();
        updateState();
    }

    // ---------------------------------------------------------------- connections (owner)

    /** Connects to {@code address} within {@code timeoutMs} ({@link ChannelConnector#connect}). */
    Future<ClientConnection> connect(SocketAddress address, long timeoutMs) {
        return connector.connect(address, timeoutMs);
    }

    /** A subchannel connected: the transport tracks the connection for its streams, GOAWAY, keepalive and close. */
    Conn openConn(Subchannel subchannel, ClientConnection link) {
        return transport.openConn(subchannel, link);
    }

    /** A connection no longer in use by its subchannel (shut down): closes once its streams have ended. */
    void retire(Conn c) {
        transport.retire(c);
    }

    void setLastError(String why) {
        lastError = why;
    }

    /** A connection closed: a closing channel may be done now. */
    void onConnectionClosed() {
        if (!transport.hasConnections()) {
            close.streamClosed(); // the close waits for the connections too
        }
    }

    /** Every subchannel state change comes here: the policy reacts first, then the channel state is recomputed. */
    void onSubchannelState(Subchannel subchannel, ChannelConnectivity previous) {
        assert owner.inThread();
        if (close.isClosing()) {
            return;
        }
        ChannelConnectivity now = subchannel.state();
        if (now == ChannelConnectivity.TRANSIENT_FAILURE) {
            lastError = subchannel.lastError();
        }
        balancer.onSubchannelState(subchannel, previous);
        if (now == ChannelConnectivity.TRANSIENT_FAILURE
                || previous == ChannelConnectivity.READY && now == ChannelConnectivity.IDLE) {
            resolution.requestRefresh();
        }
        transport.drainQueue();
        updateState();
    }

    // ---------------------------------------------------------------- connectivity

    /** The one place the channel state is decided. */
    private void updateState() {
        ChannelConnectivity next;
        if (close.isClosing()) {
            next = ChannelConnectivity.SHUTDOWN;
        } else if (balancer.hasAddresses()) {
            next = balancer.state();
        } else if (resolution.isResolving()) {
            next = ChannelConnectivity.CONNECTING;
        } else if (resolution.error() != null) {
            next = ChannelConnectivity.TRANSIENT_FAILURE;
        } else {
            next = ChannelConnectivity.IDLE;
        }
        setState(next);
    }

    private void setState(ChannelConnectivity next) {
        if (state == next || state == ChannelConnectivity.SHUTDOWN) {
            return; // SHUTDOWN is final
        }
        state = next;
        watchers.changed(next);
        if (next == ChannelConnectivity.TRANSIENT_FAILURE) {
            // fail fast: queued calls without wait-for-ready end now; the others wait for READY or their deadline
            transport.failFast(lastError);
        }
    }

    @Override
    public ChannelConnectivity getState(ConnectRequest request) {
        Objects.requireNonNull(request, "request");
        if (request == ConnectRequest.TRY_TO_CONNECT && !close.isRequested()) {
            Contexts.run(owner, () -> {
                if (state == ChannelConnectivity.IDLE) {
                    exitIdle();
                }
            });
        }
        // close() is visible at once to every thread, before the owner loop has run it
        return close.isRequested() ? ChannelConnectivity.SHUTDOWN : state;
    }

    @Override
    public Future<ChannelStats> stats() {
        Promise<ChannelStats> promise = Contexts.caller(vertx).promise();
        Contexts.run(owner, () -> {
            List<Subchannel> subchannels = balancer.subchannels();
            List<SubchannelStats> each = new ArrayList<>(subchannels.size());
            for (Subchannel s : subchannels) {
                each.add(s.stats());
            }
            promise.complete(new ChannelStats(target(), getState(), callables.calls.snapshot(), each));
        });
        return promise.future();
    }

    @Override
    public Future<ChannelConnectivity> waitForStateChange(ChannelConnectivity lastObserved) {
        Objects.requireNonNull(lastObserved, "lastObserved");
        Promise<ChannelConnectivity> promise = Contexts.caller(vertx).promise();
        Contexts.run(owner, () -> {
            if (state != lastObserved) {
                promise.complete(state);
            } else {
                watchers.awaitChange(promise);
            }
        });
        return promise.future();
    }

    @Override
    public Future<Void> channelReady() {
        Promise<Void> promise = Contexts.caller(vertx).promise();
        Contexts.run(owner, () -> {
            switch (state) {
                case READY:
                    promise.complete();
                    return;
                case SHUTDOWN:
                    promise.fail(new IllegalStateException("channel closed"));
                    return;
                case IDLE:
                    watchers.awaitReady(promise);
                    exitIdle();
                    return;
                default:
                    watchers.awaitReady(promise);
            }
        });
        return promise.future();
    }

    private void cancelTimer(long id) {
        if (id >= 0) {
            owner.owner().cancelTimer(id);
        }
    }

    // ---------------------------------------------------------------- close

    @Override
    public Future<Void> close(Duration grace) {
        return close.close(grace);
    }

    @Override
    public void close(Completable<Void> completion) {
        // the owner context is closing (e.g. the verticle that created this channel was undeployed)
        close.close(completion);
    }

    @Override
    public String toString() {
        return "Channel{" + target.text + ", " + state + "}";
    }
}
