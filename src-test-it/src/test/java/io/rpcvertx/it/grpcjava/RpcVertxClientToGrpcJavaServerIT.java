package io.rpcvertx.it.grpcjava;

import static io.rpcvertx.it.grpcjava.Payloads.CLIENT_STREAMING_SIZES;
import static io.rpcvertx.it.grpcjava.Payloads.ERROR_DETAILS;
import static io.rpcvertx.it.grpcjava.Payloads.MAX_MESSAGE;
import static io.rpcvertx.it.grpcjava.Payloads.PING_PONG_SIZES;
import static io.rpcvertx.it.grpcjava.Payloads.allByteValues;
import static io.rpcvertx.it.grpcjava.Payloads.assertSameBytes;
import static io.rpcvertx.it.grpcjava.Payloads.compressible;
import static io.rpcvertx.it.grpcjava.Payloads.random;
import static io.rpcvertx.it.grpcjava.Payloads.reversedByteValues;
import static io.rpcvertx.it.testservice.TestServiceContract.FULL_DUPLEX_CALL;
import static io.rpcvertx.it.testservice.TestServiceContract.SERVICE;
import static io.rpcvertx.it.testservice.TestServiceContract.STREAMING_INPUT_CALL;
import static io.rpcvertx.it.testservice.TestServiceContract.STREAMING_OUTPUT_CALL;
import static io.rpcvertx.it.testservice.TestServiceContract.UNARY_CALL;
import static io.rpcvertx.it.testservice.TestServiceContract.X_COMPRESS;
import static io.rpcvertx.it.testservice.TestServiceContract.X_COUNT;
import static io.rpcvertx.it.testservice.TestServiceContract.X_DETAILS_BIN;
import static io.rpcvertx.it.testservice.TestServiceContract.X_ECHO_INITIAL;
import static io.rpcvertx.it.testservice.TestServiceContract.X_ECHO_INITIAL_BIN;
import static io.rpcvertx.it.testservice.TestServiceContract.X_ECHO_TRAILING;
import static io.rpcvertx.it.testservice.TestServiceContract.X_ECHO_TRAILING_BIN;
import static io.rpcvertx.it.testservice.TestServiceContract.X_HANG;
import static io.rpcvertx.it.testservice.TestServiceContract.X_STATUS;
import static io.rpcvertx.it.testservice.TestServiceContract.grpcJavaCompressors;
import static io.rpcvertx.it.testservice.TestServiceContract.grpcJavaDecompressors;
import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.rpcvertx.CallOptions;
import io.rpcvertx.Channel;
import io.rpcvertx.Compression;
import io.rpcvertx.Marshaller;
import io.rpcvertx.Metadata;
import io.rpcvertx.MethodDescriptor;
import io.rpcvertx.MethodType;
import io.rpcvertx.ResponseStream;
import io.rpcvertx.RpcException;
import io.rpcvertx.RpcVertx;
import io.rpcvertx.StatusCode;
import io.rpcvertx.StreamStreamCall;
import io.rpcvertx.StreamUnaryCall;
import io.rpcvertx.UnaryStreamCall;
import io.rpcvertx.UnaryUnaryCall;
import io.rpcvertx.it.testservice.TestServiceContract;
import io.rpcvertx.it.testservice.TestServiceEvents;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** rpc-vertx client against a grpc-java server in this JVM. */
@ExtendWith(VertxExtension.class)
@Timeout(60)
class RpcVertxClientToGrpcJavaServerIT {
    private static final Metadata HANG = Metadata.of(X_HANG, "1");

    private final List<io.grpc.Server> grpcServers = new ArrayList<>();
    private final List<Channel> channels = new ArrayList<>();
    private Vertx vertx;
    private TestServiceEvents events;
    private int port;
    private Channel channel;

    @BeforeEach
    void setUp(Vertx vertx) throws Exception {
        this.vertx = vertx;
        events = new TestServiceEvents();
        port = startGrpcServer(MAX_MESSAGE);
        channel = newChannel(port);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (Channel c : channels) {
            c.close().await(5, SECONDS);
        }
        for (io.grpc.Server s : grpcServers) {
            s.shutdownNow();
        }
        for (io.grpc.Server s : grpcServers) {
            assertThat(s.awaitTermination(5, SECONDS))
                    .as("grpc-java server terminated")
                    .isTrue();
        }
    }

    @Test
    void emptyUnary_emptyRequest_returnsEmptyResponse() throws Exception {
        UnaryUnaryCall<byte[], byte[]> call = channel.unaryUnary(UNARY_CALL).call(new byte[0], options());

        assertThat(await(call.response())).isEmpty();
        assertThat(await(call.code())).isEqualTo(StatusCode.OK);
        assertThat(await(call.details())).isEmpty();
    }

    @Test
    void largeUnary_271828Bytes_echoesRequest() throws Exception {
        byte[] request = random(271_828);

        byte[] response =
                await(channel.unaryUnary(UNARY_CALL).call(request, options()).response());

        assertSameBytes(response, request);
    }

    @Test
    void serverStreaming_countFive_receivesFiveEchoes() throws Exception {
        byte[] request = random(1_000);
        UnaryStreamCall<byte[], byte[]> call =
                channel.unaryStream(STREAMING_OUTPUT_CALL).call(request, options(Metadata.of(X_COUNT, "5")));
        List<byte[]> responses = new CopyOnWriteArrayList<>();
        Promise<Void> ended = Promise.promise();

        call.responses().exceptionHandler(ended::tryFail).endHandler(v -> ended.tryComplete());
        call.responses().handler(responses::add);

        await(ended.future());
        assertThat(responses).hasSize(5).allSatisfy(r -> assertThat(r).isEqualTo(request));
        assertThat(await(call.code())).isEqualTo(StatusCode.OK);
    }

    @Test
    void serverStreaming_pullReads_endWithEmpty() throws Exception {
        byte[] request = random(1_000);
        UnaryStreamCall<byte[], byte[]> call =
                channel.unaryStream(STREAMING_OUTPUT_CALL).call(request, options(Metadata.of(X_COUNT, "5")));

        List<byte[]> responses = readAll(call);

        assertThat(responses).hasSize(5).allSatisfy(r -> assertThat(r).isEqualTo(request));
    }

    @Test
    void clientStreaming_fourMessages_receivesCountAndTotalBytes() throws Exception {
        StreamUnaryCall<byte[], byte[]> call =
                channel.streamUnary(STREAMING_INPUT_CALL).call(options());

        for (int size : CLIENT_STREAMING_SIZES) {
            await(call.write(random(size)));
        }
        await(call.doneWriting());

        assertThat(new String(await(call.response()), UTF_8)).isEqualTo("4:74922");
    }

    @Test
    void pingPong_eachWriteWaitsForItsEcho_echoesInOrder() throws Exception {
        StreamStreamCall<byte[], byte[]> call =
                channel.streamStream(FULL_DUPLEX_CALL).call(options());

        for (int size : PING_PONG_SIZES) {
            byte[] request = random(size);
            await(call.write(request));
            assertThat(await(call.read())).hasValueSatisfying(r -> assertThat(r).isEqualTo(request));
        }
        await(call.doneWriting());

        assertThat(await(call.read())).isEmpty();
        assertThat(await(call.code())).isEqualTo(StatusCode.OK);
    }

    @Test
    void largeUnary_exactlyMaxMessageSize_succeedsBothWays() throws Exception {
        byte[] request = random(MAX_MESSAGE);

        byte[] response =
                await(channel.unaryUnary(UNARY_CALL).call(request, options()).response());

        assertSameBytes(response, request);
    }

    @Test
    void largeUnary_requestOneByteOverServerLimit_failsWithResourceExhausted() throws Exception {
        UnaryUnaryCall<byte[], byte[]> call = channel.unaryUnary(UNARY_CALL).call(random(MAX_MESSAGE + 1), options());

        // grpc-java's default receive limit is 4 MiB too.
        assertThat(failure(call.response()).code()).isEqualTo(StatusCode.RESOURCE_EXHAUSTED);
    }

    @Test
    void largeUnary_responseOneByteOverClientLimit_failsWithResourceExhausted() throws Exception {
        Channel roomy = newChannel(startGrpcServer(2 * MAX_MESSAGE));

        UnaryUnaryCall<byte[], byte[]> call = roomy.unaryUnary(UNARY_CALL).call(random(MAX_MESSAGE + 1), options());

        assertThat(failure(call.response()).code()).isEqualTo(StatusCode.RESOURCE_EXHAUSTED);
        assertThat(await(call.code())).isEqualTo(StatusCode.RESOURCE_EXHAUSTED);
    }

    @Test
    void customMetadata_unary_echoesInitialAndTrailingMetadata() throws Exception {
        UnaryUnaryCall<byte[], byte[]> call = channel.unaryUnary(UNARY_CALL).call(random(10), options(echoMetadata()));

        assertThat(await(call.response())).hasSize(10);

        assertEchoed(await(call.initialMetadata()), await(call.trailingMetadata()));
        assertThat(events.callStarted().get(5, SECONDS).getBinary(X_ECHO_INITIAL_BIN))
                .as("-bin request metadata as the server saw it")
                .hasValueSatisfying(v -> assertThat(v).isEqualTo(allByteValues()));
    }

    @Test
    void customMetadata_fullDuplex_echoesInitialAndTrailingMetadata() throws Exception {
        StreamStreamCall<byte[], byte[]> call =
                channel.streamStream(FULL_DUPLEX_CALL).call(options(echoMetadata()));

        await(call.write(random(10)));
        assertThat(await(call.read())).hasValueSatisfying(r -> assertThat(r).hasSize(10));
        await(call.doneWriting());
        assertThat(await(call.read())).isEmpty();

        assertEchoed(await(call.initialMetadata()), await(call.trailingMetadata()));
    }

    @Test
    void statusCodeAndMessage_unary_clientSeesCodeDetailsAndTrailers() throws Exception {
        UnaryUnaryCall<byte[], byte[]> call =
                channel.unaryUnary(UNARY_CALL).call(random(10), options(errorMetadata(StatusCode.PERMISSION_DENIED)));

        RpcException e = failure(call.response());

        assertThat(e.code()).isEqualTo(StatusCode.PERMISSION_DENIED);
        assertThat(e.details()).isEqualTo(ERROR_DETAILS);
        assertThat(e.trailingMetadata().get(X_ECHO_TRAILING)).contains("after-error");
        assertThat(await(call.code())).isEqualTo(StatusCode.PERMISSION_DENIED);
        assertThat(await(call.details())).isEqualTo(ERROR_DETAILS);
        assertThat(await(call.trailingMetadata()).get(X_ECHO_TRAILING)).contains("after-error");
    }

    @Test
    void statusCodeAndMessage_serverStreaming_messagesThenStatus() throws Exception {
        byte[] request = random(10);
        Metadata md = errorMetadata(StatusCode.UNAUTHENTICATED).toBuilder()
                .add(X_COUNT, "2")
                .build();
        UnaryStreamCall<byte[], byte[]> call =
                channel.unaryStream(STREAMING_OUTPUT_CALL).call(request, options(md));

        assertThat(await(call.read())).hasValueSatisfying(r -> assertThat(r).isEqualTo(request));
        assertThat(await(call.read())).hasValueSatisfying(r -> assertThat(r).isEqualTo(request));
        RpcException e = failure(call.read());

        assertThat(e.code()).isEqualTo(StatusCode.UNAUTHENTICATED);
        assertThat(e.details()).isEqualTo(ERROR_DETAILS);
        assertThat(e.trailingMetadata().get(X_ECHO_TRAILING)).contains("after-error");
        assertThat(await(call.code())).isEqualTo(StatusCode.UNAUTHENTICATED);
    }

    @Test
    void timeoutOnSleepingServer_unary_deadlineExceededAndServerSeesCancellation() throws Exception {
        UnaryUnaryCall<byte[], byte[]> call = channel.unaryUnary(UNARY_CALL)
                .call(
                        random(10),
                        CallOptions.DEFAULT.withTimeout(Duration.ofMillis(200)).withMetadata(HANG));

        assertThat(failure(call.response()).code()).isEqualTo(StatusCode.DEADLINE_EXCEEDED);
        assertThat(await(call.code())).isEqualTo(StatusCode.DEADLINE_EXCEEDED);
        events.cancelled().get(5, SECONDS);
    }

    @Test
    void timeoutOnSleepingServer_fullDuplex_deadlineExceededAndServerSeesCancellation() throws Exception {
        StreamStreamCall<byte[], byte[]> call = channel.streamStream(FULL_DUPLEX_CALL)
                .call(CallOptions.DEFAULT.withTimeout(Duration.ofMillis(200)).withMetadata(HANG));
        call.write(random(10));

        assertThat(failure(call.read()).code()).isEqualTo(StatusCode.DEADLINE_EXCEEDED);
        assertThat(await(call.code())).isEqualTo(StatusCode.DEADLINE_EXCEEDED);
        events.cancelled().get(5, SECONDS);
    }

    @Test
    void cancelAfterBegin_clientStreaming_serverSeesCancellation() throws Exception {
        StreamUnaryCall<byte[], byte[]> call =
                channel.streamUnary(STREAMING_INPUT_CALL).call(options());
        await(call.waitForConnection());
        events.callStarted().get(5, SECONDS);

        assertThat(call.cancel()).isTrue();

        assertThat(failure(call.response()).code()).isEqualTo(StatusCode.CANCELLED);
        assertThat(await(call.code())).isEqualTo(StatusCode.CANCELLED);
        assertThat(call.isCancelled()).isTrue();
        events.cancelled().get(5, SECONDS);
    }

    @Test
    void cancelAfterFirstResponse_fullDuplex_serverSeesCancellation() throws Exception {
        StreamStreamCall<byte[], byte[]> call =
                channel.streamStream(FULL_DUPLEX_CALL).call(options());
        byte[] request = random(PING_PONG_SIZES[0]);
        await(call.write(request));
        assertThat(await(call.read())).hasValueSatisfying(r -> assertThat(r).isEqualTo(request));

        assertThat(call.cancel()).isTrue();

        assertThat(failure(call.read()).code()).isEqualTo(StatusCode.CANCELLED);
        assertThat(await(call.code())).isEqualTo(StatusCode.CANCELLED);
        assertThat(call.cancel()).as("a second cancel does nothing").isFalse();
        events.cancelled().get(5, SECONDS);
    }

    @Test
    void unimplementedMethod_unknownMethodOfKnownService_failsWithUnimplemented() throws Exception {
        MethodDescriptor<byte[], byte[]> nope =
                MethodDescriptor.of(MethodType.UNARY_UNARY, SERVICE + "/Nope", Marshaller.BYTES, Marshaller.BYTES);

        RpcException e =
                failure(channel.unaryUnary(nope).call(random(10), options()).response());

        assertThat(e.code()).isEqualTo(StatusCode.UNIMPLEMENTED);
    }

    @Test
    void unimplementedService_unknownService_failsWithUnimplemented() throws Exception {
        MethodDescriptor<byte[], byte[]> nope = MethodDescriptor.of(
                MethodType.UNARY_UNARY, "rpcvertx.it.NoSuchService/UnaryCall", Marshaller.BYTES, Marshaller.BYTES);

        RpcException e =
                failure(channel.unaryUnary(nope).call(random(10), options()).response());

        assertThat(e.code()).isEqualTo(StatusCode.UNIMPLEMENTED);
    }

    @ParameterizedTest
    @EnumSource(
            value = Compression.class,
            names = {"GZIP", "DEFLATE"})
    void clientCompressedUnary_compressedRequest_echoesRequest(Compression compression) throws Exception {
        byte[] request = compressible(100_000);

        byte[] response = await(channel.unaryUnary(UNARY_CALL)
                .call(request, options().withCompression(compression))
                .response());

        assertSameBytes(response, request);
        // grpc-java passes grpc-encoding on to its interceptors: the request really was sent compressed.
        assertThat(events.callStarted().get(5, SECONDS).get("grpc-encoding")).contains(compression.encoding());
    }

    @ParameterizedTest
    @EnumSource(
            value = Compression.class,
            names = {"GZIP", "DEFLATE"})
    void serverCompressedStreaming_xCompress_responsesIntact(Compression compression) throws Exception {
        byte[] request = compressible(50_000);
        UnaryStreamCall<byte[], byte[]> call = channel.unaryStream(STREAMING_OUTPUT_CALL)
                .call(request, options(Metadata.of(X_COMPRESS, compression.encoding(), X_COUNT, "2")));

        List<byte[]> responses = readAll(call);

        assertThat(responses).hasSize(2).allSatisfy(r -> assertSameBytes(r, request));
        // grpc-java compresses only with an encoding the client advertised.
        assertThat(events.callStarted().get(5, SECONDS).get("grpc-accept-encoding"))
                .hasValueSatisfying(
                        accepted -> assertThat(accepted.split(" *, *")).contains(compression.encoding()));
    }

    @Test
    void serverStreaming_readerPaused_serverHeldByFlowControl() throws Exception {
        UnaryStreamCall<byte[], byte[]> call = channel.unaryStream(STREAMING_OUTPUT_CALL)
                .call(random(64 * 1024), CallOptions.DEFAULT.withMetadata(Metadata.of(X_COUNT, "10000")));
        call.responses().pause();

        events.messagesSentAtLeast(8).get(5, SECONDS);
        events.notReady().get(5, SECONDS);
        // A later event: a whole RPC on another connection to the same server. 10000 messages of 64 KiB (625 MiB)
        // would have been sent by now if the paused reader did not hold the server back.
        Channel other = newChannel(port);
        assertThat(await(other.unaryUnary(UNARY_CALL).call(random(3), options()).response()))
                .hasSize(3);

        assertThat(events.messagesSent()).isLessThan(200);
        assertThat(call.isDone()).isFalse();

        assertThat(call.cancel()).isTrue();
        assertThat(await(call.code())).isEqualTo(StatusCode.CANCELLED);
        events.cancelled().get(5, SECONDS);
    }

    private int startGrpcServer(int maxInboundMessageSize) throws Exception {
        io.grpc.Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(TestServiceContract.grpcJavaService(events))
                .maxInboundMessageSize(maxInboundMessageSize)
                .compressorRegistry(grpcJavaCompressors())
                .decompressorRegistry(grpcJavaDecompressors())
                .build()
                .start();
        grpcServers.add(server);
        return server.getPort();
    }

    private Channel newChannel(int port) {
        Channel c = RpcVertx.insecureChannel(vertx, "127.0.0.1:" + port);
        channels.add(c);
        return c;
    }

    private static CallOptions options() {
        return CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(5));
    }

    private static CallOptions options(Metadata md) {
        return options().withMetadata(md);
    }

    private static <T> T await(Future<T> future) throws TimeoutException {
        return future.await(5, SECONDS);
    }

    /** Waits for {@code future} to fail, which it must, with an {@link RpcException}. */
    private static RpcException failure(Future<?> future) throws TimeoutException {
        Throwable cause = future.map(v -> (Throwable) null).otherwise(t -> t).await(5, SECONDS);
        assertThat(cause).as("failure of the call").isInstanceOf(RpcException.class);
        return (RpcException) cause;
    }

    private static List<byte[]> readAll(ResponseStream<byte[]> call) throws TimeoutException {
        List<byte[]> messages = new ArrayList<>();
        for (Optional<byte[]> m = await(call.read()); m.isPresent(); m = await(call.read())) {
            messages.add(m.get());
        }
        return messages;
    }

    private static Metadata echoMetadata() {
        return Metadata.builder()
                .add(X_ECHO_INITIAL, "test_initial_metadata_value")
                .addBinary(X_ECHO_INITIAL_BIN, allByteValues())
                .add(X_ECHO_TRAILING, "test_trailing_metadata_value")
                .addBinary(X_ECHO_TRAILING_BIN, reversedByteValues())
                .build();
    }

    private static void assertEchoed(Metadata initial, Metadata trailing) {
        assertThat(initial.get(X_ECHO_INITIAL)).contains("test_initial_metadata_value");
        assertThat(initial.getBinary(X_ECHO_INITIAL_BIN))
                .hasValueSatisfying(v -> assertThat(v).isEqualTo(allByteValues()));
        assertThat(trailing.get(X_ECHO_TRAILING)).contains("test_trailing_metadata_value");
        assertThat(trailing.getBinary(X_ECHO_TRAILING_BIN))
                .hasValueSatisfying(v -> assertThat(v).isEqualTo(reversedByteValues()));
    }

    private static Metadata errorMetadata(StatusCode code) {
        return Metadata.builder()
                .add(X_STATUS, Integer.toString(code.value()))
                .addBinary(X_DETAILS_BIN, ERROR_DETAILS.getBytes(UTF_8))
                .add(X_ECHO_TRAILING, "after-error")
                .build();
    }
}
