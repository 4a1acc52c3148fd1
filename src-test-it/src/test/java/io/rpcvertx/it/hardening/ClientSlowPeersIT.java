package io.rpcvertx.it.hardening;

import static io.rpcvertx.it.hardening.ClientHostileServerIT.heapAfterGc;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.rpcvertx.CallOptions;
import io.rpcvertx.Channel;
import io.rpcvertx.ChannelOptions;
import io.rpcvertx.Http2Transport;
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
import io.rpcvertx.StreamUnaryCall;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Slow peers of a real rpc-vertx server: a client that never reads an endless response (the server's writes must stop
 * at the flow-control bound, heap flat), a client that trickles requests past its deadline (both ends see it end),
 * and our channel writing to a server that never reads (the channel's writes must stop, heap flat). The client-side
 * twins against a hostile server are in {@link ClientHostileServerIT}.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(Http2Transport.class)
@ExtendWith(VertxExtension.class)
@Timeout(60)
class ClientSlowPeersIT {
    /** The HTTP/2 implementation of the channels under test; the slow peers are the same. */
    @Parameter
    Http2Transport transport;

    private static final String SERVICE = "slow.Slow";
    private static final MethodDescriptor<String, String> ENDLESS =
            MethodDescriptor.of(MethodType.UNARY_STREAM, SERVICE + "/Endless", HostileGrpc.UTF8, HostileGrpc.UTF8);
    private static final MethodDescriptor<String, String> COUNT =
            MethodDescriptor.of(MethodType.STREAM_UNARY, SERVICE + "/Count", HostileGrpc.UTF8, HostileGrpc.UTF8);
    private static final MethodDescriptor<String, String> IGNORE =
            MethodDescriptor.of(MethodType.STREAM_UNARY, SERVICE + "/Ignore", HostileGrpc.UTF8, HostileGrpc.UTF8);
    private static final MethodDescriptor<String, String> BURST =
            MethodDescriptor.of(MethodType.UNARY_STREAM, SERVICE + "/Burst", HostileGrpc.UTF8, HostileGrpc.UTF8);
    private static final MethodDescriptor<String, String> ECHO =
            MethodDescriptor.of(MethodType.UNARY_UNARY, SERVICE + "/Echo", HostileGrpc.UTF8, HostileGrpc.UTF8);
    private static final String KIB = "k".repeat(1024);
    private static final long HEAP_BOUND = 32L << 20;

    Vertx vertx;
    Server server;
    int port;
    final List<Channel> channels = new ArrayList<>();
    final AtomicInteger written = new AtomicInteger();
    final AtomicInteger received = new AtomicInteger();
    final CompletableFuture<Boolean> serverCallCancelled = new CompletableFuture<>();
    final List<Throwable> unhandled = new java.util.concurrent.CopyOnWriteArrayList<>();

    @BeforeEach
    void setUp(Vertx vertx) throws Exception {
        this.vertx = vertx;
        vertx.exceptionHandler(unhandled::add);
        server = RpcVertx.server(vertx, ServerOptions.DEFAULT);
        server.addGenericRpcHandlers(ServiceDefinition.of(
                SERVICE,
                RpcMethodHandler.unaryStream(ENDLESS, (req, ctx) -> {
                    watch(ctx);
                    return writeForever(ctx);
                }),
                RpcMethodHandler.streamUnary(COUNT, (requests, ctx) -> {
                    watch(ctx);
                    Promise<String> counted = Promise.promise();
                    requests.handler(m -> received.incrementAndGet());
                    requests.exceptionHandler(counted::tryFail);
                    requests.endHandler(v -> counted.tryComplete("count:" + received.get()));
                    return counted.future();
                }),
                RpcMethodHandler.streamUnary(IGNORE, (requests, ctx) -> {
                    watch(ctx);
                    requests.pause();
                    Promise<String> never = Promise.promise();
                    ctx.addDoneCallback(v -> never.tryFail(new RpcException(StatusCode.CANCELLED, "call ended")));
                    return never.future();
                }),
                RpcMethodHandler.unaryStream(BURST, (req, ctx) -> burst(ctx)),
                RpcMethodHandler.unaryUnary(ECHO, (req, ctx) -> Future.succeededFuture(req))));
        port = server.addInsecurePort("127.0.0.1:0").await(10, SECONDS);
        server.start().await(10, SECONDS);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (Channel c : channels) {
            c.close().await(5, SECONDS);
        }
        server.stop(Duration.ZERO).await(10, SECONDS);
        assertThat(unhandled).as("exceptions thrown on Vert.x threads").isEmpty();
    }

    private void watch(ServicerContext<?, ?> ctx) {
        ctx.addDoneCallback(v -> serverCallCancelled.complete(ctx.isCancelled()));
    }

    /** Writes until a write fails (the call ended); each write waits for the previous one, without recursion. */
    private Future<Void> writeForever(ServicerContext<String, String> ctx) {
        Promise<Void> ended = Promise.promise();
        pump(ctx, ended);
        return ended.future();
    }

    private void pump(ServicerContext<String, String> ctx, Promise<Void> ended) {
        while (true) {
            if (ctx.isCancelled()) {
                // writes after the end are dropped (and succeed): stop here
                ended.tryFail(new RpcException(StatusCode.CANCELLED, "call ended"));
                return;
            }
            Future<Void> f = ctx.write(KIB);
            if (!f.isComplete()) {
                f.onComplete(ar -> {
                    if (ar.failed()) {
                        ended.tryFail(ar.cause());
                    } else {
                        written.incrementAndGet();
                        // a fresh task: a future completed meanwhile runs its callback at once, inside pump
                        vertx.runOnContext(v -> pump(ctx, ended));
                    }
                });
                return;
            }
            if (f.failed()) {
                ended.tryFail(f.cause());
                return;
            }
            written.incrementAndGet();
        }
    }

    /**
     * Writes until a write has to wait for the client's window, then ends the call at once: the status must queue
     * behind the waiting messages, none of which may be lost.
     */
    private Future<Void> burst(ServicerContext<String, String> ctx) {
        Promise<Void> ended = Promise.promise();
        burstOn(ctx, ended);
        return ended.future();
    }

    private void burstOn(ServicerContext<String, String> ctx, Promise<Void> ended) {
        for (int i = 0; i < 100_000; i++) {
            Future<Void> f = ctx.write(KIB);
            if (!f.isComplete()) {
                written.set(i + 1);
                ended.tryComplete();
                return;
            }
        }
        ended.tryFail(new IllegalStateException("the client's window never filled"));
    }

    private Channel channel() {
        Channel c = RpcVertx.insecureChannel(
                vertx, "127.0.0.1:" + port, ChannelOptions.DEFAULT.withHttp2Transport(transport));
        channels.add(c);
        return c;
    }

    @Test
    void serverStreaming_clientNeverReads_serverWritesStopAtTheWindowAndHeapStaysFlat() throws Exception {
        HttpClientAgent raw = vertx.createHttpClient(
                new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2).setHttp2ClearTextUpgrade(false));
        long heapBefore = heapAfterGc();
        HttpClientRequest req =
                raw.request(HttpMethod.POST, port, "127.0.0.1", ENDLESS.path()).await(10, SECONDS);
        req.putHeader("content-type", "application/grpc").putHeader("te", "trailers");
        // paused at the head: Vert.x consumes nothing more, so it sends no WINDOW_UPDATE
        req.response().onSuccess(resp -> resp.pause());
        req.end(Buffer.buffer().appendByte((byte) 0).appendInt(1).appendString("x"));

        Channel other = channel();
        int before = writesStopped(other);
        assertThat(before).as("the server's writes stop").isPositive();
        // the client's 64 KiB stream window plus what the server's write queue holds before writes wait
        assertThat(before * 1024L).isLessThan(4L << 20);
        assertThat(heapAfterGc() - heapBefore).as("heap growth").isLessThan(HEAP_BOUND);

        req.reset();
        assertThat(serverCallCancelled.get(10, SECONDS)).isTrue();
        raw.close().await(5, SECONDS);
    }

    @Test
    void clientStreaming_clientTricklesPastItsDeadline_bothEndsSeeTheEnd() throws Exception {
        Channel channel = channel();
        StreamUnaryCall<String, String> call =
                channel.streamUnary(COUNT).call(CallOptions.DEFAULT.withTimeout(Duration.ofMillis(500)));
        trickle(call, 0);

        assertThat(call.code().await(10, SECONDS)).isEqualTo(StatusCode.DEADLINE_EXCEEDED);
        assertThat(serverCallCancelled.get(10, SECONDS)).isTrue();
        assertThat(received.get()).isPositive();
        assertThat(channel.unaryUnary(ECHO).call("after").response().await(5, SECONDS))
                .isEqualTo("after");
    }

    private void trickle(StreamUnaryCall<String, String> call, int i) {
        call.write("tick" + i).onSuccess(v -> vertx.setTimer(50, id -> trickle(call, i + 1)));
    }

    @Test
    void clientStreaming_serverNeverReads_channelWritesStopAndHeapStaysFlat() throws Exception {
        Channel channel = channel();
        Channel other = channel();
        long heapBefore = heapAfterGc();
        StreamUnaryCall<String, String> call = channel.streamUnary(IGNORE).call();
        AtomicInteger accepted = new AtomicInteger();
        writeForever(call, accepted);

        // stable: three calls in a row on another connection of the server went by without one more write accepted
        int before = -1;
        boolean stable = false;
        for (int attempt = 0; attempt < 50 && !stable; attempt++) {
            before = accepted.get();
            for (int i = 0; i < 3; i++) {
                other.unaryUnary(ECHO).call("tick").response().await(5, SECONDS);
            }
            stable = before > 0 && accepted.get() == before;
        }
        assertThat(stable).as("the channel's writes stop").isTrue();
        // the server's 1 MiB stream window plus the call's own write queue
        assertThat(before * 1024L).isLessThan(8L << 20);
        assertThat(heapAfterGc() - heapBefore).as("heap growth").isLessThan(HEAP_BOUND);

        assertThat(call.cancel()).isTrue();
        assertThat(call.code().await(5, SECONDS)).isEqualTo(StatusCode.CANCELLED);
        assertThat(serverCallCancelled.get(10, SECONDS)).isTrue();
    }

    @Test
    void serverStreaming_handlerEndsWhileItsWritesWait_everyMessageArrivesThenOk() throws Exception {
        Channel channel = channel();
        io.rpcvertx.UnaryStreamCall<String, String> call =
                channel.unaryStream(BURST).call("x");
        AtomicInteger read = new AtomicInteger();
        io.vertx.core.streams.ReadStream<String> responses = call.responses();
        responses.pause();
        responses.handler(m -> read.incrementAndGet());
        call.initialMetadata().await(10, SECONDS);
        responses.resume();

        assertThat(call.code().await(20, SECONDS)).isEqualTo(StatusCode.OK);
        assertThat(read.get()).isEqualTo(written.get()).isPositive();
        // the server's last drain comes after its handler ended; tearDown fails on anything thrown on a Vert.x thread
        assertThat(channel.unaryUnary(ECHO).call("after").response().await(5, SECONDS))
                .isEqualTo("after");
    }

    /** 64 chains of writes, each write waiting for its predecessor's future (accepted under flow control). */
    private static void writeForever(StreamUnaryCall<String, String> call, AtomicInteger accepted) {
        for (int i = 0; i < 64; i++) {
            chain(call, accepted);
        }
    }

    private static void chain(StreamUnaryCall<String, String> call, AtomicInteger accepted) {
        call.write(KIB).onSuccess(v -> {
            accepted.incrementAndGet();
            chain(call, accepted);
        });
    }

    /**
     * Waits until the server's writes have stopped: {@link #written} unchanged over three observations in a row, each
     * three calls through {@code other} (not PINGs on the stalled connection: the server's ping policy would take them
     * for abuse and close it). One observation alone was not enough: under load the writer can wait a few
     * milliseconds for its drain (a plateau that then moves on), and was taken for stopped.
     *
     * @return the messages written, or -1 if they did not stop within 50 observations
     */
    private int writesStopped(Channel other) throws Exception {
        int last = -1;
        int unchanged = 0;
        for (int attempt = 0; attempt < 50; attempt++) {
            int now = written.get();
            unchanged = now > 0 && now == last ? unchanged + 1 : 0;
            if (unchanged == 3) {
                return now;
            }
            last = now;
            for (int i = 0; i < 3; i++) {
                other.unaryUnary(ECHO).call("tick").response().await(5, SECONDS);
            }
        }
        return -1;
    }

    @Test
    void serverStreaming_ourChannelPausesThenCancels_serverCallCancelled() throws Exception {
        Channel channel = channel();
        // another connection: with equal stream and connection windows (the defaults), the paused stream holds the
        // whole connection window, and no other response could reach this channel
        Channel other = channel();
        io.rpcvertx.UnaryStreamCall<String, String> call =
                channel.unaryStream(ENDLESS).call("x");
        call.responses().pause();
        call.initialMetadata().await(10, SECONDS);
        int before = writesStopped(other);
        assertThat(before).as("the server's writes stop").isPositive();
        assertThat(call.cancel()).isTrue();
        assertThat(call.code().await(5, SECONDS)).isEqualTo(StatusCode.CANCELLED);
        assertThat(serverCallCancelled.get(10, SECONDS)).isTrue();
    }

    @Test
    void serverStreaming_oneCallPaused_otherCallsOnTheSameConnectionProceed() throws Exception {
        // the Netty transport's connection window is larger than a stream's; the Vert.x transport's defaults make them
        // equal, so there a paused stream may hold the whole connection window (see the test above)
        Assumptions.assumeTrue(transport == Http2Transport.NETTY, "connection window > stream window: NETTY only");
        Channel channel = channel();
        Channel other = channel();
        io.rpcvertx.UnaryStreamCall<String, String> call =
                channel.unaryStream(ENDLESS).call("x");
        call.responses().pause();
        call.initialMetadata().await(10, SECONDS);
        int before = writesStopped(other);
        assertThat(before).as("the server's writes stop").isPositive();
        assertThat(written.get())
                .as("the paused call took about its stream window of 1 KiB messages")
                .isGreaterThan(ChannelOptions.DEFAULT_WINDOW_SIZE / 1024 / 2);
        for (int i = 0; i < 3; i++) {
            assertThat(channel.unaryUnary(ECHO).call("same").response().await(5, SECONDS))
                    .isEqualTo("same");
        }
        assertThat(call.cancel()).isTrue();
        assertThat(serverCallCancelled.get(10, SECONDS)).isTrue();
    }
}
