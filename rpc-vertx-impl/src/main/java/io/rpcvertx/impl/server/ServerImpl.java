package io.rpcvertx.impl.server;

import io.netty.util.concurrent.EventExecutor;
import io.rpcvertx.GenericRpcHandler;
import io.rpcvertx.Server;
import io.rpcvertx.ServerCredentials;
import io.rpcvertx.ServerOptions;
import io.rpcvertx.ServerStats;
import io.rpcvertx.ServiceDefinition;
import io.rpcvertx.impl.eventbus.EventBusEndpoint;
import io.rpcvertx.impl.inprocess.InProcessEndpoint;
import io.rpcvertx.impl.inprocess.InProcessRegistry;
import io.rpcvertx.impl.security.ServerSecurity;
import io.rpcvertx.impl.transport.Contexts;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.Http2Settings;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.internal.logging.Logger;
import io.vertx.core.internal.logging.LoggerFactory;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.tracing.TracingPolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * A server: lifecycle on the owner (control) context, calls on the IO verticles' event loops.
 *
 * <p>Ports: {@code addInsecurePort} reserves the address at once without accepting connections on it (a
 * {@link PortReservation}, so the port number is known and a port in use fails there); at {@link #start()} the IO
 * verticles listen on it (all sharing one socket, see notes "Several server instances on one port") and the
 * reservation is released. Nothing connects before the server serves: an open port means a ready server.
 *
 * <p>Stop (DESIGN.md section 7): the state turns STOPPING at once, so every IO instance refuses new streams; the
 * control context sends each IO instance a {@code Drain(deadline)} over the event bus (again with an earlier deadline
 * if a later stop shortens it); each IO instance reports {@code Drained} when its calls have ended, their handlers
 * have terminated and its sockets are closed; then the IO verticles are undeployed and the server is STOPPED.
 */
public final class ServerImpl implements Server {
    private static final Logger log = LoggerFactory.getLogger(ServerImpl.class);
    /** A grace beyond a year counts as a year, which keeps deadline arithmetic on nanoTime from overflowing. */
    private static final Duration MAX_GRACE = Duration.ofDays(365);

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
    private final String id;
    private final List<GenericRpcHandler> handlers = new ArrayList<>();
    private final List<Binding> bindings = new ArrayList<>();
    /** The only state shared across event loops, and only with maximumConcurrentRpcs set. */
    private final AtomicInteger admitted = new AtomicInteger();

    private final int admissionLimit;
    private final Promise<Void> terminated;
    private final Promise<Void> starting;
    private final BlockingPool blockingPool;
    /** Channelz-lite: the calls (counted by the call layer) and the listen sockets. */
    final ServerCounters counters = new ServerCounters();

    private volatile State state = State.NEW;
    /**
     * Set by {@link #stop} on the caller's thread, before it returns: new RPCs are refused from then on, not only once
     * the control context has run the stop (the admission gate, read by every IO instance).
     */
    private volatile boolean stopRequested;

    private @Nullable HandlerRegistry registry;
    private Future<Void> startHold = Future.succeededFuture();
    private Promise<Void> startHoldReached = Promise.promise();
    private @Nullable String deploymentId;
    private int ioInstances;
    private final Set<Integer> drainedIos = new HashSet<>();
    private long blockingPoolTimer = -1;
    private long callsDone;
    private long callsDoneSignals;
    private long stopDeadlineNanos = Long.MAX_VALUE;
    private @Nullable MessageConsumer<Object> controlConsumer;
    private @Nullable MessageConsumer<Object> doneConsumer;
    /** The in-process name this server also answers on ({@code RpcVertx.inProcessServer}, or the gateway's), or null. */
    private volatile @Nullable String inProcessName;
    /** Whether this named server holds its name in the event bus's names (released when it stops). */
    private boolean nameClaimed;
    /** The name's registration, from start until the server has stopped. */
    private volatile @Nullable InProcessEndpoint inProcess;

    /** The event-bus addresses this server also serves on ({@link #addEventBusPort}), fixed at start. */
    private final List<EventBusEndpoint> eventBusEndpoints = new ArrayList<>();

    /** A bound address: where the IO verticles listen, and the port the user was told. */
    record Binding(ListenAddress listenAddress, int port, PortReservation reservation, ServerSecurity security) {}

    public ServerImpl(VertxInternal vertx, ServerOptions options) {
        this(vertx, options, Contexts.ownerFor(vertx), null);
    }

    /** A server whose control context is {@code owner} (an event-loop context, e.g. a deployment's). */
    public ServerImpl(VertxInternal vertx, ServerOptions options, ContextInternal owner) {
        this(vertx, options, owner, null);
    }

    /**
     * A server that also answers in-process channels of {@code inProcessName} once started (its name is claimed at
     * {@link #start()}, which fails if another server holds it, and released once the server has stopped).
     */
    public ServerImpl(VertxInternal vertx, ServerOptions options, String inProcessName) {
        this(vertx, options, Contexts.ownerFor(vertx), inProcessName);
    }

    private ServerImpl(
            VertxInternal vertx, ServerOptions options, ContextInternal owner, @Nullable String inProcessName) {
        this.inProcessName = inProcessName;
        this.id = options.name().orElseGet(() -> UUID.randomUUID().toString());
        this.vertx = vertx;
        this.options = options;
        this.owner = owner;
        this.admissionLimit = options.maximumConcurrentRpcs().orElse(-1);
        this.terminated = owner.promise();
        this.starting = owner.promise();
        this.blockingPool = new BlockingPool(vertx, options);
    }

    @Override
    public String id() {
        return id;
    }

    /**
     * The in-process name through which the JSON gateway calls this server, so its calls take the normal call path
     * (interceptors, deadlines, metadata, cancellation): the server's own in-process name, or else a private one it
     * claims at {@link #start()}. Only before start.
     *
     * @throws IllegalStateException if the server has started
     */
    public String gatewayInProcessName() {
        synchronized (handlers) {
            if (state != State.NEW) {
                throw new IllegalStateException("a gateway is attached before start() (state: " + state + ")");
            }
            String name = inProcessName;
            if (name == null) {
                name = "rpcvertx.server." + id + ".gateway";
                inProcessName = name;
            }
            return name;
        }
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

    @Override
    public List<ServiceDefinition> services() {
        List<ServiceDefinition> services = new ArrayList<>();
        synchronized (handlers) {
            for (GenericRpcHandler h : handlers) {
                if (h instanceof ServiceDefinition) {
                    services.add((ServiceDefinition) h);
                }
            }
        }
        return List.copyOf(services);
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

    @Override
    public Future<Void> addEventBusPort(String address) {
        Objects.requireNonNull(address, "address");
        ContextInternal caller = Contexts.caller(vertx);
        if (address.isEmpty()) {
            return caller.failedFuture(new IllegalArgumentException("address: \"\" (expected: an event-bus address)"));
        }
        Promise<Void> promise = caller.promise();
        owner.runOnContext(v -> {
            if (state != State.NEW) {
                promise.fail(new IllegalStateException("addEventBusPort after start() (state: " + state + ")"));
                return;
            }
            eventBusEndpoints.add(new EventBusEndpoint(address, this::isAccepting));
            promise.complete();
        });
        return promise.future();
    }

    /** The event-bus addresses the IO instances serve (read by them as they start, after start() fixed the list). */
    List<EventBusEndpoint> eventBusEndpoints() {
        return eventBusEndpoints;
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
            if (parsed.isDomainSocket()) {
                deleteStaleSocket(parsed.path());
            }
            PortReservation reservation;
            try {
                // a local bind, as quick as Vert.x's own listen on this loop
                reservation = PortReservation.bind(parsed);
            } catch (IOException | RuntimeException e) {
                security.close();
                promise.fail(e);
                return;
            }
            int port = reservation.port();
            ListenAddress listen = parsed.isDomainSocket()
                    ? ListenAddress.domainSocket(parsed)
                    : ListenAddress.tcp(parsed.host(), port);
            terminated.future().onComplete(done -> security.close());
            bindings.add(new Binding(listen, port, reservation, security));
            counters.listening(listen);
            promise.complete(port);
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
                .setInitialWindowSize(options.initialWindowSize())
                .setMaxHeaderListSize(options.maxHeaderListSize())
                .setMaxFrameSize(options.maxFrameSize());
        return new HttpServerOptions()
                .setReusePort(options.isReusePort())
                // the call layer traces each call (io.rpcvertx.impl.telemetry); an HTTP span per stream would double it
                .setTracingPolicy(TracingPolicy.IGNORE)
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
                promise.fail(new IllegalStateException("start() called twice or after stop() (state: " + state + ")"));
                return;
            }
            synchronized (handlers) {
                state = State.STARTING;
                registry = HandlerRegistry.of(handlers);
            }
            ioInstances = options.ioInstances() == ServerOptions.DEFAULT_IO_INSTANCES
                    ? eventLoopCount()
                    : options.ioInstances();
            ServerSignals.registerCodec(vertx);
            if (options.name().isPresent()) {
                if (!ServerSignals.claimName(vertx, id)) {
                    state = State.STOPPED;
                    terminated.tryComplete();
                    starting.tryComplete();
                    promise.fail(new IllegalStateException(
                            "server name \"" + id + "\" is already used by another started server"));
                    return;
                }
                nameClaimed = true;
            }
            MessageConsumer<Object> done =
                    vertx.eventBus().localConsumer(ServerSignals.doneAddress(id), msg -> onIoSignal(msg.body()));
            // not local: a stop may come from another node of a clustered event bus
            MessageConsumer<Object> control = vertx.eventBus().consumer(controlAddress(), this::onControlMessage);
            doneConsumer = done;
            controlConsumer = control;
            Future.all(done.completion(), control.completion())
                    .compose(x -> claimInProcessName())
                    .compose(x -> deployIoVerticles())
                    .compose(deployment -> {
                        deploymentId = deployment;
                        closeReservations();
                        startHoldReached.tryComplete();
                        return startHold;
                    })
                    .onComplete(ar -> {
                        if (ar.succeeded()) {
                            state = State.STARTED;
                            InProcessEndpoint endpoint = inProcess;
                            if (endpoint != null) {
                                endpoint.publish();
                            }
                            signal("started");
                            promise.complete();
                        } else {
                            promise.fail(ar.cause());
                            undeployAndTerminate();
                        }
                        starting.tryComplete();
                    });
        });
        return promise.future();
    }

    BlockingPool blockingPool() {
        return blockingPool;
    }

    private Future<Void> claimInProcessName() {
        String name = inProcessName;
        if (name == null) {
            return Future.succeededFuture();
        }
        try {
            inProcess = InProcessRegistry.claim(name, vertx, options, this::isAccepting);
            return Future.succeededFuture();
        } catch (IllegalStateException e) {
            return Future.failedFuture(e);
        }
    }

    /** The in-process name's registration while the server runs, for its IO instances; null without a name. */
    @Nullable
    InProcessEndpoint inProcessEndpoint() {
        return inProcess;
    }

    private int eventLoopCount() {
        int count = 0;
        for (EventExecutor ignored : vertx.nettyEventLoopGroup()) {
            count++;
        }
        return Math.max(1, count);
    }

    private Future<String> deployIoVerticles() {
        List<ListenAddress> addresses = new ArrayList<>();
        for (Binding b : bindings) {
            addresses.add(b.listenAddress());
            try {
                b.reservation().beforeListen();
            } catch (IOException e) {
                return owner.failedFuture(e);
            }
        }
        AtomicInteger nextIndex = new AtomicInteger();
        Promise<String> deployed = owner.promise();
        // Deployed from a context outside any deployment: Vert.x 5 undeploys a deployment's children before the
        // deployment itself, which would close the IO servers before a verticle's stop() could stop us gracefully.
        vertx.createEventLoopContext()
                .runOnContext(v -> vertx.deployVerticle(
                                () -> new ServerIoVerticle(this, nextIndex.getAndIncrement(), addresses),
                                new DeploymentOptions().setInstances(ioInstances))
                        .onComplete(deployed));
        return deployed.future();
    }

    /** Releases the reserved addresses: at the end of start(), when the IO servers listen on them, or of a stop. */
    private Future<Void> closeReservations() {
        for (Binding b : bindings) {
            try {
                b.reservation().close();
            } catch (IOException e) {
                log.warn("server " + id + ": releasing " + b.listenAddress() + " failed", e);
            }
        }
        return owner.succeededFuture();
    }

    /**
     * Test hook: start() completes {@code reached} when the IO verticles serve, and then completes only when
     * {@code hold} does, so a test can act in the window between the port being served and start() completing.
     */
    void holdStartForTest(Promise<Void> reached, Future<Void> hold) {
        startHoldReached = reached;
        startHold = hold;
    }

    HandlerRegistry registry() {
        HandlerRegistry r = registry;
        assert r != null;
        return r;
    }

    /** Whether stop() has been called (from any thread): no new connection or RPC is taken from then on. */
    boolean isStopRequested() {
        return stopRequested;
    }

    /**
     * Whether a new call is served. STARTING counts: an IO verticle serves as soon as it listens, which may be before
     * start() completes (the other instances still deploying); refusing those calls would refuse calls on a port that
     * accepted their connection.
     */
    boolean isAccepting() {
        State s = state;
        return !stopRequested && (s == State.STARTED || s == State.STARTING);
    }

    /** Admission of a new call, server-wide; false means RESOURCE_EXHAUSTED (maximumConcurrentRpcs). */
    boolean tryAdmit() {
        if (admissionLimit < 0) {
            return true;
        }
        if (admitted.incrementAndGet() > admissionLimit) {
            admitted.decrementAndGet();
            return false;
        }
        return true;
    }

    /** The end of an admitted call (status sent, or cancelled). */
    void releaseAdmission() {
        if (admissionLimit >= 0) {
            admitted.decrementAndGet();
        }
    }

    /** Calls whose end the IO instances have reported so far (test hook for the call-done signals). */
    long callsDone() {
        assert owner.inThread();
        return callsDone;
    }

    @Override
    public Future<Void> stop(@Nullable Duration grace) {
        Duration g = grace == null || grace.isNegative() ? Duration.ZERO : grace;
        long deadline = System.nanoTime() + (g.compareTo(MAX_GRACE) > 0 ? MAX_GRACE : g).toNanos();
        Promise<Void> promise = Contexts.caller(vertx).promise();
        stopRequested = true;
        owner.runOnContext(v -> {
            startStop(deadline);
            terminated.future().onComplete(promise);
        });
        return promise.future();
    }

    private void startStop(long deadlineNanos) {
        switch (state) {
            case NEW:
                state = State.STOPPED;
                closeReservations().onComplete(ar -> terminated.tryComplete());
                return;
            case STARTING:
                // start() is under way: stop once it settles
                starting.future().onComplete(ar -> startStop(deadlineNanos));
                return;
            case STOPPED:
                return;
            case STOPPING:
                if (deadlineNanos < stopDeadlineNanos) {
                    // a shorter grace brings the deadline forward; a longer one is ignored
                    stopDeadlineNanos = deadlineNanos;
                    sendDrain();
                }
                return;
            case STARTED:
                break;
        }
        state = State.STOPPING;
        signal("stopping");
        stopDeadlineNanos = deadlineNanos;
        log.debug("server " + id + " stopping, grace "
                + Duration.ofNanos(Math.max(0, deadlineNanos - System.nanoTime())));
        sendDrain();
        if (drainedIos.size() == ioInstances) {
            // every IO instance reported Drained before this stop: Vert.x is closing and undeployed them first (their
            // consumers are gone, so the Drain just sent reaches nobody and no further Drained will come)
            undeployAndTerminate();
        }
    }

    private void sendDrain() {
        // blocking handlers still running at the deadline are interrupted (their calls are cancelled then), so a stop
        // that waits for every handler to terminate cannot wait on a worker thread forever
        if (blockingPoolTimer >= 0) {
            vertx.cancelTimer(blockingPoolTimer);
        }
        long delayMs = Math.max(1, TimeUnit.NANOSECONDS.toMillis(stopDeadlineNanos - System.nanoTime()));
        blockingPoolTimer = owner.setTimer(delayMs, tid -> {
            blockingPoolTimer = -1;
            blockingPool.close();
        });
        for (int i = 0; i < ioInstances; i++) {
            vertx.eventBus()
                    .send(
                            ServerSignals.ioAddress(id, i),
                            new ServerSignals.Drain(stopDeadlineNanos),
                            ServerSignals.LOCAL);
        }
    }

    private void onIoSignal(Object signal) {
        if (signal instanceof ServerSignals.CallsDone) {
            callsDone += ((ServerSignals.CallsDone) signal).count();
            callsDoneSignals++;
        } else if (signal instanceof ServerSignals.Drained) {
            drainedIos.add(((ServerSignals.Drained) signal).io());
            if (state == State.STOPPING && drainedIos.size() == ioInstances) {
                undeployAndTerminate();
            }
        }
    }

    /** The end of a stop, or of a failed start: IO verticles, reservations and event-bus consumers go, then STOPPED. */
    private void undeployAndTerminate() {
        String deployment = deploymentId;
        Future<?> undeployed = deployment == null ? Future.succeededFuture() : vertx.undeploy(deployment);
        undeployed
                .transform(ar -> {
                    if (ar.failed()) {
                        log.warn("server " + id + ": undeploying its IO verticles failed", ar.cause());
                    }
                    List<Future<?>> closing = new ArrayList<>();
                    closing.add(closeReservations());
                    closing.add(blockingPool.close());
                    if (controlConsumer != null) {
                        closing.add(controlConsumer.unregister());
                    }
                    if (doneConsumer != null) {
                        closing.add(doneConsumer.unregister());
                    }
                    return Future.join(closing);
                })
                .onComplete(ar -> {
                    InProcessEndpoint endpoint = inProcess;
                    if (endpoint != null) {
                        InProcessRegistry.release(endpoint);
                    }
                    if (nameClaimed) {
                        ServerSignals.releaseName(vertx, id);
                    }
                    State before = state;
                    state = State.STOPPED;
                    if (before == State.STOPPING) {
                        signal("stopped");
                    }
                    log.debug("server " + id + " stopped: " + callsDone + " calls, reported in " + callsDoneSignals
                            + " signals");
                    terminated.tryComplete();
                });
    }

    /** Publishes a lifecycle event on {@code rpcvertx.server.<id>.events} when signals are on. */
    private void signal(String event) {
        if (options.isEventBusSignals()) {
            vertx.eventBus()
                    .publish(
                            ServerSignals.eventsAddress(id),
                            new JsonObject().put("server", id).put("event", event));
        }
    }

    /** A stop request on the control address: {@code {"grace": millis}}, or null / {@code {"grace": null}} to abort. */
    private void onControlMessage(Message<Object> message) {
        Object body = message.body();
        Duration grace = null;
        if (body instanceof JsonObject) {
            Object millis = ((JsonObject) body).getValue("grace");
            if (millis instanceof Number && ((Number) millis).longValue() >= 0) {
                grace = Duration.ofMillis(((Number) millis).longValue());
            } else if (millis != null) {
                message.fail(400, "grace: " + millis + " (expected: milliseconds >= 0, or null to abort)");
                return;
            }
        } else if (body != null) {
            message.fail(400, "body: " + body + " (expected: {\"grace\": millis} or null)");
            return;
        }
        stop(grace).onComplete(ar -> message.reply(new JsonObject().put("stopped", true)));
    }

    @Override
    public Future<Boolean> waitForTermination(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("timeout: " + timeout + " (expected: >= 0)");
        }
        ContextInternal caller = Contexts.caller(vertx);
        if (terminated.future().isComplete()) {
            return caller.succeededFuture(true); // already stopped: true even for a zero timeout
        }
        Promise<Boolean> promise = caller.promise();
        long ms = Math.max(1, timeout.compareTo(MAX_GRACE) > 0 ? MAX_GRACE.toMillis() : timeout.toMillis());
        long timer = vertx.setTimer(ms, id -> promise.tryComplete(false));
        terminated.future().onComplete(ar -> {
            vertx.cancelTimer(timer);
            promise.tryComplete(true);
        });
        return promise.future();
    }

    @Override
    public Future<ServerStats> stats() {
        return Contexts.caller(vertx).succeededFuture(counters.snapshot());
    }

    @Override
    public Future<Boolean> waitForTermination() {
        Promise<Boolean> promise = Contexts.caller(vertx).promise();
        terminated.future().onComplete(ar -> promise.tryComplete(true));
        return promise.future();
    }
}
