package io.rpcvertx.impl.client;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.rpcvertx.CallOptions;
import io.rpcvertx.Channel;
import io.rpcvertx.ChannelConnectivity;
import io.rpcvertx.ChannelOptions;
import io.rpcvertx.Http2Transport;
import io.rpcvertx.Marshaller;
import io.rpcvertx.Metadata;
import io.rpcvertx.MethodDescriptor;
import io.rpcvertx.MethodType;
import io.rpcvertx.RpcException;
import io.rpcvertx.RpcMethodHandler;
import io.rpcvertx.RpcVertx;
import io.rpcvertx.Server;
import io.rpcvertx.ServiceDefinition;
import io.rpcvertx.StatusCode;
import io.rpcvertx.UnaryUnaryCall;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.StreamResetException;
import io.vertx.junit5.VertxExtension;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The client side of the wire rules (DESIGN.md section 8, gRPC over HTTP/2): our channel against a raw Vert.x HTTP/2
 * server whose answer is scripted per test, so every unhappy path is produced exactly.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(Http2Transport.class)
@ExtendWith(VertxExtension.class)
@Timeout(30)
class ClientWireRulesTest {
    /** The HTTP/2 implementation of the channels under test: every wire rule holds on both. */
    @Parameter
    Http2Transport transport;

    static final Marshaller<String> UTF8 = Marshaller.of(s -> Buffer.buffer(s.getBytes(UTF_8)), b -> b.toString(UTF_8));
    static final MethodDescriptor<String, String> UNARY =
            MethodDescriptor.of(MethodType.UNARY_UNARY, "test.Wire/Unary", UTF8, UTF8);
    static final String GRPC = "application/grpc";

    /** What the raw server saw of one request. */
    record RecordedRequest(HttpMethod method, String path, MultiMap headers) {}

    Vertx vertx;
    HttpServer rawServer;
    int port;
    final List<RecordedRequest> requests = new CopyOnWriteArrayList<>();
    final CompletableFuture<Long> serverSawReset = new CompletableFuture<>();
    final List<Channel> channels = new ArrayList<>();
    final List<Server> servers = new ArrayList<>();
    final List<Throwable> unhandled = new CopyOnWriteArrayList<>();
    volatile Handler<HttpServerRequest> script = req -> afterBody(req, (body, resp) -> reply(resp, frame("ok"), "0"));

    @BeforeEach
    void setUp(Vertx vertx) throws Exception {
        this.vertx = vertx;
        vertx.exceptionHandler(unhandled::add);
        rawServer = vertx.createHttpServer().requestHandler(req -> {
            requests.add(new RecordedRequest(req.method(), req.path(), copy(req.headers())));
            script.handle(req);
        });
        port = rawServer.listen(0, "127.0.0.1").await(5, SECONDS).actualPort();
    }

    @AfterEach
    void tearDown() throws Exception {
        for (Channel c : channels) {
            c.close().await(5, SECONDS);
        }
        for (Server s : servers) {
            s.stop(null).await(5, SECONDS);
        }
        rawServer.close().await(5, SECONDS);
    }

    // ---------------------------------------------------------------- HTTP status and content-type

    @ParameterizedTest(name = "HTTP {0} -> {1}")
    @CsvSource({
        "400, INTERNAL",
        "401, UNAUTHENTICATED",
        "403, PERMISSION_DENIED",
        "404, UNIMPLEMENTED",
        "429, UNAVAILABLE",
        "502, UNAVAILABLE",
        "503, UNAVAILABLE",
        "504, UNAVAILABLE",
        "418, UNKNOWN"
    })
    void response_httpStatusWithoutGrpcStatus_mapsPerSpecTable(int httpStatus, StatusCode expected) throws Exception {
        script = req -> afterBody(
                req,
                (body, resp) -> resp.setStatusCode(httpStatus)
                        .putHeader("content-type", "text/plain")
                        .end("not a gRPC server"));

        UnaryUnaryCall<String, String> call = call(channel());

        RpcException e = failure(call);
        assertThat(e.code()).isEqualTo(expected);
        assertThat(e.details()).contains(Integer.toString(httpStatus));
    }

    @Test
    void response_http200WithHtmlContentType_internal() throws Exception {
        script = req -> afterBody(
                req, (body, resp) -> resp.putHeader("content-type", "text/html").end("<html>hello</html>"));

        RpcException e = failure(call(channel()));

        assertThat(e.code()).isEqualTo(StatusCode.INTERNAL);
        assertThat(e.details()).contains("text/html");
    }

    // ---------------------------------------------------------------- status, grpc-message, trailers

    @Test
    void response_trailersOnly_statusMessageAndMetadataFromTheOneHeadersFrame() throws Exception {
        script = req -> afterBody(
                req,
                (body, resp) -> resp.putHeader("content-type", GRPC)
                        .putHeader("grpc-status", "5")
                        .putHeader("grpc-message", "caf%C3%A9 100%25")
                        .putHeader("x-custom", "v1")
                        .end());
        UnaryUnaryCall<String, String> call = call(channel());

        RpcException e = failure(call);

        assertThat(e.code()).isEqualTo(StatusCode.NOT_FOUND);
        assertThat(e.details()).isEqualTo("café 100%");
        assertThat(call.initialMetadata().await(5, SECONDS).isEmpty()).isTrue();
        assertThat(e.initialMetadata().isEmpty()).isTrue();
        Metadata trailing = call.trailingMetadata().await(5, SECONDS);
        assertThat(trailing.get("x-custom")).contains("v1");
        assertThat(trailing.keys()).doesNotContain("grpc-status", "grpc-message", "content-type");
        assertThat(e.trailingMetadata().get("x-custom")).contains("v1");
    }

    @Test
    void response_trailersWithoutGrpcStatus_unknown() throws Exception {
        script = req -> afterBody(req, (body, resp) -> {
            resp.putHeader("content-type", GRPC);
            resp.write(frame("ok"));
            resp.putTrailer("x-other", "1");
            resp.end();
        });

        RpcException e = failure(call(channel()));

        assertThat(e.code()).isEqualTo(StatusCode.UNKNOWN);
        assertThat(e.trailingMetadata().get("x-other")).contains("1");
    }

    @ParameterizedTest(name = "grpc-status: {0}")
    @ValueSource(strings = {"abc", "99", "-1", ""})
    void response_grpcStatusNotAKnownCode_unknown(String grpcStatus) throws Exception {
        script = req -> afterBody(req, (body, resp) -> reply(resp, frame("ok"), grpcStatus));

        RpcException e = failure(call(channel()));

        assertThat(e.code()).isEqualTo(StatusCode.UNKNOWN);
    }

    @Test
    void response_statusInTrailers_grpcMessageReadFromTrailersNotHeaders() throws Exception {
        script = req -> afterBody(req, (body, resp) -> {
            resp.putHeader("content-type", GRPC);
            resp.putHeader("grpc-message", "from-headers");
            resp.putTrailer("grpc-status", "3");
            resp.putTrailer("grpc-message", "from%20trailers");
            resp.end();
        });
        UnaryUnaryCall<String, String> call = call(channel());

        RpcException e = failure(call);

        assertThat(e.code()).isEqualTo(StatusCode.INVALID_ARGUMENT);
        assertThat(e.details()).isEqualTo("from trailers");
        assertThat(call.details().await(5, SECONDS)).isEqualTo("from trailers");
    }

    // ---------------------------------------------------------------- framing

    @Test
    void response_messageFlagByte2_internalAndStreamReset() throws Exception {
        script = req -> {
            watchReset(req);
            afterBody(req, (body, resp) -> {
                resp.putHeader("content-type", GRPC);
                resp.write(frame(2, "ok".getBytes(UTF_8))); // the stream stays open: only the client's RST ends it
            });
        };

        RpcException e = failure(call(channel()));

        assertThat(e.code()).isEqualTo(StatusCode.INTERNAL);
        assertThat(serverSawReset.get(5, SECONDS)).isEqualTo(0x8L);
    }

    @Test
    void response_compressedFlagWithoutGrpcEncoding_internal() throws Exception {
        script = req -> afterBody(req, (body, resp) -> reply(resp, frame(1, gzip("ok".getBytes(UTF_8))), "0"));

        RpcException e = failure(call(channel()));

        assertThat(e.code()).isEqualTo(StatusCode.INTERNAL);
    }

    @Test
    void response_unknownGrpcEncoding_internal() throws Exception {
        script = req -> afterBody(req, (body, resp) -> {
            resp.putHeader("grpc-encoding", "snappy");
            reply(resp, frame(1, "ok".getBytes(UTF_8)), "0");
        });

        RpcException e = failure(call(channel()));

        assertThat(e.code()).isEqualTo(StatusCode.INTERNAL);
        assertThat(e.details()).contains("snappy");
    }

    @Test
    void response_gzipMessageWithinLimit_inflated() throws Exception {
        script = req -> afterBody(req, (body, resp) -> {
            resp.putHeader("grpc-encoding", "gzip");
            reply(resp, frame(1, gzip("inflated".getBytes(UTF_8))), "0");
        });

        String reply = call(channel()).response().await(5, SECONDS);

        assertThat(reply).isEqualTo("inflated");
    }

    @Test
    void response_messageOverMaxReceiveLength_resourceExhausted() throws Exception {
        script = req -> afterBody(req, (body, resp) -> reply(resp, frame("eleven byte"), "0"));

        RpcException e = failure(call(channel(ChannelOptions.DEFAULT.withMaxReceiveMessageLength(10))));

        assertThat(e.code()).isEqualTo(StatusCode.RESOURCE_EXHAUSTED);
    }

    @Test
    void response_gzipMessageOverLimitOnlyAfterInflate_resourceExhausted() throws Exception {
        byte[] compressed = gzip("a".repeat(1000).getBytes(UTF_8));
        assertThat(compressed.length).isLessThanOrEqualTo(64); // the frame itself is within the limit
        script = req -> afterBody(req, (body, resp) -> {
            resp.putHeader("grpc-encoding", "gzip");
            reply(resp, frame(1, compressed), "0");
        });

        RpcException e = failure(call(channel(ChannelOptions.DEFAULT.withMaxReceiveMessageLength(64))));

        assertThat(e.code()).isEqualTo(StatusCode.RESOURCE_EXHAUSTED);
    }

    @Test
    void response_endOfStreamMidFrame_internal() throws Exception {
        Buffer partial = Buffer.buffer().appendByte((byte) 0).appendInt(10).appendString("abc");
        script = req -> afterBody(req, (body, resp) -> reply(resp, partial, "0"));

        RpcException e = failure(call(channel()));

        assertThat(e.code()).isEqualTo(StatusCode.INTERNAL);
    }

    @Test
    void unaryResponse_twoMessages_internal() throws Exception {
        script = req -> afterBody(req, (body, resp) -> reply(resp, frame("a").appendBuffer(frame("b")), "0"));

        RpcException e = failure(call(channel()));

        assertThat(e.code()).isEqualTo(StatusCode.INTERNAL);
    }

    @Test
    void unaryResponse_noMessageWithOk_internal() throws Exception {
        script = req -> afterBody(req, (body, resp) -> reply(resp, Buffer.buffer(), "0"));

        RpcException e = failure(call(channel()));

        assertThat(e.code()).isEqualTo(StatusCode.INTERNAL);
    }

    @Test
    void unaryResponse_trailersOnlyOk_internal() throws Exception {
        script = req -> afterBody(
                req,
                (body, resp) -> resp.putHeader("content-type", GRPC)
                        .putHeader("grpc-status", "0")
                        .end());

        RpcException e = failure(call(channel()));

        assertThat(e.code()).isEqualTo(StatusCode.INTERNAL);
    }

    @Test
    void response_messageSplitIntoOneByteWrites_reassembled() throws Exception {
        Buffer whole = frame("reassembled");
        script = req -> afterBody(req, (body, resp) -> {
            resp.putHeader("content-type", GRPC);
            Future<Void> written = resp.writeHead();
            for (int i = 0; i < whole.length(); i++) {
                Buffer oneByte = whole.getBuffer(i, i + 1);
                written = written.compose(v -> resp.write(oneByte));
            }
            written.onSuccess(v -> {
                resp.putTrailer("grpc-status", "0");
                resp.end();
            });
        });
        UnaryUnaryCall<String, String> call = call(channel());

        assertThat(call.response().await(5, SECONDS)).isEqualTo("reassembled");
        assertThat(call.code().await(5, SECONDS)).isEqualTo(StatusCode.OK);
        assertThat(call.details().await(5, SECONDS)).isEmpty();
    }

    // ---------------------------------------------------------------- RST_STREAM and connection loss

    @Test
    void response_rstStreamCancel_cancelled() throws Exception {
        script = req -> req.response().reset(0x8);
        UnaryUnaryCall<String, String> call = call(channel());

        RpcException e = failure(call);

        assertThat(e.code()).isEqualTo(StatusCode.CANCELLED);
        assertThat(call.isCancelled()).isTrue();
    }

    @Test
    void response_rstStreamRefusedOnce_transparentlyRetried() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        script = req -> {
            if (attempts.incrementAndGet() == 1) {
                req.response().reset(0x7); // REFUSED_STREAM: the server did not process it
            } else {
                afterBody(req, (body, resp) -> reply(resp, frame("second"), "0"));
            }
        };
        UnaryUnaryCall<String, String> call = call(channel());

        assertThat(call.response().await(5, SECONDS)).isEqualTo("second");
        assertThat(call.code().await(5, SECONDS)).isEqualTo(StatusCode.OK);
        assertThat(requests).hasSize(2);
    }

    @Test
    void response_rstStreamRefusedTwice_unavailable() throws Exception {
        script = req -> req.response().reset(0x7);

        RpcException e = failure(call(channel()));

        assertThat(e.code()).isEqualTo(StatusCode.UNAVAILABLE);
        assertThat(requests).hasSize(2); // one transparent retry, no more
    }

    @Test
    void response_rstStreamRefused_retriesDisabled_unavailableWithoutTransparentRetry() throws Exception {
        script = req -> req.response().reset(0x7);

        RpcException e = failure(call(channel(ChannelOptions.fromMap(java.util.Map.of("grpc.enable_retries", 0)))));

        assertThat(e.code()).isEqualTo(StatusCode.UNAVAILABLE);
        assertThat(requests).hasSize(1); // grpc.enable_retries = 0: not even the transparent retry
    }

    @Test
    void response_connectionClosedMidCall_unavailable() throws Exception {
        script = req -> afterBody(req, (body, resp) -> {
            resp.putHeader("content-type", GRPC);
            resp.writeHead().onSuccess(v -> req.connection().close());
        });

        RpcException e = failure(call(channel()));

        assertThat(e.code()).isEqualTo(StatusCode.UNAVAILABLE);
        assertThat(unhandled).as("exceptions thrown on an event loop").isEmpty();
    }

    // ---------------------------------------------------------------- request shape

    @Test
    void unaryCall_ok_nothingThrownOnTheEventLoop() throws Exception {
        Channel channel = channel();

        assertThat(call(channel).response().await(5, SECONDS)).isEqualTo("ok");
        assertThat(call(channel).response().await(5, SECONDS)).isEqualTo("ok");

        assertThat(unhandled).as("exceptions thrown on an event loop").isEmpty();
    }

    @Test
    void request_headersFollowTheSpec() throws Exception {
        CompletableFuture<Buffer> requestBody = new CompletableFuture<>();
        script = req -> afterBody(req, (body, resp) -> {
            requestBody.complete(body);
            reply(resp, frame("ok"), "0");
        });
        Metadata metadata = Metadata.builder()
                .add("x-custom", "v")
                .addBinary("x-data-bin", new byte[] {1, 2, 3, 4})
                .add("grpc-foo", "reserved")
                .add("content-type", "text/evil")
                .add("te", "gzip")
                .build();
        CallOptions options =
                CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(5)).withMetadata(metadata);

        assertThat(call(channel(), options).response().await(5, SECONDS)).isEqualTo("ok");

        assertThat(requests).hasSize(1);
        RecordedRequest r = requests.get(0);
        assertThat(r.method()).isEqualTo(HttpMethod.POST);
        assertThat(r.path()).isEqualTo("/test.Wire/Unary");
        MultiMap h = r.headers();
        assertThat(h.getAll("content-type")).containsExactly(GRPC);
        assertThat(h.getAll("te")).containsExactly("trailers");
        assertThat(h.get("user-agent")).startsWith("grpc-java-rpcvertx/");
        assertThat(h.get("grpc-accept-encoding")).isNotBlank();
        // 5 s in the finest unit that fits 8 digits is microseconds: at most 5000000u
        Matcher timeout = Pattern.compile("(\\d{1,8})u").matcher(h.get("grpc-timeout"));
        assertThat(timeout.matches())
                .as("grpc-timeout %s", h.get("grpc-timeout"))
                .isTrue();
        assertThat(Long.parseLong(timeout.group(1))).isBetween(4_000_000L, 5_000_000L);
        assertThat(h.getAll("x-custom")).containsExactly("v");
        assertThat(h.getAll("x-data-bin")).containsExactly("AQIDBA"); // base64 of 1,2,3,4 without "=="
        assertThat(h.contains("grpc-foo")).isFalse();
        assertThat(requestBody.get(5, SECONDS)).isEqualTo(frame("hi"));
    }

    // ---------------------------------------------------------------- deadline, cancel, terminal events

    @Test
    void deadline_serverNeverAnswers_deadlineExceededAndStreamReset() throws Exception {
        script = this::watchReset;
        UnaryUnaryCall<String, String> call = call(channel(), CallOptions.DEFAULT.withTimeout(Duration.ofMillis(300)));

        RpcException e = failure(call);

        assertThat(e.code()).isEqualTo(StatusCode.DEADLINE_EXCEEDED);
        assertThat(call.isCancelled()).isFalse();
        assertThat(serverSawReset.get(5, SECONDS)).isEqualTo(0x8L);
    }

    @Test
    void cancel_afterCompletedOk_returnsFalseAndCodeStaysOk() throws Exception {
        Channel channel = channel();
        UnaryUnaryCall<String, String> call = call(channel);
        assertThat(call.response().await(5, SECONDS)).isEqualTo("ok");

        assertThat(call.cancel()).isFalse();
        // a later call on the same channel runs after the ignored cancel on the channel's loop
        assertThat(call(channel).response().await(5, SECONDS)).isEqualTo("ok");

        assertThat(call.code().await(5, SECONDS)).isEqualTo(StatusCode.OK);
        assertThat(call.details().await(5, SECONDS)).isEmpty();
        assertThat(call.isCancelled()).isFalse();
        assertThat(call.isDone()).isTrue();
    }

    @Test
    void cancel_duringPendingDeadline_cancelledAndDeadlineChangesNothing() throws Exception {
        script = this::watchReset;
        Channel channel = channel();
        UnaryUnaryCall<String, String> call = call(channel, CallOptions.DEFAULT.withTimeout(Duration.ofMillis(300)));
        call.waitForConnection().await(5, SECONDS);

        assertThat(call.cancel()).isTrue();
        RpcException e = failure(call);
        assertThat(e.code()).isEqualTo(StatusCode.CANCELLED);
        assertThat(serverSawReset.get(5, SECONDS)).isEqualTo(0x8L);
        String details = call.details().await(5, SECONDS);

        // a later call whose deadline passes after the first call's deadline would have
        UnaryUnaryCall<String, String> later = call(channel, CallOptions.DEFAULT.withTimeout(Duration.ofMillis(600)));
        assertThat(later.code().await(5, SECONDS)).isEqualTo(StatusCode.DEADLINE_EXCEEDED);

        assertThat(call.code().await(5, SECONDS)).isEqualTo(StatusCode.CANCELLED);
        assertThat(call.details().await(5, SECONDS)).isEqualTo(details);
        assertThat(call.isCancelled()).isTrue();
        assertThat(call.cancel()).isFalse();
    }

    @Test
    void credentials_onInsecureChannel_unauthenticatedBeforeAnythingIsSent() throws Exception {
        Channel channel = channel();
        CallOptions withCredentials = CallOptions.DEFAULT.withCredentials(
                (serviceUrl, methodName) -> Future.succeededFuture(Metadata.of("authorization", "Bearer t")));

        RpcException e = failure(call(channel, withCredentials));
        assertThat(e.code()).isEqualTo(StatusCode.UNAUTHENTICATED);

        assertThat(call(channel).response().await(5, SECONDS)).isEqualTo("ok");
        assertThat(requests).hasSize(1);
        assertThat(requests.get(0).headers().contains("authorization")).isFalse();
    }

    // ---------------------------------------------------------------- connectivity

    @Test
    void connect_nothingListening_unavailableAtOnceAndTransientFailure() throws Exception {
        HttpServer probe =
                vertx.createHttpServer().requestHandler(req -> req.response().end());
        int deadPort = probe.listen(0, "127.0.0.1").await(5, SECONDS).actualPort();
        probe.close().await(5, SECONDS);
        Channel channel = RpcVertx.insecureChannel(
                vertx, "127.0.0.1:" + deadPort, ChannelOptions.DEFAULT.withHttp2Transport(transport));
        channels.add(channel);
        assertThat(channel.getState()).isEqualTo(ChannelConnectivity.IDLE);
        Future<ChannelConnectivity> leftIdle = channel.waitForStateChange(ChannelConnectivity.IDLE);

        RpcException e = failure(call(channel));

        assertThat(e.code()).isEqualTo(StatusCode.UNAVAILABLE);
        assertThat(leftIdle.await(5, SECONDS)).isEqualTo(ChannelConnectivity.CONNECTING);
        assertThat(channel.waitForStateChange(ChannelConnectivity.CONNECTING).await(5, SECONDS))
                .isEqualTo(ChannelConnectivity.TRANSIENT_FAILURE);
    }

    @Test
    void close_thenNewCall_unavailableAndShutdown() throws Exception {
        Channel channel = channel();
        assertThat(call(channel).response().await(5, SECONDS)).isEqualTo("ok");

        channel.close().await(5, SECONDS);
        RpcException e = failure(call(channel));

        assertThat(e.code()).isEqualTo(StatusCode.UNAVAILABLE);
        assertThat(channel.getState()).isEqualTo(ChannelConnectivity.SHUTDOWN);
        assertThat(requests).hasSize(1);
    }

    @Test
    void unixDomainSocket_unaryRoundTrip(@TempDir Path dir) throws Exception {
        Server server = RpcVertx.server(vertx);
        servers.add(server);
        server.addGenericRpcHandlers(ServiceDefinition.of(
                "test.Wire", RpcMethodHandler.unaryUnary(UNARY, (req, ctx) -> Future.succeededFuture("echo:" + req))));
        String socket = dir.resolve("x.sock").toString();
        server.addInsecurePort("unix:" + socket).await(5, SECONDS);
        server.start().await(5, SECONDS);
        Channel channel =
                RpcVertx.insecureChannel(vertx, "unix:" + socket, ChannelOptions.DEFAULT.withHttp2Transport(transport));
        channels.add(channel);

        UnaryUnaryCall<String, String> call = channel.unaryUnary(UNARY).call("hi");

        assertThat(call.response().await(5, SECONDS)).isEqualTo("echo:hi");
        assertThat(call.code().await(5, SECONDS)).isEqualTo(StatusCode.OK);
    }

    // ---------------------------------------------------------------- fixtures

    Channel channel() {
        return channel(ChannelOptions.DEFAULT);
    }

    Channel channel(ChannelOptions options) {
        Channel c = RpcVertx.insecureChannel(vertx, "127.0.0.1:" + port, options.withHttp2Transport(transport));
        channels.add(c);
        return c;
    }

    static UnaryUnaryCall<String, String> call(Channel channel) {
        return call(channel, CallOptions.DEFAULT);
    }

    static UnaryUnaryCall<String, String> call(Channel channel, CallOptions options) {
        return channel.unaryUnary(UNARY).call("hi", options);
    }

    /** The call's failure; also checks that code() and details() agree with it. */
    static RpcException failure(UnaryUnaryCall<String, String> call) throws Exception {
        Throwable t = catchThrowable(() -> call.response().await(5, SECONDS));
        assertThat(t).isInstanceOf(RpcException.class);
        RpcException e = (RpcException) t;
        assertThat(call.code().await(5, SECONDS)).isEqualTo(e.code());
        assertThat(call.details().await(5, SECONDS)).isEqualTo(e.details());
        assertThat(call.isDone()).isTrue();
        return e;
    }

    /** Runs {@code respond} once the whole request body has arrived. */
    static void afterBody(HttpServerRequest req, BiConsumer<Buffer, HttpServerResponse> respond) {
        req.body().onSuccess(body -> respond.accept(body, req.response()));
    }

    /** Records the code of the first RST_STREAM the client sends on this request. */
    void watchReset(HttpServerRequest req) {
        Handler<Throwable> onError = t -> {
            if (t instanceof StreamResetException) {
                serverSawReset.complete(((StreamResetException) t).getCode());
            } else {
                serverSawReset.completeExceptionally(t);
            }
        };
        req.exceptionHandler(onError);
        req.response().exceptionHandler(onError);
    }

    /** HEADERS (content-type gRPC), the data if any, then trailers with this grpc-status. */
    static void reply(HttpServerResponse resp, Buffer data, String grpcStatus) {
        resp.putHeader("content-type", GRPC);
        if (data.length() > 0) {
            resp.write(data);
        }
        resp.putTrailer("grpc-status", grpcStatus);
        resp.end();
    }

    static Buffer frame(String message) {
        return frame(0, message.getBytes(UTF_8));
    }

    static Buffer frame(int flag, byte[] payload) {
        return Buffer.buffer().appendByte((byte) flag).appendInt(payload.length).appendBytes(payload);
    }

    static byte[] gzip(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static MultiMap copy(MultiMap headers) {
        return MultiMap.caseInsensitiveMultiMap().addAll(headers);
    }
}
