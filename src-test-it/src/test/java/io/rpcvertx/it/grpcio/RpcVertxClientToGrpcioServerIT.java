package io.rpcvertx.it.grpcio;

import static io.rpcvertx.it.testservice.TestServiceContract.FULL_DUPLEX_CALL;
import static io.rpcvertx.it.testservice.TestServiceContract.STREAMING_INPUT_CALL;
import static io.rpcvertx.it.testservice.TestServiceContract.STREAMING_OUTPUT_CALL;
import static io.rpcvertx.it.testservice.TestServiceContract.UNARY_CALL;
import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.rpcvertx.CallOptions;
import io.rpcvertx.Channel;
import io.rpcvertx.Compression;
import io.rpcvertx.Marshaller;
import io.rpcvertx.Metadata;
import io.rpcvertx.MethodDescriptor;
import io.rpcvertx.MethodType;
import io.rpcvertx.RpcException;
import io.rpcvertx.RpcVertx;
import io.rpcvertx.StatusCode;
import io.rpcvertx.StreamStreamCall;
import io.rpcvertx.StreamUnaryCall;
import io.rpcvertx.UnaryStreamCall;
import io.rpcvertx.UnaryUnaryCall;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Our client against the grpcio (Python grpc.aio) server, {@code src/test/python/test_service_server.py}, started once
 * for the class with an 8 MiB receive limit (so oversize responses can be asked for).
 */
@ExtendWith(VertxExtension.class)
@Timeout(120)
class RpcVertxClientToGrpcioServerIT {
    private static final int MAX_MESSAGE = 4 * 1024 * 1024;
    private static final byte[] ALL_BYTES = allBytes();
    private static final String DETAILS = "dénié ✓ 100% \n";

    private static PythonPeer peer;
    private static int port;

    private Channel channel;

    @BeforeAll
    static void startPeer() throws Exception {
        PythonPeer.assumeAvailable();
        peer = PythonPeer.startScript("test_service_server.py", "--max-receive=" + 2 * MAX_MESSAGE);
        String listening = peer.awaitLine("LISTENING ", Duration.ofSeconds(20));
        port = Integer.parseInt(listening.substring("LISTENING ".length()).strip());
    }

    @AfterAll
    static void stopPeer() throws Exception {
        if (peer != null) {
            peer.close();
        }
    }

    @BeforeEach
    void openChannel(Vertx vertx) {
        channel = RpcVertx.insecureChannel(vertx, "127.0.0.1:" + port);
    }

    @AfterEach
    void closeChannel() throws Exception {
        if (channel != null) {
            channel.close().await(5, SECONDS);
        }
    }

    @Test
    void emptyUnary_emptyRequest_echoedEmpty() throws Exception {
        byte[] response =
                channel.unaryUnary(UNARY_CALL).call(new byte[0]).response().await(5, SECONDS);

        assertThat(response).isEmpty();
    }

    @Test
    void largeUnary_271828Bytes_echoed() throws Exception {
        byte[] request = payload(271_828, 0);

        byte[] response =
                channel.unaryUnary(UNARY_CALL).call(request).response().await(5, SECONDS);

        assertThat(response).isEqualTo(request);
    }

    @Test
    void serverStreaming_countFive_fiveEchoesThenOk() throws Exception {
        byte[] request = payload(1000, 0);
        UnaryStreamCall<byte[], byte[]> call = channel.unaryStream(STREAMING_OUTPUT_CALL)
                .call(request, CallOptions.DEFAULT.withMetadata(Metadata.of("x-count", "5")));

        List<byte[]> responses = call.responses().collect(Collectors.toList()).await(5, SECONDS);

        assertThat(responses).hasSize(5).allSatisfy(r -> assertThat(r).isEqualTo(request));
        assertThat(call.code().await(5, SECONDS)).isEqualTo(StatusCode.OK);
    }

    @Test
    void clientStreaming_fourMessages_countAndTotalBytes() throws Exception {
        int[] sizes = {27_182, 8, 1_828, 45_904};
        StreamUnaryCall<byte[], byte[]> call =
                channel.streamUnary(STREAMING_INPUT_CALL).call();

        for (int i = 0; i < sizes.length; i++) {
            call.write(payload(sizes[i], i)).await(5, SECONDS);
        }
        call.doneWriting().await(5, SECONDS);

        assertThat(new String(call.response().await(5, SECONDS), UTF_8)).isEqualTo("4:74922");
    }

    @Test
    void pingPong_eachWriteAwaitsItsEcho_thenOk() throws Exception {
        int[] sizes = {31_415, 9, 2_653, 58_979};
        StreamStreamCall<byte[], byte[]> call =
                channel.streamStream(FULL_DUPLEX_CALL).call();

        for (int i = 0; i < sizes.length; i++) {
            byte[] request = payload(sizes[i], i);
            call.write(request).await(5, SECONDS);
            assertThat(call.read().await(5, SECONDS))
                    .as("echo %d", i)
                    .hasValueSatisfying(r -> assertThat(r).isEqualTo(request));
        }
        call.doneWriting().await(5, SECONDS);

        assertThat(call.read().await(5, SECONDS)).isEmpty();
        assertThat(call.code().await(5, SECONDS)).isEqualTo(StatusCode.OK);
    }

    @Test
    void maxSizeUnary_exactly4MiB_echoed() throws Exception {
        byte[] request = payload(MAX_MESSAGE, 0);

        byte[] response =
                channel.unaryUnary(UNARY_CALL).call(request).response().await(10, SECONDS);

        assertThat(response).isEqualTo(request);
    }

    @Test
    void oversizeResponse_4MiBPlusOne_failsWithResourceExhausted() throws Exception {
        UnaryStreamCall<byte[], byte[]> call = channel.unaryStream(STREAMING_OUTPUT_CALL)
                .call(payload(MAX_MESSAGE + 1, 0), CallOptions.DEFAULT.withMetadata(Metadata.of("x-count", "1")));

        RpcException failure = failure(call.responses().collect(Collectors.toList()));

        assertThat(failure.code()).isEqualTo(StatusCode.RESOURCE_EXHAUSTED);
        assertThat(call.code().await(5, SECONDS)).isEqualTo(StatusCode.RESOURCE_EXHAUSTED);
    }

    @Test
    void customMetadata_unary_initialAndTrailingEchoed() throws Exception {
        UnaryUnaryCall<byte[], byte[]> call = channel.unaryUnary(UNARY_CALL)
                .call("meta".getBytes(UTF_8), CallOptions.DEFAULT.withMetadata(echoMetadata()));

        assertThat(call.response().await(5, SECONDS)).isEqualTo("meta".getBytes(UTF_8));
        assertEchoedMetadata(
                call.initialMetadata().await(5, SECONDS),
                call.trailingMetadata().await(5, SECONDS));
    }

    @Test
    void customMetadata_fullDuplex_initialAndTrailingEchoed() throws Exception {
        StreamStreamCall<byte[], byte[]> call =
                channel.streamStream(FULL_DUPLEX_CALL).call(CallOptions.DEFAULT.withMetadata(echoMetadata()));

        call.write("meta".getBytes(UTF_8)).await(5, SECONDS);
        call.doneWriting().await(5, SECONDS);
        List<byte[]> responses = call.responses().collect(Collectors.toList()).await(5, SECONDS);

        assertThat(responses).containsExactly("meta".getBytes(UTF_8));
        assertEchoedMetadata(
                call.initialMetadata().await(5, SECONDS),
                call.trailingMetadata().await(5, SECONDS));
    }

    @Test
    void statusCodeAndMessage_permissionDenied_detailsAndTrailersReceived() throws Exception {
        Metadata metadata = Metadata.builder()
                .add("x-status", "7")
                .addBinary("x-details-bin", DETAILS.getBytes(UTF_8))
                .add("x-echo-trailing", "after-status")
                .build();
        UnaryUnaryCall<byte[], byte[]> call =
                channel.unaryUnary(UNARY_CALL).call(new byte[0], CallOptions.DEFAULT.withMetadata(metadata));

        RpcException failure = failure(call.response());

        assertThat(failure.code()).isEqualTo(StatusCode.PERMISSION_DENIED);
        assertThat(failure.details()).isEqualTo(DETAILS);
        assertThat(failure.trailingMetadata().get("x-echo-trailing")).hasValue("after-status");
        assertThat(call.code().await(5, SECONDS)).isEqualTo(StatusCode.PERMISSION_DENIED);
        assertThat(call.details().await(5, SECONDS)).isEqualTo(DETAILS);
        assertThat(call.trailingMetadata().await(5, SECONDS).get("x-echo-trailing"))
                .hasValue("after-status");
    }

    @Test
    void timeoutOnSleepingServer_deadlinePasses_deadlineExceededAndServerCancelled() throws Exception {
        UnaryUnaryCall<byte[], byte[]> call = channel.unaryUnary(UNARY_CALL)
                .call(
                        new byte[0],
                        CallOptions.DEFAULT
                                .withTimeout(Duration.ofMillis(300))
                                .withMetadata(Metadata.of("x-hang", "1")));

        assertThat(call.code().await(5, SECONDS)).isEqualTo(StatusCode.DEADLINE_EXCEEDED);
        assertThat(failure(call.response()).code()).isEqualTo(StatusCode.DEADLINE_EXCEEDED);
        peer.awaitLine("CANCELLED UnaryCall", Duration.ofSeconds(5));
    }

    @Test
    void cancelAfterBegin_clientCancels_cancelledAndServerCancelled() throws Exception {
        // The server sends the echoed initial metadata before it hangs: once it arrives, the handler is running,
        // so the cancellation cannot overtake the call's dispatch.
        Metadata metadata = Metadata.of("x-hang", "1", "x-echo-initial", "started");
        StreamStreamCall<byte[], byte[]> call =
                channel.streamStream(FULL_DUPLEX_CALL).call(CallOptions.DEFAULT.withMetadata(metadata));
        call.write("hello".getBytes(UTF_8)).await(5, SECONDS);
        assertThat(call.initialMetadata().await(5, SECONDS).get("x-echo-initial"))
                .hasValue("started");

        assertThat(call.cancel()).isTrue();

        assertThat(call.code().await(5, SECONDS)).isEqualTo(StatusCode.CANCELLED);
        assertThat(call.isCancelled()).isTrue();
        assertThat(failure(call.read()).code()).isEqualTo(StatusCode.CANCELLED);
        peer.awaitLine("CANCELLED FullDuplexCall", Duration.ofSeconds(5));
    }

    @Test
    void unimplementedMethod_unknownMethod_unimplemented() throws Exception {
        MethodDescriptor<byte[], byte[]> method = MethodDescriptor.of(
                MethodType.UNARY_UNARY, "rpcvertx.it.TestService/NoSuchMethod", Marshaller.BYTES, Marshaller.BYTES);

        RpcException failure =
                failure(channel.unaryUnary(method).call(new byte[0]).response());

        assertThat(failure.code()).isEqualTo(StatusCode.UNIMPLEMENTED);
    }

    @Test
    void unimplementedService_unknownService_unimplemented() throws Exception {
        MethodDescriptor<byte[], byte[]> method = MethodDescriptor.of(
                MethodType.UNARY_UNARY, "rpcvertx.it.NoSuchService/UnaryCall", Marshaller.BYTES, Marshaller.BYTES);

        RpcException failure =
                failure(channel.unaryUnary(method).call(new byte[0]).response());

        assertThat(failure.code()).isEqualTo(StatusCode.UNIMPLEMENTED);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(
            value = Compression.class,
            names = {"GZIP", "DEFLATE"})
    void compression_requestsAndResponsesCompressed_payloadsRoundTrip(Compression compression) throws Exception {
        byte[] request = compressible(100_000);
        CallOptions options = CallOptions.DEFAULT
                .withCompression(compression)
                .withMetadata(Metadata.of("x-compress", compression.encoding()));

        byte[] unary =
                channel.unaryUnary(UNARY_CALL).call(request, options).response().await(5, SECONDS);
        List<byte[]> streamed = channel.unaryStream(STREAMING_OUTPUT_CALL)
                .call(request, options.withMetadata(Metadata.of("x-compress", compression.encoding(), "x-count", "2")))
                .responses()
                .collect(Collectors.toList())
                .await(5, SECONDS);
        StreamUnaryCall<byte[], byte[]> upload =
                channel.streamUnary(STREAMING_INPUT_CALL).call(options);
        upload.write(request).await(5, SECONDS);
        upload.write(request).await(5, SECONDS);
        upload.doneWriting().await(5, SECONDS);

        assertThat(unary).isEqualTo(request);
        assertThat(streamed).hasSize(2).allSatisfy(r -> assertThat(r).isEqualTo(request));
        assertThat(new String(upload.response().await(5, SECONDS), UTF_8)).isEqualTo("2:" + 2 * request.length);
    }

    /** The failure of {@code future}, which must fail with an {@link RpcException} within 5 s. */
    private static RpcException failure(Future<?> future) throws Exception {
        AsyncResult<?> result = future.transform(ar -> Future.<AsyncResult<?>>succeededFuture(ar))
                .await(5, SECONDS);
        assertThat(result.failed())
                .as("expected a failure, got %s", describe(result.result()))
                .isTrue();
        assertThat(result.cause()).isInstanceOf(RpcException.class);
        return (RpcException) result.cause();
    }

    private static String describe(Object value) {
        if (value instanceof byte[] bytes) {
            return bytes.length + " bytes";
        }
        if (value instanceof Optional<?> optional && optional.isPresent() && optional.get() instanceof byte[] b) {
            return "Optional[" + b.length + " bytes]";
        }
        return String.valueOf(value);
    }

    private static Metadata echoMetadata() {
        return Metadata.builder()
                .add("x-echo-initial", "test_initial_metadata_value")
                .addBinary("x-echo-initial-bin", ALL_BYTES)
                .add("x-echo-trailing", "test_trailing_metadata_value")
                .addBinary("x-echo-trailing-bin", reversed(ALL_BYTES))
                .build();
    }

    private static void assertEchoedMetadata(Metadata initial, Metadata trailing) {
        assertThat(initial.get("x-echo-initial")).as("initial %s", initial).hasValue("test_initial_metadata_value");
        assertThat(initial.getBinary("x-echo-initial-bin"))
                .as("initial %s", initial)
                .hasValueSatisfying(v -> assertThat(v).isEqualTo(ALL_BYTES));
        assertThat(trailing.get("x-echo-trailing"))
                .as("trailing %s", trailing)
                .hasValue("test_trailing_metadata_value");
        assertThat(trailing.getBinary("x-echo-trailing-bin"))
                .as("trailing %s", trailing)
                .hasValueSatisfying(v -> assertThat(v).isEqualTo(reversed(ALL_BYTES)));
    }

    private static byte[] payload(int size, int seed) {
        byte[] bytes = new byte[size];
        for (int i = 0; i < size; i++) {
            bytes[i] = (byte) ((seed + i) % 251);
        }
        return bytes;
    }

    private static byte[] compressible(int size) {
        byte[] unit = "rpc-vertx compression round trip ".getBytes(UTF_8);
        byte[] bytes = new byte[size];
        for (int i = 0; i < size; i++) {
            bytes[i] = unit[i % unit.length];
        }
        return bytes;
    }

    private static byte[] allBytes() {
        byte[] bytes = new byte[256];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) i;
        }
        return bytes;
    }

    private static byte[] reversed(byte[] bytes) {
        byte[] out = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            out[i] = bytes[bytes.length - 1 - i];
        }
        return out;
    }
}
