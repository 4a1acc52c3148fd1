package io.rpcvertx.examples.interop;

import static io.rpcvertx.examples.interop.InteropTestService.ECHO_INITIAL;
import static io.rpcvertx.examples.interop.InteropTestService.ECHO_TRAILING;
import static io.rpcvertx.examples.interop.InteropTestService.zeros;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rpcvertx.CallOptions;
import io.rpcvertx.Channel;
import io.rpcvertx.Compression;
import io.rpcvertx.Metadata;
import io.rpcvertx.RpcException;
import io.rpcvertx.RpcVertx;
import io.rpcvertx.ServerOptions;
import io.rpcvertx.StatusCode;
import io.rpcvertx.StreamStreamCall;
import io.rpcvertx.UnaryStreamCall;
import io.rpcvertx.UnaryUnaryCall;
import io.rpcvertx.examples.interop.proto.EmptyProtos.Empty;
import io.rpcvertx.examples.interop.proto.Messages.BoolValue;
import io.rpcvertx.examples.interop.proto.Messages.EchoStatus;
import io.rpcvertx.examples.interop.proto.Messages.ResponseParameters;
import io.rpcvertx.examples.interop.proto.Messages.SimpleRequest;
import io.rpcvertx.examples.interop.proto.Messages.SimpleResponse;
import io.rpcvertx.examples.interop.proto.Messages.StreamingOutputCallRequest;
import io.rpcvertx.examples.interop.proto.Messages.StreamingOutputCallResponse;
import io.rpcvertx.examples.interop.proto.Messages.TestOrcaReport;
import io.rpcvertx.examples.interop.proto.TestServiceStub;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The interop server's behaviour beyond the standard cases: every echo value in order (also on error statuses), the
 * methods no standard case calls, and the server flags ({@code --grace}, {@code --max-concurrent-rpcs},
 * {@code --io-instances}) each observable.
 */
@ExtendWith(VertxExtension.class)
@Timeout(60)
class InteropServerTest {
    private static final Metadata ECHO = Metadata.builder()
            .add(ECHO_INITIAL, "first")
            .add(ECHO_INITIAL, "second")
            .add(ECHO_INITIAL, "third")
            .addBinary(ECHO_TRAILING, new byte[] {1})
            .addBinary(ECHO_TRAILING, new byte[] {2, 2})
            .addBinary(ECHO_TRAILING, new byte[] {3, 3, 3})
            .build();
    private static final CallOptions WITH_ECHO =
            CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(20)).withMetadata(ECHO);

    private final List<InteropServer> servers = new ArrayList<>();
    private final List<Channel> channels = new ArrayList<>();
    private final List<Vertx> ownVertx = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (Channel channel : channels) {
            channel.close().await(10, SECONDS);
        }
        for (InteropServer server : servers) {
            server.close().await(30, SECONDS);
        }
        for (Vertx vertx : ownVertx) {
            vertx.close().await(10, SECONDS);
        }
    }

    private InteropServer start(Vertx vertx, InteropServer.Options options) throws Exception {
        return start(vertx, options, ServerOptions.DEFAULT);
    }

    private InteropServer start(Vertx vertx, InteropServer.Options options, ServerOptions base) throws Exception {
        InteropServer server = InteropServer.start(vertx, options, base).await(10, SECONDS);
        servers.add(server);
        return server;
    }

    private TestServiceStub stub(Vertx vertx, InteropServer server) {
        Channel channel = RpcVertx.insecureChannel(vertx, "127.0.0.1:" + server.port());
        channels.add(channel);
        return new TestServiceStub(channel, CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(20)));
    }

    private static InteropServer.Options loopback() {
        return InteropServer.Options.plaintext("127.0.0.1", 0);
    }

    private static void assertEchoed(Metadata initial, Metadata trailing) {
        assertThat(initial.getAll(ECHO_INITIAL)).containsExactly("first", "second", "third");
        assertThat(trailing.getAllBinary(ECHO_TRAILING))
                .containsExactly(new byte[] {1}, new byte[] {2, 2}, new byte[] {3, 3, 3});
    }

    private static RpcException failure(Future<?> outcome) {
        Throwable thrown = org.assertj.core.api.Assertions.catchThrowable(() -> outcome.await(20, SECONDS));
        assertThat(thrown).isInstanceOf(RpcException.class);
        return (RpcException) thrown;
    }

    @Test
    void unaryCall_repeatedEchoHeaders_everyValueEchoedInOrder(Vertx vertx) throws Exception {
        TestServiceStub stub = stub(vertx, start(vertx, loopback()));

        UnaryUnaryCall<SimpleRequest, SimpleResponse> call =
                stub.unaryCall(SimpleRequest.newBuilder().setResponseSize(3).build(), WITH_ECHO);

        assertThat(call.response().await(20, SECONDS).getPayload().getBody().size())
                .isEqualTo(3);
        assertEchoed(
                call.initialMetadata().await(20, SECONDS),
                call.trailingMetadata().await(20, SECONDS));
    }

    @Test
    void fullDuplexCall_repeatedEchoHeaders_everyValueEchoedInOrder(Vertx vertx) throws Exception {
        TestServiceStub stub = stub(vertx, start(vertx, loopback()));

        StreamStreamCall<StreamingOutputCallRequest, StreamingOutputCallResponse> call = stub.fullDuplexCall(WITH_ECHO);
        call.doneWriting().await(20, SECONDS);

        assertThat(call.code().await(20, SECONDS)).isEqualTo(StatusCode.OK);
        assertEchoed(
                call.initialMetadata().await(20, SECONDS),
                call.trailingMetadata().await(20, SECONDS));
    }

    @Test
    void unaryCall_echoStatus_echoHeadersKeptWithTheErrorStatus(Vertx vertx) throws Exception {
        TestServiceStub stub = stub(vertx, start(vertx, loopback()));
        SimpleRequest request = SimpleRequest.newBuilder()
                .setResponseStatus(EchoStatus.newBuilder()
                        .setCode(StatusCode.NOT_FOUND.value())
                        .setMessage("gone"))
                .build();

        RpcException e = failure(stub.unaryCall(request, WITH_ECHO).response());

        assertThat(e.code()).isEqualTo(StatusCode.NOT_FOUND);
        assertThat(e.details()).isEqualTo("gone");
        assertEchoed(e.initialMetadata(), e.trailingMetadata());
    }

    @Test
    void unaryCall_refusedCompressionProbe_echoHeadersKept(Vertx vertx) throws Exception {
        TestServiceStub stub = stub(vertx, start(vertx, loopback()));
        SimpleRequest probe = SimpleRequest.newBuilder()
                .setExpectCompressed(BoolValue.newBuilder().setValue(true))
                .build();

        RpcException e = failure(stub.unaryCall(probe, WITH_ECHO).response());

        assertThat(e.code()).isEqualTo(StatusCode.INVALID_ARGUMENT);
        assertEchoed(e.initialMetadata(), e.trailingMetadata());
    }

    @Test
    void fullDuplexCall_echoStatus_echoHeadersKeptWithTheErrorStatus(Vertx vertx) throws Exception {
        TestServiceStub stub = stub(vertx, start(vertx, loopback()));

        StreamStreamCall<StreamingOutputCallRequest, StreamingOutputCallResponse> call = stub.fullDuplexCall(WITH_ECHO);
        call.write(StreamingOutputCallRequest.newBuilder()
                        .addResponseParameters(ResponseParameters.newBuilder().setSize(5))
                        .setResponseStatus(EchoStatus.newBuilder()
                                .setCode(StatusCode.ABORTED.value())
                                .setMessage("stop"))
                        .build())
                .await(20, SECONDS);

        assertThat(call.read()
                        .await(20, SECONDS)
                        .orElseThrow()
                        .getPayload()
                        .getBody()
                        .size())
                .isEqualTo(5);
        RpcException e = failure(call.read());
        assertThat(e.code()).isEqualTo(StatusCode.ABORTED);
        assertThat(e.details()).isEqualTo("stop");
        assertEchoed(call.initialMetadata().await(20, SECONDS), e.trailingMetadata());
    }

    @Test
    void unimplementedCall_answersUnimplementedWithTheEchoHeaders(Vertx vertx) throws Exception {
        TestServiceStub stub = stub(vertx, start(vertx, loopback()));

        RpcException e = failure(
                stub.unimplementedCall(Empty.getDefaultInstance(), WITH_ECHO).response());

        assertThat(e.code()).isEqualTo(StatusCode.UNIMPLEMENTED);
        assertEchoed(e.initialMetadata(), e.trailingMetadata());
    }

    @Test
    void halfDuplexCall_answersEveryRequestInOrderOnlyAfterTheLast(Vertx vertx) throws Exception {
        TestServiceStub stub = stub(vertx, start(vertx, loopback()));
        StreamStreamCall<StreamingOutputCallRequest, StreamingOutputCallResponse> call = stub.halfDuplexCall();

        call.write(request(10, 20)).await(20, SECONDS);
        call.write(request(30)).await(20, SECONDS);
        Future<Optional<StreamingOutputCallResponse>> first = call.read();
        // a whole round trip on the same connection after both requests: a response would have come first
        stub.emptyCall(Empty.getDefaultInstance()).response().await(20, SECONDS);
        assertThat(first.isComplete()).isFalse();
        call.doneWriting().await(20, SECONDS);

        List<Integer> sizes = new ArrayList<>();
        sizes.add(first.await(20, SECONDS).orElseThrow().getPayload().getBody().size());
        for (Optional<StreamingOutputCallResponse> next = call.read().await(20, SECONDS);
                next.isPresent();
                next = call.read().await(20, SECONDS)) {
            sizes.add(next.get().getPayload().getBody().size());
        }
        assertThat(sizes).containsExactly(10, 20, 30);
        assertThat(call.code().await(20, SECONDS)).isEqualTo(StatusCode.OK);
    }

    @Test
    void halfDuplexCall_echoStatus_endsWithItAfterTheResponses(Vertx vertx) throws Exception {
        TestServiceStub stub = stub(vertx, start(vertx, loopback()));
        StreamStreamCall<StreamingOutputCallRequest, StreamingOutputCallResponse> call = stub.halfDuplexCall(WITH_ECHO);

        call.write(request(7).toBuilder()
                        .setResponseStatus(EchoStatus.newBuilder()
                                .setCode(StatusCode.DATA_LOSS.value())
                                .setMessage("half"))
                        .build())
                .await(20, SECONDS);
        call.doneWriting().await(20, SECONDS);

        assertThat(call.read()
                        .await(20, SECONDS)
                        .orElseThrow()
                        .getPayload()
                        .getBody()
                        .size())
                .isEqualTo(7);
        RpcException e = failure(call.read());
        assertThat(e.code()).isEqualTo(StatusCode.DATA_LOSS);
        assertEchoed(call.initialMetadata().await(20, SECONDS), e.trailingMetadata());
    }

    @Test
    void cacheableUnaryCall_answersAFreshTimestampMarkedCacheable(Vertx vertx) throws Exception {
        TestServiceStub stub = stub(vertx, start(vertx, loopback()));
        SimpleRequest request = SimpleRequest.getDefaultInstance();

        UnaryUnaryCall<SimpleRequest, SimpleResponse> first = stub.cacheableUnaryCall(request);
        SimpleResponse one = first.response().await(20, SECONDS);
        SimpleResponse two = stub.cacheableUnaryCall(request).response().await(20, SECONDS);

        assertThat(first.initialMetadata().await(20, SECONDS).get("cache-control"))
                .contains("max-age=60, public");
        assertThat(one.getPayload().getBody().toStringUtf8()).matches("-?[0-9]+");
        assertThat(one).isNotEqualTo(two);
    }

    @Test
    void unaryCall_fillServerId_sameWithinAServerDifferentBetweenServers(Vertx vertx) throws Exception {
        TestServiceStub a = stub(vertx, start(vertx, loopback()));
        TestServiceStub b = stub(vertx, start(vertx, loopback()));
        SimpleRequest request = SimpleRequest.newBuilder().setFillServerId(true).build();

        String a1 = a.unaryCall(request).response().await(20, SECONDS).getServerId();
        String a2 = a.unaryCall(request).response().await(20, SECONDS).getServerId();
        String b1 = b.unaryCall(request).response().await(20, SECONDS).getServerId();

        assertThat(a1).isNotEmpty().isEqualTo(a2).isNotEqualTo(b1);
        assertThat(a.unaryCall(SimpleRequest.getDefaultInstance())
                        .response()
                        .await(20, SECONDS)
                        .getServerId())
                .isEmpty();
    }

    @Test
    void unaryCall_orcaPerQueryReport_inTheLoadReportTrailerBesideTheEcho(Vertx vertx) throws Exception {
        TestServiceStub stub = stub(vertx, start(vertx, loopback()));
        TestOrcaReport report = TestOrcaReport.newBuilder()
                .setCpuUtilization(0.25)
                .putRequestCost("cost", 7)
                .build();

        UnaryUnaryCall<SimpleRequest, SimpleResponse> call = stub.unaryCall(
                SimpleRequest.newBuilder().setOrcaPerQueryReport(report).build(), WITH_ECHO);
        call.response().await(20, SECONDS);

        Metadata trailers = call.trailingMetadata().await(20, SECONDS);
        assertEchoed(call.initialMetadata().await(20, SECONDS), trailers);
        assertThat(OrcaLoadReports.decode(
                        trailers.getBinary(OrcaLoadReports.TRAILER).orElseThrow()))
                .isEqualTo(report);
    }

    @Test
    void orcaOob_secondCallsReport_waitsUntilTheFirstCallEnds(Vertx vertx) throws Exception {
        InteropServer server = start(vertx, loopback());
        TestServiceStub stub = stub(vertx, server);
        Channel channel = RpcVertx.insecureChannel(vertx, "127.0.0.1:" + server.port());
        channels.add(channel);
        TestOrcaReport x = TestOrcaReport.newBuilder().setCpuUtilization(0.5).build();
        TestOrcaReport y = TestOrcaReport.newBuilder().putUtilization("u", 0.25).build();
        StreamStreamCall<StreamingOutputCallRequest, StreamingOutputCallResponse> a = stub.fullDuplexCall();
        StreamStreamCall<StreamingOutputCallRequest, StreamingOutputCallResponse> b = stub.fullDuplexCall();

        a.write(oob(x)).await(20, SECONDS);
        assertThat(a.read().await(20, SECONDS)).isPresent();
        b.write(oob(y)).await(20, SECONDS);
        Future<Optional<StreamingOutputCallResponse>> bAnswer = b.read();
        UnaryStreamCall<Duration, TestOrcaReport> reports = channel.unaryStream(OrcaOob.STREAM_CORE_METRICS)
                .call(Duration.ofSeconds(1), CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(20)));
        assertThat(reports.read().await(20, SECONDS)).contains(x); // sent at once: b's report is not in
        assertThat(bAnswer.isComplete()).isFalse();

        a.doneWriting().await(20, SECONDS);
        assertThat(a.code().await(20, SECONDS)).isEqualTo(StatusCode.OK);
        assertThat(bAnswer.await(20, SECONDS)).isPresent();
        assertThat(reports.read().await(20, SECONDS)).contains(y); // the next report, a second later
        b.doneWriting().await(20, SECONDS);
        assertThat(b.code().await(20, SECONDS)).isEqualTo(StatusCode.OK);
        reports.cancel();
    }

    @Test
    void streamCoreMetrics_intervalBelowOneSecond_reportsOncePerSecond(Vertx vertx) throws Exception {
        InteropServer server = start(vertx, loopback());
        Channel channel = RpcVertx.insecureChannel(vertx, "127.0.0.1:" + server.port());
        channels.add(channel);
        UnaryStreamCall<Duration, TestOrcaReport> reports = channel.unaryStream(OrcaOob.STREAM_CORE_METRICS)
                .call(Duration.ofMillis(1), CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(20)));

        assertThat(reports.read().await(20, SECONDS)).contains(TestOrcaReport.getDefaultInstance());
        long start = System.nanoTime();
        assertThat(reports.read().await(20, SECONDS)).isPresent();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThan(Duration.ofMillis(500));
        reports.cancel();
    }

    private static StreamingOutputCallRequest oob(TestOrcaReport report) {
        return request(1).toBuilder().setOrcaOobReport(report).build();
    }

    @Test
    void maxConcurrentRpcsOne_secondCallWhileOneRuns_resourceExhaustedThenAdmittedAfter(Vertx vertx) throws Exception {
        InteropServer server = start(vertx, loopback().withMaximumConcurrentRpcs(1));
        TestServiceStub stub = stub(vertx, server);
        StreamStreamCall<StreamingOutputCallRequest, StreamingOutputCallResponse> running =
                stub.fullDuplexCall(WITH_ECHO);
        running.initialMetadata().await(20, SECONDS); // the server runs it

        RpcException refused =
                failure(stub.emptyCall(Empty.getDefaultInstance()).response());
        assertThat(refused.code()).isEqualTo(StatusCode.RESOURCE_EXHAUSTED);

        running.doneWriting().await(20, SECONDS);
        assertThat(running.code().await(20, SECONDS)).isEqualTo(StatusCode.OK);
        assertThat(stub.emptyCall(Empty.getDefaultInstance()).response().await(20, SECONDS))
                .isEqualTo(Empty.getDefaultInstance());
    }

    @Test
    void noMaxConcurrentRpcs_secondCallWhileOneRuns_served(Vertx vertx) throws Exception {
        TestServiceStub stub = stub(vertx, start(vertx, loopback()));
        StreamStreamCall<StreamingOutputCallRequest, StreamingOutputCallResponse> running =
                stub.fullDuplexCall(WITH_ECHO);
        running.initialMetadata().await(20, SECONDS);

        assertThat(stub.emptyCall(Empty.getDefaultInstance()).response().await(20, SECONDS))
                .isEqualTo(Empty.getDefaultInstance());
        running.doneWriting().await(20, SECONDS);
        assertThat(running.code().await(20, SECONDS)).isEqualTo(StatusCode.OK);
    }

    @Test
    void grace_closeWhileACallRuns_theCallFinishes(Vertx vertx) throws Exception {
        InteropServer server = start(vertx, loopback().withGrace(Duration.ofSeconds(20)));
        TestServiceStub stub = stub(vertx, server);
        UnaryStreamCall<StreamingOutputCallRequest, StreamingOutputCallResponse> call =
                stub.streamingOutputCall(delayed(Duration.ofMillis(300)), WITH_ECHO);
        call.initialMetadata().await(20, SECONDS); // the call runs, its response 300 ms away

        Future<Void> closed = server.close();

        assertThat(call.read()
                        .await(20, SECONDS)
                        .orElseThrow()
                        .getPayload()
                        .getBody()
                        .size())
                .isEqualTo(4);
        assertThat(call.code().await(20, SECONDS)).isEqualTo(StatusCode.OK);
        closed.await(20, SECONDS);
    }

    @Test
    void noGrace_closeWhileACallRuns_theCallIsCancelled(Vertx vertx) throws Exception {
        InteropServer server = start(vertx, loopback());
        TestServiceStub stub = stub(vertx, server);
        UnaryStreamCall<StreamingOutputCallRequest, StreamingOutputCallResponse> call =
                stub.streamingOutputCall(delayed(Duration.ofSeconds(15)), WITH_ECHO);
        call.initialMetadata().await(20, SECONDS);

        server.close().await(10, SECONDS);

        assertThat(call.code().await(10, SECONDS)).isNotEqualTo(StatusCode.OK);
    }

    @Test
    void ioInstances_callsServedOnThatManyEventLoops() throws Exception {
        assertThat(eventLoopsServing(1)).isEqualTo(1);
        assertThat(eventLoopsServing(3)).isEqualTo(3);
    }

    /** Serves calls from 6 connections with {@code ioInstances} on 4 event loops: how many threads ran them. */
    private int eventLoopsServing(int ioInstances) throws Exception {
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(4));
        ownVertx.add(vertx);
        Set<String> threads = ConcurrentHashMap.newKeySet();
        ServerOptions recording = ServerOptions.DEFAULT.withInterceptors((continuation, details) -> {
            threads.add(Thread.currentThread().getName());
            return continuation.apply(details);
        });
        InteropServer server = start(vertx, loopback().withIoInstances(ioInstances), recording);
        for (int i = 0; i < 6; i++) {
            stub(vertx, server).emptyCall(Empty.getDefaultInstance()).response().await(20, SECONDS);
        }
        return threads.size();
    }

    @Test
    void options_negativeLimits_rejectedNamingTheSetting() {
        assertThatThrownBy(() -> loopback().withMaximumConcurrentRpcs(-1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("maximumConcurrentRpcs: -1");
        assertThatThrownBy(() -> loopback().withGrace(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("grace: ");
    }

    @Test
    void unaryCall_requestCompressedAsExpected_served(Vertx vertx) throws Exception {
        TestServiceStub stub = stub(vertx, start(vertx, loopback()));
        SimpleRequest request = SimpleRequest.newBuilder()
                .setExpectCompressed(BoolValue.newBuilder().setValue(true))
                .setResponseSize(1)
                .build();

        assertThat(stub.unaryCall(request, WITH_ECHO.withCompression(Compression.GZIP))
                        .response()
                        .await(20, SECONDS)
                        .getPayload()
                        .getBody())
                .isEqualTo(zeros(1).getBody());
    }

    private static StreamingOutputCallRequest request(int... sizes) {
        StreamingOutputCallRequest.Builder request = StreamingOutputCallRequest.newBuilder();
        for (int size : sizes) {
            request.addResponseParameters(ResponseParameters.newBuilder().setSize(size));
        }
        return request.build();
    }

    private static StreamingOutputCallRequest delayed(Duration interval) {
        return StreamingOutputCallRequest.newBuilder()
                .addResponseParameters(
                        ResponseParameters.newBuilder().setSize(4).setIntervalUs((int) (interval.toNanos() / 1000)))
                .build();
    }
}
