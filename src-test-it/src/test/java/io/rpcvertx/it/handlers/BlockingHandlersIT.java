package io.rpcvertx.it.handlers;

import static io.rpcvertx.it.handlers.Methods.CLIENT_STREAM;
import static io.rpcvertx.it.handlers.Methods.OTHER_UNARY;
import static io.rpcvertx.it.handlers.Methods.SERVER_STREAM;
import static io.rpcvertx.it.handlers.Methods.SERVICE;
import static io.rpcvertx.it.handlers.Methods.UNARY;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rpcvertx.Blocking;
import io.rpcvertx.Channel;
import io.rpcvertx.RpcException;
import io.rpcvertx.RpcMethodHandler;
import io.rpcvertx.RpcVertx;
import io.rpcvertx.Server;
import io.rpcvertx.ServerOptions;
import io.rpcvertx.ServiceDefinition;
import io.rpcvertx.StatusCode;
import io.rpcvertx.StreamUnaryCall;
import io.rpcvertx.UnaryStreamCall;
import io.rpcvertx.UnaryUnaryCall;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledForJreRange;
import org.junit.jupiter.api.condition.JRE;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Blocking handlers (grpc.aio {@code migration_thread_pool}): they run on the server's named worker pool, leave the
 * event loop free for other calls, and wait on futures with {@link Blocking#await}.
 */
@ExtendWith(VertxExtension.class)
@Timeout(60)
class BlockingHandlersIT {
    static final String POOL = "it-blocking";
    static final ServerOptions OPTIONS = ServerOptions.DEFAULT.withBlockingPool(POOL, 4);

    Vertx vertx;
    final List<Server> servers = new ArrayList<>();
    final List<Channel> channels = new ArrayList<>();
    /** Lets every handler that waits for the test go, also when a test fails half-way. */
    final CountDownLatch release = new CountDownLatch(1);

    @BeforeEach
    void setUp(Vertx vertx) {
        this.vertx = vertx;
    }

    @AfterEach
    void tearDown() throws Exception {
        release.countDown();
        for (Channel c : channels) {
            c.close().await(5, SECONDS);
        }
        for (Server s : servers) {
            s.stop(Duration.ZERO).await(5, SECONDS);
        }
    }

    Channel start(ServerOptions options, RpcMethodHandler<?, ?>... handlers) throws Exception {
        Server server = RpcVertx.server(vertx, options);
        servers.add(server);
        server.addGenericRpcHandlers(ServiceDefinition.of(SERVICE, handlers));
        int port = server.addInsecurePort("127.0.0.1:0").await(5, SECONDS);
        server.start().await(5, SECONDS);
        Channel channel = RpcVertx.insecureChannel(vertx, "127.0.0.1:" + port);
        channels.add(channel);
        return channel;
    }

    static RpcMethodHandler<String, String> fast(CompletableFuture<String> thread) {
        return RpcMethodHandler.unaryUnary(OTHER_UNARY, (request, context) -> {
            thread.complete(Thread.currentThread().getName());
            return Future.succeededFuture("fast:" + request);
        });
    }

    /** Blocks its thread until the test releases it (at most 30 s): blocking is the point of a blocking handler. */
    void sleepUntilReleased() {
        try {
            release.await(30, SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    @Test
    void blockingHandler_sleeps_concurrentCallOnTheSameLoopFinishesFirst() throws Exception {
        CompletableFuture<String> slowThread = new CompletableFuture<>();
        CompletableFuture<String> slowCallLoop = new CompletableFuture<>();
        CompletableFuture<String> fastThread = new CompletableFuture<>();
        RpcMethodHandler<String, String> slow = RpcMethodHandler.<String, String>unaryUnary(UNARY, (request, ctx) -> {
                    ctx.addDoneCallback(
                            v -> slowCallLoop.complete(Thread.currentThread().getName()));
                    slowThread.complete(Thread.currentThread().getName());
                    sleepUntilReleased();
                    return Future.succeededFuture("slow:" + request);
                })
                .blocking();
        Channel channel = start(OPTIONS, slow, fast(fastThread));

        UnaryUnaryCall<String, String> slowCall = channel.unaryUnary(UNARY).call("a");
        assertThat(slowThread.get(5, SECONDS)).startsWith(POOL + "-");
        // the same channel, so the same connection and event loop, while the slow handler sleeps
        String fastResponse =
                channel.unaryUnary(OTHER_UNARY).call("b").response().await(5, SECONDS);

        assertThat(fastResponse).isEqualTo("fast:b");
        assertThat(slowCall.isDone()).as("the blocking call is still sleeping").isFalse();
        release.countDown();
        assertThat(slowCall.response().await(5, SECONDS)).isEqualTo("slow:a");
        assertThat(fastThread.get(5, SECONDS)).startsWith("vert.x-eventloop-thread-");
        assertThat(slowCallLoop.get(5, SECONDS)).as("the slow call's loop").isEqualTo(fastThread.get());
    }

    @Test
    void blockingHandler_awaitsAnOutgoingRpc_withBlockingAwait() throws Exception {
        CompletableFuture<Channel> backend = new CompletableFuture<>();
        CompletableFuture<Throwable> vertxAwait = new CompletableFuture<>();
        RpcMethodHandler<String, String> viaRpc = RpcMethodHandler.<String, String>unaryUnary(UNARY, (request, ctx) -> {
                    Future<String> outgoing =
                            backend.join().unaryUnary(OTHER_UNARY).call(request).response();
                    try {
                        outgoing.await(); // what Vert.x 5.0.10 refuses on worker threads
                        vertxAwait.complete(null);
                    } catch (RuntimeException e) {
                        vertxAwait.complete(e);
                    }
                    return Future.succeededFuture("via:" + Blocking.await(outgoing));
                })
                .blocking();
        Channel channel = start(OPTIONS, viaRpc, fast(new CompletableFuture<>()));
        backend.complete(channel);

        String response = channel.unaryUnary(UNARY).call("x").response().await(5, SECONDS);

        assertThat(response).isEqualTo("via:fast:x");
        assertThat(vertxAwait.get(5, SECONDS))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("worker thread");
    }

    @Test
    void blockingAwait_inAHandlerOnTheEventLoop_throwsIllegalStateException() throws Exception {
        RpcMethodHandler<String, String> onLoop = RpcMethodHandler.unaryUnary(UNARY, (request, ctx) -> {
            try {
                return Future.succeededFuture("returned " + Blocking.await(Future.succeededFuture(request)));
            } catch (IllegalStateException e) {
                return Future.succeededFuture("refused: " + e.getMessage());
            }
        });
        Channel channel = start(OPTIONS, onLoop);

        String response = channel.unaryUnary(UNARY).call("x").response().await(5, SECONDS);

        assertThat(response).startsWith("refused: Blocking.await on an event-loop thread");
    }

    @Test
    void blockingAwait_failedFuture_throwsTheFailureUnchanged() {
        RpcException failure = new RpcException(StatusCode.ABORTED, "no");

        assertThatThrownBy(() -> Blocking.await(Future.failedFuture(failure))).isSameAs(failure);
        assertThat(Blocking.await(Future.succeededFuture("ok"))).isEqualTo("ok");
    }

    @Test
    void blockingClientStreaming_readsWithBlockingAwait_readFuturesCompleteOnTheCallLoop() throws Exception {
        List<Boolean> completedOnEventLoop = new CopyOnWriteArrayList<>();
        RpcMethodHandler<String, String> collect = RpcMethodHandler.<String, String>streamUnary(
                        CLIENT_STREAM, (requests, ctx) -> {
                            StringBuilder all = new StringBuilder();
                            int count = 0;
                            while (true) {
                                Future<Optional<String>> next = ctx.read();
                                next.onComplete(ar -> completedOnEventLoop.add(Context.isOnEventLoopThread()));
                                Optional<String> message = Blocking.await(next);
                                if (message.isEmpty()) {
                                    break;
                                }
                                count++;
                                all.append(message.get());
                            }
                            return Future.succeededFuture(count + ":" + all);
                        })
                .blocking();
        Channel channel = start(OPTIONS, collect);

        StreamUnaryCall<String, String> call =
                channel.streamUnary(CLIENT_STREAM).call();
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < 50; i++) {
            call.write("m" + i);
            expected.append("m").append(i);
        }
        call.doneWriting();

        assertThat(call.response().await(5, SECONDS)).isEqualTo("50:" + expected);
        assertThat(completedOnEventLoop).hasSize(51).containsOnly(true);
    }

    @Test
    void blockingServerStreaming_awaitsEachWrite_allArriveInOrder() throws Exception {
        RpcMethodHandler<String, String> stream = RpcMethodHandler.<String, String>unaryStream(
                        SERVER_STREAM, (request, ctx) -> {
                            for (int i = 0; i < 100; i++) {
                                Blocking.await(ctx.write(request + i));
                            }
                            return Future.succeededFuture();
                        })
                .blocking();
        Channel channel = start(OPTIONS, stream);

        UnaryStreamCall<String, String> call =
                channel.unaryStream(SERVER_STREAM).call("r");
        List<String> received = new ArrayList<>();
        while (true) {
            Optional<String> next = call.read().await(5, SECONDS);
            if (next.isEmpty()) {
                break;
            }
            received.add(next.get());
        }

        assertThat(received).hasSize(100).startsWith("r0", "r1").endsWith("r99");
        assertThat(call.code().await(5, SECONDS)).isEqualTo(StatusCode.OK);
    }

    @Test
    void blockingServiceDefinition_everyMethodRunsOnThePool() throws Exception {
        List<String> threads = new CopyOnWriteArrayList<>();
        ServiceDefinition service = ServiceDefinition.of(
                        SERVICE,
                        RpcMethodHandler.unaryUnary(UNARY, (request, ctx) -> {
                            threads.add(Thread.currentThread().getName());
                            return Future.succeededFuture(request);
                        }),
                        RpcMethodHandler.unaryStream(SERVER_STREAM, (request, ctx) -> {
                            threads.add(Thread.currentThread().getName());
                            return ctx.write(request);
                        }))
                .blocking();
        Server server = RpcVertx.server(vertx, OPTIONS);
        servers.add(server);
        server.addGenericRpcHandlers(service);
        int port = server.addInsecurePort("127.0.0.1:0").await(5, SECONDS);
        server.start().await(5, SECONDS);
        Channel channel = RpcVertx.insecureChannel(vertx, "127.0.0.1:" + port);
        channels.add(channel);

        channel.unaryUnary(UNARY).call("u").response().await(5, SECONDS);
        UnaryStreamCall<String, String> stream =
                channel.unaryStream(SERVER_STREAM).call("s");
        assertThat(stream.read().await(5, SECONDS)).contains("s");
        assertThat(stream.code().await(5, SECONDS)).isEqualTo(StatusCode.OK);

        assertThat(service.handlersByPath().values()).allMatch(RpcMethodHandler::isBlocking);
        assertThat(threads).hasSize(2).allMatch(name -> name.startsWith(POOL + "-"));
    }

    @Test
    void blockingHandler_throwsRpcException_clientGetsThatStatus() throws Exception {
        Channel channel = start(
                OPTIONS,
                RpcMethodHandler.<String, String>unaryUnary(UNARY, (request, ctx) -> {
                            throw new RpcException(StatusCode.NOT_FOUND, "no " + request);
                        })
                        .blocking());

        UnaryUnaryCall<String, String> call = channel.unaryUnary(UNARY).call("x");

        assertThat(call.code().await(5, SECONDS)).isEqualTo(StatusCode.NOT_FOUND);
        assertThat(call.details().await(5, SECONDS)).isEqualTo("no x");
    }

    @Test
    void blockingHandler_throwsAnythingElse_clientGetsUnknownWithoutTheMessage() throws Exception {
        Channel channel = start(
                OPTIONS,
                RpcMethodHandler.<String, String>unaryUnary(UNARY, (request, ctx) -> {
                            throw new IllegalStateException("secret");
                        })
                        .blocking());

        UnaryUnaryCall<String, String> call = channel.unaryUnary(UNARY).call("x");

        assertThat(call.code().await(5, SECONDS)).isEqualTo(StatusCode.UNKNOWN);
        assertThat(call.details().await(5, SECONDS)).doesNotContain("secret");
    }

    @Test
    void blockingPool_ofSizeOne_runsOneBlockingHandlerAtATime() throws Exception {
        List<String> started = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> firstStarted = new CompletableFuture<>();
        RpcMethodHandler<String, String> slow = RpcMethodHandler.<String, String>unaryUnary(UNARY, (request, ctx) -> {
                    started.add(request);
                    firstStarted.complete(null);
                    sleepUntilReleased();
                    return Future.succeededFuture(request);
                })
                .blocking();
        Channel channel = start(
                ServerOptions.DEFAULT.withBlockingPool("it-blocking-one", 1), slow, fast(new CompletableFuture<>()));

        UnaryUnaryCall<String, String> first = channel.unaryUnary(UNARY).call("first");
        firstStarted.get(5, SECONDS);
        UnaryUnaryCall<String, String> second = channel.unaryUnary(UNARY).call("second");
        // a later event on the same connection: the second call's request has been read by now
        channel.unaryUnary(OTHER_UNARY).call("later").response().await(5, SECONDS);

        assertThat(started).as("the second waits for the only thread").containsExactly("first");
        release.countDown();
        assertThat(first.response().await(5, SECONDS)).isEqualTo("first");
        assertThat(second.response().await(5, SECONDS)).isEqualTo("second");
        assertThat(started).containsExactly("first", "second");
    }

    @Test
    void serverStop_blockingHandlerStillRunning_isInterrupted() throws Exception {
        CompletableFuture<Void> handlerStarted = new CompletableFuture<>();
        CompletableFuture<Boolean> interrupted = new CompletableFuture<>();
        RpcMethodHandler<String, String> stuck = RpcMethodHandler.<String, String>unaryUnary(UNARY, (request, ctx) -> {
                    handlerStarted.complete(null);
                    try {
                        release.await(30, SECONDS);
                        interrupted.complete(false);
                    } catch (InterruptedException e) {
                        interrupted.complete(true);
                    }
                    return Future.succeededFuture(request);
                })
                .blocking();
        Channel channel = start(OPTIONS, stuck);
        UnaryUnaryCall<String, String> call = channel.unaryUnary(UNARY).call("x");
        handlerStarted.get(5, SECONDS);

        servers.get(0).stop(Duration.ZERO).await(5, SECONDS);

        assertThat(interrupted.get(5, SECONDS))
                .as("interrupted when the pool closed")
                .isTrue();
        assertThat(call.code().await(5, SECONDS)).isIn(StatusCode.CANCELLED, StatusCode.UNAVAILABLE);
    }

    @Test
    @EnabledForJreRange(min = JRE.JAVA_21)
    void virtualThreads_onJava21_handlerRunsOnAVirtualThreadWhereFutureAwaitWorks() throws Exception {
        CompletableFuture<Boolean> virtual = new CompletableFuture<>();
        CompletableFuture<Channel> backend = new CompletableFuture<>();
        RpcMethodHandler<String, String> onVirtual = RpcMethodHandler.<String, String>unaryUnary(
                        UNARY, (request, ctx) -> {
                            virtual.complete(isVirtual(Thread.currentThread()));
                            Future<String> outgoing = backend.join()
                                    .unaryUnary(OTHER_UNARY)
                                    .call(request)
                                    .response();
                            String viaVertx = outgoing.await();
                            return Future.succeededFuture(viaVertx + "/" + Blocking.await(outgoing));
                        })
                .blocking();
        Channel channel = start(
                OPTIONS.withBlockingThreadingModel(ThreadingModel.VIRTUAL_THREAD),
                onVirtual,
                fast(new CompletableFuture<>()));
        backend.complete(channel);

        String response = channel.unaryUnary(UNARY).call("v").response().await(5, SECONDS);

        assertThat(response).isEqualTo("fast:v/fast:v");
        assertThat(virtual.get(5, SECONDS)).isTrue();
    }

    @Test
    @EnabledForJreRange(max = JRE.JAVA_20)
    void virtualThreads_beforeJava21_serverCreationFailsClearly() {
        ServerOptions options = OPTIONS.withBlockingThreadingModel(ThreadingModel.VIRTUAL_THREAD);

        assertThatThrownBy(() -> RpcVertx.server(vertx, options))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("VIRTUAL_THREAD")
                .hasMessageContaining("Java 21");
    }

    private static boolean isVirtual(Thread thread) {
        try {
            return (Boolean) Thread.class.getMethod("isVirtual").invoke(thread);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }
}
