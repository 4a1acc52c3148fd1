package io.rpcvertx.testkit;

import io.rpcvertx.Channel;
import io.rpcvertx.ChannelOptions;
import io.rpcvertx.GenericRpcHandler;
import io.rpcvertx.HandlerCallDetails;
import io.rpcvertx.RpcMethodHandler;
import io.rpcvertx.RpcVertx;
import io.rpcvertx.Server;
import io.rpcvertx.ServerInterceptor;
import io.rpcvertx.ServerMessageInterceptor;
import io.rpcvertx.ServerOptions;
import io.rpcvertx.ServicerContext;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A JUnit 5 extension that gives each test a {@link Vertx}, a started in-process {@link Server} serving the named
 * services and a {@link Channel} to it, and closes and awaits all three after the test (grpc-java's
 * {@code GrpcCleanupRule} plus an {@code InProcessServerBuilder}, in one line).
 *
 * <pre>{@code
 * @RegisterExtension
 * final RpcVertxExtension rpc = RpcVertxExtension.withServices(GreeterGrpc.bindService(new MyGreeter()));
 *
 * @Test
 * void sayHello() throws Exception {
 *     HelloReply reply = new GreeterStub(rpc.channel()).sayHello(request).response().await(5, SECONDS);
 * }
 * }</pre>
 *
 * <p>Everything runs as over HTTP/2 (messages are serialized, deadlines, cancellation, metadata and flow control
 * behave the same; see {@link RpcVertx#inProcessServer}), without a socket. Each test gets a fresh {@code Vertx} and
 * a server under a unique name, so tests may run in parallel.
 *
 * <p><b>Leaked calls fail the test.</b> After the test body the extension waits up to {@link #withLeakGrace leak grace}
 * (default one second) for every call the server accepted to end; a call still open then (its handler has not
 * finished, and nobody cancelled it or let its deadline pass) is a leak: the extension cancels it, closes everything
 * and fails the test with an {@link AssertionError} naming the leaked methods. A test that starts a call it does not
 * await must cancel it.
 *
 * <p>Register it as an instance field with {@code @RegisterExtension}; the accessors may be called only while a test
 * runs ({@link IllegalStateException} otherwise). The {@code with*} methods return a copy and are meant for the
 * field's initializer.
 */
public final class RpcVertxExtension implements BeforeEachCallback, AfterEachCallback {
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);

    private final List<GenericRpcHandler> services;
    private final ServerOptions serverOptions;
    private final ChannelOptions channelOptions;
    private final Duration leakGrace;

    private @Nullable Running running;

    private RpcVertxExtension(
            List<GenericRpcHandler> services,
            ServerOptions serverOptions,
            ChannelOptions channelOptions,
            Duration leakGrace) {
        this.services = services;
        this.serverOptions = serverOptions;
        this.channelOptions = channelOptions;
        this.leakGrace = leakGrace;
    }

    /** An extension whose server serves these services (generated {@code XGrpc.bindService(...)} or any handler). */
    public static RpcVertxExtension withServices(GenericRpcHandler... services) {
        Objects.requireNonNull(services, "services");
        return new RpcVertxExtension(
                List.of(services), ServerOptions.DEFAULT, ChannelOptions.DEFAULT, Duration.ofSeconds(1));
    }

    /**
     * A copy whose server uses these options (interceptors, limits, compression). The extension's leak tracking is
     * added as the outermost interceptor; the given interceptors keep their order inside it.
     */
    public RpcVertxExtension withServerOptions(ServerOptions options) {
        Objects.requireNonNull(options, "options");
        return new RpcVertxExtension(services, options, channelOptions, leakGrace);
    }

    /** A copy whose channels ({@link #channel()}, {@link #newChannel()}) use these options. */
    public RpcVertxExtension withChannelOptions(ChannelOptions options) {
        Objects.requireNonNull(options, "options");
        return new RpcVertxExtension(services, serverOptions, options, leakGrace);
    }

    /**
     * A copy that waits up to {@code grace} after the test for calls still running to end before it calls them
     * leaked (default one second: enough for a call whose client already saw the status to finish on the server).
     *
     * @throws IllegalArgumentException if {@code grace} is negative
     */
    public RpcVertxExtension withLeakGrace(Duration grace) {
        Objects.requireNonNull(grace, "grace");
        if (grace.isNegative()) {
            throw new IllegalArgumentException("grace: " + grace + " (expected: >= 0)");
        }
        return new RpcVertxExtension(services, serverOptions, channelOptions, grace);
    }

    /** The test's {@code Vertx}, closed after the test. */
    public Vertx vertx() {
        return running().vertx;
    }

    /** The test's started in-process server, stopped after the test. */
    public Server server() {
        return running().server;
    }

    /** The in-process name the server serves under (unique per test). */
    public String name() {
        return running().name;
    }

    /** A channel to the server, closed after the test. */
    public Channel channel() {
        return running().channel;
    }

    /** Another channel to the server (its own calls, its own options), closed after the test. */
    public Channel newChannel(ChannelOptions options) {
        Objects.requireNonNull(options, "options");
        Running r = running();
        Channel channel = RpcVertx.inProcessChannel(r.vertx, r.name, options);
        r.channels.add(channel);
        return channel;
    }

    /** The methods ({@link ServicerContext#method()}, {@code /package.Service/Method}) of the calls the server is running now, one entry per call. */
    public List<String> openCalls() {
        return List.copyOf(running().tracker.open.values());
    }

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        start();
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        stop();
    }

    /** Starts the Vertx, server and channel; what {@link #beforeEach} does. */
    void start() throws Exception {
        if (running != null) {
            throw new IllegalStateException("already started (register the extension once, per test instance)");
        }
        Vertx vertx = Vertx.vertx();
        try {
            String name = "rpc-vertx-testkit-" + UUID.randomUUID();
            CallTracker tracker = new CallTracker();
            List<ServerInterceptor> interceptors = new ArrayList<>();
            interceptors.add(tracker::track);
            interceptors.addAll(serverOptions.interceptors());
            Server server = RpcVertx.inProcessServer(
                    vertx, name, serverOptions.withInterceptors(interceptors.toArray(ServerInterceptor[]::new)));
            server.addGenericRpcHandlers(services.toArray(GenericRpcHandler[]::new));
            server.start().await(CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            running = new Running(vertx, name, server, RpcVertx.inProcessChannel(vertx, name, channelOptions), tracker);
        } catch (Exception | Error e) {
            vertx.close().await(CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            throw e;
        }
    }

    /**
     * Waits for open calls, closes channels, server and Vertx, then throws {@link AssertionError} if calls leaked;
     * what {@link #afterEach} does.
     */
    void stop() throws Exception {
        Running r = running();
        running = null;
        List<String> leaked = r.tracker.awaitOpenCalls(leakGrace);
        Throwable failure = null;
        try {
            for (Channel channel : r.channels) {
                channel.close().await(CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
            r.server.stop(Duration.ZERO).await(CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception | AssertionError e) {
            failure = e;
        } finally {
            r.vertx.close().await(CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        }
        if (!leaked.isEmpty()) {
            AssertionError error = new AssertionError(leaked.size() + " call(s) still open at the end of the test: "
                    + leaked + " (await each call's outcome, or cancel the calls the test leaves running)");
            if (failure != null) {
                error.addSuppressed(failure);
            }
            throw error;
        }
        if (failure instanceof Exception e) {
            throw e;
        }
        if (failure instanceof AssertionError e) {
            throw e;
        }
    }

    private Running running() {
        Running r = running;
        if (r == null) {
            throw new IllegalStateException("no test is running (register the extension with @RegisterExtension)");
        }
        return r;
    }

    /** One test's resources. */
    private static final class Running {
        final Vertx vertx;
        final String name;
        final Server server;
        final Channel channel;
        final CallTracker tracker;
        final List<Channel> channels = new CopyOnWriteArrayList<>();

        Running(Vertx vertx, String name, Server server, Channel channel, CallTracker tracker) {
            this.vertx = vertx;
            this.name = name;
            this.server = server;
            this.channel = channel;
            this.tracker = tracker;
            channels.add(channel);
        }
    }

    /** The outermost server interceptor: records each call the server runs until its context is done. */
    private static final class CallTracker {
        /** Open calls: each server-side context with its method, removed when the call is done. */
        final Map<ServicerContext<?, ?>, String> open = new ConcurrentHashMap<>();

        final Map<ServicerContext<?, ?>, Promise<Void>> done = new ConcurrentHashMap<>();

        Future<Optional<RpcMethodHandler<?, ?>>> track(
                ServerInterceptor.Continuation continuation, HandlerCallDetails details) {
            return continuation.apply(details).map(found -> found.map(this::tracking));
        }

        private <Req, Resp> RpcMethodHandler<?, ?> tracking(RpcMethodHandler<Req, Resp> handler) {
            RpcMethodHandler<Req, Resp> wrapped = switch (handler.method().type()) {
                case UNARY_UNARY ->
                    RpcMethodHandler.unaryUnary(handler.method(), (request, ctx) -> {
                        opened(ctx);
                        return handler.unaryUnaryHandler().handle(request, ctx);
                    });
                case UNARY_STREAM ->
                    RpcMethodHandler.unaryStream(handler.method(), (request, ctx) -> {
                        opened(ctx);
                        return handler.unaryStreamHandler().handle(request, ctx);
                    });
                case STREAM_UNARY ->
                    RpcMethodHandler.streamUnary(handler.method(), (requests, ctx) -> {
                        opened(ctx);
                        return handler.streamUnaryHandler().handle(requests, ctx);
                    });
                case STREAM_STREAM ->
                    RpcMethodHandler.streamStream(handler.method(), (requests, ctx) -> {
                        opened(ctx);
                        return handler.streamStreamHandler().handle(requests, ctx);
                    });
            };
            if (handler.isBlocking()) {
                wrapped = wrapped.blocking();
            }
            for (ServerMessageInterceptor interceptor : handler.messageInterceptors()) {
                wrapped = wrapped.withMessageInterceptor(interceptor);
            }
            return wrapped;
        }

        private void opened(ServicerContext<?, ?> ctx) {
            Promise<Void> promise = Promise.promise();
            open.put(ctx, ctx.method());
            done.put(ctx, promise);
            ctx.addDoneCallback(v -> {
                open.remove(ctx);
                done.remove(ctx);
                promise.tryComplete();
            });
        }

        /** Waits up to {@code grace} for the open calls to end; returns the methods of those still open. */
        List<String> awaitOpenCalls(Duration grace) {
            List<Future<Void>> pending = new ArrayList<>();
            done.values().forEach(p -> pending.add(p.future()));
            if (!pending.isEmpty()) {
                Future<?> all = Future.join(pending);
                try {
                    all.await(Math.max(1, grace.toMillis()), TimeUnit.MILLISECONDS);
                } catch (TimeoutException e) {
                    // not an error here: the calls still open after the grace are the leak the caller reports
                    assert !all.isComplete() || open.isEmpty();
                }
            }
            List<String> leaked = new ArrayList<>(open.values());
            leaked.sort(null);
            return leaked;
        }
    }
}
