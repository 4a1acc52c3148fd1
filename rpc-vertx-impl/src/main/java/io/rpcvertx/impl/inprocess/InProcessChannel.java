package io.rpcvertx.impl.inprocess;

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
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A channel to the in-process server of a name ({@code RpcVertx.inProcessChannel}): the call layer of every channel
 * ({@link TransportCalls}) over {@link InProcessClientStream}s. There is no connection: the name is looked up at each
 * call, so the channel is READY while a server of that name takes calls and TRANSIENT_FAILURE while none does (a call
 * then fails with UNAVAILABLE, as on a refused connection, unless it waits for ready).
 *
 * <pre>
 * IDLE --first RPC / getState(TRY_TO_CONNECT) / channelReady()--&gt; READY (a server serves the name)
 *                                                               | TRANSIENT_FAILURE (none does; READY once one does)
 * any --close(grace)--&gt; SHUTDOWN
 * </pre>
 *
 * One owner event loop, as every channel: its streams and state live there.
 */
public final class InProcessChannel implements Channel, ClientTransport, Closeable {
    final VertxInternal vertx;
    final ContextInternal owner;
    final String name;
    final String userAgent;
    private final ChannelOptions options;
    private final TransportCalls calls;
    private final Set<InProcessClientStream> live = new LinkedHashSet<>();
    private final List<InProcessClientStream> waiting = new ArrayList<>();
    private final ConnectivityWatchers watchers = new ConnectivityWatchers();
    private final ChannelClose close;
    private final Runnable onPublished = this::onPublished;

    private volatile ChannelConnectivity state = ChannelConnectivity.IDLE;
    private boolean watching;

    /** @throws IllegalArgumentException for a malformed service config in {@code options} */
    public InProcessChannel(VertxInternal vertx, String name, ChannelOptions options) {
        this.vertx = vertx;
        this.name = name;
        this.options = options;
        this.userAgent = TransportCalls.userAgent(options);
        this.owner = Contexts.ownerFor(vertx);
        this.close = new ChannelClose(vertx, owner, new ChannelClose.Channel() {
            @Override
            public void onClosing() {
                setState(ChannelConnectivity.SHUTDOWN);
                calls.onChannelClosing();
                if (watching) {
                    InProcessRegistry.unwatch(name, onPublished);
                    watching = false;
                }
            }

            @Override
            public boolean hasLive() {
                return !live.isEmpty();
            }

            @Override
            public void failWaiting(StatusCode code, String details) {
                ChannelClose.failAll(waiting, code, details, false);
            }

            @Override
            public void failLive(StatusCode code, String details) {
                ChannelClose.failAll(live, code, details, true);
            }

            @Override
            public Future<Void> release() {
                owner.removeCloseHook(InProcessChannel.this);
                return owner.succeededFuture();
            }
        });
        this.calls = new TransportCalls(
                vertx, owner, options, this, options.defaultAuthority().orElse(name));
        owner.addCloseHook(this);
    }

    @Override
    public String target() {
        return name;
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

    /** The server's receive window for our responses: {@link ChannelOptions#initialWindowSize()}. */
    int receiveWindow() {
        return options.initialWindowSize();
    }

    // ---------------------------------------------------------------- streams (owner)

    @Override
    public ClientStream newStream(RequestHead head) {
        return new InProcessClientStream(this, head);
    }

    void admit(InProcessClientStream stream) {
        assert owner.inThread();
        if (close.isClosing()) {
            stream.fail(StatusCode.UNAVAILABLE, "Channel closed", false);
            return;
        }
        live.add(stream);
        InProcessEndpoint endpoint = serving();
        if (endpoint != null) {
            setState(ChannelConnectivity.READY);
            stream.open(endpoint);
            return;
        }
        setState(ChannelConnectivity.TRANSIENT_FAILURE);
        if (stream.head.waitForReady()) {
            waiting.add(stream); // QUEUED until a server is found
            return;
        }
        stream.fail(StatusCode.UNAVAILABLE, notServing(), false);
    }

    void onStreamClosed(InProcessClientStream stream) {
        assert owner.inThread();
        if (!live.remove(stream)) {
            return;
        }
        waiting.remove(stream);
        close.streamClosed();
    }

    /** The endpoint of our name if it takes calls here, or null. */
    private @Nullable InProcessEndpoint serving() {
        InProcessEndpoint endpoint = InProcessRegistry.lookup(name);
        if (endpoint == null || endpoint.vertx != vertx || !endpoint.isAccepting()) {
            return null;
        }
        return endpoint;
    }

    private String notServing() {
        InProcessEndpoint endpoint = InProcessRegistry.lookup(name);
        if (endpoint == null) {
            return "no in-process server named \"" + name + "\"";
        }
        if (endpoint.vertx != vertx) {
            return "the in-process server \"" + name + "\" belongs to another Vertx instance";
        }
        return "the in-process server \"" + name + "\" does not take calls (not started, or stopping)";
    }

    /** Wait-for-ready calls and {@code channelReady()} wait for a server of our name to start. */
    private void watch() {
        if (!watching && !close.isClosing()) {
            watching = true;
            InProcessRegistry.watch(name, onPublished);
            if (serving() != null) {
                onPublished(); // published between our lookup and the registration
            }
        }
    }

    /** Any thread: a server of our name started. Always queued: it may come from inside {@link #watch()}. */
    private void onPublished() {
        owner.runOnContext(v -> {
            watching = false;
            if (close.isClosing()) {
                return;
            }
            refreshState();
            if (state != ChannelConnectivity.READY) {
                return; // not ours (another Vertx), or stopped already: refreshState watches again
            }
            InProcessEndpoint endpoint = serving();
            List<InProcessClientStream> resumed = new ArrayList<>(waiting);
            waiting.clear();
            for (InProcessClientStream stream : resumed) {
                if (stream.isQueued() && endpoint != null) {
                    stream.open(endpoint);
                }
            }
        });
    }

    // ---------------------------------------------------------------- connectivity

    private void refreshState() {
        if (!close.isClosing()) {
            setState(serving() != null ? ChannelConnectivity.READY : ChannelConnectivity.TRANSIENT_FAILURE);
        }
    }

    private void setState(ChannelConnectivity next) {
        if (next == ChannelConnectivity.TRANSIENT_FAILURE) {
            // as an HTTP/2 channel reconnects after a failure, this one turns READY once a server of its name starts
            watch();
        }
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
                    refreshState();
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
            refreshState();
            if (state == ChannelConnectivity.READY) {
                promise.complete();
                return;
            }
            watchers.awaitReady(promise);
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

    @Override
    public String toString() {
        return "InProcessChannel{" + name + ", " + state + "}";
    }
}
