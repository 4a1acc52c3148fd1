package io.rpcvertx.it.server;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.rpcvertx.CallOptions;
import io.rpcvertx.Channel;
import io.rpcvertx.Http2Transport;
import io.rpcvertx.RpcVertx;
import io.rpcvertx.Server;
import io.rpcvertx.ServerOptions;
import io.rpcvertx.StatusCode;
import io.rpcvertx.StreamStreamCall;
import io.rpcvertx.UnaryStreamCall;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Server stop under load: rpc-vertx and grpc-java clients run many concurrent unary, server-streaming and bidi calls
 * while {@code stop(grace)} happens. Calls that ended before the stop are intact; calls in flight either complete
 * intact or end CANCELLED/UNAVAILABLE, none hangs and none succeeds with lost messages; calls after the stop fail
 * UNAVAILABLE.
 */
@ExtendWith(VertxExtension.class)
@Timeout(120)
class GracefulStopIT {
    /** Calls that must have succeeded before the stop, so it happens under full load. */
    static final int WARM_UP_CALLS = 150;

    static final Duration CALL_DEADLINE = Duration.ofSeconds(20);

    /**
     * One finished call as its client saw it: {@code intact}, everything expected arrived; {@code consistent}, what
     * arrived is a prefix of what was expected (nothing altered or reordered).
     */
    record Outcome(
            String kind, long issuedNanos, long endedNanos, StatusCode code, boolean intact, boolean consistent) {
        Outcome(String kind, StatusCode code, boolean intact, boolean consistent) {
            this(kind, 0, 0, code, intact, consistent);
        }
    }

    Vertx vertx;
    Server server;
    int port;
    final AtomicInteger handlersRunning = new AtomicInteger();
    final ConcurrentLinkedQueue<Outcome> outcomes = new ConcurrentLinkedQueue<>();
    final AtomicInteger okCount = new AtomicInteger();
    final CountDownLatch warmedUp = new CountDownLatch(WARM_UP_CALLS);
    volatile boolean issuing = true;
    final List<LoadVerticle> loads = new ArrayList<>();
    ManagedChannel grpcChannel;
    GrpcJavaLoad grpcLoad;

    @BeforeEach
    void setUp(Vertx vertx) {
        this.vertx = vertx;
    }

    void startServer(Http2Transport transport) throws Exception {
        // one IO instance per event loop
        server = RpcVertx.server(vertx, ServerOptions.DEFAULT.withHttp2Transport(transport));
        server.addGenericRpcHandlers(StopLoad.service(vertx, handlersRunning));
        port = server.addInsecurePort("127.0.0.1:0").await(5, SECONDS);
        server.start().await(5, SECONDS);
        grpcChannel =
                NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    }

    @AfterEach
    void tearDown() throws Exception {
        issuing = false;
        for (LoadVerticle load : loads) {
            load.channel.close().await(5, SECONDS);
        }
        if (grpcChannel != null) {
            grpcChannel.shutdownNow();
            assertThat(grpcChannel.awaitTermination(5, SECONDS)).isTrue();
        }
        if (server != null) {
            server.stop(null).await(5, SECONDS);
        }
    }

    static Stream<Arguments> stops() {
        // the Netty transport runs the two stops that end at a deadline with calls still in flight (the others are
        // the same drain without or before a deadline), to stay within the suite's time budget
        return Stream.of(
                Arguments.of("abort (null)", Http2Transport.VERTX_HTTP, new Duration[] {null}),
                Arguments.of("100 ms", Http2Transport.VERTX_HTTP, new Duration[] {Duration.ofMillis(100)}),
                Arguments.of("10 s", Http2Transport.VERTX_HTTP, new Duration[] {Duration.ofSeconds(10)}),
                Arguments.of("10 s, then 50 ms", Http2Transport.VERTX_HTTP, new Duration[] {
                    Duration.ofSeconds(10), Duration.ofMillis(50)
                }),
                Arguments.of("100 ms", Http2Transport.NETTY, new Duration[] {Duration.ofMillis(100)}),
                Arguments.of("10 s, then 50 ms", Http2Transport.NETTY, new Duration[] {
                    Duration.ofSeconds(10), Duration.ofMillis(50)
                }));
    }

    @ParameterizedTest(name = "{0}, {1}")
    @MethodSource("stops")
    void stopUnderLoad_completedIntact_inFlightCompleteOrCancelled_newUnavailable(
            String name, Http2Transport transport, Duration[] graces) throws Exception {
        startServer(transport);
        for (int i = 0; i < 2; i++) {
            LoadVerticle load = new LoadVerticle(8);
            loads.add(load);
            vertx.deployVerticle(load).await(5, SECONDS);
        }
        grpcLoad = new GrpcJavaLoad(6);
        assertThat(warmedUp.await(30, SECONDS)).as("warm-up calls").isTrue();

        long stopNanos = System.nanoTime();
        List<Future<Void>> stops = new ArrayList<>();
        for (Duration grace : graces) {
            stops.add(server.stop(grace));
        }
        long stopReturnedNanos = System.nanoTime();
        Future.all(stops).await(30, SECONDS);
        assertThat(handlersRunning.get()).as("handlers running after stop").isZero();

        issuing = false;
        for (LoadVerticle load : loads) {
            load.quiet.future().await(30, SECONDS);
        }
        grpcLoad.quiet.get(30, SECONDS);

        // new calls after the stop: UNAVAILABLE, from both clients
        for (LoadVerticle load : loads) {
            assertThat(load.channel
                            .unaryUnary(StopLoad.UNARY)
                            .call("1", CallOptions.DEFAULT.withTimeout(CALL_DEADLINE))
                            .code()
                            .await(10, SECONDS))
                    .isEqualTo(StatusCode.UNAVAILABLE);
        }
        Status.Code grpcCode = Status.fromThrowable(catchGrpc(() -> ClientCalls.blockingUnaryCall(
                        grpcChannel,
                        GrpcJavaMethods.UNARY,
                        io.grpc.CallOptions.DEFAULT.withDeadlineAfter(10, SECONDS),
                        "1")))
                .getCode();
        assertThat(grpcCode).isEqualTo(Status.Code.UNAVAILABLE);

        List<Outcome> all = new ArrayList<>(outcomes);
        assertThat(all)
                .as("no call hung until its deadline")
                .allSatisfy(
                        o -> assertThat(o.code()).isIn(StatusCode.OK, StatusCode.CANCELLED, StatusCode.UNAVAILABLE));
        assertThat(all).as("no message altered or reordered").allMatch(Outcome::consistent);
        assertThat(all).as("no call succeeded with lost messages").allSatisfy(o -> {
            if (o.code() == StatusCode.OK) {
                assertThat(o.intact()).as(o.kind()).isTrue();
            }
        });
        assertThat(all.stream().filter(o -> o.endedNanos() < stopNanos))
                .as("calls that ended before the stop")
                .hasSizeGreaterThanOrEqualTo(WARM_UP_CALLS)
                .allSatisfy(o -> assertThat(o.code()).isEqualTo(StatusCode.OK));
        List<Outcome> inFlight = all.stream()
                .filter(o -> o.issuedNanos() < stopNanos && o.endedNanos() >= stopNanos)
                .toList();
        assertThat(inFlight).as("calls in flight at the stop").isNotEmpty();
        assertThat(all.stream().filter(o -> o.issuedNanos() > stopReturnedNanos))
                .as("calls issued after stop() returned")
                .allSatisfy(o -> assertThat(o.code()).isEqualTo(StatusCode.UNAVAILABLE));

        Duration shortest = Stream.of(graces)
                .map(g -> g == null ? Duration.ZERO : g)
                .min(Duration::compareTo)
                .orElseThrow();
        if (shortest.compareTo(Duration.ofSeconds(5)) >= 0) {
            // every handler finishes within a second: with a long grace nothing is cancelled
            assertThat(inFlight).noneMatch(o -> o.code() == StatusCode.CANCELLED);
            assertThat(inFlight).anyMatch(o -> o.code() == StatusCode.OK);
        }
        if (shortest.isZero()) {
            assertThat(inFlight)
                    .as("an abort cancels what is in flight")
                    .anyMatch(o -> o.code() == StatusCode.CANCELLED);
        }
    }

    static Throwable catchGrpc(Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            return e;
        }
        throw new AssertionError("the call succeeded");
    }

    void record(Outcome o, long issuedNanos) {
        outcomes.add(new Outcome(o.kind(), issuedNanos, System.nanoTime(), o.code(), o.intact(), o.consistent()));
        StatusCode code = o.code();
        if (code == StatusCode.OK && okCount.incrementAndGet() <= WARM_UP_CALLS) {
            warmedUp.countDown();
        }
    }

    /** Workers on one event loop, each running one call after the other on the verticle's own channel. */
    final class LoadVerticle extends VerticleBase {
        final int workers;
        final Promise<Void> quiet = Promise.promise();
        Channel channel;
        int running;

        LoadVerticle(int workers) {
            this.workers = workers;
        }

        @Override
        public Future<?> start() {
            channel = RpcVertx.insecureChannel(vertx, "127.0.0.1:" + port);
            running = workers;
            for (int i = 0; i < workers; i++) {
                next();
            }
            return Future.succeededFuture();
        }

        private void next() {
            if (!issuing) {
                if (--running == 0) {
                    quiet.complete();
                }
                return;
            }
            long issued = System.nanoTime();
            CallOptions options = CallOptions.DEFAULT.withTimeout(CALL_DEADLINE);
            ThreadLocalRandom random = ThreadLocalRandom.current();
            Future<Outcome> call = switch (random.nextInt(3)) {
                case 0 -> unary(issued, options, random.nextInt(1, 60));
                case 1 -> count(issued, options, random.nextInt(1, 12), random.nextInt(1, 15));
                default -> echo(issued, options, random.nextInt(1, 8));
            };
            call.onComplete(ar -> {
                Outcome o = ar.succeeded()
                        ? ar.result()
                        : new Outcome("broken: " + ar.cause(), StatusCode.UNKNOWN, false, false);
                record(o, issued);
                // after a failure (the server is stopping) do not spin: the next call comes a little later
                if (o.code() == StatusCode.OK) {
                    next();
                } else {
                    vertx.setTimer(20, id -> next());
                }
            });
        }

        private Future<Outcome> unary(long issued, CallOptions options, int delayMs) {
            String request = String.valueOf(delayMs);
            var call = channel.unaryUnary(StopLoad.UNARY).call(request, options);
            return call.code()
                    .compose(code -> call.response()
                            .map(reply -> new Outcome("unary", code, reply.equals(request), reply.equals(request)))
                            .otherwise(new Outcome("unary", code, false, true)));
        }

        private Future<Outcome> count(long issued, CallOptions options, int n, int intervalMs) {
            UnaryStreamCall<String, String> call =
                    channel.unaryStream(StopLoad.COUNT).call(n + ":" + intervalMs, options);
            List<String> received = new ArrayList<>();
            Promise<Boolean> ended = Promise.promise();
            call.responses()
                    .handler(received::add)
                    .exceptionHandler(err -> ended.tryComplete(false))
                    .endHandler(v -> ended.tryComplete(true));
            return ended.future()
                    .compose(clean -> call.code().map(code -> {
                        List<String> expected = new ArrayList<>();
                        for (int i = 0; i < n; i++) {
                            expected.add(String.valueOf(i));
                        }
                        boolean prefix = received.size() <= n && received.equals(expected.subList(0, received.size()));
                        return new Outcome("count", code, clean && received.equals(expected), prefix);
                    }));
        }

        private Future<Outcome> echo(long issued, CallOptions options, int n) {
            StreamStreamCall<String, String> call =
                    channel.streamStream(StopLoad.ECHO).call(options);
            List<String> sent = new ArrayList<>();
            List<String> received = new ArrayList<>();
            Promise<Boolean> ended = Promise.promise();
            call.responses()
                    .handler(received::add)
                    .exceptionHandler(err -> ended.tryComplete(false))
                    .endHandler(v -> ended.tryComplete(true));
            new Object() {
                int i;

                void write() {
                    if (i == n) {
                        call.doneWriting();
                        return;
                    }
                    String m = "m" + i++;
                    sent.add(m);
                    call.write(m).onComplete(ar -> {
                        if (ar.succeeded()) {
                            vertx.setTimer(5, id -> write());
                        }
                    });
                }
            }.write();
            return ended.future()
                    .compose(clean -> call.code()
                            .map(code -> new Outcome(
                                    "echo",
                                    code,
                                    clean && received.equals(sent),
                                    received.size() <= sent.size()
                                            && received.equals(sent.subList(0, received.size())))));
        }
    }

    /** grpc-java unary calls, in {@code workers} chains of async calls. */
    final class GrpcJavaLoad {
        final CompletableFuture<Void> quiet = new CompletableFuture<>();
        final AtomicInteger running;

        GrpcJavaLoad(int workers) {
            running = new AtomicInteger(workers);
            for (int i = 0; i < workers; i++) {
                next();
            }
        }

        void next() {
            if (!issuing) {
                if (running.decrementAndGet() == 0) {
                    quiet.complete(null);
                }
                return;
            }
            long issued = System.nanoTime();
            String request = String.valueOf(ThreadLocalRandom.current().nextInt(1, 60));
            var future = ClientCalls.futureUnaryCall(
                    grpcChannel.newCall(
                            GrpcJavaMethods.UNARY,
                            io.grpc.CallOptions.DEFAULT.withDeadlineAfter(
                                    CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)),
                    request);
            future.addListener(
                    () -> {
                        String reply = null;
                        Status status = Status.OK;
                        try {
                            reply = future.get();
                        } catch (Exception e) {
                            status = Status.fromThrowable(e);
                        }
                        StatusCode code = StatusCode.fromValue(status.getCode().value());
                        boolean intact = request.equals(reply);
                        record(new Outcome("grpc-java unary", code, intact, reply == null || intact), issued);
                        if (code == StatusCode.OK) {
                            next();
                        } else {
                            vertx.setTimer(20, id -> next());
                        }
                    },
                    Runnable::run);
        }
    }
}
