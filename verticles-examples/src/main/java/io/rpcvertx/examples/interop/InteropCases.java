package io.rpcvertx.examples.interop;

import static io.rpcvertx.examples.interop.InteropTestService.ECHO_INITIAL;
import static io.rpcvertx.examples.interop.InteropTestService.ECHO_TRAILING;
import static io.rpcvertx.examples.interop.InteropTestService.zeros;

import com.google.protobuf.InvalidProtocolBufferException;
import io.rpcvertx.CallOptions;
import io.rpcvertx.Channel;
import io.rpcvertx.Compression;
import io.rpcvertx.Metadata;
import io.rpcvertx.RequestStream;
import io.rpcvertx.ResponseStream;
import io.rpcvertx.RpcException;
import io.rpcvertx.StatusCode;
import io.rpcvertx.StreamStreamCall;
import io.rpcvertx.StreamUnaryCall;
import io.rpcvertx.UnaryStreamCall;
import io.rpcvertx.UnaryUnaryCall;
import io.rpcvertx.examples.interop.proto.EmptyProtos.Empty;
import io.rpcvertx.examples.interop.proto.Messages.BoolValue;
import io.rpcvertx.examples.interop.proto.Messages.EchoStatus;
import io.rpcvertx.examples.interop.proto.Messages.Payload;
import io.rpcvertx.examples.interop.proto.Messages.ResponseParameters;
import io.rpcvertx.examples.interop.proto.Messages.SimpleRequest;
import io.rpcvertx.examples.interop.proto.Messages.SimpleResponse;
import io.rpcvertx.examples.interop.proto.Messages.StreamingInputCallRequest;
import io.rpcvertx.examples.interop.proto.Messages.StreamingInputCallResponse;
import io.rpcvertx.examples.interop.proto.Messages.StreamingOutputCallRequest;
import io.rpcvertx.examples.interop.proto.Messages.StreamingOutputCallResponse;
import io.rpcvertx.examples.interop.proto.Messages.TestOrcaReport;
import io.rpcvertx.examples.interop.proto.TestServiceStub;
import io.rpcvertx.examples.interop.proto.UnimplementedServiceStub;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The client side of each standard interop case (grpc/grpc {@code doc/interop-test-descriptions.md}), each a
 * {@code Future<Void>} that fails with {@link InteropClient.CaseFailedException} saying what differed.
 */
final class InteropCases {
    /** Bounds every RPC but {@code timeout_on_sleeping_server}'s, so a hung peer fails the case instead of the run. */
    static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);

    static final int LARGE_REQUEST = 271828;
    static final int LARGE_RESPONSE = 314159;
    static final int VERY_LARGE_REQUEST = 10 * 1024 * 1024;
    static final int PICK_FIRST_CALLS = 100;
    static final int ORCA_OOB_REPORTS = 8;
    static final List<Integer> REQUEST_SIZES = List.of(27182, 8, 1828, 45904);
    static final List<Integer> RESPONSE_SIZES = List.of(31415, 9, 2653, 58979);
    static final String INITIAL_VALUE = "test_initial_metadata_value";
    static final byte[] TRAILING_VALUE = {(byte) 0xab, (byte) 0xab, (byte) 0xab};
    static final String STATUS_MESSAGE = "test status message";
    static final String SPECIAL_STATUS_MESSAGE = "\t\ntest with whitespace\r\nand Unicode BMP ☺ and non-BMP 😈\t\n";

    private final Channel channel;
    private final TestServiceStub stub;
    private final UnimplementedServiceStub unimplemented;

    InteropCases(Channel channel) {
        this.channel = channel;
        CallOptions bounded = CallOptions.DEFAULT.withTimeout(CALL_TIMEOUT);
        this.stub = new TestServiceStub(channel, bounded);
        this.unimplemented = new UnimplementedServiceStub(channel, bounded);
    }

    Future<Void> run(String testCase) {
        switch (testCase) {
            case "empty_unary":
                return emptyUnary();
            case "large_unary":
                return largeUnary();
            case "client_compressed_unary":
                return clientCompressedUnary(true);
            case "client_compressed_unary_noprobe":
                return clientCompressedUnary(false);
            case "server_compressed_unary":
                return serverCompressedUnary();
            case "client_streaming":
                return clientStreaming();
            case "client_compressed_streaming":
                return clientCompressedStreaming(true);
            case "client_compressed_streaming_noprobe":
                return clientCompressedStreaming(false);
            case "server_streaming":
                return serverStreaming();
            case "server_compressed_streaming":
                return serverCompressedStreaming();
            case "ping_pong":
                return pingPong();
            case "empty_stream":
                return emptyStream();
            case "cancel_after_begin":
                return cancelAfterBegin();
            case "cancel_after_first_response":
                return cancelAfterFirstResponse();
            case "timeout_on_sleeping_server":
                return timeoutOnSleepingServer();
            case "custom_metadata":
                return customMetadata();
            case "status_code_and_message":
                return statusCodeAndMessage(STATUS_MESSAGE);
            case "special_status_message":
                return statusCodeAndMessage(SPECIAL_STATUS_MESSAGE);
            case "unimplemented_method":
                return expectStatus(
                        stub.unimplementedCall(Empty.getDefaultInstance()).response(), StatusCode.UNIMPLEMENTED);
            case "unimplemented_service":
                return expectStatus(
                        unimplemented
                                .unimplementedCall(Empty.getDefaultInstance())
                                .response(),
                        StatusCode.UNIMPLEMENTED);
            case "very_large_request":
                return veryLargeRequest();
            case "pick_first_unary":
                return pickFirstUnary();
            case "orca_per_rpc":
                return orcaPerRpc();
            case "orca_oob":
                return orcaOob();
            default:
                return Future.failedFuture(new IllegalArgumentException("test case: " + testCase));
        }
    }

    private Future<Void> emptyUnary() {
        return stub.emptyCall(Empty.getDefaultInstance()).response().map(response -> {
            check(response.equals(Empty.getDefaultInstance()), "EmptyCall answered " + response + " (expected: empty)");
            return null;
        });
    }

    private Future<Void> largeUnary() {
        return unary(largeRequest().build(), CallOptions.DEFAULT, LARGE_RESPONSE);
    }

    /**
     * With {@code probe}, first a request saying it is compressed, sent uncompressed, which must be refused with
     * INVALID_ARGUMENT (the {@code _noprobe} case leaves it out, for servers without the check). Then a gzip request
     * saying so, and an uncompressed one saying so.
     */
    private Future<Void> clientCompressedUnary(boolean probe) {
        SimpleRequest expectCompressed =
                largeRequest().setExpectCompressed(bool(true)).build();
        SimpleRequest expectUncompressed =
                largeRequest().setExpectCompressed(bool(false)).build();
        Future<Void> probed = probe
                ? expectStatus(stub.unaryCall(expectCompressed).response(), StatusCode.INVALID_ARGUMENT)
                : Future.succeededFuture();
        return probed.compose(v ->
                        unary(expectCompressed, CallOptions.DEFAULT.withCompression(Compression.GZIP), LARGE_RESPONSE))
                .compose(v -> unary(expectUncompressed, CallOptions.DEFAULT, LARGE_RESPONSE));
    }

    /** The response is asked for compressed, then uncompressed; the payload must arrive intact both times. */
    private Future<Void> serverCompressedUnary() {
        return unary(largeRequest().setResponseCompressed(bool(true)).build(), CallOptions.DEFAULT, LARGE_RESPONSE)
                .compose(v -> unary(
                        largeRequest().setResponseCompressed(bool(false)).build(),
                        CallOptions.DEFAULT,
                        LARGE_RESPONSE));
    }

    private Future<Void> unary(SimpleRequest request, CallOptions options, int responseSize) {
        return stub.unaryCall(request, options.withTimeout(CALL_TIMEOUT))
                .response()
                .map(response -> {
                    checkPayload("UnaryCall", response.getPayload(), responseSize);
                    return null;
                });
    }

    private Future<Void> clientStreaming() {
        StreamUnaryCall<StreamingInputCallRequest, StreamingInputCallResponse> call = stub.streamingInputCall();
        List<StreamingInputCallRequest> requests = new ArrayList<>();
        for (int size : REQUEST_SIZES) {
            requests.add(StreamingInputCallRequest.newBuilder()
                    .setPayload(zeros(size))
                    .build());
        }
        return writeAll(call, requests).compose(v -> call.response()).map(response -> {
            checkAggregated(response, 74922);
            return null;
        });
    }

    /**
     * With {@code probe}, first a stream whose only message says it is compressed but is not, which must end with
     * INVALID_ARGUMENT (half-closed, so a server without the check answers at once instead of waiting for more); the
     * {@code _noprobe} case leaves it out. Then a gzip stream: 27182 bytes saying compressed, 45904 saying uncompressed. The spec sends the second one
     * uncompressed; this client cannot switch compression per request message (neither can grpc.aio), so it goes
     * compressed too, which a server accepts as well: it only checks messages that claim compression.
     */
    private Future<Void> clientCompressedStreaming(boolean probe) {
        Future<Void> probed = probe ? compressionProbe() : Future.succeededFuture();
        return probed.compose(v -> {
            StreamUnaryCall<StreamingInputCallRequest, StreamingInputCallResponse> call = stub.streamingInputCall(
                    CallOptions.DEFAULT.withTimeout(CALL_TIMEOUT).withCompression(Compression.GZIP));
            List<StreamingInputCallRequest> requests = List.of(
                    StreamingInputCallRequest.newBuilder()
                            .setPayload(zeros(27182))
                            .setExpectCompressed(bool(true))
                            .build(),
                    StreamingInputCallRequest.newBuilder()
                            .setPayload(zeros(45904))
                            .setExpectCompressed(bool(false))
                            .build());
            return writeAll(call, requests).compose(v2 -> call.response()).map(response -> {
                checkAggregated(response, 73086);
                return null;
            });
        });
    }

    private Future<Void> compressionProbe() {
        StreamUnaryCall<StreamingInputCallRequest, StreamingInputCallResponse> probe = stub.streamingInputCall();
        return probe.write(StreamingInputCallRequest.newBuilder()
                        .setPayload(zeros(27182))
                        .setExpectCompressed(bool(true))
                        .build())
                .compose(v -> probe.doneWriting())
                .transform(ar -> expectStatus(probe.response(), StatusCode.INVALID_ARGUMENT));
    }

    /**
     * {@value #PICK_FIRST_CALLS} unary calls after a first one, each asking for the server id: all must be answered
     * by the server that answered the first (grpc-java's {@code pick_first_unary}; a server that does not fill the id
     * answers an empty one every time, which passes too, as with grpc-java's client). The channel is pick_first by
     * configuration ({@link InteropClient}), so grpc-java's 5 s pause, which gives a round_robin channel time to
     * connect to every address, is left out.
     */
    private Future<Void> pickFirstUnary() {
        SimpleRequest request = SimpleRequest.newBuilder()
                .setResponseSize(1)
                .setFillServerId(true)
                .setPayload(zeros(1))
                .build();
        return stub.unaryCall(request).response().compose(first -> sameServer(request, first.getServerId(), 0));
    }

    private Future<Void> sameServer(SimpleRequest request, String serverId, int call) {
        if (call == PICK_FIRST_CALLS) {
            return Future.succeededFuture();
        }
        return stub.unaryCall(request).response().compose(response -> {
            check(
                    response.getServerId().equals(serverId),
                    "UnaryCall " + (call + 2) + " was answered by server \"" + response.getServerId()
                            + "\" (expected: \"" + serverId + "\", which answered the first)");
            return sameServer(request, serverId, call + 1);
        });
    }

    /**
     * A unary call asking the server to report a given per-call load (interop spec "orca_per_rpc"): the
     * {@value OrcaLoadReports#TRAILER} trailer must carry exactly that report. grpc-java reads it through a load
     * balancing policy; this API has none that sees trailers, so the case reads the trailer itself.
     */
    private Future<Void> orcaPerRpc() {
        TestOrcaReport expected = TestOrcaReport.newBuilder()
                .setCpuUtilization(0.8210)
                .setMemoryUtilization(0.5847)
                .putRequestCost("cost", 3456.32)
                .putUtilization("util", 0.30499)
                .build();
        UnaryUnaryCall<SimpleRequest, SimpleResponse> call = stub.unaryCall(
                SimpleRequest.newBuilder().setOrcaPerQueryReport(expected).build());
        return call.response().compose(response -> call.trailingMetadata()).map(trailers -> {
            Optional<byte[]> report = trailers.getBinary(OrcaLoadReports.TRAILER);
            check(report.isPresent(), "UnaryCall trailers have no " + OrcaLoadReports.TRAILER + ": " + trailers);
            TestOrcaReport received;
            try {
                received = OrcaLoadReports.decode(report.get());
            } catch (InvalidProtocolBufferException e) {
                throw new InteropClient.CaseFailedException(OrcaLoadReports.TRAILER + " is not an OrcaLoadReport", e);
            }
            check(
                    received.equals(expected),
                    OrcaLoadReports.TRAILER + " reports {" + oneLine(received) + "} (expected: {" + oneLine(expected)
                            + "})");
            return null;
        });
    }

    /**
     * Out-of-band load reports (interop spec "orca_oob"): with a {@code StreamCoreMetrics} stream open at a 1 s
     * interval, a {@code FullDuplexCall} request with an {@code orca_oob_report} must show up as the reported load
     * within {@value #ORCA_OOB_REPORTS} reports, then a second one. grpc-java polls its load balancing policy's latest
     * report once a second, five times; this reads the stream itself.
     */
    private Future<Void> orcaOob() {
        TestOrcaReport first = TestOrcaReport.newBuilder()
                .setCpuUtilization(0.8210)
                .setMemoryUtilization(0.5847)
                .putUtilization("util", 0.30499)
                .build();
        TestOrcaReport second = TestOrcaReport.newBuilder()
                .setCpuUtilization(0.29309)
                .setMemoryUtilization(0.2)
                .putUtilization("util", 0.2039)
                .build();
        UnaryStreamCall<Duration, TestOrcaReport> reports = channel.unaryStream(OrcaOob.STREAM_CORE_METRICS)
                .call(Duration.ofSeconds(1), CallOptions.DEFAULT.withTimeout(CALL_TIMEOUT));
        StreamStreamCall<StreamingOutputCallRequest, StreamingOutputCallResponse> call = stub.fullDuplexCall();
        return setOobReport(call, first)
                .compose(v -> awaitReport(reports, first, 0))
                .compose(v -> setOobReport(call, second))
                .compose(v -> awaitReport(reports, second, 0))
                .compose(v -> call.doneWriting())
                .compose(v -> call.read())
                .compose(end -> {
                    check(end.isEmpty(), "FullDuplexCall sent a response after the last request");
                    return expectOk(call);
                })
                .eventually(() -> {
                    reports.cancel();
                    return Future.succeededFuture();
                });
    }

    private static Future<Void> setOobReport(
            StreamStreamCall<StreamingOutputCallRequest, StreamingOutputCallResponse> call, TestOrcaReport report) {
        return call.write(StreamingOutputCallRequest.newBuilder()
                        .setOrcaOobReport(report)
                        .addResponseParameters(ResponseParameters.newBuilder().setSize(1))
                        .build())
                .compose(v -> call.read())
                .map(response -> {
                    check(response.isPresent(), "FullDuplexCall ended before answering the orca_oob_report request");
                    return null;
                });
    }

    private static Future<Void> awaitReport(
            UnaryStreamCall<Duration, TestOrcaReport> reports, TestOrcaReport expected, int seen) {
        return reports.read().compose(next -> {
            check(next.isPresent(), "StreamCoreMetrics ended after " + seen + " reports");
            if (next.get().equals(expected)) {
                return Future.succeededFuture();
            }
            check(
                    seen + 1 < ORCA_OOB_REPORTS,
                    "StreamCoreMetrics reported {" + oneLine(next.get()) + "} " + ORCA_OOB_REPORTS + " times, never {"
                            + oneLine(expected) + "}");
            return awaitReport(reports, expected, seen + 1);
        });
    }

    private static String oneLine(TestOrcaReport report) {
        return report.toString().strip().replaceAll("\\s*\n\\s*", " ");
    }

    private Future<Void> serverStreaming() {
        StreamingOutputCallRequest.Builder request = StreamingOutputCallRequest.newBuilder();
        for (int size : RESPONSE_SIZES) {
            request.addResponseParameters(ResponseParameters.newBuilder().setSize(size));
        }
        return readSizes(stub.streamingOutputCall(request.build()), RESPONSE_SIZES);
    }

    private Future<Void> serverCompressedStreaming() {
        StreamingOutputCallRequest request = StreamingOutputCallRequest.newBuilder()
                .addResponseParameters(ResponseParameters.newBuilder()
                        .setCompressed(bool(true))
                        .setSize(31415))
                .addResponseParameters(ResponseParameters.newBuilder()
                        .setCompressed(bool(false))
                        .setSize(92653))
                .build();
        return readSizes(stub.streamingOutputCall(request), List.of(31415, 92653));
    }

    private Future<Void> readSizes(
            UnaryStreamCall<StreamingOutputCallRequest, StreamingOutputCallResponse> call, List<Integer> sizes) {
        return readAll(call, new ArrayList<>()).compose(responses -> {
            check(
                    responses.size() == sizes.size(),
                    "StreamingOutputCall sent " + responses.size() + " responses (expected: " + sizes.size() + ")");
            for (int i = 0; i < sizes.size(); i++) {
                checkPayload(
                        "StreamingOutputCall response " + i, responses.get(i).getPayload(), sizes.get(i));
            }
            return call.code().map(code -> {
                check(code == StatusCode.OK, "StreamingOutputCall ended with " + code + " (expected: OK)");
                return null;
            });
        });
    }

    private Future<Void> pingPong() {
        StreamStreamCall<StreamingOutputCallRequest, StreamingOutputCallResponse> call = stub.fullDuplexCall();
        return pingPong(call, 0)
                .compose(v -> call.doneWriting())
                .compose(v -> call.read())
                .compose(end -> {
                    check(
                            end.isEmpty(),
                            "FullDuplexCall sent a response after the last ping (expected: end of stream)");
                    return expectOk(call);
                });
    }

    private Future<Void> pingPong(
            StreamStreamCall<StreamingOutputCallRequest, StreamingOutputCallResponse> call, int round) {
        if (round == REQUEST_SIZES.size()) {
            return Future.succeededFuture();
        }
        return call.write(ping(REQUEST_SIZES.get(round), RESPONSE_SIZES.get(round)))
                .compose(v -> call.read())
                .compose(response -> {
                    check(response.isPresent(), "FullDuplexCall ended after " + round + " responses (expected: 4)");
                    checkPayload(
                            "FullDuplexCall response " + round, response.get().getPayload(), RESPONSE_SIZES.get(round));
                    return pingPong(call, round + 1);
                });
    }

    private Future<Void> emptyStream() {
        StreamStreamCall<StreamingOutputCallRequest, StreamingOutputCallResponse> call = stub.fullDuplexCall();
        return call.doneWriting().compose(v -> call.read()).compose(end -> {
            check(end.isEmpty(), "FullDuplexCall with no requests sent a response (expected: none)");
            return expectOk(call);
        });
    }

    private Future<Void> cancelAfterBegin() {
        StreamUnaryCall<StreamingInputCallRequest, StreamingInputCallResponse> call = stub.streamingInputCall();
        call.cancel();
        return expectStatus(call.response(), StatusCode.CANCELLED);
    }

    private Future<Void> cancelAfterFirstResponse() {
        StreamStreamCall<StreamingOutputCallRequest, StreamingOutputCallResponse> call = stub.fullDuplexCall();
        return call.write(ping(27182, 31415)).compose(v -> call.read()).compose(first -> {
            check(first.isPresent(), "FullDuplexCall ended before its first response");
            call.cancel();
            return expectStatus(call.read(), StatusCode.CANCELLED);
        });
    }

    /** A 1 ms deadline: the call must end with DEADLINE_EXCEEDED, whether or not the request could still be sent. */
    private Future<Void> timeoutOnSleepingServer() {
        StreamStreamCall<StreamingOutputCallRequest, StreamingOutputCallResponse> call =
                stub.fullDuplexCall(CallOptions.DEFAULT.withTimeout(Duration.ofMillis(1)));
        return call.write(StreamingOutputCallRequest.newBuilder()
                        .setPayload(zeros(27182))
                        .build())
                .transform(ar -> expectStatus(call.read(), StatusCode.DEADLINE_EXCEEDED));
    }

    /** The echo headers, on a unary call and on a full-duplex one. */
    private Future<Void> customMetadata() {
        Metadata metadata = Metadata.builder()
                .add(ECHO_INITIAL, INITIAL_VALUE)
                .addBinary(ECHO_TRAILING, TRAILING_VALUE)
                .build();
        CallOptions options = CallOptions.DEFAULT.withTimeout(CALL_TIMEOUT).withMetadata(metadata);
        UnaryUnaryCall<SimpleRequest, SimpleResponse> unaryCall =
                stub.unaryCall(largeRequest().build(), options);
        Future<Void> unary = unaryCall.response().compose(response -> {
            checkPayload("UnaryCall", response.getPayload(), LARGE_RESPONSE);
            return checkEchoed("UnaryCall", unaryCall.initialMetadata(), unaryCall.trailingMetadata());
        });
        return unary.compose(v -> {
            StreamStreamCall<StreamingOutputCallRequest, StreamingOutputCallResponse> call =
                    stub.fullDuplexCall(options);
            return call.write(ping(LARGE_REQUEST, LARGE_RESPONSE))
                    .compose(v2 -> call.doneWriting())
                    .compose(v2 -> readAll(call, new ArrayList<>()))
                    .compose(responses -> {
                        check(
                                responses.size() == 1,
                                "FullDuplexCall sent " + responses.size() + " responses (expected: 1)");
                        checkPayload("FullDuplexCall", responses.get(0).getPayload(), LARGE_RESPONSE);
                        return checkEchoed("FullDuplexCall", call.initialMetadata(), call.trailingMetadata());
                    });
        });
    }

    private static Future<Void> checkEchoed(String method, Future<Metadata> initial, Future<Metadata> trailing) {
        return Future.all(initial, trailing).map(v -> {
            Optional<String> echoed = initial.result().get(ECHO_INITIAL);
            check(
                    echoed.equals(Optional.of(INITIAL_VALUE)),
                    method + " initial metadata " + ECHO_INITIAL + ": " + echoed + " (expected: " + INITIAL_VALUE
                            + ")");
            Optional<byte[]> echoedBin = trailing.result().getBinary(ECHO_TRAILING);
            check(
                    echoedBin.isPresent() && Arrays.equals(echoedBin.get(), TRAILING_VALUE),
                    method + " trailing metadata " + ECHO_TRAILING + ": "
                            + echoedBin.map(Arrays::toString).orElse("absent") + " (expected: [-85, -85, -85])");
            return null;
        });
    }

    /** EchoStatus UNKNOWN with {@code message}: on a unary call, then on a full-duplex one. */
    private Future<Void> statusCodeAndMessage(String message) {
        EchoStatus status = EchoStatus.newBuilder()
                .setCode(StatusCode.UNKNOWN.value())
                .setMessage(message)
                .build();
        Future<Void> unary = expectStatus(
                stub.unaryCall(SimpleRequest.newBuilder()
                                .setResponseStatus(status)
                                .build())
                        .response(),
                StatusCode.UNKNOWN,
                message);
        return unary.compose(v -> {
            StreamStreamCall<StreamingOutputCallRequest, StreamingOutputCallResponse> call = stub.fullDuplexCall();
            return call.write(StreamingOutputCallRequest.newBuilder()
                            .setResponseStatus(status)
                            .build())
                    .compose(v2 -> call.doneWriting())
                    .transform(ar -> expectStatus(call.read(), StatusCode.UNKNOWN, message));
        });
    }

    private Future<Void> veryLargeRequest() {
        SimpleRequest request = SimpleRequest.newBuilder()
                .setResponseSize(10)
                .setPayload(zeros(VERY_LARGE_REQUEST))
                .build();
        return unary(request, CallOptions.DEFAULT, 10);
    }

    private static SimpleRequest.Builder largeRequest() {
        return SimpleRequest.newBuilder().setResponseSize(LARGE_RESPONSE).setPayload(zeros(LARGE_REQUEST));
    }

    private static StreamingOutputCallRequest ping(int requestSize, int responseSize) {
        return StreamingOutputCallRequest.newBuilder()
                .addResponseParameters(ResponseParameters.newBuilder().setSize(responseSize))
                .setPayload(zeros(requestSize))
                .build();
    }

    private static BoolValue bool(boolean value) {
        return BoolValue.newBuilder().setValue(value).build();
    }

    /** Writes the requests one after the other, each once the previous one was accepted, then half-closes. */
    private static <T> Future<Void> writeAll(RequestStream<T> call, List<T> requests) {
        Future<Void> written = Future.succeededFuture();
        for (T request : requests) {
            written = written.compose(v -> call.write(request));
        }
        return written.compose(v -> call.doneWriting());
    }

    private static <T> Future<List<T>> readAll(ResponseStream<T> call, List<T> into) {
        return call.read().compose(next -> {
            if (next.isEmpty()) {
                return Future.succeededFuture(into);
            }
            into.add(next.get());
            return readAll(call, into);
        });
    }

    private static Future<Void> expectOk(io.rpcvertx.Call call) {
        return call.code().map(code -> {
            check(code == StatusCode.OK, "the call ended with " + code + " (expected: OK)");
            return null;
        });
    }

    private static Future<Void> expectStatus(Future<?> outcome, StatusCode expected) {
        return expectStatus(outcome, expected, null);
    }

    /** {@code outcome} must fail with an {@link RpcException} of {@code expected} (and these details, if given). */
    private static Future<Void> expectStatus(Future<?> outcome, StatusCode expected, @Nullable String details) {
        return outcome.transform(ar -> {
            if (ar.succeeded()) {
                return Future.failedFuture(
                        new InteropClient.CaseFailedException("the call succeeded (expected: " + expected + ")"));
            }
            if (!(ar.cause() instanceof RpcException)) {
                return Future.failedFuture(new InteropClient.CaseFailedException(
                        "the call failed with " + ar.cause() + " (expected: " + expected + ")", ar.cause()));
            }
            RpcException e = (RpcException) ar.cause();
            check(
                    e.code() == expected,
                    "the call ended with " + e.code() + " \"" + e.details() + "\" (expected: " + expected + ")");
            if (details != null) {
                check(
                        e.details().equals(details),
                        "the status details are \"" + e.details() + "\" (expected: \"" + details + "\")");
            }
            return Future.succeededFuture();
        });
    }

    private static void checkPayload(String what, Payload payload, int size) {
        check(
                payload.getBody().size() == size,
                what + " payload has " + payload.getBody().size() + " bytes (expected: " + size + ")");
        check(payload.getBody().equals(zeros(size).getBody()), what + " payload is not all zeros");
    }

    private static void checkAggregated(StreamingInputCallResponse response, int expected) {
        check(
                response.getAggregatedPayloadSize() == expected,
                "StreamingInputCall aggregated " + response.getAggregatedPayloadSize() + " bytes (expected: " + expected
                        + ")");
    }

    private static void check(boolean condition, String failure) {
        if (!condition) {
            throw new InteropClient.CaseFailedException(failure);
        }
    }
}
