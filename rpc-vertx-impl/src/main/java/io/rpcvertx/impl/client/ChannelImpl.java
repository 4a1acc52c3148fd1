package io.rpcvertx.impl.client;

import io.rpcvertx.CallOptions;
import io.rpcvertx.Channel;
import io.rpcvertx.ChannelConnectivity;
import io.rpcvertx.ChannelCredentials;
import io.rpcvertx.ChannelOptions;
import io.rpcvertx.Metadata;
import io.rpcvertx.MethodDescriptor;
import io.rpcvertx.MethodType;
import io.rpcvertx.StatusCode;
import io.rpcvertx.StreamStreamCall;
import io.rpcvertx.StreamStreamMultiCallable;
import io.rpcvertx.StreamUnaryCall;
import io.rpcvertx.StreamUnaryMultiCallable;
import io.rpcvertx.UnaryStreamMultiCallable;
import io.rpcvertx.UnaryUnaryMultiCallable;
import io.rpcvertx.impl.security.ChannelSecurity;
import io.rpcvertx.impl.transport.Contexts;
import io.vertx.core.Closeable;
import io.vertx.core.Completable;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.Http2Settings;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientConnection;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpConnectOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.streams.ReadStream;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;

/**
 * A channel: one owner event loop, one HTTP/2 connection at a time (plus draining ones after GOAWAY), our own bounded
 * queue of calls waiting for a connection or a stream slot, and the connectivity state machine.
 *
 * <p>Connections are made with {@link HttpClientAgent#connect} (unpooled) from the owner context, so every stream
 * event of this channel runs on the owner's loop.
 */
public final class ChannelImpl implements Channel, Closeable {
    static final String VERSION = "0.1.0";
    private static final long INITIAL_BACKOFF_MS = 1000;
    private static final long MAX_BACKOFF_MS = 120_000;
    private static final double BACKOFF_MULTIPLIER = 1.6;
    private static final double BACKOFF_JITTER = 0.2;

    final VertxInternal vertx;
    final ContextInternal owner;
    final ChannelOptions options;
    final String authority;
    final String userAgent;
    final ChannelSecurity security;
    private final Target target;
    private final HttpClientAgent agent;
    private final ArrayDeque<ClientCallImpl<?, ?>> queue = new ArrayDeque<>();
    private final Set<ClientCallImpl<?, ?>> calls = new LinkedHashSet<>();
    private final Set<Conn> connections = new LinkedHashSet<>();
    private final List<Promise<ChannelConnectivity>> stateWatchers = new ArrayList<>();
    private final List<Promise<Void>> readyWatchers = new ArrayList<>();
    private final Promise<Void> closed;

    private volatile ChannelConnectivity state = ChannelConnectivity.IDLE;
    private volatile boolean closeRequested;
    private @Nullable Conn current;
    private boolean connecting;
    private int addressIndex;
    private long backoffMs = INITIAL_BACKOFF_MS;
    private long backoffTimer = -1;
    private long graceTimer = -1;
    private String lastError = "not connected";
    private boolean closing;

    /** One HTTP/2 connection and the streams this channel runs on it. */
    static final class Conn {
        final HttpClientConnection http;
        int streams;
        boolean draining;
        /** The last-stream-id of the peer's first GOAWAY, -1 before one arrived. */
        int goAwayLastStreamId = -1;

        Conn(HttpClientConnection http) {
            this.http = http;
        }

        boolean hasSlot() {
            return !draining && streams < http.maxActiveStreams();
        }
    }

    public ChannelImpl(VertxInternal vertx, String target, ChannelOptions options) {
        this(vertx, target, options, null);
    }

    /** A channel secured by {@code credentials}; {@code null} for an insecure one. */
    public ChannelImpl(
            VertxInternal vertx, String target, ChannelOptions options, @Nullable ChannelCredentials credentials) {
        this.vertx = vertx;
        this.target = Target.parse(target);
        this.options = options;
        this.security = ChannelSecurity.of(vertx, credentials, options, this.target.authority);
        this.authority = security.authority();
        String base = "grpc-java-rpcvertx/" + VERSION;
        this.userAgent = options.primaryUserAgent().map(p -> p + " " + base).orElse(base);
        this.owner = Contexts.ownerFor(vertx);
        this.closed = owner.promise();
        HttpClientOptions http = security.configure(new HttpClientOptions())
                .setProtocolVersion(HttpVersion.HTTP_2)
                .setHttp2ClearTextUpgrade(false)
                .setInitialSettings(new Http2Settings().setInitialWindowSize(options.initialWindowSize()))
                .setHttp2ConnectionWindowSize(options.connectionWindowSize())
                .setConnectTimeout((int)
                        Math.min(Integer.MAX_VALUE, options.connectTimeout().toMillis()));
        this.agent = vertx.httpClientBuilder().with(http).build();
        owner.addCloseHook(this);
    }

    @Override
    public String target() {
        return target.text;
    }

    // ---------------------------------------------------------------- multi-callables

    @Override
    public <Req, Resp> UnaryUnaryMultiCallable<Req, Resp> unaryUnary(MethodDescriptor<Req, Resp> method) {
        check(method, MethodType.UNARY_UNARY);
        return (request, options) -> startUnaryRequest(method, request, options);
    }

    @Override
    public <Req, Resp> UnaryStreamMultiCallable<Req, Resp> unaryStream(MethodDescriptor<Req, Resp> method) {
        check(method, MethodType.UNARY_STREAM);
        return (request, options) -> startUnaryRequest(method, request, options);
    }

    @Override
    public <Req, Resp> StreamUnaryMultiCallable<Req, Resp> streamUnary(MethodDescriptor<Req, Resp> method) {
        check(method, MethodType.STREAM_UNARY);
        return new StreamUnaryMultiCallable<>() {
            @Override
            public StreamUnaryCall<Req, Resp> call(CallOptions options) {
                return startStreaming(method, options, null);
            }

            @Override
            public StreamUnaryCall<Req, Resp> call(ReadStream<Req> requests, CallOptions options) {
                return startStreaming(method, options, Objects.requireNonNull(requests, "requests"));
            }
        };
    }

    @Override
    public <Req, Resp> StreamStreamMultiCallable<Req, Resp> streamStream(MethodDescriptor<Req, Resp> method) {
        check(method, MethodType.STREAM_STREAM);
        return new StreamStreamMultiCallable<>() {
            @Override
            public StreamStreamCall<Req, Resp> call(CallOptions options) {
                return startStreaming(method, options, null);
            }

            @Override
            public StreamStreamCall<Req, Resp> call(ReadStream<Req> requests, CallOptions options) {
                return startStreaming(method, options, Objects.requireNonNull(requests, "requests"));
            }
        };
    }

    private static void check(MethodDescriptor<?, ?> method, MethodType expected) {
        Objects.requireNonNull(method, "method");
        if (method.type() != expected) {
            throw new IllegalArgumentException(
                    "method: " + method.fullMethodName() + " is " + method.type() + " (expected: " + expected + ")");
        }
    }

    private <Req, Resp> ClientCallImpl<Req, Resp> startUnaryRequest(
            MethodDescriptor<Req, Resp> method, Req request, CallOptions options) {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(options, "options");
        ClientCallImpl<Req, Resp> call = new ClientCallImpl<>(this, method, options, Contexts.caller(vertx));
        call.start(request);
        return call;
    }

    private <Req, Resp> ClientCallImpl<Req, Resp> startStreaming(
            MethodDescriptor<Req, Resp> method, CallOptions options, @Nullable ReadStream<Req> requests) {
        Objects.requireNonNull(options, "options");
        ClientCallImpl<Req, Resp> call = new ClientCallImpl<>(this, method, options, Contexts.caller(vertx));
        call.start(null);
        if (requests != null) {
            call.pipeFrom(requests);
        }
        return call;
    }

    // ---------------------------------------------------------------- admission (owner)

    void admit(ClientCallImpl<?, ?> call) {
        assert owner.inThread();
        if (state == ChannelConnectivity.SHUTDOWN) {
            call.terminate(StatusCode.UNAVAILABLE, "Channel closed", Metadata.EMPTY, false);
            return;
        }
        calls.add(call);
        Conn c = current;
        if (c != null && c.hasSlot() && queue.isEmpty()) {
            assign(call, c);
            return;
        }
        if (state == ChannelConnectivity.TRANSIENT_FAILURE && !call.waitForReady()) {
            call.terminate(StatusCode.UNAVAILABLE, lastError, Metadata.EMPTY, false);
            return;
        }
        if (queue.size() >= options.maxPendingCalls()) {
            call.terminate(
                    StatusCode.RESOURCE_EXHAUSTED,
                    "too many calls waiting for a connection (" + queue.size() + ", ChannelOptions.maxPendingCalls)",
                    Metadata.EMPTY,
                    false);
            return;
        }
        queue.add(call);
        ensureConnecting();
    }

    /** A call whose stream was refused before the server saw it goes back to the front of the queue. */
    void requeue(ClientCallImpl<?, ?> call) {
        assert owner.inThread();
        releaseSlot(call);
        queue.addFirst(call);
        drainQueue();
        ensureConnecting();
    }

    void onCallClosed(ClientCallImpl<?, ?> call) {
        assert owner.inThread();
        if (!calls.remove(call)) {
            return;
        }
        queue.remove(call);
        releaseSlot(call);
        drainQueue();
        if (closing && calls.isEmpty()) {
            finishClose();
        }
    }

    private void releaseSlot(ClientCallImpl<?, ?> call) {
        Conn c = call.conn();
        if (c != null) {
            c.streams--;
            if (c.draining && c.streams == 0 && c != current) {
                c.http.close();
            }
        }
    }

    private void assign(ClientCallImpl<?, ?> call, Conn c) {
        c.streams++;
        call.startOn(c);
    }

    private void drainQueue() {
        Conn c = current;
        while (c != null && c.hasSlot() && !queue.isEmpty()) {
            assign(queue.poll(), c);
        }
    }

    private void ensureConnecting() {
        if (current == null && !connecting && backoffTimer < 0 && !queue.isEmpty()) {
            connect();
        }
    }

    // ---------------------------------------------------------------- connections (owner)

    private void connect() {
        assert owner.inThread();
        connecting = true;
        setState(ChannelConnectivity.CONNECTING);
        SocketAddress address = target.addresses.get(addressIndex % target.addresses.size());
        HttpConnectOptions co = new HttpConnectOptions()
                .setServer(address)
                .setHost(address.isDomainSocket() ? "localhost" : address.host())
                .setPort(address.isDomainSocket() ? 0 : address.port())
                .setConnectTimeout(options.connectTimeout().toMillis());
        security.connect(agent, co).onComplete(ar -> {
            connecting = false;
            if (ar.succeeded()) {
                onConnected(ar.result());
            } else {
                onConnectFailed(ar.cause());
            }
        });
    }

    private void onConnected(HttpClientConnection http) {
        if (state == ChannelConnectivity.SHUTDOWN) {
            http.close();
            return;
        }
        Conn c = new Conn(http);
        connections.add(c);
        current = c;
        backoffMs = INITIAL_BACKOFF_MS;
        http.goAwayHandler(ga -> {
            if (c.goAwayLastStreamId < 0) {
                c.goAwayLastStreamId = ga.getLastStreamId();
            }
            onGoAway(c);
        });
        http.shutdownHandler(v -> onGoAway(c));
        http.closeHandler(v -> onConnectionClosed(c));
        http.remoteSettingsHandler(s -> drainQueue());
        http.exceptionHandler(t -> lastError = "connection error: " + t.getMessage());
        setState(ChannelConnectivity.READY);
        drainQueue();
    }

    private void onConnectFailed(Throwable cause) {
        if (state == ChannelConnectivity.SHUTDOWN) {
            return;
        }
        addressIndex++;
        lastError = "failed to connect to " + target.text + ": " + cause.getMessage();
        setState(ChannelConnectivity.TRANSIENT_FAILURE);
        List<ClientCallImpl<?, ?>> failFast = new ArrayList<>();
        for (ClientCallImpl<?, ?> call : queue) {
            if (!call.waitForReady()) {
                failFast.add(call);
            }
        }
        for (ClientCallImpl<?, ?> call : failFast) {
            call.terminate(StatusCode.UNAVAILABLE, lastError, Metadata.EMPTY, false);
        }
        // gRPC connection backoff: 1 s x 1.6^n, +-20 % jitter, at most 120 s
        long jittered = Math.round(
                backoffMs * (1 + BACKOFF_JITTER * (ThreadLocalRandom.current().nextDouble() * 2 - 1)));
        backoffMs = Math.min(MAX_BACKOFF_MS, Math.round(backoffMs * BACKOFF_MULTIPLIER));
        backoffTimer = owner.setTimer(Math.max(1, jittered), id -> {
            backoffTimer = -1;
            if (state != ChannelConnectivity.TRANSIENT_FAILURE) {
                return;
            }
            if (queue.isEmpty()) {
                setState(ChannelConnectivity.IDLE);
            } else {
                connect();
            }
        });
    }

    private void onGoAway(Conn c) {
        if (c.draining) {
            return;
        }
        // the first GOAWAY, even with last-stream-id MAX, means: open no new stream here
        c.draining = true;
        if (c.streams == 0) {
            c.http.close();
        }
        if (c == current) {
            current = null;
            if (state != ChannelConnectivity.SHUTDOWN) {
                setState(ChannelConnectivity.IDLE);
                ensureConnecting();
            }
        }
    }

    private void onConnectionClosed(Conn c) {
        connections.remove(c);
        c.draining = true;
        if (c == current) {
            current = null;
            if (state != ChannelConnectivity.SHUTDOWN) {
                setState(ChannelConnectivity.IDLE);
                ensureConnecting();
            }
        }
        if (closing && connections.isEmpty() && calls.isEmpty()) {
            finishClose();
        }
    }

    // ---------------------------------------------------------------- connectivity

    private void setState(ChannelConnectivity next) {
        if (state == next || state == ChannelConnectivity.SHUTDOWN) {
            return; // SHUTDOWN is final
        }
        state = next;
        List<Promise<ChannelConnectivity>> watchers = new ArrayList<>(stateWatchers);
        stateWatchers.clear();
        for (Promise<ChannelConnectivity> w : watchers) {
            w.tryComplete(next);
        }
        if (next == ChannelConnectivity.READY || next == ChannelConnectivity.SHUTDOWN) {
            List<Promise<Void>> ready = new ArrayList<>(readyWatchers);
            readyWatchers.clear();
            for (Promise<Void> w : ready) {
                if (next == ChannelConnectivity.READY) {
                    w.tryComplete();
                } else {
                    w.tryFail(new IllegalStateException("channel closed before it became READY"));
                }
            }
        }
    }

    @Override
    public ChannelConnectivity getState() {
        // close() is visible at once to every thread, before the owner loop has run it
        return closeRequested ? ChannelConnectivity.SHUTDOWN : state;
    }

    @Override
    public Future<ChannelConnectivity> waitForStateChange(ChannelConnectivity lastObserved) {
        Objects.requireNonNull(lastObserved, "lastObserved");
        Promise<ChannelConnectivity> promise = Contexts.caller(vertx).promise();
        onOwner(() -> {
            if (state != lastObserved) {
                promise.complete(state);
            } else {
                stateWatchers.add(promise);
            }
        });
        return promise.future();
    }

    @Override
    public Future<Void> channelReady() {
        Promise<Void> promise = Contexts.caller(vertx).promise();
        onOwner(() -> {
            switch (state) {
                case READY:
                    promise.complete();
                    return;
                case SHUTDOWN:
                    promise.fail(new IllegalStateException("channel closed"));
                    return;
                case IDLE:
                    if (!connecting && backoffTimer < 0) {
                        connect();
                    }
                    break;
                default:
                    break;
            }
            readyWatchers.add(promise);
        });
        return promise.future();
    }

    // ---------------------------------------------------------------- close

    @Override
    public Future<Void> close(Duration grace) {
        Objects.requireNonNull(grace, "grace");
        closeRequested = true;
        Promise<Void> promise = Contexts.caller(vertx).promise();
        onOwner(() -> {
            startClose(grace);
            closed.future().onComplete(promise);
        });
        return promise.future();
    }

    @Override
    public void close(Completable<Void> completion) {
        // the owner context is closing (e.g. the verticle that created this channel was undeployed)
        closeRequested = true;
        onOwner(() -> {
            startClose(Duration.ZERO);
            closed.future().onComplete(completion);
        });
    }

    private void startClose(Duration grace) {
        if (closing) {
            if (graceTimer >= 0 && grace.isZero()) {
                owner.owner().cancelTimer(graceTimer);
                graceTimer = -1;
                cancelAll();
            }
            return;
        }
        closing = true;
        setState(ChannelConnectivity.SHUTDOWN);
        if (backoffTimer >= 0) {
            owner.owner().cancelTimer(backoffTimer);
            backoffTimer = -1;
        }
        List<ClientCallImpl<?, ?>> waiting = new ArrayList<>(queue);
        queue.clear();
        for (ClientCallImpl<?, ?> call : waiting) {
            call.terminate(StatusCode.UNAVAILABLE, "Channel closed", Metadata.EMPTY, false);
        }
        if (calls.isEmpty()) {
            finishClose();
        } else if (grace.isZero() || grace.isNegative()) {
            cancelAll();
        } else {
            graceTimer = owner.setTimer(Math.max(1, grace.toMillis()), id -> {
                graceTimer = -1;
                cancelAll();
            });
        }
    }

    private void cancelAll() {
        for (ClientCallImpl<?, ?> call : new ArrayList<>(calls)) {
            call.terminate(StatusCode.CANCELLED, "Channel closed", Metadata.EMPTY, true);
        }
    }

    private void finishClose() {
        if (closed.future().isComplete()) {
            return;
        }
        if (graceTimer >= 0) {
            owner.owner().cancelTimer(graceTimer);
            graceTimer = -1;
        }
        owner.removeCloseHook(this);
        List<Future<Void>> closing = new ArrayList<>();
        for (Conn c : new ArrayList<>(connections)) {
            closing.add(c.http.close());
        }
        connections.clear();
        current = null;
        Future.join(closing).transform(ar -> agent.close()).onComplete(ar -> closed.tryComplete());
    }

    private void onOwner(Runnable action) {
        if (owner.inThread()) {
            action.run();
        } else {
            owner.execute(action);
        }
    }

    @Override
    public String toString() {
        return "Channel{" + target.text + ", " + state + "}";
    }
}
