package io.rpcvertx.impl.server;

import io.rpcvertx.GenericRpcHandler;
import io.rpcvertx.Server;
import io.rpcvertx.ServerCredentials;
import io.rpcvertx.ServerOptions;
import io.rpcvertx.impl.security.ServerSecurity;
import io.rpcvertx.impl.transport.Contexts;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.Http2Settings;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.net.SocketAddress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * A server: lifecycle on the owner (control) context, calls on the IO verticles' event loops.
 *
 * <p>Ports: {@code addInsecurePort} binds a reservation server at once (on a unique negative Vert.x port for port 0,
 * so every IO instance later shares the same socket, see notes "Several server instances on one port"); at
 * {@link #start()} the IO verticles listen on the same address and the reservation closes.
 */
public final class ServerImpl implements Server {
    private static final AtomicInteger RESERVATIONS = new AtomicInteger();

    enum State {
        NEW,
        STARTING,
        STARTED,
        STOPPING,
        STOPPED
    }

    final VertxInternal vertx;
    final ServerOptions options;
    final ContextInternal owner;
    private final List<GenericRpcHandler> handlers = new ArrayList<>();
    private final List<Binding> bindings = new ArrayList<>();
    private final Set<ServerCallImpl<?, ?>> liveCalls = ConcurrentHashMap.newKeySet();
    private final AtomicInteger admitted = new AtomicInteger();
    private final Promise<Void> terminated;
    private final Promise<Void> starting;
    private final BlockingPool blockingPool;

    private volatile State state = State.NEW;
    private @Nullable HandlerRegistry registry;
    private @Nullable String deploymentId;
    private final List<ServerIoVerticle> ioVerticles = new ArrayList<>();
    private long stopDeadlineNanos = Long.MAX_VALUE;
    private long stopTimer = -1;
    private @Nullable Future<Void> stopped;

    /** A bound address: where the IO verticles listen, and the port the user was told. */
    record Binding(ListenAddress listenAddress, int port, HttpServer reservation, ServerSecurity security) {}

    public ServerImpl(VertxInternal vertx, ServerOptions options) {
        this.vertx = vertx;
        this.options = options;
        this.owner = Contexts.ownerFor(vertx);
        this.terminated = owner.promise();
        this.starting = owner.promise();
        this.blockingPool = new BlockingPool(vertx, options);
    }

    @Override
    public Server addGenericRpcHandlers(GenericRpcHandler... handlers) {
        Objects.requireNonNull(handlers, "handlers");
        synchronized (this.handlers) {
            if (state != State.NEW) {
                throw new IllegalStateException("addGenericRpcHandlers after start() (state: " + state + ")");
            }
            for (GenericRpcHandler h : handlers) {
                this.handlers.add(Objects.requireNonNull(h, "handler"));
            }
        }
        return this;
    }

    // ---------------------------------------------------------------- ports

    @Override
    public Future<Integer> addInsecurePort(String address) {
        Objects.requireNonNull(address, "address");
        return addPort(address, null);
    }

    @Override
    public Future<Integer> addSecurePort(String address, ServerCredentials credentials) {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(credentials, "credentials");
        return addPort(address, credentials);
    }

    private Future<Integer> addPort(String address, @Nullable ServerCredentials credentials) {
        ContextInternal caller = Contexts.caller(vertx);
        SocketAddress parsed;
        try {
            parsed = parseAddress(address);
        } catch (IllegalArgumentException e) {
            return caller.failedFuture(e);
        }
        Promise<Integer> promise = caller.promise();
        owner.runOnContext(v -> {
            if (state != State.NEW) {
                promise.fail(new IllegalStateException((credentials == null ? "addInsecurePort" : "addSecurePort")
                        + " after start() (state: " + state + ")"));
                return;
            }
            ServerSecurity security;
            try {
                security = credentials == null
                        ? ServerSecurity.INSECURE
                        : ServerSecurity.of(vertx, credentials, options.tlsEngine());
            } catch (IllegalArgumentException | IllegalStateException e) {
                promise.fail(e);
                return;
            }
            ListenAddress listen;
            if (parsed.isDomainSocket()) {
                deleteStaleSocket(parsed.path());
                listen = ListenAddress.domainSocket(parsed);
            } else if (parsed.port() == 0) {
                listen = ListenAddress.tcp(parsed.host(), -RESERVATIONS.incrementAndGet());
            } else {
                listen = ListenAddress.tcp(parsed.host(), parsed.port());
            }
            // the same TLS options as the IO servers: Vert.x serves the shared socket with the first server's
            HttpServer reservation = vertx.createHttpServer(security.configure(httpOptions()))
                    .requestHandler(ServerCallImpl::refuseUnstarted);
            listen.listen(reservation).onComplete(ar -> {
                if (ar.failed()) {
                    security.close();
                    promise.fail(ar.cause());
                    return;
                }
                security.serving(reservation);
                terminated.future().onComplete(done -> security.close());
                int port = parsed.isDomainSocket() ? -1 : ar.result().actualPort();
                bindings.add(new Binding(listen, port, reservation, security));
                promise.complete(port);
            });
        });
        return promise.future();
    }

    /** {@code host:port}, {@code [v6]:port}, {@code :port}, {@code unix:/path}, {@code unix:///abs/path}. */
    static SocketAddress parseAddress(String address) {
        String a = address.trim();
        if (a.startsWith("unix:")) {
            String path = a.substring(5);
            if (path.startsWith("//")) {
                path = path.substring(2);
                if (!path.startsWith("/")) {
                    throw new IllegalArgumentException(
                            "address: \"" + address + "\" (unix:// needs an absolute path: unix:///abs/path)");
                }
            }
            if (path.isEmpty()) {
                throw new IllegalArgumentException("address: \"" + address + "\" (no socket path)");
            }
            return SocketAddress.domainSocketAddress(path);
        }
        int colon = a.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("address: \"" + address + "\" (expected: host:port)");
        }
        String host = a.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.contains(":")) {
            throw new IllegalArgumentException("address: \"" + address + "\" (IPv6 hosts need brackets)");
        }
        if (host.isEmpty() || host.equals("*")) {
            host = "0.0.0.0";
        }
        int port;
        try {
            port = Integer.parseInt(a.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("address: \"" + address + "\" (port is not a number)");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("address: \"" + address + "\" (port " + port + ", expected 0-65535)");
        }
        return SocketAddress.inetSocketAddress(port, host);
    }

    private static void deleteStaleSocket(String path) {
        // a socket file left by a crashed process blocks bind; gRPC servers unlink it, as do we
        try {
            Files.deleteIfExists(Path.of(path));
        } catch (IOException e) {
            // bind reports the real problem
        }
    }

    HttpServerOptions httpOptions() {
        Http2Settings settings = new Http2Settings()
                .setMaxConcurrentStreams(options.maxConcurrentStreams())
                .setInitialWindowSize(options.initialWindowSize());
        return new HttpServerOptions()
                .setInitialSettings(settings)
                .setHttp2ConnectionWindowSize(options.connectionWindowSize())
                .setHttp2RstFloodMaxRstFramePerWindow(options.rstFloodMaxFrames())
                .setHttp2RstFloodWindowDuration((int) options.rstFloodWindow().toSeconds())
                .setHttp2RstFloodWindowDurationTimeUnit(TimeUnit.SECONDS);
    }

    /** The options of an IO server listening on {@code address}: those of its port's binding. */
    HttpServerOptions httpOptions(ListenAddress address) {
        return security(address).configure(httpOptions());
    }

    /** The security of the port listening on {@code address}; bindings are fixed once the server starts. */
    ServerSecurity security(ListenAddress address) {
        for (Binding b : bindings) {
            if (b.listenAddress().equals(address)) {
                return b.security();
            }
        }
        throw new IllegalStateException("no port bound at " + address);
    }

    // ---------------------------------------------------------------- lifecycle

    @Override
    public Future<Void> start() {
        Promise<Void> promise = Contexts.caller(vertx).promise();
        owner.runOnContext(v -> {
            if (state != State.NEW) {
                promise.fail(new IllegalStateException("start() called twice (state: " + state + ")"));
                return;
            }
            synchronized (handlers) {
                state = State.STARTING;
                registry = HandlerRegistry.of(handlers);
            }
            List<ListenAddress> addresses = new ArrayList<>();
            for (Binding b : bindings) {
                addresses.add(b.listenAddress());
            }
            DeploymentOptions deployment = new DeploymentOptions().setInstances(options.ioInstances());
            vertx.deployVerticle(
                            () -> {
                                ServerIoVerticle io = new ServerIoVerticle(this, addresses);
                                synchronized (ioVerticles) {
                                    ioVerticles.add(io);
                                }
                                return io;
                            },
                            deployment)
                    .compose(id -> {
                        deploymentId = id;
                        List<Future<Void>> closing = new ArrayList<>();
                        for (Binding b : bindings) {
                            b.security().closing(b.reservation());
                            closing.add(b.reservation().close());
                        }
                        return Future.join(closing).<Void>mapEmpty();
                    })
                    .onComplete(ar -> {
                        if (ar.succeeded()) {
                            state = State.STARTED;
                            promise.complete();
                        } else {
                            state = State.STOPPED;
                            terminated.tryComplete();
                            promise.fail(ar.cause());
                        }
                        starting.tryComplete();
                    });
        });
        return promise.future();
    }

    BlockingPool blockingPool() {
        return blockingPool;
    }

    HandlerRegistry registry() {
        HandlerRegistry r = registry;
        assert r != null;
        return r;
    }

    boolean isAccepting() {
        return state == State.STARTED;
    }

    /** Admission of a new call; false means RESOURCE_EXHAUSTED (maximumConcurrentRpcs). */
    boolean admit(ServerCallImpl<?, ?> call) {
        int limit = options.maximumConcurrentRpcs().orElse(Integer.MAX_VALUE);
        if (admitted.incrementAndGet() > limit) {
            admitted.decrementAndGet();
            return false;
        }
        liveCalls.add(call);
        return true;
    }

    void onCallClosed(ServerCallImpl<?, ?> call) {
        if (liveCalls.remove(call)) {
            admitted.decrementAndGet();
            if (state == State.STOPPING && liveCalls.isEmpty()) {
                owner.runOnContext(v -> finishStopIfDrained());
            }
        }
    }

    @Override
    public Future<Void> stop(@Nullable Duration grace) {
        Duration g = grace == null || grace.isNegative() ? Duration.ZERO : grace;
        Promise<Void> promise = Contexts.caller(vertx).promise();
        owner.runOnContext(v -> {
            startStop(g);
            terminated.future().onComplete(promise);
        });
        return promise.future();
    }

    private void startStop(Duration grace) {
        long deadline = System.nanoTime() + Math.min(grace.toNanos(), Long.MAX_VALUE / 4);
        switch (state) {
            case NEW:
                state = State.STOPPED;
                for (Binding b : bindings) {
                    b.reservation().close();
                }
                terminated.tryComplete();
                return;
            case STARTING:
                // start() is under way: stop once it settles
                starting.future().onComplete(ar -> startStop(grace));
                return;
            case STOPPED:
                return;
            case STOPPING:
                if (deadline < stopDeadlineNanos) {
                    scheduleCancel(deadline); // a shorter grace brings the deadline forward
                }
                return;
            case STARTED:
                break;
        }
        state = State.STOPPING;
        List<ServerIoVerticle> ios;
        synchronized (ioVerticles) {
            ios = new ArrayList<>(ioVerticles);
        }
        for (ServerIoVerticle io : ios) {
            io.shutdown(grace.toMillis());
        }
        scheduleCancel(deadline);
        finishStopIfDrained();
    }

    private void scheduleCancel(long deadlineNanos) {
        stopDeadlineNanos = deadlineNanos;
        if (stopTimer >= 0) {
            vertx.cancelTimer(stopTimer);
            stopTimer = -1;
        }
        long delayMs = (deadlineNanos - System.nanoTime()) / 1_000_000;
        if (delayMs <= 0) {
            cancelLiveCalls();
        } else {
            stopTimer = owner.setTimer(delayMs, id -> {
                stopTimer = -1;
                cancelLiveCalls();
            });
        }
    }

    private void cancelLiveCalls() {
        for (ServerCallImpl<?, ?> call : liveCalls) {
            call.cancelByServer();
        }
        finishStopIfDrained();
    }

    private void finishStopIfDrained() {
        if (state != State.STOPPING || !liveCalls.isEmpty() || stopped != null) {
            return;
        }
        if (stopTimer >= 0) {
            vertx.cancelTimer(stopTimer);
            stopTimer = -1;
        }
        String id = deploymentId;
        stopped = (id == null ? Future.<Void>succeededFuture() : vertx.undeploy(id)).eventually(blockingPool::close);
        stopped.onComplete(ar -> {
            state = State.STOPPED;
            terminated.tryComplete();
        });
    }

    @Override
    public Future<Boolean> waitForTermination(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        Promise<Boolean> promise = Contexts.caller(vertx).promise();
        long ms = Math.max(1, timeout.toMillis());
        long timer = vertx.setTimer(ms, id -> promise.tryComplete(false));
        terminated.future().onComplete(ar -> {
            vertx.cancelTimer(timer);
            promise.tryComplete(true);
        });
        return promise.future();
    }

    @Override
    public Future<Boolean> waitForTermination() {
        Promise<Boolean> promise = Contexts.caller(vertx).promise();
        terminated.future().onComplete(ar -> promise.tryComplete(true));
        return promise.future();
    }
}
