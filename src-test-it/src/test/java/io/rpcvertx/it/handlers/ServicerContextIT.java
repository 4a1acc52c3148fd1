package io.rpcvertx.it.handlers;

import static io.rpcvertx.it.handlers.Methods.SERVER_STREAM;
import static io.rpcvertx.it.handlers.Methods.SERVICE;
import static io.rpcvertx.it.handlers.Methods.UNARY;
import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.rpcvertx.Channel;
import io.rpcvertx.Compression;
import io.rpcvertx.Metadata;
import io.rpcvertx.RpcMethodHandler;
import io.rpcvertx.RpcVertx;
import io.rpcvertx.Server;
import io.rpcvertx.ServerOptions;
import io.rpcvertx.ServiceDefinition;
import io.rpcvertx.ServicerContext;
import io.rpcvertx.StatusCode;
import io.rpcvertx.UnaryUnaryCall;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.junit5.VertxExtension;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** The rest of {@code ServicerContext}: identity on insecure ports, status getters, done callbacks, compression. */
@ExtendWith(VertxExtension.class)
@Timeout(60)
class ServicerContextIT {
    Vertx vertx;
    final List<Server> servers = new ArrayList<>();
    final List<Channel> channels = new ArrayList<>();
    final List<HttpClient> clients = new ArrayList<>();
    int port;

    @BeforeEach
    void setUp(Vertx vertx) {
        this.vertx = vertx;
    }

    @AfterEach
    void tearDown() throws Exception {
        for (HttpClient c : clients) {
            c.close().await(5, SECONDS);
        }
        for (Channel c : channels) {
            c.close().await(5, SECONDS);
        }
        for (Server s : servers) {
            s.stop(Duration.ZERO).await(5, SECONDS);
        }
    }

    Channel start(RpcMethodHandler<?, ?>... handlers) throws Exception {
        Server server = RpcVertx.server(vertx, ServerOptions.DEFAULT.withBlockingPool("it-context", 2));
        servers.add(server);
        server.addGenericRpcHandlers(ServiceDefinition.of(SERVICE, handlers));
        port = server.addInsecurePort("127.0.0.1:0").await(5, SECONDS);
        server.start().await(5, SECONDS);
        Channel channel = RpcVertx.insecureChannel(vertx, "127.0.0.1:" + port);
        channels.add(channel);
        return channel;
    }

    @Test
    void identity_insecurePort_insecureAuthContext_noIdentities() throws Exception {
        CompletableFuture<String> seen = new CompletableFuture<>();
        Channel channel = start(RpcMethodHandler.unaryUnary(UNARY, (request, ctx) -> {
            // grpc core reports a plaintext port as transport_security_type "insecure" (grpc.aio shows the same)
            Map<String, List<byte[]>> auth = ctx.authContext();
            seen.complete(
                    "security=" + new String(auth.get("transport_security_type").get(0), UTF_8) + " identities="
                            + ctx.peerIdentities().size() + " key=" + ctx.peerIdentityKey() + " peer=" + ctx.peer());
            return Future.succeededFuture(request);
        }));

        channel.unaryUnary(UNARY).call("x").response().await(5, SECONDS);

        assertThat(seen.get(5, SECONDS))
                .startsWith("security=insecure identities=0 key=Optional.empty peer=ipv4:127.0.0.1:");
    }

    @Test
    void codeAndDetails_setThenRead_andAfterAbortTheAbortStatus() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> done = new CompletableFuture<>();
        Channel channel = start(RpcMethodHandler.unaryUnary(UNARY, (request, ctx) -> {
            seen.add("before " + ctx.code() + " " + ctx.details());
            ctx.setCode(StatusCode.NOT_FOUND);
            ctx.setDetails("set");
            seen.add("set " + ctx.code().orElseThrow() + " " + ctx.details().orElseThrow());
            ctx.addDoneCallback(v -> {
                seen.add(
                        "done " + ctx.code().orElseThrow() + " " + ctx.details().orElseThrow());
                done.complete(null);
            });
            return ctx.abort(StatusCode.FAILED_PRECONDITION, "aborted");
        }));

        UnaryUnaryCall<String, String> call = channel.unaryUnary(UNARY).call("x");

        assertThat(call.code().await(5, SECONDS)).isEqualTo(StatusCode.FAILED_PRECONDITION);
        done.get(5, SECONDS);
        assertThat(seen)
                .containsExactly(
                        "before Optional.empty Optional.empty",
                        "set NOT_FOUND set",
                        "done FAILED_PRECONDITION aborted");
    }

    @Test
    void setCode_handlerCompletesNormally_clientGetsThatCodeAndDetails() throws Exception {
        Channel channel = start(RpcMethodHandler.unaryUnary(UNARY, (request, ctx) -> {
            ctx.setCode(StatusCode.RESOURCE_EXHAUSTED);
            ctx.setDetails("try later");
            return Future.succeededFuture(request);
        }));

        UnaryUnaryCall<String, String> call = channel.unaryUnary(UNARY).call("x");

        assertThat(call.code().await(5, SECONDS)).isEqualTo(StatusCode.RESOURCE_EXHAUSTED);
        assertThat(call.details().await(5, SECONDS)).isEqualTo("try later");
    }

    @Test
    void addDoneCallback_onTheLoop_runOnTheCallLoopInOrder_exceptionNotPropagated() throws Exception {
        List<String> order = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> lastRan = new CompletableFuture<>();
        CompletableFuture<String> handlerThread = new CompletableFuture<>();
        Channel channel = start(RpcMethodHandler.unaryUnary(UNARY, (request, ctx) -> {
            handlerThread.complete(Thread.currentThread().getName());
            registerThree(ctx, order, lastRan);
            return Future.succeededFuture(request);
        }));

        UnaryUnaryCall<String, String> call = channel.unaryUnary(UNARY).call("a");

        assertThat(call.code().await(5, SECONDS))
                .as("a throwing callback does not affect the RPC")
                .isEqualTo(StatusCode.OK);
        lastRan.get(5, SECONDS);
        String loop = handlerThread.get();
        assertThat(loop).startsWith("vert.x-eventloop-thread-");
        assertThat(order).containsExactly("1 on " + loop, "2 on " + loop, "3 on " + loop);
    }

    @Test
    void addDoneCallback_fromABlockingHandler_runOnTheCallLoopInOrder() throws Exception {
        List<String> order = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> lastRan = new CompletableFuture<>();
        CompletableFuture<String> workerThread = new CompletableFuture<>();
        CompletableFuture<String> loopThread = new CompletableFuture<>();
        Channel channel = start(
                RpcMethodHandler.<String, String>unaryUnary(UNARY, (request, ctx) -> {
                            workerThread.complete(Thread.currentThread().getName());
                            registerThree(ctx, order, lastRan);
                            return Future.succeededFuture(request);
                        })
                        .blocking(),
                RpcMethodHandler.unaryUnary(Methods.OTHER_UNARY, (request, ctx) -> {
                    loopThread.complete(Thread.currentThread().getName());
                    return Future.succeededFuture(request);
                }));

        assertThat(channel.unaryUnary(UNARY).call("b").code().await(5, SECONDS)).isEqualTo(StatusCode.OK);
        // the same connection, hence the same event loop
        channel.unaryUnary(Methods.OTHER_UNARY).call("c").response().await(5, SECONDS);
        lastRan.get(5, SECONDS);

        String loop = loopThread.get();
        assertThat(workerThread.get()).startsWith("it-context-");
        assertThat(order).containsExactly("1 on " + loop, "2 on " + loop, "3 on " + loop);
    }

    private static void registerThree(ServicerContext<?, ?> ctx, List<String> order, CompletableFuture<Void> lastRan) {
        ctx.addDoneCallback(v -> order.add("1 on " + Thread.currentThread().getName()));
        ctx.addDoneCallback(v -> {
            order.add("2 on " + Thread.currentThread().getName());
            throw new IllegalStateException("a failing done callback (expected in this test's log)");
        });
        ctx.addDoneCallback(v -> {
            order.add("3 on " + Thread.currentThread().getName());
            lastRan.complete(null);
        });
    }

    // ---------------------------------------------------------------- compression, seen on the wire

    /** One length-prefixed message as it crossed the wire. */
    record Frame(int flag, Buffer payload) {}

    /** Response headers and frames of a server-streaming call made with a raw HTTP/2 client accepting gzip. */
    record Wire(MultiMap headers, List<Frame> frames, MultiMap trailers) {}

    Wire rawServerStreaming(String request) throws Exception {
        HttpClient client = vertx.createHttpClient(
                new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2).setHttp2ClearTextUpgrade(false));
        clients.add(client);
        RequestOptions options = new RequestOptions()
                .setMethod(HttpMethod.POST)
                .setHost("127.0.0.1")
                .setPort(port)
                .setURI(SERVER_STREAM.path());
        Buffer body =
                Buffer.buffer().appendByte((byte) 0).appendInt(request.length()).appendString(request);
        return client.request(options)
                .compose(req -> {
                    req.putHeader("content-type", "application/grpc")
                            .putHeader("te", "trailers")
                            .putHeader("grpc-accept-encoding", "gzip");
                    // wire the response in the same event-loop turn it is delivered (notes section 3.1)
                    return req.send(body)
                            .compose(
                                    resp -> resp.body().map(b -> new Wire(resp.headers(), frames(b), resp.trailers())));
                })
                .await(5, SECONDS);
    }

    static List<Frame> frames(Buffer body) {
        List<Frame> frames = new ArrayList<>();
        int at = 0;
        while (at < body.length()) {
            int flag = body.getByte(at);
            int length = body.getInt(at + 1);
            frames.add(new Frame(flag, body.getBuffer(at + 5, at + 5 + length)));
            at += 5 + length;
        }
        return frames;
    }

    static String text(Frame frame) {
        if (frame.flag() == 0) {
            return frame.payload().toString(UTF_8);
        }
        try (GZIPInputStream in =
                new GZIPInputStream(new ByteArrayInputStream(frame.payload().getBytes()))) {
            return new String(in.readAllBytes(), UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void setCompression_gzipWithDisableNextMessageCompression_firstFrameUncompressedNextGzipped() throws Exception {
        String big = "z".repeat(300);
        start(RpcMethodHandler.unaryStream(SERVER_STREAM, (request, ctx) -> {
            ctx.setCompression(Compression.GZIP);
            ctx.disableNextMessageCompression();
            return ctx.write(request + "1" + big).compose(v -> ctx.write(request + "2" + big));
        }));

        Wire wire = rawServerStreaming("r");

        assertThat(wire.trailers().get("grpc-status")).isEqualTo("0");
        assertThat(wire.headers().get("grpc-encoding")).isEqualTo("gzip");
        assertThat(wire.frames()).extracting(Frame::flag).containsExactly(0, 1);
        assertThat(wire.frames()).extracting(ServicerContextIT::text).containsExactly("r1" + big, "r2" + big);
    }

    @Test
    void setCompression_afterTheHeadersWereSent_ignored() throws Exception {
        start(RpcMethodHandler.unaryStream(
                SERVER_STREAM,
                (request, ctx) -> ctx.sendInitialMetadata(Metadata.of("x-early", "1"))
                        .compose(v -> {
                            ctx.setCompression(Compression.GZIP);
                            return ctx.write(request);
                        })));

        Wire wire = rawServerStreaming("r");

        assertThat(wire.headers().get("x-early")).isEqualTo("1");
        assertThat(wire.headers().get("grpc-encoding")).isIn(null, "identity");
        assertThat(wire.frames()).containsExactly(new Frame(0, Buffer.buffer("r")));
    }

    @Test
    void setCompression_clientDoesNotAcceptIt_uncompressed() throws Exception {
        start(RpcMethodHandler.unaryStream(SERVER_STREAM, (request, ctx) -> {
            ctx.setCompression(Compression.DEFLATE);
            return ctx.write(request);
        }));

        Wire wire = rawServerStreaming("r"); // accepts gzip only

        assertThat(wire.headers().get("grpc-encoding")).isIn(null, "identity");
        assertThat(wire.frames()).containsExactly(new Frame(0, Buffer.buffer("r")));
    }
}
