package io.rpcvertx.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rpcvertx.CallOptions;
import io.rpcvertx.Channel;
import io.rpcvertx.ChannelOptions;
import io.rpcvertx.Compression;
import io.rpcvertx.Marshaller;
import io.rpcvertx.Metadata;
import io.rpcvertx.MethodDescriptor;
import io.rpcvertx.MethodType;
import io.rpcvertx.RpcException;
import io.rpcvertx.RpcMethodHandler;
import io.rpcvertx.RpcVertx;
import io.rpcvertx.Server;
import io.rpcvertx.ServerOptions;
import io.rpcvertx.ServiceDefinition;
import io.rpcvertx.StatusCode;
import io.rpcvertx.StreamStreamCall;
import io.rpcvertx.StreamUnaryCall;
import io.rpcvertx.UnaryStreamCall;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** Our channel against our server over loopback h2c: the four shapes and the core terminal events. */
@ExtendWith(VertxExtension.class)
@Timeout(30)
class LoopbackRoundTripTest {
    static final Marshaller<String> UTF8 =
            Marshaller.of(s -> io.vertx.core.buffer.Buffer.buffer(s, "UTF-8"), b -> b.toString(StandardCharsets.UTF_8));
    static final MethodDescriptor<String, String> UNARY =
            MethodDescriptor.of(MethodType.UNARY_UNARY, "test.Echo/Unary", UTF8, UTF8);
    static final MethodDescriptor<String, String> SERVER_STREAM =
            MethodDescriptor.of(MethodType.UNARY_STREAM, "test.Echo/ServerStream", UTF8, UTF8);
    static final MethodDescriptor<String, String> CLIENT_STREAM =
            MethodDescriptor.of(MethodType.STREAM_UNARY, "test.Echo/ClientStream", UTF8, UTF8);
    static final MethodDescriptor<String, String> BIDI =
            MethodDescriptor.of(MethodType.STREAM_STREAM, "test.Echo/Bidi", UTF8, UTF8);
    static final MethodDescriptor<String, String> HANG =
            MethodDescriptor.of(MethodType.UNARY_UNARY, "test.Echo/Hang", UTF8, UTF8);

    Vertx vertx;
    Server server;
    Channel channel;
    final CompletableFuture<Boolean> hangCancelled = new CompletableFuture<>();

    @BeforeEach
    void setUp(Vertx vertx) throws Exception {
        this.vertx = vertx;
        server = RpcVertx.server(vertx);
        server.addGenericRpcHandlers(ServiceDefinition.of(
                "test.Echo",
                RpcMethodHandler.unaryUnary(UNARY, (req, ctx) -> {
                    if (req.startsWith("fail:")) {
                        return ctx.abort(StatusCode.PERMISSION_DENIED, req.substring(5), Metadata.of("k", "v"));
                    }
                    if (req.equals("throw")) {
                        throw new IllegalStateException("boom");
                    }
                    return Future.succeededFuture("echo:" + req);
                }),
                RpcMethodHandler.unaryStream(SERVER_STREAM, (req, ctx) -> {
                    Future<Void> f = Future.succeededFuture();
                    for (int i = 0; i < 3; i++) {
                        int n = i;
                        f = f.compose(v -> ctx.write(req + n));
                    }
                    return f;
                }),
                RpcMethodHandler.streamUnary(
                        CLIENT_STREAM,
                        (requests, ctx) -> requests.collect(java.util.stream.Collectors.<String>toList())
                                .map(l -> String.join(",", l))),
                RpcMethodHandler.streamStream(BIDI, (requests, ctx) -> {
                    requests.handler(m -> ctx.write(m.toUpperCase()));
                    return Future.future(p -> requests.endHandler(v -> p.complete()));
                }),
                RpcMethodHandler.unaryUnary(HANG, (req, ctx) -> {
                    // no response; the future completes once the call has ended, so server stop need not wait
                    return Future.future(p -> ctx.addDoneCallback(v -> {
                        hangCancelled.complete(ctx.isCancelled());
                        p.tryFail("the call has ended");
                    }));
                })));
        int port = server.addInsecurePort("127.0.0.1:0").await(5, TimeUnit.SECONDS);
        server.start().await(5, TimeUnit.SECONDS);
        channel = RpcVertx.insecureChannel(vertx, "127.0.0.1:" + port);
    }

    @AfterEach
    void tearDown() throws Exception {
        channel.close().await(5, TimeUnit.SECONDS);
        server.stop(null).await(5, TimeUnit.SECONDS);
    }

    @Test
    void unary_roundTrip() throws Exception {
        String reply = channel.unaryUnary(UNARY).call("hi").response().await(5, TimeUnit.SECONDS);
        assertThat(reply).isEqualTo("echo:hi");
    }

    @Test
    void unary_abort_failsWithStatusDetailsAndTrailers() throws Exception {
        var call = channel.unaryUnary(UNARY).call("fail:dénié ✓ 100%");
        assertThatThrownBy(() -> call.response().await(5, TimeUnit.SECONDS))
                .isInstanceOfSatisfying(RpcException.class, e -> {
                    assertThat(e.code()).isEqualTo(StatusCode.PERMISSION_DENIED);
                    assertThat(e.details()).isEqualTo("dénié ✓ 100%");
                    assertThat(e.trailingMetadata().get("k")).contains("v");
                });
        assertThat(call.code().await(5, TimeUnit.SECONDS)).isEqualTo(StatusCode.PERMISSION_DENIED);
    }

    @Test
    void unary_handlerThrows_unknownWithoutStackTrace() throws Exception {
        var call = channel.unaryUnary(UNARY).call("throw");
        assertThat(call.code().await(5, TimeUnit.SECONDS)).isEqualTo(StatusCode.UNKNOWN);
        assertThat(call.details().await(5, TimeUnit.SECONDS))
                .doesNotContain("boom")
                .doesNotContain("Exception");
    }

    @Test
    void serverStreaming_readsAllThenEnd() throws Exception {
        UnaryStreamCall<String, String> call =
                channel.unaryStream(SERVER_STREAM).call("m");
        List<String> got = new ArrayList<>();
        while (true) {
            Optional<String> next = call.read().await(5, TimeUnit.SECONDS);
            if (next.isEmpty()) {
                break;
            }
            got.add(next.get());
        }
        assertThat(got).containsExactly("m0", "m1", "m2");
        assertThat(call.code().await(5, TimeUnit.SECONDS)).isEqualTo(StatusCode.OK);
        assertThatThrownBy(() -> call.responses().handler(m -> {})).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void clientStreaming_collects() throws Exception {
        StreamUnaryCall<String, String> call =
                channel.streamUnary(CLIENT_STREAM).call();
        call.write("a");
        call.write("b");
        call.doneWriting();
        assertThat(call.response().await(5, TimeUnit.SECONDS)).isEqualTo("a,b");
    }

    @Test
    void bidi_echoesAsReadStream() throws Exception {
        StreamStreamCall<String, String> call = channel.streamStream(BIDI).call();
        call.write("x").await(5, TimeUnit.SECONDS);
        call.write("y").await(5, TimeUnit.SECONDS);
        call.doneWriting();
        List<String> got =
                call.responses().collect(java.util.stream.Collectors.toList()).await(5, TimeUnit.SECONDS);
        assertThat(got).containsExactly("X", "Y");
    }

    @Test
    void unknownMethod_unimplemented() throws Exception {
        MethodDescriptor<String, String> nope =
                MethodDescriptor.of(MethodType.UNARY_UNARY, "test.Echo/Nope", UTF8, UTF8);
        var call = channel.unaryUnary(nope).call("x");
        assertThat(call.code().await(5, TimeUnit.SECONDS)).isEqualTo(StatusCode.UNIMPLEMENTED);
    }

    @Test
    void deadline_clientSeesDeadlineExceeded_serverSeesCancelled() throws Exception {
        var call = channel.unaryUnary(HANG).call("x", CallOptions.DEFAULT.withTimeout(Duration.ofMillis(200)));
        assertThat(call.code().await(5, TimeUnit.SECONDS)).isEqualTo(StatusCode.DEADLINE_EXCEEDED);
        assertThat(hangCancelled.get(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void cancel_clientSeesCancelled_serverSeesCancelled() throws Exception {
        var call = channel.unaryUnary(HANG).call("x");
        call.waitForConnection().await(5, TimeUnit.SECONDS);
        call.cancel();
        assertThat(call.code().await(5, TimeUnit.SECONDS)).isEqualTo(StatusCode.CANCELLED);
        assertThat(hangCancelled.get(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void clientSendLimit_oversizeRequest_resourceExhaustedBeforeSending() throws Exception {
        Channel limited =
                RpcVertx.insecureChannel(vertx, channel.target(), ChannelOptions.DEFAULT.withMaxSendMessageLength(4));
        try {
            var call = limited.unaryUnary(UNARY).call("12345");
            assertThat(call.code().await(5, TimeUnit.SECONDS)).isEqualTo(StatusCode.RESOURCE_EXHAUSTED);
            assertThat(call.details().await(5, TimeUnit.SECONDS)).contains("larger than max");
            assertThat(limited.unaryUnary(UNARY).call("1234").response().await(5, TimeUnit.SECONDS))
                    .isEqualTo("echo:1234");
        } finally {
            limited.close().await(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void serverSendLimit_oversizeResponse_resourceExhausted() throws Exception {
        Server small = RpcVertx.server(vertx, ServerOptions.DEFAULT.withMaxSendMessageLength(8));
        small.addGenericRpcHandlers(ServiceDefinition.of(
                "test.Echo", RpcMethodHandler.unaryUnary(UNARY, (req, ctx) -> Future.succeededFuture("echo:" + req))));
        int port = small.addInsecurePort("127.0.0.1:0").await(5, TimeUnit.SECONDS);
        small.start().await(5, TimeUnit.SECONDS);
        Channel ch = RpcVertx.insecureChannel(vertx, "127.0.0.1:" + port);
        try {
            assertThat(ch.unaryUnary(UNARY).call("ok").response().await(5, TimeUnit.SECONDS))
                    .isEqualTo("echo:ok");
            var call = ch.unaryUnary(UNARY).call("too long");
            assertThat(call.code().await(5, TimeUnit.SECONDS)).isEqualTo(StatusCode.RESOURCE_EXHAUSTED);
        } finally {
            ch.close().await(5, TimeUnit.SECONDS);
            small.stop(null).await(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void channelDefaultCompression_andCallOverride_roundTrip() throws Exception {
        Channel gzip = RpcVertx.insecureChannel(
                vertx, channel.target(), ChannelOptions.DEFAULT.withCompression(Compression.GZIP));
        try {
            String big = "z".repeat(10_000);
            assertThat(gzip.unaryUnary(UNARY).call(big).response().await(5, TimeUnit.SECONDS))
                    .isEqualTo("echo:" + big);
            assertThat(gzip.unaryUnary(UNARY)
                            .call(big, CallOptions.DEFAULT.withCompression(Compression.DEFLATE))
                            .response()
                            .await(5, TimeUnit.SECONDS))
                    .isEqualTo("echo:" + big);
        } finally {
            gzip.close().await(5, TimeUnit.SECONDS);
        }
    }
}
