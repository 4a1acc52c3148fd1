package io.rpcvertx.impl.server;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.rpcvertx.Channel;
import io.rpcvertx.Marshaller;
import io.rpcvertx.MethodDescriptor;
import io.rpcvertx.MethodType;
import io.rpcvertx.RpcException;
import io.rpcvertx.RpcMethodHandler;
import io.rpcvertx.RpcVertx;
import io.rpcvertx.Server;
import io.rpcvertx.ServerOptions;
import io.rpcvertx.ServiceDefinition;
import io.rpcvertx.ServicerContext;
import io.rpcvertx.StatusCode;
import io.rpcvertx.StreamStreamCall;
import io.rpcvertx.UnaryUnaryCall;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A server stop always ends: at the grace deadline the calls left are cancelled at the transport, and the stop
 * completes no later than grace + 1 s even when handlers never complete their futures (each is logged once as leaked).
 */
@ExtendWith(VertxExtension.class)
@Timeout(30)
class ServerStopTest {
    static final Marshaller<String> UTF8 = Marshaller.of(s -> Buffer.buffer(s.getBytes(UTF_8)), b -> b.toString(UTF_8));
    static final MethodDescriptor<String, String> BIDI =
            MethodDescriptor.of(MethodType.STREAM_STREAM, "test.Stop/Bidi", UTF8, UTF8);
    static final MethodDescriptor<String, String> BIDI_WATCHED =
            MethodDescriptor.of(MethodType.STREAM_STREAM, "test.Stop/BidiWatched", UTF8, UTF8);
    static final MethodDescriptor<String, String> HANG =
            MethodDescriptor.of(MethodType.UNARY_UNARY, "test.Stop/Hang", UTF8, UTF8);
    static final Duration GRACE = Duration.ofMillis(300);
    /** The rule: a stop completes no later than grace + 1 s. */
    static final long BOUND_NANOS = GRACE.plusSeconds(1).toNanos();

    /** Captures the server's log (Vert.x logs through java.util.logging here). */
    static final class RecordingLogHandler extends Handler {
        final List<LogRecord> records = new CopyOnWriteArrayList<>();

        @Override
        public void publish(LogRecord record) {
            records.add(record);
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}

        List<String> warningsMentioning(String text) {
            List<String> found = new ArrayList<>();
            for (LogRecord r : records) {
                if (r.getLevel() == Level.WARNING
                        && r.getMessage() != null
                        && r.getMessage().contains(text)) {
                    found.add(r.getMessage());
                }
            }
            return found;
        }
    }

    final Logger log = Logger.getLogger("io.rpcvertx");
    final RecordingLogHandler logged = new RecordingLogHandler();
    final CompletableFuture<ServicerContext<String, String>> started = new CompletableFuture<>();
    final CompletableFuture<Throwable> requestsFailed = new CompletableFuture<>();
    final AtomicInteger cleanEnds = new AtomicInteger();
    final CompletableFuture<Boolean> doneCallbackSawCancelled = new CompletableFuture<>();
    final List<Channel> channels = new ArrayList<>();
    Vertx vertx;

    @BeforeEach
    void setUp(Vertx vertx) {
        this.vertx = vertx;
        log.addHandler(logged);
    }

    @AfterEach
    void tearDown() throws Exception {
        log.removeHandler(logged);
        for (Channel c : channels) {
            c.close().await(5, SECONDS);
        }
    }

    /** The handlers, as users write them: none completes its future once its call is cancelled. */
    ServiceDefinition service() {
        return ServiceDefinition.of(
                "test.Stop",
                // the most common Vert.x shape: no exceptionHandler, so a cancelled call never completes the promise
                RpcMethodHandler.streamStream(BIDI, (requests, ctx) -> {
                    Promise<Void> promise = Promise.promise();
                    requests.handler(m -> {});
                    requests.endHandler(v -> {
                        cleanEnds.incrementAndGet();
                        promise.complete();
                    });
                    ctx.addDoneCallback(v -> doneCallbackSawCancelled.complete(ctx.isCancelled()));
                    started.complete(ctx);
                    return promise.future();
                }),
                RpcMethodHandler.streamStream(BIDI_WATCHED, (requests, ctx) -> {
                    requests.handler(m -> {});
                    requests.endHandler(v -> cleanEnds.incrementAndGet());
                    requests.exceptionHandler(requestsFailed::complete);
                    started.complete(ctx);
                    return Promise.<Void>promise().future();
                }),
                RpcMethodHandler.unaryUnary(HANG, (req, ctx) -> {
                    started.complete(ctx);
                    return Promise.<String>promise().future();
                }));
    }

    int startServer(Server server) throws Exception {
        server.addGenericRpcHandlers(service());
        int port = server.addInsecurePort("127.0.0.1:0").await(5, SECONDS);
        server.start().await(5, SECONDS);
        return port;
    }

    Channel channel(Vertx on, int port) {
        Channel c = RpcVertx.insecureChannel(on, "127.0.0.1:" + port);
        channels.add(c);
        return c;
    }

    StreamStreamCall<String, String> startBidi(Channel channel, MethodDescriptor<String, String> method)
            throws Exception {
        StreamStreamCall<String, String> call = channel.streamStream(method).call();
        call.write("hello").await(5, SECONDS);
        started.get(5, SECONDS);
        return call;
    }

    @Test
    void stop_bidiHandlerWithoutExceptionHandler_completesWithinGracePlusOneSecond() throws Exception {
        Server server = RpcVertx.server(vertx);
        int port = startServer(server);
        StreamStreamCall<String, String> call = startBidi(channel(vertx, port), BIDI);

        long t0 = System.nanoTime();
        server.stop(GRACE).await(5, SECONDS);
        long took = System.nanoTime() - t0;

        assertThat(took).isLessThan(BOUND_NANOS);
        assertThat(server.waitForTermination(Duration.ofSeconds(4)).await(5, SECONDS))
                .isTrue();
        assertThat(call.code().await(5, SECONDS)).isEqualTo(StatusCode.CANCELLED);
        assertThat(doneCallbackSawCancelled.get(5, SECONDS)).isTrue();
        assertThat(started.get().isCancelled()).isTrue();
        assertThat(started.get().isDone()).isTrue();
        assertThat(cleanEnds).hasValue(0); // the request stream does not pretend a clean end
    }

    @Test
    void stop_bidiHandlerWithoutExceptionHandler_leakLoggedOnceNamingItsMethod() throws Exception {
        Server server = RpcVertx.server(vertx);
        int port = startServer(server);
        startBidi(channel(vertx, port), BIDI);

        server.stop(GRACE).await(5, SECONDS);

        assertThat(logged.warningsMentioning("test.Stop/Bidi"))
                .hasSize(1)
                .allSatisfy(m -> assertThat(m).contains("leak"));
    }

    @Test
    void stop_requestStreamOfCancelledCall_exceptionHandlerFiresNotEndHandler() throws Exception {
        Server server = RpcVertx.server(vertx);
        int port = startServer(server);
        startBidi(channel(vertx, port), BIDI_WATCHED);

        server.stop(GRACE).await(5, SECONDS);

        Throwable failure = requestsFailed.get(5, SECONDS);
        assertThat(failure).isInstanceOf(RpcException.class);
        assertThat(((RpcException) failure).code()).isEqualTo(StatusCode.CANCELLED);
        assertThat(cleanEnds).hasValue(0);
    }

    @Test
    void stop_unaryHandlerFutureNeverCompletes_completesWithinGracePlusOneSecond() throws Exception {
        Server server = RpcVertx.server(vertx);
        int port = startServer(server);
        UnaryUnaryCall<String, String> call =
                channel(vertx, port).unaryUnary(HANG).call("x");
        started.get(5, SECONDS);

        long t0 = System.nanoTime();
        server.stop(GRACE).await(5, SECONDS);
        long took = System.nanoTime() - t0;

        assertThat(took).isLessThan(BOUND_NANOS);
        assertThat(server.waitForTermination(Duration.ofSeconds(4)).await(5, SECONDS))
                .isTrue();
        assertThat(call.code().await(5, SECONDS)).isEqualTo(StatusCode.CANCELLED);
        assertThat(started.get().isCancelled()).isTrue();
        assertThat(logged.warningsMentioning("test.Stop/Hang")).hasSize(1);
    }

    @Test
    void stopNull_unaryHandlerFutureNeverCompletes_completesWithinOneSecond() throws Exception {
        Server server = RpcVertx.server(vertx);
        int port = startServer(server);
        UnaryUnaryCall<String, String> call =
                channel(vertx, port).unaryUnary(HANG).call("x");
        started.get(5, SECONDS);

        long t0 = System.nanoTime();
        server.stop(null).await(5, SECONDS);

        assertThat(System.nanoTime() - t0).isLessThan(Duration.ofSeconds(1).toNanos());
        assertThat(call.code().await(5, SECONDS)).isEqualTo(StatusCode.CANCELLED);
    }

    @Test
    void undeploy_serverVerticleWithLeakingBidiHandler_completesWithinGracePlusOneSecond() throws Exception {
        CompletableFuture<Integer> port = new CompletableFuture<>();
        String id = vertx.deployVerticle(RpcVertx.serverVerticle(ServerOptions.DEFAULT, GRACE, (server, config) -> {
                    server.addGenericRpcHandlers(service());
                    return server.addInsecurePort("127.0.0.1:0").onSuccess(port::complete);
                }))
                .await(5, SECONDS);
        StreamStreamCall<String, String> call = startBidi(channel(vertx, port.get(5, SECONDS)), BIDI);

        long t0 = System.nanoTime();
        vertx.undeploy(id).await(5, SECONDS);

        assertThat(System.nanoTime() - t0).isLessThan(BOUND_NANOS);
        assertThat(call.code().await(5, SECONDS)).isEqualTo(StatusCode.CANCELLED);
    }

    @Test
    void vertxClose_serverVerticleWithLeakingBidiHandler_completes() throws Exception {
        Vertx own = Vertx.vertx();
        CompletableFuture<Integer> port = new CompletableFuture<>();
        own.deployVerticle(RpcVertx.serverVerticle(ServerOptions.DEFAULT, GRACE, (server, config) -> {
                    server.addGenericRpcHandlers(service());
                    return server.addInsecurePort("127.0.0.1:0").onSuccess(port::complete);
                }))
                .await(5, SECONDS);
        StreamStreamCall<String, String> call = startBidi(channel(vertx, port.get(5, SECONDS)), BIDI);

        long t0 = System.nanoTime();
        own.close().await(5, SECONDS);

        assertThat(System.nanoTime() - t0).isLessThan(BOUND_NANOS);
        assertThat(call.code().await(5, SECONDS)).isIn(StatusCode.CANCELLED, StatusCode.UNAVAILABLE);
    }

    @Test
    void stop_handlerCompletesAfterItsCallWasGivenUp_nothingMoreHappens() throws Exception {
        Server server = RpcVertx.server(vertx);
        Promise<String> late = Promise.promise();
        MethodDescriptor<String, String> slow =
                MethodDescriptor.of(MethodType.UNARY_UNARY, "test.Late/Slow", UTF8, UTF8);
        server.addGenericRpcHandlers(ServiceDefinition.of("test.Late", RpcMethodHandler.unaryUnary(slow, (req, ctx) -> {
            started.complete(ctx);
            return late.future();
        })));
        int port = server.addInsecurePort("127.0.0.1:0").await(5, SECONDS);
        server.start().await(5, SECONDS);
        UnaryUnaryCall<String, String> call =
                channel(vertx, port).unaryUnary(slow).call("x");
        ServicerContext<String, String> ctx = started.get(5, SECONDS);

        server.stop(GRACE).await(5, SECONDS);
        Future<Void> completedLate = vertx.getOrCreateContext().<Void>executeBlocking(() -> {
            late.complete("too late");
            return null;
        });
        completedLate.await(5, SECONDS);

        assertThat(call.code().await(5, SECONDS)).isEqualTo(StatusCode.CANCELLED);
        assertThat(ctx.isDone()).isTrue();
        assertThat(logged.warningsMentioning("test.Late/Slow")).hasSize(1);
    }
}
