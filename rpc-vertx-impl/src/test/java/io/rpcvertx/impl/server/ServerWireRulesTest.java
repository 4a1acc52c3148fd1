package io.rpcvertx.impl.server;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.rpcvertx.Compression;
import io.rpcvertx.Http2Transport;
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
import io.rpcvertx.ServicerContext;
import io.rpcvertx.StatusCode;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.junit5.VertxExtension;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The server side of the wire rules (DESIGN.md section 8, gRPC over HTTP/2): our server against a raw Vert.x HTTP/2
 * client sending hand-made frames, so every malformed request is produced exactly.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(Http2Transport.class)
@ExtendWith(VertxExtension.class)
@Timeout(30)
class ServerWireRulesTest {
    /** The server's HTTP/2 transport: every wire rule holds on both. */
    @Parameter
    Http2Transport transport;

    static final Marshaller<String> UTF8 = Marshaller.of(s -> Buffer.buffer(s.getBytes(UTF_8)), b -> b.toString(UTF_8));
    static final MethodDescriptor<String, String> UNARY =
            MethodDescriptor.of(MethodType.UNARY_UNARY, "test.Wire/Unary", UTF8, UTF8);
    static final MethodDescriptor<String, String> METADATA =
            MethodDescriptor.of(MethodType.UNARY_UNARY, "test.Wire/Metadata", UTF8, UTF8);
    static final MethodDescriptor<String, String> FAIL =
            MethodDescriptor.of(MethodType.UNARY_UNARY, "test.Wire/Fail", UTF8, UTF8);
    static final MethodDescriptor<String, String> HANG =
            MethodDescriptor.of(MethodType.UNARY_UNARY, "test.Wire/Hang", UTF8, UTF8);
    static final MethodDescriptor<String, String> HANG_STREAM =
            MethodDescriptor.of(MethodType.UNARY_STREAM, "test.Wire/HangStream", UTF8, UTF8);
    static final String GRPC = "application/grpc";
    static final byte[] BIN = {1, 2, 3, 4};

    /** One response as the raw client received it. */
    record Captured(int status, MultiMap headers, MultiMap trailers, Buffer body) {
        /** Where the status is: the headers of a trailers-only response, else the trailers. */
        MultiMap statusMap() {
            return headers.contains("grpc-status") ? headers : trailers;
        }

        @Nullable
        String grpcStatus() {
            return statusMap().get("grpc-status");
        }

        @Nullable
        String grpcMessage() {
            return statusMap().get("grpc-message");
        }
    }

    /** One length-prefixed message. */
    record Frame(int flag, Buffer payload) {}

    Vertx vertx;
    HttpClient client;
    int port;
    final List<Server> servers = new ArrayList<>();
    final List<Throwable> unhandled = new CopyOnWriteArrayList<>();
    final List<Throwable> clientErrors = new CopyOnWriteArrayList<>();
    final CompletableFuture<Metadata> invocationMetadata = new CompletableFuture<>();
    final CompletableFuture<Void> hangStarted = new CompletableFuture<>();
    final CompletableFuture<Boolean> hangDoneCancelled = new CompletableFuture<>();
    final CompletableFuture<AsyncResult<Void>> writeAfterDone = new CompletableFuture<>();

    @BeforeEach
    void setUp(Vertx vertx) throws Exception {
        this.vertx = vertx;
        vertx.exceptionHandler(unhandled::add);
        client = vertx.createHttpClient(
                new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2).setHttp2ClearTextUpgrade(false));
        port = startServer(ServerOptions.DEFAULT);
    }

    @AfterEach
    void tearDown() throws Exception {
        client.close().await(5, SECONDS);
        for (Server s : servers) {
            s.stop(null).await(5, SECONDS);
        }
    }

    int startServer(ServerOptions options) throws Exception {
        Server server = RpcVertx.server(vertx, options.withHttp2Transport(transport));
        servers.add(server);
        server.addGenericRpcHandlers(ServiceDefinition.of(
                "test.Wire",
                RpcMethodHandler.unaryUnary(UNARY, (req, ctx) -> Future.succeededFuture("echo:" + req)),
                RpcMethodHandler.unaryUnary(METADATA, (req, ctx) -> {
                    invocationMetadata.complete(ctx.invocationMetadata());
                    return Future.succeededFuture("ok");
                }),
                RpcMethodHandler.unaryUnary(
                        FAIL,
                        (req, ctx) -> Future.failedFuture(new RpcException(
                                StatusCode.ABORTED,
                                "nope ✓",
                                Metadata.builder()
                                        .add("x-trailer", "t1")
                                        .addBinary("x-trace-bin", BIN)
                                        .build()))),
                RpcMethodHandler.unaryUnary(HANG, (req, ctx) -> untilDone(ctx)),
                RpcMethodHandler.unaryStream(HANG_STREAM, (req, ctx) -> {
                    ctx.addDoneCallback(v -> {
                        hangDoneCancelled.complete(ctx.isCancelled());
                        ctx.write("late").onComplete(ar -> writeAfterDone.complete(ar));
                    });
                    hangStarted.complete(null);
                    return untilDone(ctx); // no response: the future completes only when the call has ended
                })));
        int bound = server.addInsecurePort("127.0.0.1:0").await(5, SECONDS);
        server.start().await(5, SECONDS);
        return bound;
    }

    /** A handler that never responds but terminates once its call has ended, as server stop expects. */
    static <T> Future<T> untilDone(ServicerContext<?, ?> ctx) {
        Promise<T> terminated = Promise.promise();
        ctx.addDoneCallback(v -> terminated.tryFail("the call has ended"));
        return terminated.future();
    }

    // ---------------------------------------------------------------- HTTP-level refusals

    @Test
    void request_contentTypeTextPlain_http415() throws Exception {
        MultiMap headers = MultiMap.caseInsensitiveMultiMap()
                .add("content-type", "text/plain")
                .add("te", "trailers");

        Captured c = exchange(port, HttpMethod.POST, UNARY.path(), headers, frame("hi"));

        assertThat(c.status()).isEqualTo(415);
    }

    @Test
    void request_getMethod_http405() throws Exception {
        Captured c = exchange(port, HttpMethod.GET, UNARY.path(), grpcHeaders(), null);

        assertThat(c.status()).isEqualTo(405);
    }

    // ---------------------------------------------------------------- request headers

    @Test
    void request_unknownGrpcEncoding_unimplementedWithAcceptEncoding() throws Exception {
        MultiMap headers = grpcHeaders().add("grpc-encoding", "snappy");

        Captured c = post(UNARY.path(), headers, frame(1, "hi".getBytes(UTF_8)));

        assertThat(c.status()).isEqualTo(200);
        assertThat(c.grpcStatus()).isEqualTo("12");
        assertThat(c.headers().get("grpc-accept-encoding")).contains("gzip");
    }

    @Test
    void request_malformedGrpcTimeout_internal() throws Exception {
        Captured c = post(UNARY.path(), grpcHeaders().add("grpc-timeout", "1x"), frame("hi"));

        assertThat(c.grpcStatus()).isEqualTo("13");
    }

    @Test
    void request_grpcTimeout1n_deadlineExceeded() throws Exception {
        Captured c = post(HANG.path(), grpcHeaders().add("grpc-timeout", "1n"), frame("hi"));

        assertThat(c.status()).isEqualTo(200);
        assertThat(c.grpcStatus()).isEqualTo("4");
    }

    // ---------------------------------------------------------------- request framing

    @Test
    void request_messageFlagByte2_internal() throws Exception {
        Captured c = post(UNARY.path(), grpcHeaders(), frame(2, "hi".getBytes(UTF_8)));

        assertThat(c.grpcStatus()).isEqualTo("13");
    }

    @Test
    void request_compressedFlagWithoutGrpcEncoding_internal() throws Exception {
        Captured c = post(UNARY.path(), grpcHeaders(), frame(1, gzip("hi".getBytes(UTF_8))));

        assertThat(c.grpcStatus()).isEqualTo("13");
    }

    @Test
    void request_messageOverMaxReceiveLength_resourceExhausted() throws Exception {
        int limited = startServer(ServerOptions.DEFAULT.withMaxReceiveMessageLength(10));

        Captured c = exchange(limited, HttpMethod.POST, UNARY.path(), grpcHeaders(), frame("eleven byte"));

        assertThat(c.grpcStatus()).isEqualTo("8");
    }

    @Test
    void request_gzipMessageOverLimitOnlyAfterInflate_resourceExhausted() throws Exception {
        byte[] compressed = gzip("a".repeat(1000).getBytes(UTF_8));
        assertThat(compressed.length).isLessThanOrEqualTo(64); // the frame itself is within the limit
        int limited = startServer(ServerOptions.DEFAULT.withMaxReceiveMessageLength(64));

        Captured c = exchange(
                limited,
                HttpMethod.POST,
                UNARY.path(),
                grpcHeaders().add("grpc-encoding", "gzip"),
                frame(1, compressed));

        assertThat(c.grpcStatus()).isEqualTo("8");
    }

    @Test
    void unaryRequest_noMessage_internal() throws Exception {
        Captured c = post(UNARY.path(), grpcHeaders(), null);

        assertThat(c.grpcStatus()).isEqualTo("13");
    }

    @Test
    void unaryRequest_twoMessages_internal() throws Exception {
        Captured c = post(UNARY.path(), grpcHeaders(), frame("a").appendBuffer(frame("b")));

        assertThat(c.grpcStatus()).isEqualTo("13");
    }

    @Test
    void request_endOfStreamMidFrame_internal() throws Exception {
        Buffer partial = Buffer.buffer().appendByte((byte) 0).appendInt(10).appendString("abc");

        Captured c = post(UNARY.path(), grpcHeaders(), partial);

        assertThat(c.grpcStatus()).isEqualTo("13");
    }

    // ---------------------------------------------------------------- routing

    @Test
    void request_unknownMethod_trailersOnlyUnimplemented() throws Exception {
        Captured c = post("/test.Wire/Nope", grpcHeaders(), frame("hi"));

        assertThat(c.status()).isEqualTo(200);
        assertThat(c.headers().get("content-type")).isEqualTo(GRPC);
        assertThat(c.headers().get("grpc-status")).isEqualTo("12"); // in the one HEADERS frame
        assertThat(c.trailers().contains("grpc-status")).isFalse();
        assertThat(c.body().length()).isZero();
    }

    @Test
    void request_unknownService_unimplementedNamingTheService() throws Exception {
        Captured c = post("/nope.Missing/Call", grpcHeaders(), frame("hi"));

        assertThat(c.grpcStatus()).isEqualTo("12");
        assertThat(c.grpcMessage()).contains("nope.Missing");
    }

    // ---------------------------------------------------------------- responses

    @Test
    void unary_ok_responseShape() throws Exception {
        Captured c = post(UNARY.path(), grpcHeaders(), frame("hi"));

        assertThat(c.status()).isEqualTo(200);
        assertThat(c.headers().get("content-type")).isEqualTo(GRPC);
        assertThat(c.headers().get("grpc-accept-encoding")).isNotBlank();
        assertThat(c.headers().contains("grpc-status")).isFalse();
        assertThat(frames(c.body())).containsExactly(new Frame(0, Buffer.buffer("echo:hi")));
        assertThat(c.trailers().get("grpc-status")).isEqualTo("0");
    }

    @Test
    void handler_failsWithRpcException_statusAndTrailingMetadataSent() throws Exception {
        Captured c = post(FAIL.path(), grpcHeaders(), frame("hi"));

        assertThat(c.status()).isEqualTo(200);
        MultiMap status = c.statusMap();
        assertThat(status.get("grpc-status")).isEqualTo("10");
        assertThat(status.get("grpc-message")).isEqualTo("nope %E2%9C%93");
        assertThat(status.getAll("x-trailer")).containsExactly("t1");
        assertThat(status.getAll("x-trace-bin")).containsExactly("AQIDBA");
    }

    @Test
    void request_gzipCompressedMessage_roundTrips() throws Exception {
        MultiMap headers = grpcHeaders().add("grpc-encoding", "gzip");

        Captured c = post(UNARY.path(), headers, frame(1, gzip("hello".getBytes(UTF_8))));

        assertThat(c.grpcStatus()).isEqualTo("0");
        assertThat(frames(c.body())).containsExactly(new Frame(0, Buffer.buffer("echo:hello")));
    }

    @Test
    void response_gzipServerAndClientAcceptsGzip_compressed() throws Exception {
        int gzipServer = startServer(ServerOptions.DEFAULT.withCompression(Compression.GZIP));
        String request = "b".repeat(200);

        Captured c = exchange(
                gzipServer,
                HttpMethod.POST,
                UNARY.path(),
                grpcHeaders().add("grpc-accept-encoding", "gzip"),
                frame(request));

        assertThat(c.grpcStatus()).isEqualTo("0");
        assertThat(c.headers().get("grpc-encoding")).isEqualTo("gzip");
        List<Frame> frames = frames(c.body());
        assertThat(frames).hasSize(1);
        assertThat(frames.get(0).flag()).isEqualTo(1);
        assertThat(new String(gunzip(frames.get(0).payload().getBytes()), UTF_8))
                .isEqualTo("echo:" + request);
    }

    @Test
    void response_gzipServerClientWithoutGzip_uncompressed() throws Exception {
        int gzipServer = startServer(ServerOptions.DEFAULT.withCompression(Compression.GZIP));

        Captured c = exchange(
                gzipServer,
                HttpMethod.POST,
                UNARY.path(),
                grpcHeaders().add("grpc-accept-encoding", "identity"),
                frame("hi"));

        assertThat(c.grpcStatus()).isEqualTo("0");
        assertThat(c.headers().get("grpc-encoding")).isIn(null, "identity");
        assertThat(frames(c.body())).containsExactly(new Frame(0, Buffer.buffer("echo:hi")));
    }

    // ---------------------------------------------------------------- metadata

    @Test
    void invocationMetadata_customAndBinaryKept_reservedRemoved() throws Exception {
        MultiMap headers = grpcHeaders()
                .add("grpc-timeout", "10S")
                .add("x-custom", "v")
                .add("padded-bin", "AQIDBA==")
                .add("unpadded-bin", "AQIDBA");

        Captured c = post(METADATA.path(), headers, frame("hi"));

        assertThat(c.grpcStatus()).isEqualTo("0");
        Metadata md = invocationMetadata.get(5, SECONDS);
        assertThat(md.get("x-custom")).contains("v");
        assertThat(md.getBinary("padded-bin").orElseThrow()).containsExactly(BIN);
        assertThat(md.getBinary("unpadded-bin").orElseThrow()).containsExactly(BIN);
        assertThat(md.keys()).doesNotContain("te", "content-type", "grpc-timeout", ":path", ":method");
    }

    // ---------------------------------------------------------------- cancellation by the peer

    @ParameterizedTest(name = "RST_STREAM code {0}")
    @ValueSource(longs = {0x0, 0x8})
    void clientReset_afterRequestEnded_cancelsTheServerCall(long code) throws Exception {
        HttpClientRequest request = startHangingCall();

        request.reset(code).await(5, SECONDS);

        assertThat(hangDoneCancelled.get(5, SECONDS)).isTrue();
    }

    @Test
    void clientReset_afterRequestEnded_handlerWriteFails() throws Exception {
        HttpClientRequest request = startHangingCall();

        request.reset(0x8).await(5, SECONDS);

        assertThat(hangDoneCancelled.get(5, SECONDS)).isTrue();
        assertThat(writeAfterDone.get(5, SECONDS).failed()).isTrue();
    }

    @Test
    void unary_ok_nothingThrownOnTheEventLoop() throws Exception {
        assertThat(post(UNARY.path(), grpcHeaders(), frame("a")).grpcStatus()).isEqualTo("0");
        assertThat(post(UNARY.path(), grpcHeaders(), frame("b")).grpcStatus()).isEqualTo("0");

        assertThat(unhandled).as("exceptions thrown on an event loop").isEmpty();
    }

    /** Sends a complete request to the hanging server-streaming method and waits until its handler runs. */
    HttpClientRequest startHangingCall() throws Exception {
        RequestOptions options = new RequestOptions()
                .setMethod(HttpMethod.POST)
                .setHost("127.0.0.1")
                .setPort(port)
                .setURI(HANG_STREAM.path());
        HttpClientRequest request = client.request(options)
                .compose(req -> {
                    req.headers().addAll(grpcHeaders());
                    // our own reset fails the request and its response; record, nothing to read
                    req.exceptionHandler(clientErrors::add);
                    req.response().onFailure(clientErrors::add);
                    return req.end(frame("hi")).map(req);
                })
                .await(5, SECONDS);
        hangStarted.get(5, SECONDS);
        return request;
    }

    // ---------------------------------------------------------------- raw client

    Captured post(String path, MultiMap headers, @Nullable Buffer body) throws Exception {
        return exchange(port, HttpMethod.POST, path, headers, body);
    }

    /** One request/response; response handlers are attached on the event loop, in the turn the response arrives. */
    Captured exchange(int toPort, HttpMethod method, String path, MultiMap headers, @Nullable Buffer body)
            throws Exception {
        RequestOptions options = new RequestOptions()
                .setMethod(method)
                .setHost("127.0.0.1")
                .setPort(toPort)
                .setURI(path);
        return client.request(options)
                .compose(req -> {
                    req.headers().addAll(headers);
                    Future<HttpClientResponse> sent = body == null ? req.send() : req.send(body);
                    return sent.compose(resp -> resp.body()
                            .map(b -> new Captured(resp.statusCode(), copy(resp.headers()), copy(resp.trailers()), b)));
                })
                .await(5, SECONDS);
    }

    static MultiMap grpcHeaders() {
        return MultiMap.caseInsensitiveMultiMap().add("content-type", GRPC).add("te", "trailers");
    }

    static MultiMap copy(MultiMap headers) {
        return MultiMap.caseInsensitiveMultiMap().addAll(headers);
    }

    static Buffer frame(String message) {
        return frame(0, message.getBytes(UTF_8));
    }

    static Buffer frame(int flag, byte[] payload) {
        return Buffer.buffer().appendByte((byte) flag).appendInt(payload.length).appendBytes(payload);
    }

    static List<Frame> frames(Buffer body) {
        List<Frame> frames = new ArrayList<>();
        int pos = 0;
        while (pos < body.length()) {
            assertThat(body.length() - pos).as("frame header at %d", pos).isGreaterThanOrEqualTo(5);
            int flag = body.getUnsignedByte(pos);
            int length = body.getInt(pos + 1);
            assertThat(pos + 5 + length).as("frame end").isLessThanOrEqualTo(body.length());
            frames.add(new Frame(flag, body.getBuffer(pos + 5, pos + 5 + length)));
            pos += 5 + length;
        }
        return frames;
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

    static byte[] gunzip(byte[] data) {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(data))) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
