package io.rpcvertx.impl.server;

import io.netty.util.concurrent.EventExecutor;
import io.rpcvertx.GenericRpcHandler;
import io.rpcvertx.Server;
import io.rpcvertx.ServerCredentials;
import io.rpcvertx.ServerOptions;
import io.rpcvertx.ServerStats;
import io.rpcvertx.ServiceDefinition;
import io.rpcvertx.impl.transport.Contexts;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.internal.logging.Logger;
import io.vertx.core.internal.logging.LoggerFactory;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * A server: lifecycle on the owner (control) context, calls on the IO verticles' event loops.
 *
 * <p>Ports of every kind (HTTP/2 addresses, event-bus addresses, the in-process name) are {@link ServerPorts}: added
 * before start, served by the IO verticles from start on.
 *
 * <p>Stop (DESIGN.md section 7): the state turns STOPPING at once, so every IO instance refuses new streams; the
 * control context sends each IO instance a {@code Drain(deadline)} over the event bus ({@link ServerDrain}); each IO
 * instance reports {@code Drained} when its calls have ended, their handlers have terminated and its sockets are
 * closed; then the IO verticles are undeployed and the server is STOPPED.
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
    /** Where the server answers; the IO verticles serve them. */
    final ServerPorts ports;
    /** The only state shared across event loops, and only with maximumConcurrentRpcs set. */
    private final AtomicInteger admitted = new AtomicInteger();

    private final int admissionLimit;
    private final Promise<Void> terminated;
    private final Promise<Void> starting;
    private final BlockingPool blockingPool;
    private final ServerDrain drain;
    /** Channelz-lite: the calls (counted by the call layer) and the listen sockets (counted by {@link ServerPorts}). */
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
    /** Whether this named server holds its name in the event bus's names (released when it stops). */
    private boolean nameClaimed;

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
        this.id = options.name().orElseGet(() -> UUID.randomUUID().toString());
        this.vertx = vertx;
        this.options = options;
        this.owner = owner;
        this.admissionLimit = options.maximumConcurrentRpcs().orElse(-1);
        this.terminated = owner.promise();
        this.starting = owner.promise();
        this.blockingPool = new BlockingPool(vertx, options);
        this.drain = new ServerDrain(vertx, owner, this, blockingPool);
        this.ports = new ServerPorts(vertx, options, id, inProcessName, this::isAccepting, counters);
        terminated.future().onComplete(done -> ports.closeSecurity());
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
            return ports.gatewayInProcessName();
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
            ports.addEventBus(address);
            promise.complete();
        });
        return promise.future();
    }

    private Future<Integer> addPort(String address, @Nullable ServerCredentials credentials) {
        ContextInternal caller = Contexts.caller(vertx);
        SocketAddress parsed;
        try {
            parsed = ServerPorts.parseAddress(address);
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
            try {
                promise.complete(ports.addHttp2(parsed, credentials));
            } catch (IOException | RuntimeException e) {
                promise.fail(e);
            }
        });
        return promise.future();
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
                    ports.releaseReservations();
                    terminated.tryComplete();
                    starting.tryComplete();
                    promise.fail(new IllegalStateException(
                            "server name \"" + id + "\" is already used by another started server"));
                    return;
                }
                nameClaimed = true;
            }
            drain.listen(ioInstances, () -> {
                        if (state == State.STOPPING) {
                            undeployAndTerminate();
                        }
                    })
                    .compose(x -> {
                        ports.claimInProcessName(); // throws if another server holds the name: start() fails
                        return deployIoVerticles();
                    })
                    .compose(deployment -> {
                        deploymentId = deployment;
                        ports.releaseReservations();
                        startHoldReached.tryComplete();
                        return startHold;
                    })
                    .onComplete(ar -> {
                        if (ar.succeeded()) {
                            state = State.STARTED;
                            ports.publishInProcess();
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

    private int eventLoopCount() {
        int count = 0;
        for (EventExecutor ignored : vertx.nettyEventLoopGroup()) {
            count++;
        }
        return Math.max(1, count);
    }

    private Future<String> deployIoVerticles() {
        List<ListenAddress> addresses;
        try {
            addresses = ports.beforeListen();
        } catch (IOException e) {
            return owner.failedFuture(e);
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
        return drain.callsDone();
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
                ports.releaseReservations();
                terminated.tryComplete();
                return;
            case STARTING:
                // start() is under way: stop once it settles
                starting.future().onComplete(ar -> startStop(deadlineNanos));
                return;
            case STOPPED:
                return;
            case STOPPING:
                drain.drain(deadlineNanos); // a shorter grace brings the deadline forward; a longer one is ignored
                return;
            case STARTED:
                break;
        }
        state = State.STOPPING;
        signal("stopping");
        log.debug("server " + id + " stopping, grace "
                + Duration.ofNanos(Math.max(0, deadlineNanos - System.nanoTime())));
        drain.drain(deadlineNanos);
        if (drain.allDrained()) {
            // every IO instance reported Drained before this stop: Vert.x is closing and undeployed them first (their
            // consumers are gone, so the Drain just sent reaches nobody and no further Drained will come)
            undeployAndTerminate();
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
                    ports.releaseReservations();
                    closing.add(blockingPool.close());
                    drain.unregister(closing);
                    return Future.join(closing);
                })
                .onComplete(ar -> {
                    ports.releaseInProcessName();
                    if (nameClaimed) {
                        ServerSignals.releaseName(vertx, id);
                    }
                    State before = state;
                    state = State.STOPPED;
                    if (before == State.STOPPING) {
                        signal("stopped");
                    }
                    log.debug("server " + id + " stopped: " + drain.callsDoneSummary());
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
