package io.rpcvertx.impl.eventbus;

import io.rpcvertx.Channel;
import io.rpcvertx.ChannelConnectivity;
import io.rpcvertx.ChannelOptions;
import io.rpcvertx.ChannelStats;
import io.rpcvertx.ConnectRequest;
import io.rpcvertx.MethodDescriptor;
import io.rpcvertx.StatusCode;
import io.rpcvertx.StreamStreamMultiCallable;
import io.rpcvertx.StreamUnaryMultiCallable;
import io.rpcvertx.UnaryStreamMultiCallable;
import io.rpcvertx.UnaryUnaryMultiCallable;
import io.rpcvertx.impl.client.TransportCalls;
import io.rpcvertx.impl.transport.ChannelClose;
import io.rpcvertx.impl.transport.ClientStream;
import io.rpcvertx.impl.transport.ClientTransport;
import io.rpcvertx.impl.transport.ConnectivityWatchers;
import io.rpcvertx.impl.transport.Contexts;
import io.rpcvertx.impl.transport.RequestHead;
import io.vertx.core.Closeable;
import io.vertx.core.Completable;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A channel over the event bus ({@code RpcVertx.eventBusChannel}, or an {@code eventbus:[address]} target): the call
 * layer of every channel ({@link TransportCalls}) over {@link EventBusClientStream}s. It consumes one address of its own,
 * where the servers of its calls answer; its calls open on the target address, which any number of servers (on any
 * node of a clustered event bus) may consume.
 *
 * <pre>
 * IDLE --first RPC / getState(TRY_TO_CONNECT) / channelReady()--&gt; (its address registered, the target probed) READY
 *                                                           | TRANSIENT_FAILURE (nobody consumes the target)
 * READY --a call finds no server--&gt; TRANSIENT_FAILURE --a probe is answered--&gt; READY
 * any --close(grace)--&gt; SHUTDOWN
 * </pre>
 *
 * While calls are open, the channel pings each server IO instance they are on every
 * {@link EventBusWire#PING_INTERVAL_MS}: a ping that fails (the instance's address has no consumer left, or no answer
 * within {@link EventBusWire#PEER_TIMEOUT_MS}: its node left) ends those calls with UNAVAILABLE. The pings also tell
 * the servers that we are alive. One owner event loop, as every channel: its streams and state live there.
 */
public final class EventBusChannel implements Channel, ClientTransport, Closeable {
    private static final long MAX_PROBE_BACKOFF_MS = 1_000;

    final VertxInternal vertx;
    final ContextInternal owner;
    final String target;
    final String address = EventBusWire.uniqueAddress("channel");
    final String userAgent;
    private final String callPrefix = address + "/";
    private final TransportCalls calls;
    private final Map<String, EventBusClientStream> live = new LinkedHashMap<>();
    /** Streams waiting for the channel to find a server: wait-for-ready calls, and any call while it probes. */
    private final List<EventBusClientStream> waiting = new ArrayList<>();

    private final ConnectivityWatchers watchers = new ConnectivityWatchers();
    private final ChannelClose close;

    private volatile ChannelConnectivity state = ChannelConnectivity.IDLE;
    private long nextCall;
    private @Nullable MessageConsumer<Object> consumer;
    /** Completes once our address is registered (cluster-wide when clustered): servers can reach us from then on. */
    private final Promise<Void> registered;

    private boolean probing;
    private long probeBackoffMs = 50;
    private long probeTimer = -1;
    private long pingTimer = -1;

    /**
     * @param target the event-bus address the channel's calls open on
     * @throws IllegalArgumentException for a malformed service config in {@code options}
     */
    public EventBusChannel(VertxInternal vertx, String target, ChannelOptions options) {
        this.vertx = vertx;
        this.target = target;
        this.userAgent = TransportCalls.userAgent(options);
        ContextInternal current = Contexts.ownerFor(vertx);
        // a channel made on a loop of another Vertx (e.g. a test's, for a clustered node) lives on one of its own
        this.owner = current.owner() == vertx ? current : vertx.createEventLoopContext();
        this.close = new ChannelClose(vertx, owner, new ChannelClose.Channel() {
            @Override
            public void onClosing() {
                setState(ChannelConnectivity.SHUTDOWN);
                calls.onChannelClosing();
                if (probeTimer >= 0) {
                    owner.owner().cancelTimer(probeTimer);
                    probeTimer = -1;
                }
            }

            @Override
            public boolean hasLive() {
                return !live.values().isEmpty();
            }

            @Override
            public void failWaiting(StatusCode code, String details) {
                ChannelClose.failAll(waiting, code, details, false);
            }

            @Override
            public void failLive(StatusCode code, String details) {
                ChannelClose.failAll(live.values(), code, details, true);
            }

            @Override
            public Future<Void> release() {
                return releaseTransport();
            }
        });
        this.registered = owner.promise();
        this.calls = new TransportCalls(
                vertx, owner, options, this, options.defaultAuthority().orElse(target));
        // registered on the owner, so server messages are handled on the owner's loop
        Contexts.run(owner, () -> {
            MessageConsumer<Object> c = bus().consumer(address, this::onMessage);
            consumer = c;
            c.completion().onComplete(registered);
        });
        owner.addCloseHook(this);
    }

    EventBus bus() {
        return vertx.eventBus();
    }

    @Override
    public String target() {
        return "eventbus:" + target;
    }

    @Override
    public <Req, Resp> UnaryUnaryMultiCallable<Req, Resp> unaryUnary(MethodDescriptor<Req, Resp> method) {
        return calls.unaryUnary(method);
    }

    @Override
    public <Req, Resp> UnaryStreamMultiCallable<Req, Resp> unaryStream(MethodDescriptor<Req, Resp> method) {
        return calls.unaryStream(method);
    }

    @Override
    public <Req, Resp> StreamUnaryMultiCallable<Req, Resp> streamUnary(MethodDescriptor<Req, Resp> method) {
        return calls.streamUnary(method);
    }

    @Override
    public <Req, Resp> StreamStreamMultiCallable<Req, Resp> streamStream(MethodDescriptor<Req, Resp> method) {
        return calls.streamStream(method);
    }

    // ---------------------------------------------------------------- streams (owner)

    @Override
    public ClientStream newStream(RequestHead head) {
        return new EventBusClientStream(this, head, callPrefix + (nextCall++));
    }

    void admit(EventBusClientStream stream) {
        assert owner.inThread();
        if (close.isClosing()) {
            stream.fail(StatusCode.UNAVAILABLE, "Channel closed", false);
            return;
        }
        live.put(stream.call, stream);
        if (state == ChannelConnectivity.READY) {
            stream.open();
            return;
        }
        // not known to be served (yet, or any more): a probe answers for every stream waiting, and fails at once those
        // that do not wait for ready when nobody serves the target
        waiting.add(stream);
        probe();
    }

    void onStreamClosed(EventBusClientStream stream) {
        assert owner.inThread();
        if (live.remove(stream.call) == null) {
            return;
        }
        waiting.remove(stream);
        close.streamClosed();
    }

    /** A stream's open was acked: the ping timer runs while calls are on servers. */
    void onAcked(EventBusClientStream stream) {
        if (pingTimer < 0 && !close.isClosing()) {
            pingTimer = owner.setPeriodic(EventBusWire.PING_INTERVAL_MS, id -> pingServers());
        }
    }

    /** A call found nobody on the target: the servers are gone, or not yet known on this node. */
    void onServerMissing() {
        setState(ChannelConnectivity.TRANSIENT_FAILURE);
    }

    private String notServing() {
        return "no server on event-bus address " + target;
    }

    private void onMessage(Message<Object> message) {
        String call = message.headers().get(EventBusWire.CALL);
        EventBusClientStream stream = call == null ? null : live.get(call);
        if (stream != null) {
            if (owner.inThread()) {
                owner.dispatch(message, stream::onServerMessage);
            } else {
                owner.execute(message, stream::onServerMessage);
            }
        }
    }

    // ---------------------------------------------------------------- probing and pings

    /** Asks the target whether anyone serves it (after our own address is registered, so servers can answer us). */
    private void probe() {
        if (probing || close.isClosing()) {
            return;
        }
        probing = true;
        registered
                .future()
                .compose(v -> bus().request(
                                target,
                                null,
                                new DeliveryOptions()
                                        .addHeader(EventBusWire.KIND, EventBusWire.PING)
                                        .setSendTimeout(EventBusWire.PEER_TIMEOUT_MS)))
                .onComplete(ar -> {
                    probing = false;
                    if (close.isClosing()) {
                        return;
                    }
                    if (ar.succeeded()) {
                        probeBackoffMs = 50;
                        setState(ChannelConnectivity.READY);
                        List<EventBusClientStream> resumed = new ArrayList<>(waiting);
                        waiting.clear();
                        for (EventBusClientStream s : resumed) {
                            if (live.containsKey(s.call)) {
                                s.open();
                            }
                        }
                        return;
                    }
                    setState(ChannelConnectivity.TRANSIENT_FAILURE);
                    for (EventBusClientStream s : new ArrayList<>(waiting)) {
                        if (!s.head.waitForReady()) {
                            waiting.remove(s);
                            s.fail(StatusCode.UNAVAILABLE, notServing(), false);
                        }
                    }
                    if (!waiting.isEmpty() || watchers.awaitingReady()) {
                        // servers may start later, or this node may not know of them yet: probe again
                        long delay = probeBackoffMs;
                        probeBackoffMs = Math.min(MAX_PROBE_BACKOFF_MS, probeBackoffMs * 2);
                        probeTimer = owner.setTimer(delay, id -> {
                            probeTimer = -1;
                            probe();
                        });
                    }
                });
    }

    /** One ping per server IO instance our open calls are on; a failed ping ends that instance's calls. */
    private void pingServers() {
        Set<String> servers = new HashSet<>();
        for (EventBusClientStream s : live.values()) {
            String server = s.server;
            if (server != null && s.isOpen()) {
                servers.add(server);
            }
        }
        if (servers.isEmpty()) {
            owner.owner().cancelTimer(pingTimer);
            pingTimer = -1;
            return;
        }
        for (String server : servers) {
            bus().request(
                            server,
                            null,
                            new DeliveryOptions()
                                    .addHeader(EventBusWire.KIND, EventBusWire.PING)
                                    .addHeader(EventBusWire.REPLY_TO, address)
                                    .setSendTimeout(EventBusWire.PEER_TIMEOUT_MS))
                    .onFailure(e -> serverLost(server, e));
        }
    }

    private void serverLost(String server, Throwable cause) {
        Map<String, EventBusClientStream> lost = new HashMap<>();
        for (EventBusClientStream s : live.values()) {
            if (server.equals(s.server)) {
                lost.put(s.call, s);
            }
        }
        for (EventBusClientStream s : lost.values()) {
            s.fail(StatusCode.UNAVAILABLE, "the server of the call is gone (" + cause.getMessage() + ")", false);
        }
    }

    // ---------------------------------------------------------------- connectivity

    private void setState(ChannelConnectivity next) {
        if (state == next || state == ChannelConnectivity.SHUTDOWN) {
            return;
        }
        state = next;
        watchers.changed(next);
    }

    @Override
    public ChannelConnectivity getState(ConnectRequest request) {
        Objects.requireNonNull(request, "request");
        if (request == ConnectRequest.TRY_TO_CONNECT && !close.isRequested()) {
            Contexts.run(owner, () -> {
                if (state == ChannelConnectivity.IDLE) {
                    probe();
                }
            });
        }
        return close.isRequested() ? ChannelConnectivity.SHUTDOWN : state;
    }

    @Override
    public Future<ChannelStats> stats() {
        // no connections, so no subchannels: the call counts are the whole story
        return Contexts.caller(vertx)
                .succeededFuture(new ChannelStats(target(), getState(), calls.counts(), List.of()));
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
            if (state == ChannelConnectivity.SHUTDOWN) {
                promise.fail(new IllegalStateException("channel closed"));
                return;
            }
            if (state == ChannelConnectivity.READY) {
                promise.complete();
                return;
            }
            watchers.awaitReady(promise);
            probe();
        });
        return promise.future();
    }

    // ---------------------------------------------------------------- close

    @Override
    public Future<Void> close(Duration grace) {
        return close.close(grace);
    }

    @Override
    public void close(Completable<Void> completion) {
        close.close(completion);
    }

    /** The last call is gone: the pings stop and our address is unregistered. */
    private Future<Void> releaseTransport() {
        if (pingTimer >= 0) {
            owner.owner().cancelTimer(pingTimer);
            pingTimer = -1;
        }
        owner.removeCloseHook(this);
        MessageConsumer<Object> c = consumer;
        consumer = null;
        if (c == null) {
            return owner.succeededFuture();
        }
        Promise<Void> unregistered = owner.promise();
        c.unregister().onComplete(ar -> unregistered.complete());
        return unregistered.future();
    }

    @Override
    public String toString() {
        return "EventBusChannel{" + target + ", " + state + "}";
    }
}
