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
import static io.rpcvertx.it.testservice.GrpcJavaMetadata.binaryKey;
import static io.rpcvertx.it.testservice.GrpcJavaMetadata.textKey;
import static io.rpcvertx.it.testservice.GrpcJavaMetadata.toGrpc;
import static io.rpcvertx.it.testservice.TestServiceContract.GRPC_FULL_DUPLEX_CALL;
import static io.rpcvertx.it.testservice.TestServiceContract.GRPC_STREAMING_INPUT_CALL;
import static io.rpcvertx.it.testservice.TestServiceContract.GRPC_STREAMING_OUTPUT_CALL;
import static io.rpcvertx.it.testservice.TestServiceContract.GRPC_UNARY_CALL;
import static io.rpcvertx.it.testservice.TestServiceContract.SERVICE;
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
import static io.rpcvertx.it.testservice.TestServiceContract.grpcMethod;
import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.rpcvertx.Marshaller;
import io.rpcvertx.Metadata;
import io.rpcvertx.MethodDescriptor;
import io.rpcvertx.MethodType;
import io.rpcvertx.RpcMethodHandler;
import io.rpcvertx.RpcVertx;
import io.rpcvertx.Server;
import io.rpcvertx.ServerOptions;
import io.rpcvertx.ServiceDefinition;
import io.rpcvertx.StatusCode;
import io.rpcvertx.it.testservice.TestServiceContract;
import io.rpcvertx.it.testservice.TestServiceEvents;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** grpc-java client (stubs and raw calls, in this JVM) against the rpc-vertx server. */
@ExtendWith(VertxExtension.class)
@Timeout(60)
class GrpcJavaClientToRpcVertxServerIT {
    private static final String ABORT_SERVICE = "rpcvertx.it.AbortService";
    private static final MethodDescriptor<byte[], byte[]> ABORT = abortMethod("Abort");
    private static final MethodDescriptor<byte[], byte[]> ABORT_WITH_TRAILERS = abortMethod("AbortWithTrailers");
    private static final MethodDescriptor<byte[], byte[]> THROW = abortMethod("Throw");
    private static final MethodDescriptor<byte[], byte[]> FAIL = abortMethod("Fail");
    private static final String THROWN_MESSAGE = "handler exploded";

    private final List<Server> servers = new ArrayList<>();
    private final List<ManagedChannel> channels = new ArrayList<>();
    private Vertx vertx;
    private TestServiceEvents events;
    private int port;
    private ManagedChannel channel;

    @BeforeEach
    void setUp(Vertx vertx) throws Exception {
        this.vertx = vertx;
        events = new TestServiceEvents();
        port = startServer(ServerOptions.DEFAULT);
        channel = newChannel(NettyChannelBuilder.forAddress("127.0.0.1", port));
    }

    @AfterEach
    void tearDown() throws Exception {
        for (ManagedChannel c : channels) {
            c.shutdownNow();
        }
        for (ManagedChannel c : channels) {
            assertThat(c.awaitTermination(5, SECONDS))
                    .as("grpc-java channel terminated")
                    .isTrue();
        }
        for (Server s : servers) {
            s.stop(null).await(5, SECONDS);
        }
    }

    @Test
    void emptyUnary_emptyRequest_returnsEmptyResponse() {
        byte[] response = ClientCalls.blockingUnaryCall(channel, GRPC_UNARY_CALL, options(), new byte[0]);

        assertThat(response).isEmpty();
    }

    @Test
    void largeUnary_271828Bytes_echoesRequest() {
        byte[] request = random(271_828);

        byte[] response = ClientCalls.blockingUnaryCall(channel, GRPC_UNARY_CALL, options(), request);

        assertSameBytes(response, request);
    }

    @Test
    void serverStreaming_countFive_receivesFiveEchoes() {
        byte[] request = random(1_000);

        List<byte[]> responses = new ArrayList<>();
        ClientCalls.blockingServerStreamingCall(
                        with(Metadata.of(X_COUNT, "5")), GRPC_STREAMING_OUTPUT_CALL, options(), request)
                .forEachRemaining(responses::add);

        assertThat(responses).hasSize(5).allSatisfy(r -> assertThat(r).isEqualTo(request));
    }

    @Test
    void clientStreaming_fourMessages_receivesCountAndTotalBytes() throws Exception {
        RecordingStreamObserver<byte[]> responses = new RecordingStreamObserver<>();
        StreamObserver<byte[]> requests =
                ClientCalls.asyncClientStreamingCall(channel.newCall(GRPC_STREAMING_INPUT_CALL, options()), responses);

        for (int size : CLIENT_STREAMING_SIZES) {
            requests.onNext(random(size));
        }
        requests.onCompleted();

        assertThat(responses.awaitCompleted())
                .singleElement()
                .satisfies(r -> assertThat(new String(r, UTF_8)).isEqualTo("4:74922"));
    }

    @Test
    void pingPong_eachRequestWaitsForItsEcho_echoesInOrder() throws Exception {
        RecordingStreamObserver<byte[]> responses = new RecordingStreamObserver<>();
        StreamObserver<byte[]> requests =
                ClientCalls.asyncBidiStreamingCall(channel.newCall(GRPC_FULL_DUPLEX_CALL, options()), responses);

        for (int size : PING_PONG_SIZES) {
            byte[] request = random(size);
            requests.onNext(request);
            assertThat(responses.next()).isEqualTo(request);
        }
        requests.onCompleted();

        assertThat(responses.awaitCompleted()).hasSize(PING_PONG_SIZES.length);
    }

    @Test
    void largeUnary_exactlyMaxMessageSize_succeedsBothWays() {
        byte[] request = random(MAX_MESSAGE);

        byte[] response = ClientCalls.blockingUnaryCall(channel, GRPC_UNARY_CALL, options(), request);

        assertSameBytes(response, request);
    }

    @Test
    void largeUnary_requestOneByteOverServerLimit_failsWithResourceExhausted() {
        StatusRuntimeException e = failure(
                () -> ClientCalls.blockingUnaryCall(channel, GRPC_UNARY_CALL, options(), random(MAX_MESSAGE + 1)));

        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    }

    @Test
    void largeUnary_responseOneByteOverClientLimit_failsWithResourceExhausted() throws Exception {
        int roomyPort = startServer(ServerOptions.DEFAULT.withMaxReceiveMessageLength(2 * MAX_MESSAGE));
        ManagedChannel roomy = newChannel(NettyChannelBuilder.forAddress("127.0.0.1", roomyPort));

        StatusRuntimeException e = failure(
                () -> ClientCalls.blockingUnaryCall(roomy, GRPC_UNARY_CALL, options(), random(MAX_MESSAGE + 1)));

        // grpc-java's own default receive limit is 4 MiB too.
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    }

    @Test
    void customMetadata_unary_echoesInitialAndTrailingMetadata() throws Exception {
        AtomicReference<io.grpc.Metadata> headers = new AtomicReference<>();
        AtomicReference<io.grpc.Metadata> trailers = new AtomicReference<>();

        byte[] response = ClientCalls.blockingUnaryCall(
                capturing(echoMetadata(), headers, trailers), GRPC_UNARY_CALL, options(), random(10));

        assertThat(response).hasSize(10);
        assertEchoed(headers.get(), trailers.get());
        assertThat(events.callStarted().get(5, SECONDS).getBinary(X_ECHO_INITIAL_BIN))
                .as("-bin request metadata as the server saw it")
                .hasValueSatisfying(v -> assertThat(v).isEqualTo(allByteValues()));
    }

    @Test
    void customMetadata_fullDuplex_echoesInitialAndTrailingMetadata() throws Exception {
        AtomicReference<io.grpc.Metadata> headers = new AtomicReference<>();
        AtomicReference<io.grpc.Metadata> trailers = new AtomicReference<>();
        RecordingStreamObserver<byte[]> responses = new RecordingStreamObserver<>();
        StreamObserver<byte[]> requests = ClientCalls.asyncBidiStreamingCall(
                capturing(echoMetadata(), headers, trailers).newCall(GRPC_FULL_DUPLEX_CALL, options()), responses);

        requests.onNext(random(10));
        assertThat(responses.next()).hasSize(10);
        requests.onCompleted();
        responses.awaitCompleted();

        assertEchoed(headers.get(), trailers.get());
    }

    @Test
    void statusCodeAndMessage_unary_clientSeesCodeDetailsAndTrailers() {
        StatusRuntimeException e = failure(() -> ClientCalls.blockingUnaryCall(
                with(errorMetadata(StatusCode.PERMISSION_DENIED)), GRPC_UNARY_CALL, options(), random(10)));

        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(e.getStatus().getDescription()).isEqualTo(ERROR_DETAILS);
        assertThat(e.getTrailers()).isNotNull();
        assertThat(e.getTrailers().get(textKey(X_ECHO_TRAILING))).isEqualTo("after-error");
    }

    @Test
    void statusCodeAndMessage_serverStreaming_messagesThenStatus() throws Exception {
        byte[] request = random(10);
        RecordingStreamObserver<byte[]> responses = new RecordingStreamObserver<>();
        Metadata md = errorMetadata(StatusCode.UNAUTHENTICATED).toBuilder()
                .add(X_COUNT, "2")
                .build();

        ClientCalls.asyncServerStreamingCall(
                with(md).newCall(GRPC_STREAMING_OUTPUT_CALL, options()), request, responses);

        assertThat(responses.next()).isEqualTo(request);
        assertThat(responses.next()).isEqualTo(request);
        StatusRuntimeException e = responses.awaitError(Status.Code.UNAUTHENTICATED);
        assertThat(e.getStatus().getDescription()).isEqualTo(ERROR_DETAILS);
        assertThat(e.getTrailers()).isNotNull();
        assertThat(e.getTrailers().get(textKey(X_ECHO_TRAILING))).isEqualTo("after-error");
    }

    @Test
    void timeoutOnSleepingServer_unary_deadlineExceededAndServerSeesCancellation() throws Exception {
        StatusRuntimeException e = failure(() -> ClientCalls.blockingUnaryCall(
                with(Metadata.of(X_HANG, "1")),
                GRPC_UNARY_CALL,
                CallOptions.DEFAULT.withDeadlineAfter(200, MILLISECONDS),
                random(10)));

        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
        events.cancelled().get(5, SECONDS);
    }

    @Test
    void timeoutOnSleepingServer_fullDuplex_deadlineExceededAndServerSeesCancellation() throws Exception {
        RecordingStreamObserver<byte[]> responses = new RecordingStreamObserver<>();
        StreamObserver<byte[]> requests = ClientCalls.asyncBidiStreamingCall(
                with(Metadata.of(X_HANG, "1"))
                        .newCall(GRPC_FULL_DUPLEX_CALL, CallOptions.DEFAULT.withDeadlineAfter(200, MILLISECONDS)),
                responses);

        requests.onNext(random(10));

        responses.awaitError(Status.Code.DEADLINE_EXCEEDED);
        events.cancelled().get(5, SECONDS);
    }

    @Test
    void cancelAfterBegin_clientStreaming_serverSeesCancellation() throws Exception {
        RecordingStreamObserver<byte[]> responses = new RecordingStreamObserver<>();
        ClientCall<byte[], byte[]> call = channel.newCall(GRPC_STREAMING_INPUT_CALL, options());
        ClientCalls.asyncClientStreamingCall(call, responses);
        events.callStarted().get(5, SECONDS);

        call.cancel("cancelled by the test", null);

        responses.awaitError(Status.Code.CANCELLED);
        events.cancelled().get(5, SECONDS);
    }

    @Test
    void cancelAfterFirstResponse_fullDuplex_serverSeesCancellation() throws Exception {
        RecordingStreamObserver<byte[]> responses = new RecordingStreamObserver<>();
        ClientCall<byte[], byte[]> call = channel.newCall(GRPC_FULL_DUPLEX_CALL, options());
        StreamObserver<byte[]> requests = ClientCalls.asyncBidiStreamingCall(call, responses);
        byte[] request = random(PING_PONG_SIZES[0]);
        requests.onNext(request);
        assertThat(responses.next()).isEqualTo(request);

        call.cancel("cancelled by the test", null);

        responses.awaitError(Status.Code.CANCELLED);
        events.cancelled().get(5, SECONDS);
    }

    @Test
    void abort_failedPrecondition_clientSeesCodeAndDetails() {
        StatusRuntimeException e =
                failure(() -> ClientCalls.blockingUnaryCall(channel, grpcUnary(ABORT), options(), random(10)));

        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
        assertThat(e.getStatus().getDescription()).isEqualTo("nope");
    }

    @Test
    void abort_withTrailingMetadata_clientSeesTrailers() {
        StatusRuntimeException e = failure(
                () -> ClientCalls.blockingUnaryCall(channel, grpcUnary(ABORT_WITH_TRAILERS), options(), random(10)));

        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(e.getStatus().getDescription()).isEqualTo("who are you?");
        assertThat(e.getTrailers()).isNotNull();
        assertThat(e.getTrailers().get(textKey("x-reason"))).isEqualTo("no-token");
        assertThat(e.getTrailers().get(binaryKey("x-reason-bin"))).isEqualTo(allByteValues());
    }

    @Test
    void handlerThrows_clientSeesUnknownWithoutStackTrace() {
        StatusRuntimeException e =
                failure(() -> ClientCalls.blockingUnaryCall(channel, grpcUnary(THROW), options(), random(10)));

        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNKNOWN);
        assertNoStackTrace(e.getStatus().getDescription(), IllegalStateException.class);
    }

    @Test
    void handlerReturnsFailedFuture_clientSeesUnknownWithoutStackTrace() {
        StatusRuntimeException e =
                failure(() -> ClientCalls.blockingUnaryCall(channel, grpcUnary(FAIL), options(), random(10)));

        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNKNOWN);
        assertNoStackTrace(e.getStatus().getDescription(), IllegalArgumentException.class);
    }

    @Test
    void unimplementedMethod_unknownMethodOfKnownService_failsWithUnimplemented() {
        StatusRuntimeException e = failure(() -> ClientCalls.blockingUnaryCall(
                channel,
                grpcMethod(io.grpc.MethodDescriptor.MethodType.UNARY, SERVICE + "/Nope"),
                options(),
                random(10)));

        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
    }

    @Test
    void unimplementedService_unknownService_failsWithUnimplemented() {
        StatusRuntimeException e = failure(() -> ClientCalls.blockingUnaryCall(
                channel,
                grpcMethod(io.grpc.MethodDescriptor.MethodType.UNARY, "rpcvertx.it.NoSuchService/UnaryCall"),
                options(),
                random(10)));

        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
    }

    @ParameterizedTest
    @ValueSource(strings = {"gzip", "deflate"})
    void clientCompressedUnary_compressedRequest_echoesRequest(String encoding) {
        byte[] request = compressible(100_000);

        byte[] response = ClientCalls.blockingUnaryCall(
                channel, GRPC_UNARY_CALL, options().withCompression(encoding), request);

        assertSameBytes(response, request);
    }

    @ParameterizedTest
    @ValueSource(strings = {"gzip", "deflate"})
    void serverCompressedUnary_xCompress_responseCompressedAndIntact(String encoding) {
        AtomicReference<io.grpc.Metadata> headers = new AtomicReference<>();
        AtomicReference<io.grpc.Metadata> trailers = new AtomicReference<>();
        byte[] request = compressible(100_000);

        byte[] response = ClientCalls.blockingUnaryCall(
                capturing(Metadata.of(X_COMPRESS, encoding), headers, trailers), GRPC_UNARY_CALL, options(), request);

        assertSameBytes(response, request);
        assertThat(headers.get().get(textKey("grpc-encoding"))).isEqualTo(encoding);
    }

    @ParameterizedTest
    @ValueSource(strings = {"gzip", "deflate"})
    void serverCompressedStreaming_xCompress_responsesCompressedAndIntact(String encoding) {
        AtomicReference<io.grpc.Metadata> headers = new AtomicReference<>();
        AtomicReference<io.grpc.Metadata> trailers = new AtomicReference<>();
        byte[] request = compressible(50_000);

        List<byte[]> responses = new ArrayList<>();
        ClientCalls.blockingServerStreamingCall(
                        capturing(Metadata.of(X_COMPRESS, encoding, X_COUNT, "2"), headers, trailers),
                        GRPC_STREAMING_OUTPUT_CALL,
                        options(),
                        request)
                .forEachRemaining(responses::add);

        assertThat(responses).hasSize(2).allSatisfy(r -> assertSameBytes(r, request));
        assertThat(headers.get().get(textKey("grpc-encoding"))).isEqualTo(encoding);
    }

    @Test
    void serverStreaming_clientStopsRequesting_serverWritesHeldByFlowControl() throws Exception {
        // A fixed 1 MiB window: grpc-java's default auto-tuning (BDP pings) could grow it to 8 MiB.
        ManagedChannel slowReader =
                newChannel(NettyChannelBuilder.forAddress("127.0.0.1", port).flowControlWindow(1 << 20));
        ClientCall<byte[], byte[]> call = slowReader.newCall(GRPC_STREAMING_OUTPUT_CALL, CallOptions.DEFAULT);
        RecordingClientCallListener<byte[]> listener = new RecordingClientCallListener<>(2);
        call.start(listener, toGrpc(Metadata.of(X_COUNT, "10000")));
        call.request(2);
        call.sendMessage(random(64 * 1024));
        call.halfClose();

        listener.awaitMessages();
        events.messagesSentAtLeast(8).get(5, SECONDS);
        // A later event: a whole RPC on another connection to the same server. 10000 messages of 64 KiB (625 MiB)
        // would have been written by now if writes were not held back.
        assertThat(ClientCalls.blockingUnaryCall(channel, GRPC_UNARY_CALL, options(), random(3)))
                .hasSize(3);

        assertThat(events.messagesSent()).isLessThan(200);
        assertThat(listener.messages()).isEqualTo(2);
        assertThat(listener.isClosed()).isFalse();

        call.cancel("the reader gives up", null);
        assertThat(listener.awaitClose().getCode()).isEqualTo(Status.Code.CANCELLED);
        events.cancelled().get(5, SECONDS);
    }

    private int startServer(ServerOptions options) throws Exception {
        Server server = RpcVertx.server(vertx, options);
        servers.add(server);
        server.addGenericRpcHandlers(TestServiceContract.rpcVertxService(events), abortService());
        int bound = server.addInsecurePort("127.0.0.1:0").await(5, SECONDS);
        server.start().await(5, SECONDS);
        return bound;
    }

    private ManagedChannel newChannel(NettyChannelBuilder builder) {
        ManagedChannel c = builder.usePlaintext()
                .compressorRegistry(grpcJavaCompressors())
                .decompressorRegistry(grpcJavaDecompressors())
                .build();
        channels.add(c);
        return c;
    }

    /** The channel, sending this request metadata on every call. */
    private io.grpc.Channel with(Metadata md) {
        return ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(toGrpc(md)));
    }

    /** The channel, sending this request metadata and capturing the response headers and trailers. */
    private io.grpc.Channel capturing(
            Metadata md, AtomicReference<io.grpc.Metadata> headers, AtomicReference<io.grpc.Metadata> trailers) {
        return ClientInterceptors.intercept(
                channel,
                MetadataUtils.newAttachHeadersInterceptor(toGrpc(md)),
                MetadataUtils.newCaptureMetadataInterceptor(headers, trailers));
    }

    private static CallOptions options() {
        return CallOptions.DEFAULT.withDeadlineAfter(5, SECONDS);
    }

    private static Metadata echoMetadata() {
        return Metadata.builder()
                .add(X_ECHO_INITIAL, "test_initial_metadata_value")
                .addBinary(X_ECHO_INITIAL_BIN, allByteValues())
                .add(X_ECHO_TRAILING, "test_trailing_metadata_value")
                .addBinary(X_ECHO_TRAILING_BIN, reversedByteValues())
                .build();
    }

    private static void assertEchoed(io.grpc.Metadata headers, io.grpc.Metadata trailers) {
        assertThat(headers).as("response headers").isNotNull();
        assertThat(trailers).as("trailers").isNotNull();
        assertThat(headers.get(textKey(X_ECHO_INITIAL))).isEqualTo("test_initial_metadata_value");
        assertThat(headers.get(binaryKey(X_ECHO_INITIAL_BIN))).isEqualTo(allByteValues());
        assertThat(trailers.get(textKey(X_ECHO_TRAILING))).isEqualTo("test_trailing_metadata_value");
        assertThat(trailers.get(binaryKey(X_ECHO_TRAILING_BIN))).isEqualTo(reversedByteValues());
    }

    private static Metadata errorMetadata(StatusCode code) {
        return Metadata.builder()
                .add(X_STATUS, Integer.toString(code.value()))
                .addBinary(X_DETAILS_BIN, ERROR_DETAILS.getBytes(UTF_8))
                .add(X_ECHO_TRAILING, "after-error")
                .build();
    }

    private static StatusRuntimeException failure(ThrowingCallable call) {
        Throwable thrown = catchThrowable(call);
        assertThat(thrown).isInstanceOf(StatusRuntimeException.class);
        return (StatusRuntimeException) thrown;
    }

    private static void assertNoStackTrace(String details, Class<? extends Throwable> thrown) {
        assertThat(String.valueOf(details))
                .doesNotContain(thrown.getSimpleName())
                .doesNotContain("\tat ")
                .doesNotContain("io.rpcvertx.it.");
    }

    /** A second service: handlers that end their calls with abort, a throw, or a failed future. */
    private static ServiceDefinition abortService() {
        return ServiceDefinition.of(
                ABORT_SERVICE,
                RpcMethodHandler.unaryUnary(
                        ABORT, (request, context) -> context.abort(StatusCode.FAILED_PRECONDITION, "nope")),
                RpcMethodHandler.unaryUnary(
                        ABORT_WITH_TRAILERS,
                        (request, context) -> context.abort(
                                StatusCode.UNAUTHENTICATED,
                                "who are you?",
                                Metadata.builder()
                                        .add("x-reason", "no-token")
                                        .addBinary("x-reason-bin", allByteValues())
                                        .build())),
                RpcMethodHandler.unaryUnary(THROW, (request, context) -> {
                    throw new IllegalStateException(THROWN_MESSAGE);
                }),
                RpcMethodHandler.unaryUnary(
                        FAIL, (request, context) -> Future.failedFuture(new IllegalArgumentException(THROWN_MESSAGE))));
    }

    private static MethodDescriptor<byte[], byte[]> abortMethod(String name) {
        return MethodDescriptor.of(
                MethodType.UNARY_UNARY, ABORT_SERVICE + "/" + name, Marshaller.BYTES, Marshaller.BYTES);
    }

    private static io.grpc.MethodDescriptor<byte[], byte[]> grpcUnary(MethodDescriptor<byte[], byte[]> method) {
        return grpcMethod(io.grpc.MethodDescriptor.MethodType.UNARY, method.fullMethodName());
    }
}
