package io.rpcvertx.it.contract;

import static io.rpcvertx.it.contract.Exchange.bytes;
import static io.rpcvertx.it.contract.Exchange.text;
import static io.rpcvertx.it.testservice.TestServiceContract.X_COUNT;
import static io.rpcvertx.it.testservice.TestServiceContract.X_DETAILS_BIN;
import static io.rpcvertx.it.testservice.TestServiceContract.X_ECHO_INITIAL;
import static io.rpcvertx.it.testservice.TestServiceContract.X_ECHO_INITIAL_BIN;
import static io.rpcvertx.it.testservice.TestServiceContract.X_ECHO_TRAILING;
import static io.rpcvertx.it.testservice.TestServiceContract.X_ECHO_TRAILING_BIN;
import static io.rpcvertx.it.testservice.TestServiceContract.X_HANG;
import static io.rpcvertx.it.testservice.TestServiceContract.X_STATUS;
import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rpcvertx.CallOptions;
import io.rpcvertx.Channel;
import io.rpcvertx.ChannelOptions;
import io.rpcvertx.Compression;
import io.rpcvertx.GenericRpcHandler;
import io.rpcvertx.Marshaller;
import io.rpcvertx.Metadata;
import io.rpcvertx.MethodDescriptor;
import io.rpcvertx.MethodType;
import io.rpcvertx.RpcException;
import io.rpcvertx.RpcMethodHandler;
import io.rpcvertx.Server;
import io.rpcvertx.ServerOptions;
import io.rpcvertx.ServiceDefinition;
import io.rpcvertx.ServicerContext;
import io.rpcvertx.StatusCode;
import io.rpcvertx.StreamUnaryCall;
import io.rpcvertx.UnaryStreamCall;
import io.rpcvertx.UnaryUnaryCall;
import io.rpcvertx.it.contract.Exchange.Seen;
import io.rpcvertx.it.contract.TransportRig.Endpoint;
import io.rpcvertx.it.testservice.TestServiceContract;
import io.rpcvertx.it.testservice.TestServiceEvents;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;
import io.vertx.core.streams.WriteStream;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The call-semantics contract: what an RPC does, observed through the public API only, identical on every transport.
 * One parameterized suite, one {@link TransportRig} per transport; HTTP/2 is the reference, so any difference on
 * another transport is a bug there unless it is a wire-level difference named here (the peer address format:
 * {@link TransportRig#peerPrefix()}).
 *
 * <p>Messages, metadata, status and the behaviour of hanging or cancelled calls come from the shared test service
 * ({@link TestServiceContract}); the rest uses probe methods ({@link Shape#probe()}) with handlers written in each test.
 */
@ParameterizedClass(name = "{0}")
@MethodSource("rigs")
@ExtendWith(VertxExtension.class)
@Timeout(60)
class CallContractIT {
    static List<TransportRig> rigs() {
        List<TransportRig> all = List.of(
                TransportRig.HTTP2,
                TransportRig.HTTP2_NETTY_SERVER,
                TransportRig.HTTP2_NETTY_CLIENT,
                TransportRig.HTTP2_NETTY,
                TransportRig.IN_PROCESS,
                TransportRig.EVENT_BUS,
                TransportRig.EVENT_BUS_CLUSTERED);
        // -Dcontract.rigs=event (a substring of the rigs' names) runs only those rigs, e.g. while working on one
        String only = System.getProperty("contract.rigs", "");
        return all.stream().filter(r -> r.toString().contains(only)).collect(Collectors.toList());
    }

    @AfterAll
    static void closeRigs() throws Exception {
        for (TransportRig r : rigs()) {
            r.close();
        }
    }

    private static final Duration SHORT_DEADLINE = Duration.ofMillis(200);
    private static final Metadata HANG = Metadata.of(X_HANG, "1");

    @Parameter
    TransportRig rig;

    Vertx vertx;
    Endpoint endpoint;
    final TestServiceEvents events = new TestServiceEvents();
    final List<Server> servers = new ArrayList<>();
    final List<Channel> channels = new CopyOnWriteArrayList<>();

    @BeforeEach
    void setUp(Vertx vertx) {
        this.vertx = vertx;
    }

    @AfterEach
    void tearDown() throws Exception {
        for (Channel c : channels) {
            c.close().await(5, SECONDS);
        }
        for (Server s : servers) {
            s.stop(null).await(5, SECONDS);
        }
    }

    // ------------------------------------------------------------------------------------------------ fixtures

    /** A server with the test service plus {@code probes} (methods of {@link Shape#PROBE_SERVICE}), and a channel. */
    Channel serve(RpcMethodHandler<?, ?>... probes) throws Exception {
        return serve(ServerOptions.DEFAULT, ChannelOptions.DEFAULT, probes);
    }

    Channel serve(ServerOptions serverOptions, ChannelOptions channelOptions, RpcMethodHandler<?, ?>... probes)
            throws Exception {
        List<GenericRpcHandler> handlers = new ArrayList<>();
        handlers.add(TestServiceContract.rpcVertxService(events));
        if (probes.length > 0) {
            handlers.add(ServiceDefinition.of(Shape.PROBE_SERVICE, probes));
        }
        endpoint = rig.start(vertx, serverOptions, handlers.toArray(GenericRpcHandler[]::new));
        servers.add(endpoint.server());
        return channel(channelOptions);
    }

    Channel channel(ChannelOptions options) {
        Channel channel = rig.channel(vertx, endpoint, options);
        channels.add(channel);
        return channel;
    }

    /** Echoes its request: a quick call that proves the server (and the channel) still answers. */
    static RpcMethodHandler<byte[], byte[]> echo() {
        return RpcMethodHandler.unaryUnary(
                Shape.UNARY_UNARY.probe(), (request, ctx) -> Future.succeededFuture(request));
    }

    static String big(int length) {
        return "x".repeat(length);
    }

    /** What a {@link #hanging} handler saw: that it started, and its view of the call when the call ended. */
    record Hang(CompletableFuture<Void> started, CompletableFuture<String> seenAtEnd) {
        Hang() {
            this(new CompletableFuture<>(), new CompletableFuture<>());
        }
    }

    /** A probe handler of {@code shape} that never answers; its future fails once the call has ended. */
    static RpcMethodHandler<byte[], byte[]> hanging(Shape shape, Hang hang) {
        MethodDescriptor<byte[], byte[]> m = shape.probe();
        switch (shape) {
            case UNARY_UNARY:
                return RpcMethodHandler.unaryUnary(m, (request, ctx) -> untilDone(ctx, hang));
            case UNARY_STREAM:
                return RpcMethodHandler.unaryStream(m, (request, ctx) -> untilDone(ctx, hang));
            case STREAM_UNARY:
                return RpcMethodHandler.streamUnary(m, (requests, ctx) -> untilDone(ctx, hang));
            case STREAM_STREAM:
                return RpcMethodHandler.streamStream(m, (requests, ctx) -> untilDone(ctx, hang));
            default:
                throw new AssertionError(shape);
        }
    }

    private static <T> Future<T> untilDone(ServicerContext<byte[], byte[]> ctx, Hang hang) {
        Promise<T> ended = Promise.promise();
        ctx.addDoneCallback(v -> {
            // the call ended at its deadline (the client's timer or the server's, whichever fired first), or earlier.
            // "counting": the deadline the client sent, not yet reached on the server's clock. The server starts it
            // when the headers arrive, so when they took long to arrive, the client's reset comes first.
            String deadline = ctx.timeRemaining()
                    .map(d -> d.compareTo(Duration.ofMillis(50)) < 0
                            ? "reached"
                            : d.compareTo(SHORT_DEADLINE) < 0 ? "counting" : "not reached")
                    .orElse("none");
            hang.seenAtEnd()
                    .complete("cancelled=" + ctx.isCancelled() + " done=" + ctx.isDone() + " code="
                            + ctx.code().map(Enum::name).orElse("-") + " deadline=" + deadline);
            ended.tryFail("the call has ended");
        });
        hang.started().complete(null);
        return ended.future();
    }

    // ------------------------------------------------------------------------------------------------ messages

    @ParameterizedTest
    @EnumSource(Shape.class)
    void everyShape_messagesBothWays_arriveIntactAndInOrder(Shape shape) throws Exception {
        Channel channel = serve();
        List<String> requests = List.of(big(100_000), "", "last ü");

        Seen seen = Exchange.run(channel, shape, shape.testService(), requests, CallOptions.DEFAULT);

        assertThat(seen.code()).isEqualTo(StatusCode.OK);
        assertThat(seen.details()).isEmpty();
        assertThat(seen.failure()).isEmpty();
        List<String> expected;
        switch (shape) {
            case UNARY_UNARY:
                expected = List.of(requests.get(0));
                break;
            case UNARY_STREAM:
                expected = List.of(requests.get(0), requests.get(0), requests.get(0)); // x-count defaults to 3
                break;
            case STREAM_UNARY:
                expected = List.of("3:" + (100_000 + 7));
                break;
            default:
                expected = requests;
        }
        assertThat(seen.responses()).isEqualTo(expected);
        assertThat(seen.initial().isEmpty()).isTrue();
        assertThat(seen.trailing().isEmpty()).isTrue();
    }

    @Test
    void unaryStream_manyMessages_allArriveInOrder() throws Exception {
        Channel channel = serve();

        Seen seen = Exchange.run(
                channel,
                Shape.UNARY_STREAM,
                Shape.UNARY_STREAM.testService(),
                List.of("m"),
                CallOptions.DEFAULT.withMetadata(Metadata.of(X_COUNT, "1000")));

        assertThat(seen.code()).isEqualTo(StatusCode.OK);
        assertThat(seen.responses()).hasSize(1000).containsOnly("m");
    }

    @Test
    void marshallers_runOnBothSides_aDeserializerFailureIsInternal() throws Exception {
        // the server parses requests with its own marshaller: a request it cannot parse never reaches the handler
        Marshaller<String> picky = Marshaller.of(s -> Buffer.buffer(s.getBytes(UTF_8)), b -> {
            String s = b.toString(UTF_8);
            if (s.startsWith("poison")) {
                throw new IllegalArgumentException("cannot parse " + s);
            }
            return "parsed(" + s + ")";
        });
        MethodDescriptor<String, String> method =
                MethodDescriptor.of(MethodType.UNARY_UNARY, Shape.PROBE_SERVICE + "/Picky", picky, picky);
        AtomicInteger handled = new AtomicInteger();
        Channel channel = serve(RpcMethodHandler.unaryUnary(method, (request, ctx) -> {
            handled.incrementAndGet();
            return Future.succeededFuture(request.equals("parsed(reply poison)") ? "poison reply" : request);
        }));

        // each side deserializes what the other serialized: both marshallers ran once per direction
        assertThat(channel.unaryUnary(method).call("a").response().await(5, SECONDS))
                .isEqualTo("parsed(parsed(a))");
        UnaryUnaryCall<String, String> badRequest = channel.unaryUnary(method).call("poison");
        UnaryUnaryCall<String, String> badResponse = channel.unaryUnary(method).call("reply poison");

        assertThat(badRequest.code().await(5, SECONDS)).isEqualTo(StatusCode.INTERNAL);
        assertThat(badResponse.code().await(5, SECONDS)).isEqualTo(StatusCode.INTERNAL);
        assertThat(handled.get())
                .as("the poisoned request never reached its handler")
                .isEqualTo(2);
    }

    // ------------------------------------------------------------------------------------------------ metadata

    @ParameterizedTest
    @EnumSource(Shape.class)
    void everyShape_asciiAndBinaryMetadata_roundTripInitialAndTrailing(Shape shape) throws Exception {
        Channel channel = serve();
        byte[] bin1 = {0, 1, (byte) 0x80, (byte) 0xff, ','};
        byte[] bin2 = {'=', '\n'};
        Metadata request = Metadata.builder()
                .add(X_ECHO_INITIAL, "one")
                .add(X_ECHO_INITIAL, "two words, and a comma")
                .addBinary(X_ECHO_INITIAL_BIN, bin1)
                .addBinary(X_ECHO_INITIAL_BIN, bin2)
                .add(X_ECHO_TRAILING, "t")
                .addBinary(X_ECHO_TRAILING_BIN, bin2)
                .add("x-custom", " spaced value ")
                .build();

        Seen seen = Exchange.run(
                channel, shape, shape.testService(), List.of("m"), CallOptions.DEFAULT.withMetadata(request));

        assertThat(seen.code()).isEqualTo(StatusCode.OK);
        assertThat(seen.initial().keys()).containsExactlyInAnyOrder(X_ECHO_INITIAL, X_ECHO_INITIAL_BIN);
        assertThat(seen.initial().getAll(X_ECHO_INITIAL)).containsExactly("one", "two words, and a comma");
        assertThat(seen.initial().getAllBinary(X_ECHO_INITIAL_BIN)).containsExactly(bin1, bin2);
        assertThat(seen.trailing().keys()).containsExactlyInAnyOrder(X_ECHO_TRAILING, X_ECHO_TRAILING_BIN);
        assertThat(seen.trailing().getAll(X_ECHO_TRAILING)).containsExactly("t");
        assertThat(seen.trailing().getAllBinary(X_ECHO_TRAILING_BIN)).containsExactly(bin2);

        Metadata invocation = events.lastRequestMetadata();
        assertThat(invocation.getAll(X_ECHO_INITIAL)).containsExactly("one", "two words, and a comma");
        assertThat(invocation.getAllBinary(X_ECHO_INITIAL_BIN)).containsExactly(bin1, bin2);
        assertThat(invocation.get("x-custom"))
                .hasValueSatisfying(v -> assertThat(v.trim()).isEqualTo("spaced value"));
        // the transport's own headers are not metadata; user-agent is (grpc.aio shows it too)
        assertThat(invocation.keys())
                .doesNotContain("content-type", "te", "grpc-timeout", "grpc-encoding", "grpc-accept-encoding");
        assertThat(invocation.keys().stream().filter(k -> k.startsWith(":") || k.startsWith("grpc-")))
                .isEmpty();
        assertThat(invocation.get("user-agent"))
                .hasValueSatisfying(ua -> assertThat(ua).contains("rpcvertx"));
    }

    @Test
    void metadata_reservedKeysFromTheApplication_areNotSent() throws Exception {
        Channel channel = serve();
        Metadata request = Metadata.builder()
                .add("grpc-custom", "no")
                .add("user-agent", "mine")
                .add("content-type", "text/plain")
                .add("te", "gzip")
                .add("x-kept", "yes")
                .build();

        Seen seen = Exchange.run(
                channel,
                Shape.UNARY_UNARY,
                Shape.UNARY_UNARY.testService(),
                List.of("m"),
                CallOptions.DEFAULT.withMetadata(request));

        assertThat(seen.code()).isEqualTo(StatusCode.OK);
        Metadata invocation = events.lastRequestMetadata();
        assertThat(invocation.get("x-kept")).contains("yes");
        assertThat(invocation.keys()).doesNotContain("grpc-custom", "content-type", "te");
        assertThat(invocation.getAll("user-agent")).hasSize(1).doesNotContain("mine");
    }

    @Test
    void trailingMetadata_reservedKeysFromTheHandler_areNotSent_statusDetailsBinIs() throws Exception {
        byte[] details = {8, 2, 0x12, 0};
        Channel channel = serve(RpcMethodHandler.unaryUnary(Shape.UNARY_UNARY.probe(), (request, ctx) -> {
            ctx.sendInitialMetadata(Metadata.of("content-type", "text/plain", "x-initial", "i"));
            return ctx.abort(
                    StatusCode.INVALID_ARGUMENT,
                    "bad",
                    Metadata.builder()
                            .add("grpc-status", "0")
                            .add("grpc-message", "fake")
                            .addBinary("grpc-status-details-bin", details)
                            .add("x-trailing", "t")
                            .build());
        }));

        UnaryUnaryCall<byte[], byte[]> call =
                channel.unaryUnary(Shape.UNARY_UNARY.probe()).call(bytes("m"));

        assertThat(call.code().await(5, SECONDS)).isEqualTo(StatusCode.INVALID_ARGUMENT);
        assertThat(call.details().await(5, SECONDS)).isEqualTo("bad");
        assertThat(call.initialMetadata().await(5, SECONDS)).isEqualTo(Metadata.of("x-initial", "i"));
        Metadata trailing = call.trailingMetadata().await(5, SECONDS);
        assertThat(trailing.keys()).containsExactlyInAnyOrder("grpc-status-details-bin", "x-trailing");
        assertThat(trailing.getBinary("grpc-status-details-bin"))
                .hasValueSatisfying(b -> assertThat(b).isEqualTo(details));
    }

    // ------------------------------------------------------------------------------------------------ status

    @ParameterizedTest
    @EnumSource(Shape.class)
    void everyShape_errorStatus_codeDetailsAndTrailersReachTheClientAfterTheMessages(Shape shape) throws Exception {
        Channel channel = serve();
        String details = "ünïcödé 100% \t\"quoted\"\nline two";
        Metadata request = Metadata.builder()
                .add(X_STATUS, Integer.toString(StatusCode.FAILED_PRECONDITION.value()))
                .addBinary(X_DETAILS_BIN, details.getBytes(UTF_8))
                .add(X_ECHO_TRAILING, "why")
                .add(X_COUNT, "2")
                .build();

        Seen seen = Exchange.run(
                channel, shape, shape.testService(), List.of("a", "b"), CallOptions.DEFAULT.withMetadata(request));

        assertThat(seen.code()).isEqualTo(StatusCode.FAILED_PRECONDITION);
        assertThat(seen.details()).isEqualTo(details);
        assertThat(seen.trailing()).isEqualTo(Metadata.of(X_ECHO_TRAILING, "why"));
        assertThat(seen.failure()).hasValueSatisfying(t -> {
            assertThat(t).isInstanceOf(RpcException.class);
            RpcException e = (RpcException) t;
            assertThat(e.code()).isEqualTo(StatusCode.FAILED_PRECONDITION);
            assertThat(e.details()).isEqualTo(details);
            assertThat(e.trailingMetadata()).isEqualTo(Metadata.of(X_ECHO_TRAILING, "why"));
        });
        switch (shape) {
            case UNARY_STREAM:
                assertThat(seen.responses()).containsExactly("a", "a");
                break;
            case STREAM_STREAM:
                assertThat(seen.responses()).containsExactly("a", "b");
                break;
            default:
                assertThat(seen.responses()).isEmpty();
        }
    }

    @Test
    void setCode_handlerCompletesNormally_clientGetsThatStatusAndNoResponse() throws Exception {
        Channel channel = serve(RpcMethodHandler.unaryUnary(Shape.UNARY_UNARY.probe(), (request, ctx) -> {
            ctx.setCode(StatusCode.NOT_FOUND);
            ctx.setDetails("nothing here");
            ctx.setTrailingMetadata(Metadata.of("x-where", "nowhere"));
            return Future.succeededFuture(request);
        }));

        UnaryUnaryCall<byte[], byte[]> call =
                channel.unaryUnary(Shape.UNARY_UNARY.probe()).call(bytes("m"));

        assertThat(call.code().await(5, SECONDS)).isEqualTo(StatusCode.NOT_FOUND);
        assertThat(call.details().await(5, SECONDS)).isEqualTo("nothing here");
        assertThat(call.trailingMetadata().await(5, SECONDS)).isEqualTo(Metadata.of("x-where", "nowhere"));
        assertThatThrownBy(() -> call.response().await(5, SECONDS))
                .isInstanceOfSatisfying(
                        RpcException.class, e -> assertThat(e.code()).isEqualTo(StatusCode.NOT_FOUND));
    }

    @Test
    void handlerThrowsOrFailsWithAnyOtherException_unknownWithoutItsMessage() throws Exception {
        Channel channel = serve(
                RpcMethodHandler.unaryUnary(Shape.UNARY_UNARY.probe(), (request, ctx) -> {
                    throw new IllegalStateException("secret one");
                }),
                RpcMethodHandler.unaryStream(
                        Shape.UNARY_STREAM.probe(),
                        (request, ctx) -> ctx.write(request)
                                .compose(v -> Future.failedFuture(new IllegalStateException("secret two")))));

        UnaryUnaryCall<byte[], byte[]> thrown =
                channel.unaryUnary(Shape.UNARY_UNARY.probe()).call(bytes("m"));
        Seen failed = Exchange.run(
                channel, Shape.UNARY_STREAM, Shape.UNARY_STREAM.probe(), List.of("m"), CallOptions.DEFAULT);

        assertThat(thrown.code().await(5, SECONDS)).isEqualTo(StatusCode.UNKNOWN);
        assertThat(thrown.details().await(5, SECONDS)).doesNotContain("secret");
        assertThat(failed.code()).isEqualTo(StatusCode.UNKNOWN);
        assertThat(failed.details()).doesNotContain("secret");
        assertThat(failed.responses()).containsExactly("m");
    }

    @ParameterizedTest
    @EnumSource(Shape.class)
    void everyShape_unknownMethodOrService_unimplemented(Shape shape) throws Exception {
        Channel channel = serve();
        MethodDescriptor<byte[], byte[]> unknownMethod = MethodDescriptor.of(
                shape.type(), TestServiceContract.SERVICE + "/Nope", Marshaller.BYTES, Marshaller.BYTES);
        MethodDescriptor<byte[], byte[]> unknownService =
                MethodDescriptor.of(shape.type(), "no.Such/Method", Marshaller.BYTES, Marshaller.BYTES);

        Seen method = Exchange.run(channel, shape, unknownMethod, List.of("m"), CallOptions.DEFAULT);
        Seen service = Exchange.run(channel, shape, unknownService, List.of("m"), CallOptions.DEFAULT);

        assertThat(method.code()).isEqualTo(StatusCode.UNIMPLEMENTED);
        assertThat(method.details()).contains("Nope");
        assertThat(service.code()).isEqualTo(StatusCode.UNIMPLEMENTED);
        assertThat(service.details()).contains("no.Such");
    }

    @Test
    void unreachableTarget_unavailable() throws Exception {
        Channel channel = rig.unreachableChannel(vertx, ChannelOptions.DEFAULT);
        channels.add(channel);

        UnaryUnaryCall<byte[], byte[]> call =
                channel.unaryUnary(Shape.UNARY_UNARY.probe()).call(bytes("m"));

        assertThat(call.code().await(10, SECONDS)).isEqualTo(StatusCode.UNAVAILABLE);
    }

    // ------------------------------------------------------------------------------------------------ deadlines

    @ParameterizedTest
    @EnumSource(Shape.class)
    void everyShape_hangingHandler_deadlineExceededOnBothSides(Shape shape) throws Exception {
        Hang hang = new Hang();
        Channel channel = serve(hanging(shape, hang));
        long start = System.nanoTime();

        Seen seen = Exchange.run(
                channel, shape, shape.probe(), List.of("m"), CallOptions.DEFAULT.withTimeout(SHORT_DEADLINE));

        assertThat(seen.code()).isEqualTo(StatusCode.DEADLINE_EXCEEDED);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(SHORT_DEADLINE);
        assertThat(seen.failure())
                .hasValueSatisfying(t -> assertThat(((RpcException) t).code()).isEqualTo(StatusCode.DEADLINE_EXCEEDED));
        // The client's deadline timer started first, so it usually fires first and resets the stream: the handler
        // then sees CANCELLED (grpc-java's servers do too), its own deadline reached or, when the headers were slow
        // to arrive (seen at load 17-20), still counting down; when the server's own timer wins, DEADLINE_EXCEEDED.
        assertThat(hang.seenAtEnd().get(5, SECONDS))
                .isIn(
                        "cancelled=true done=true code=DEADLINE_EXCEEDED deadline=reached",
                        "cancelled=true done=true code=CANCELLED deadline=reached",
                        "cancelled=true done=true code=CANCELLED deadline=counting");
    }

    @Test
    void timeRemaining_countsDownOnBothSides_emptyWithoutDeadline() throws Exception {
        Channel channel = serve(RpcMethodHandler.unaryUnary(
                Shape.UNARY_UNARY.probe(),
                (request, ctx) -> Future.succeededFuture(bytes(ctx.timeRemaining()
                        .map(d -> Long.toString(d.toMillis()))
                        .orElse("none")))));
        Duration timeout = Duration.ofSeconds(30);

        UnaryUnaryCall<byte[], byte[]> withDeadline = channel.unaryUnary(Shape.UNARY_UNARY.probe())
                .call(bytes("m"), CallOptions.DEFAULT.withTimeout(timeout));
        Optional<Duration> clientRemaining = withDeadline.timeRemaining();
        long serverRemainingMillis = Long.parseLong(text(withDeadline.response().await(5, SECONDS)));
        UnaryUnaryCall<byte[], byte[]> without =
                channel.unaryUnary(Shape.UNARY_UNARY.probe()).call(bytes("m"));

        assertThat(clientRemaining).hasValueSatisfying(d -> assertThat(d).isBetween(Duration.ofSeconds(20), timeout));
        assertThat(serverRemainingMillis).isBetween(20_000L, timeout.toMillis());
        assertThat(text(without.response().await(5, SECONDS))).isEqualTo("none");
        assertThat(without.timeRemaining()).isEmpty();
    }

    // ------------------------------------------------------------------------------------------------ cancellation

    @ParameterizedTest
    @EnumSource(Shape.class)
    void everyShape_clientCancels_handlerSeesCancelled_clientCancelled(Shape shape) throws Exception {
        Channel channel = serve();
        Exchange.Started started = Exchange.start(
                channel, shape, shape.testService(), List.of("m"), CallOptions.DEFAULT.withMetadata(HANG));
        events.callStarted().get(5, SECONDS);

        assertThat(started.call().cancel()).isTrue();
        Seen seen = Exchange.finish(started);

        assertThat(seen.code()).isEqualTo(StatusCode.CANCELLED);
        assertThat(started.call().isCancelled()).isTrue();
        assertThat(started.call().isDone()).isTrue();
        assertThat(started.call().cancel()).as("a second cancel").isFalse();
        events.cancelled().get(5, SECONDS);
    }

    @Test
    void serverCancels_clientSeesCancelled() throws Exception {
        CompletableFuture<Boolean> handlerSaw = new CompletableFuture<>();
        Channel channel = serve(RpcMethodHandler.unaryStream(Shape.UNARY_STREAM.probe(), (request, ctx) -> {
            Promise<Void> ended = Promise.promise();
            ctx.addDoneCallback(v -> {
                handlerSaw.complete(ctx.isCancelled());
                ended.tryFail("ended");
            });
            ctx.write(request).onSuccess(v -> ctx.cancel());
            return ended.future();
        }));

        Seen seen = Exchange.run(
                channel, Shape.UNARY_STREAM, Shape.UNARY_STREAM.probe(), List.of("m"), CallOptions.DEFAULT);

        assertThat(seen.code()).isEqualTo(StatusCode.CANCELLED);
        assertThat(handlerSaw.get(5, SECONDS)).isTrue();
    }

    /** Writes that may succeed after the handler saw its call end before the loop counts as spinning. */
    static final int WRITES_AFTER_END = 1_000;

    @Test
    void unaryStream_handlerWritesUntilAWriteFails_clientCancels_writeFailsCancelled() throws Exception {
        CompletableFuture<String> loopEnded = new CompletableFuture<>();
        Channel channel = serve(RpcMethodHandler.unaryStream(Shape.UNARY_STREAM.probe(), (request, ctx) -> {
            AtomicInteger afterEnd = new AtomicInteger();
            Context handlerContext = Vertx.currentContext();
            // grpc.aio: a write after the RPC ended raises; a loop that awaits its writes must end, not spin. Each
            // turn starts on a fresh stack (writes the stream takes at once complete at once), and the loop ends one
            // promise, not a chain of composed futures whose end would unwind through every write made
            Promise<Void> loopDone = Promise.promise();
            Runnable turn = new Runnable() {
                @Override
                public void run() {
                    if (ctx.isDone() && afterEnd.incrementAndGet() > WRITES_AFTER_END) {
                        loopDone.fail(new AssertionError("spinning: writes succeed after the end"));
                        return;
                    }
                    ctx.write(request).onComplete(ar -> {
                        if (ar.failed()) {
                            loopDone.fail(ar.cause());
                        } else {
                            handlerContext.runOnContext(v -> run());
                        }
                    });
                }
            };
            turn.run();
            Future<Void> loop = loopDone.future();
            loop.onComplete(ar -> loopEnded.complete(ar.succeeded() ? "succeeded" : describe(ar.cause())));
            return loop;
        }));
        UnaryStreamCall<byte[], byte[]> call =
                channel.unaryStream(Shape.UNARY_STREAM.probe()).call(bytes("m"));
        AtomicInteger received = new AtomicInteger();
        CompletableFuture<Void> someReceived = new CompletableFuture<>();
        call.responses().handler(m -> {
            if (received.incrementAndGet() == 3) {
                someReceived.complete(null);
            }
        });
        someReceived.get(5, SECONDS);

        assertThat(call.cancel()).isTrue();

        assertThat(loopEnded.get(5, SECONDS)).isEqualTo("RpcException CANCELLED");
        assertThat(call.code().await(5, SECONDS)).isEqualTo(StatusCode.CANCELLED);
    }

    @Test
    void unaryStream_writeAfterTheHandlerAborted_failsIllegalState() throws Exception {
        CompletableFuture<String> writeOutcome = new CompletableFuture<>();
        Channel channel = serve(RpcMethodHandler.unaryStream(Shape.UNARY_STREAM.probe(), (request, ctx) -> {
            Future<Void> aborted = ctx.abort(StatusCode.ABORTED, "enough");
            ctx.write(request)
                    .onComplete(ar -> writeOutcome.complete(ar.succeeded() ? "succeeded" : describe(ar.cause())));
            return aborted;
        }));

        Seen seen = Exchange.run(
                channel, Shape.UNARY_STREAM, Shape.UNARY_STREAM.probe(), List.of("m"), CallOptions.DEFAULT);

        assertThat(seen.code()).isEqualTo(StatusCode.ABORTED);
        assertThat(seen.responses()).isEmpty();
        assertThat(writeOutcome.get(5, SECONDS)).isEqualTo("IllegalStateException");
    }

    private static String describe(Throwable t) {
        return t instanceof RpcException
                ? "RpcException " + ((RpcException) t).code()
                : t.getClass().getSimpleName();
    }

    @Test
    void streamUnary_serverAbortsWhileTheClientWrites_laterWritesFailWithTheStatus() throws Exception {
        Channel channel = serve(RpcMethodHandler.streamUnary(Shape.STREAM_UNARY.probe(), (requests, ctx) -> {
            Promise<byte[]> response = Promise.promise();
            requests.handler(m -> response.tryFail(new RpcException(StatusCode.ABORTED, "enough")));
            return response.future();
        }));
        StreamUnaryCall<byte[], byte[]> call =
                channel.streamUnary(Shape.STREAM_UNARY.probe()).call();

        call.write(bytes("one")).await(5, SECONDS);
        assertThat(call.code().await(5, SECONDS)).isEqualTo(StatusCode.ABORTED);

        assertThatThrownBy(() -> call.write(bytes("two")).await(5, SECONDS))
                .isInstanceOfSatisfying(
                        RpcException.class, e -> assertThat(e.code()).isEqualTo(StatusCode.ABORTED));
        assertThat(call.details().await(5, SECONDS)).isEqualTo("enough");
    }

    // ------------------------------------------------------------------------------------------------ flow control

    /** Messages and their size for the flow-control tests: 32 MiB in all, more than every window and buffer. */
    static final int FLOW_MESSAGES = 128;

    static final int FLOW_MESSAGE_BYTES = 256 * 1024;

    @Test
    void unaryStream_readerPaused_serverWriteStaysPending_untilItReads() throws Exception {
        AtomicInteger written = new AtomicInteger();
        AtomicBoolean writePending = new AtomicBoolean();
        Channel channel = serveFlowWriter(written, writePending);
        Channel other = channel(ChannelOptions.DEFAULT);
        UnaryStreamCall<byte[], byte[]> call =
                channel.unaryStream(Shape.UNARY_STREAM.probe()).call(bytes("go"));
        ReadStream<byte[]> responses = call.responses();
        responses.pause();
        AtomicInteger received = new AtomicInteger();
        Promise<Void> ended = Promise.promise();
        responses.handler(m -> {
            if (m.length != FLOW_MESSAGE_BYTES) {
                ended.tryFail("a message of " + m.length + " bytes");
            }
            received.incrementAndGet();
        });
        responses.endHandler(ended::tryComplete);
        responses.exceptionHandler(ended::tryFail);

        int stalledAt = awaitStall(other, written::get, writePending::get);

        assertThat(stalledAt)
                .as("messages the server could write while the client read nothing")
                .isLessThan(FLOW_MESSAGES / 2);
        assertThat(received.get()).isZero();
        responses.resume();
        ended.future().await(20, SECONDS);
        assertThat(received.get()).isEqualTo(FLOW_MESSAGES);
        assertThat(call.code().await(5, SECONDS)).isEqualTo(StatusCode.OK);
    }

    /**
     * A server whose unary-stream handler writes {@link #FLOW_MESSAGES} messages of {@link #FLOW_MESSAGE_BYTES} as
     * fast as its writes complete, counting them in {@code written}; {@code writePending} while a write waits. Its call
     * ends with the first failed write.
     */
    Channel serveFlowWriter(AtomicInteger written, AtomicBoolean writePending) throws Exception {
        byte[] payload = new byte[FLOW_MESSAGE_BYTES];
        return serve(echo(), RpcMethodHandler.unaryStream(Shape.UNARY_STREAM.probe(), (request, ctx) -> {
            Promise<Void> done = Promise.promise();
            new Object() {
                void next() {
                    while (written.get() < FLOW_MESSAGES) {
                        Future<Void> write = ctx.write(payload);
                        if (!write.isComplete()) {
                            writePending.set(true);
                            write.onComplete(ar -> {
                                writePending.set(false);
                                if (ar.failed()) {
                                    done.tryFail(ar.cause());
                                } else {
                                    written.incrementAndGet();
                                    next();
                                }
                            });
                            return;
                        }
                        if (write.failed()) {
                            done.tryFail(write.cause());
                            return;
                        }
                        written.incrementAndGet();
                    }
                    done.tryComplete();
                }
            }.next();
            return done.future();
        }));
    }

    @Test
    void unaryStream_readerPausedWithResponsesHeld_clientCancels_cancelledOnBothSides() throws Exception {
        // the responses held for the paused reader (on the Netty client, retained slices of its receive buffers) are
        // dropped by the cancel: released (LeakCheckExtension), and the connection keeps serving
        AtomicInteger written = new AtomicInteger();
        AtomicBoolean writePending = new AtomicBoolean();
        Channel channel = serveFlowWriter(written, writePending);
        Channel other = channel(ChannelOptions.DEFAULT);
        UnaryStreamCall<byte[], byte[]> call =
                channel.unaryStream(Shape.UNARY_STREAM.probe()).call(bytes("go"));
        ReadStream<byte[]> responses = call.responses();
        responses.pause();
        AtomicInteger received = new AtomicInteger();
        responses.handler(m -> received.incrementAndGet());
        awaitStall(other, written::get, writePending::get);

        assertThat(call.cancel()).isTrue();

        assertThat(call.code().await(5, SECONDS)).isEqualTo(StatusCode.CANCELLED);
        assertThat(received.get()).isZero();
        assertThat(channel.unaryUnary(Shape.UNARY_UNARY.probe())
                        .call(bytes("after"))
                        .response()
                        .await(5, SECONDS))
                .isEqualTo(bytes("after"));
    }

    @Test
    void streamUnary_handlerNotReading_clientWriteQueueFull_untilItReads() throws Exception {
        Promise<Void> startReading = Promise.promise();
        serve(echo(), RpcMethodHandler.streamUnary(Shape.STREAM_UNARY.probe(), (requests, ctx) -> {
            Promise<byte[]> tally = Promise.promise();
            long[] count = new long[2];
            // a client-streaming handler's requests are paused until it sets a handler
            startReading.future().onComplete(ar -> {
                requests.exceptionHandler(tally::tryFail);
                requests.endHandler(v -> tally.tryComplete(bytes(count[0] + ":" + count[1])));
                requests.handler(m -> {
                    count[0]++;
                    count[1] += m.length;
                });
            });
            return tally.future();
        }));
        Channel other = channel(ChannelOptions.DEFAULT);
        // the writer's channel is created on the writer's event loop, which it then owns: writes run inline, so
        // writeQueueFull() is exact after each write
        // (on the Vertx the rig's channels run on: a channel made on another Vertx's loop cannot own it)
        Context writerContext = rig.clientVertx(vertx).getOrCreateContext();
        AtomicInteger sent = new AtomicInteger();
        AtomicBoolean waitingForDrain = new AtomicBoolean();
        CompletableFuture<StreamUnaryCall<byte[], byte[]>> started = new CompletableFuture<>();
        byte[] payload = new byte[FLOW_MESSAGE_BYTES];
        writerContext.runOnContext(v -> {
            Channel writer = channel(ChannelOptions.DEFAULT);
            StreamUnaryCall<byte[], byte[]> call =
                    writer.streamUnary(Shape.STREAM_UNARY.probe()).call();
            WriteStream<byte[]> requests = call.requests();
            new Object() {
                void pump() {
                    waitingForDrain.set(false);
                    while (sent.get() < FLOW_MESSAGES) {
                        if (requests.writeQueueFull()) {
                            waitingForDrain.set(true);
                            requests.drainHandler(d -> pump());
                            return;
                        }
                        requests.write(payload);
                        sent.incrementAndGet();
                    }
                    requests.end();
                }
            }.pump();
            started.complete(call);
        });
        StreamUnaryCall<byte[], byte[]> call = started.get(5, SECONDS);

        int stalledAt = awaitStall(other, sent::get, waitingForDrain::get);

        assertThat(stalledAt)
                .as("messages the client could write while the server read nothing")
                .isLessThan(FLOW_MESSAGES / 2);
        startReading.complete();
        assertThat(text(call.response().await(20, SECONDS)))
                .isEqualTo(FLOW_MESSAGES + ":" + (long) FLOW_MESSAGES * FLOW_MESSAGE_BYTES);
        assertThat(sent.get()).isEqualTo(FLOW_MESSAGES);
    }

    /**
     * Waits until a writer is held: a write waits and no message went through during a whole round trip on another
     * channel (a later event, instead of a sleep). Returns how many messages had gone through by then.
     */
    int awaitStall(Channel other, java.util.function.IntSupplier progress, java.util.function.BooleanSupplier waiting)
            throws Exception {
        int last = -1;
        for (int round = 0; round < 500; round++) {
            assertThat(other.unaryUnary(Shape.UNARY_UNARY.probe())
                            .call(bytes("ping"))
                            .response()
                            .await(5, SECONDS))
                    .isEqualTo(bytes("ping"));
            int now = progress.getAsInt();
            assertThat(now)
                    .as("the writer is held before it has written everything")
                    .isLessThan(FLOW_MESSAGES);
            if (now == last && waiting.getAsBoolean()) {
                return now;
            }
            last = now;
        }
        throw new AssertionError("the writer never settled (last count " + last + ")");
    }

    // ------------------------------------------------------------------------------------------------ size limits

    @Test
    void requestOverTheServersReceiveLimit_resourceExhausted_atTheLimitOk() throws Exception {
        Channel channel = serve(ServerOptions.DEFAULT.withMaxReceiveMessageLength(1024), ChannelOptions.DEFAULT);
        MethodDescriptor<byte[], byte[]> unary = TestServiceContract.UNARY_CALL;

        assertThat(channel.unaryUnary(unary).call(new byte[1024]).code().await(5, SECONDS))
                .isEqualTo(StatusCode.OK);
        assertThat(channel.unaryUnary(unary).call(new byte[1025]).code().await(5, SECONDS))
                .isEqualTo(StatusCode.RESOURCE_EXHAUSTED);
    }

    @Test
    void compressedRequestOverTheLimitOnceInflated_resourceExhausted() throws Exception {
        Channel channel = serve(ServerOptions.DEFAULT.withMaxReceiveMessageLength(1024), ChannelOptions.DEFAULT);

        UnaryUnaryCall<byte[], byte[]> call = channel.unaryUnary(TestServiceContract.UNARY_CALL)
                .call(new byte[64 * 1024], CallOptions.DEFAULT.withCompression(Compression.GZIP));

        assertThat(call.code().await(5, SECONDS)).isEqualTo(StatusCode.RESOURCE_EXHAUSTED);
    }

    @Test
    void responseOverTheClientsReceiveLimit_resourceExhausted() throws Exception {
        Channel channel = serve(ServerOptions.DEFAULT, ChannelOptions.DEFAULT.withMaxReceiveMessageLength(1024));

        Seen streamed = Exchange.run(
                channel,
                Shape.STREAM_STREAM,
                Shape.STREAM_STREAM.testService(),
                List.of("small", big(1025)),
                CallOptions.DEFAULT);

        assertThat(channel.unaryUnary(TestServiceContract.UNARY_CALL)
                        .call(new byte[1025])
                        .code()
                        .await(5, SECONDS))
                .isEqualTo(StatusCode.RESOURCE_EXHAUSTED);
        assertThat(streamed.code()).isEqualTo(StatusCode.RESOURCE_EXHAUSTED);
        assertThat(streamed.responses()).containsExactly("small");
    }

    @Test
    void requestOverTheClientsSendLimit_resourceExhausted_nothingSent() throws Exception {
        Channel channel = serve(ServerOptions.DEFAULT, ChannelOptions.DEFAULT.withMaxSendMessageLength(1024));

        UnaryUnaryCall<byte[], byte[]> call =
                channel.unaryUnary(TestServiceContract.UNARY_CALL).call(new byte[1025]);

        assertThat(call.code().await(5, SECONDS)).isEqualTo(StatusCode.RESOURCE_EXHAUSTED);
        assertThat(events.calls()).isZero();
    }

    // ------------------------------------------------------------------------------------------------ server stop

    @Test
    void stop_withCallsInFlight_newCallsUnavailable_inFlightFinishWithinGrace() throws Exception {
        // by request: calls may reach their handlers in any order (they may run on different IO event loops)
        Map<String, Promise<byte[]>> held = new ConcurrentHashMap<>();
        LinkedBlockingQueue<String> arrived = new LinkedBlockingQueue<>();
        List<Boolean> cancelledSeen = new CopyOnWriteArrayList<>();
        Channel channel = serve(RpcMethodHandler.unaryUnary(Shape.UNARY_UNARY.probe(), (request, ctx) -> {
            Promise<byte[]> response = Promise.promise();
            ctx.addDoneCallback(v -> cancelledSeen.add(ctx.isCancelled()));
            held.put(text(request), response);
            arrived.add(text(request));
            return response.future();
        }));
        UnaryUnaryCall<byte[], byte[]> first =
                channel.unaryUnary(Shape.UNARY_UNARY.probe()).call(bytes("1"));
        UnaryUnaryCall<byte[], byte[]> second =
                channel.unaryUnary(Shape.UNARY_UNARY.probe()).call(bytes("2"));
        assertThat(List.of(arrived.poll(5, SECONDS), arrived.poll(5, SECONDS)))
                .as("both calls reached their handlers")
                .containsExactlyInAnyOrder("1", "2");

        Future<Void> stopped = endpoint.server().stop(Duration.ofSeconds(30));
        UnaryUnaryCall<byte[], byte[]> late = channel.unaryUnary(Shape.UNARY_UNARY.probe())
                .call(bytes("3"), CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(10)));

        assertThat(late.code().await(10, SECONDS)).isEqualTo(StatusCode.UNAVAILABLE);
        held.get("1").complete(bytes("one"));
        assertThat(text(first.response().await(5, SECONDS))).isEqualTo("one");
        assertThat(stopped.isComplete())
                .as("stop waits for the call still in flight")
                .isFalse();
        held.get("2").complete(bytes("two"));
        assertThat(text(second.response().await(5, SECONDS))).isEqualTo("two");
        stopped.await(5, SECONDS);
        assertThat(cancelledSeen).containsExactly(false, false);
        assertThat(arrived).as("the late call never reached a handler").isEmpty();
    }

    @Test
    void stop_graceExpires_leftoverCallsCancelledOnBothSides() throws Exception {
        Hang hang = new Hang();
        Channel channel = serve(hanging(Shape.STREAM_STREAM, hang));
        Exchange.Started started = Exchange.start(
                channel, Shape.STREAM_STREAM, Shape.STREAM_STREAM.probe(), List.of("m"), CallOptions.DEFAULT);
        hang.started().get(5, SECONDS);
        Duration grace = Duration.ofMillis(300);

        long stopAt = System.nanoTime();
        endpoint.server().stop(grace).await(10, SECONDS);

        assertThat(Duration.ofNanos(System.nanoTime() - stopAt)).isGreaterThanOrEqualTo(grace);
        assertThat(Exchange.finish(started).code()).isEqualTo(StatusCode.CANCELLED);
        assertThat(hang.seenAtEnd().get(5, SECONDS)).isEqualTo("cancelled=true done=true code=CANCELLED deadline=none");
    }

    @Test
    void stop_nullGrace_cancelsInFlightAtOnce() throws Exception {
        Hang hang = new Hang();
        Channel channel = serve(hanging(Shape.UNARY_UNARY, hang));
        Exchange.Started started = Exchange.start(
                channel, Shape.UNARY_UNARY, Shape.UNARY_UNARY.probe(), List.of("m"), CallOptions.DEFAULT);
        hang.started().get(5, SECONDS);

        endpoint.server().stop(null).await(5, SECONDS);

        assertThat(Exchange.finish(started).code()).isEqualTo(StatusCode.CANCELLED);
        assertThat(hang.seenAtEnd().get(5, SECONDS)).startsWith("cancelled=true");
        assertThat(endpoint.server().waitForTermination(Duration.ofSeconds(1)).await(5, SECONDS))
                .isTrue();
    }

    @Test
    void stop_handlerIgnoresItsCancellation_stopStillCompletes_clientCancelled() throws Exception {
        CompletableFuture<Void> started = new CompletableFuture<>();
        Channel channel = serve(RpcMethodHandler.unaryUnary(Shape.UNARY_UNARY.probe(), (request, ctx) -> {
            started.complete(null);
            return Promise.<byte[]>promise().future(); // never completes, not even once cancelled: leaked
        }));
        UnaryUnaryCall<byte[], byte[]> call =
                channel.unaryUnary(Shape.UNARY_UNARY.probe()).call(bytes("m"));
        started.get(5, SECONDS);

        endpoint.server().stop(Duration.ofMillis(100)).await(10, SECONDS);

        assertThat(call.code().await(5, SECONDS)).isEqualTo(StatusCode.CANCELLED);
    }

    // ------------------------------------------------------------------------------------------------ races

    /** Races repeated many times: the client's cancel() from the test thread against the call's own end. */
    static final int RACES = 150;

    @Test
    void cancelRacingTheResponse_manyTimes_eachCallEndsOnce_serverDrainsCleanly() throws Exception {
        AtomicInteger handlersDone = new AtomicInteger();
        AtomicInteger handlersStarted = new AtomicInteger();
        Channel channel = serve(
                RpcMethodHandler.unaryUnary(Shape.UNARY_UNARY.probe(), (request, ctx) -> {
                    handlersStarted.incrementAndGet();
                    ctx.addDoneCallback(v -> handlersDone.incrementAndGet());
                    return Future.succeededFuture(request);
                }),
                RpcMethodHandler.unaryStream(Shape.UNARY_STREAM.probe(), (request, ctx) -> {
                    handlersStarted.incrementAndGet();
                    ctx.addDoneCallback(v -> handlersDone.incrementAndGet());
                    Future<Void> writes = Future.succeededFuture();
                    for (int i = 0; i < 10; i++) {
                        writes = writes.compose(v -> ctx.write(request));
                    }
                    return writes;
                }));
        List<String> outcomes = new ArrayList<>();

        for (int i = 0; i < RACES; i++) {
            UnaryUnaryCall<byte[], byte[]> unary =
                    channel.unaryUnary(Shape.UNARY_UNARY.probe()).call(bytes("u" + i));
            Exchange.Started streaming = Exchange.start(
                    channel, Shape.UNARY_STREAM, Shape.UNARY_STREAM.probe(), List.of("s" + i), CallOptions.DEFAULT);
            boolean unaryCancelled = unary.cancel();
            boolean streamingCancelled = streaming.call().cancel();

            StatusCode unaryCode = unary.code().await(5, SECONDS);
            Seen seen = Exchange.finish(streaming);
            assertThat(unaryCode).isEqualTo(unaryCancelled ? StatusCode.CANCELLED : StatusCode.OK);
            assertThat(seen.code()).isEqualTo(streamingCancelled ? StatusCode.CANCELLED : StatusCode.OK);
            if (!unaryCancelled) {
                assertThat(text(unary.response().await(5, SECONDS))).isEqualTo("u" + i);
            }
            assertThat(seen.responses()).allMatch(("s" + i)::equals);
            if (!streamingCancelled) {
                assertThat(seen.responses()).hasSize(10);
            }
            assertThat(unary.isDone() && streaming.call().isDone()).isTrue();
            outcomes.add(unaryCode + "/" + seen.code());
        }

        // the channel still works, and the server ends every call it saw: a stop has nothing left to wait for
        assertThat(text(channel.unaryUnary(Shape.UNARY_UNARY.probe())
                        .call(bytes("after"))
                        .response()
                        .await(5, SECONDS)))
                .isEqualTo("after");
        endpoint.server().stop(Duration.ofSeconds(30)).await(10, SECONDS);
        assertThat(handlersDone.get()).isEqualTo(handlersStarted.get());
        assertThat(outcomes).hasSize(RACES);
    }

    // ------------------------------------------------------------------------------------------------ done callbacks

    @Test
    void doneCallbacks_clientAndServer_runOnceInRegistrationOrderOnTheirContexts() throws Exception {
        List<String> serverSeen = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> serverDone = new CompletableFuture<>();
        Channel channel = serve(RpcMethodHandler.unaryUnary(Shape.UNARY_UNARY.probe(), (request, ctx) -> {
            Thread handlerThread = Thread.currentThread();
            serverSeen.add("handler on event loop " + Context.isOnEventLoopThread());
            ctx.addDoneCallback(v -> serverSeen.add("1 same thread " + (Thread.currentThread() == handlerThread)));
            ctx.addDoneCallback(v -> {
                serverSeen.add("2 done " + ctx.isDone());
                serverDone.complete(null);
            });
            return Future.succeededFuture(request);
        }));
        Context caller = vertx.getOrCreateContext();
        CompletableFuture<Thread> callerThread = new CompletableFuture<>();
        List<String> clientSeen = new CopyOnWriteArrayList<>();
        CompletableFuture<UnaryUnaryCall<byte[], byte[]>> started = new CompletableFuture<>();
        caller.runOnContext(v -> {
            callerThread.complete(Thread.currentThread());
            UnaryUnaryCall<byte[], byte[]> call =
                    channel.unaryUnary(Shape.UNARY_UNARY.probe()).call(bytes("m"));
            call.addDoneCallback(d -> clientSeen.add(
                    "1 " + call.isDone() + " " + Thread.currentThread().getName()));
            call.addDoneCallback(d -> clientSeen.add(
                    "2 " + call.isDone() + " " + Thread.currentThread().getName()));
            call.response()
                    .onComplete(ar ->
                            clientSeen.add("response " + Thread.currentThread().getName()));
            started.complete(call);
        });
        UnaryUnaryCall<byte[], byte[]> call = started.get(5, SECONDS);
        call.code().await(5, SECONDS);
        serverDone.get(5, SECONDS);
        CompletableFuture<String> late = new CompletableFuture<>();
        caller.runOnContext(v ->
                call.addDoneCallback(d -> late.complete(Thread.currentThread().getName())));

        String thread = callerThread.get().getName();
        assertThat(late.get(5, SECONDS))
                .as("a callback added after the end runs too")
                .isEqualTo(thread);
        assertThat(clientSeen).containsExactlyInAnyOrder("1 true " + thread, "2 true " + thread, "response " + thread);
        assertThat(clientSeen.indexOf("1 true " + thread)).isLessThan(clientSeen.indexOf("2 true " + thread));
        assertThat(serverSeen).containsExactly("handler on event loop true", "1 same thread true", "2 done true");
    }

    @Test
    void channelClose_withCallsInFlight_newCallsUnavailable_inFlightFinishWithinGraceThenCancelled() throws Exception {
        Map<String, Promise<byte[]>> held = new ConcurrentHashMap<>();
        LinkedBlockingQueue<String> arrived = new LinkedBlockingQueue<>();
        Map<String, CompletableFuture<Boolean>> cancelledSeen = new ConcurrentHashMap<>();
        Channel channel = serve(RpcMethodHandler.unaryUnary(Shape.UNARY_UNARY.probe(), (request, ctx) -> {
            Promise<byte[]> response = Promise.promise();
            ctx.addDoneCallback(v -> {
                cancelledSeen
                        .computeIfAbsent(text(request), k -> new CompletableFuture<>())
                        .complete(ctx.isCancelled());
                response.tryFail("ended");
            });
            held.put(text(request), response);
            arrived.add(text(request));
            return response.future();
        }));
        UnaryUnaryCall<byte[], byte[]> finishing =
                channel.unaryUnary(Shape.UNARY_UNARY.probe()).call(bytes("1"));
        UnaryUnaryCall<byte[], byte[]> hanging =
                channel.unaryUnary(Shape.UNARY_UNARY.probe()).call(bytes("2"));
        assertThat(List.of(arrived.poll(5, SECONDS), arrived.poll(5, SECONDS))).containsExactlyInAnyOrder("1", "2");

        Future<Void> closed = channel.close(Duration.ofMillis(300));
        UnaryUnaryCall<byte[], byte[]> late =
                channel.unaryUnary(Shape.UNARY_UNARY.probe()).call(bytes("3"));
        held.get("1").complete(bytes("one"));

        assertThat(late.code().await(5, SECONDS)).isEqualTo(StatusCode.UNAVAILABLE);
        assertThat(text(finishing.response().await(5, SECONDS))).isEqualTo("one");
        assertThat(hanging.code().await(5, SECONDS)).isEqualTo(StatusCode.CANCELLED);
        closed.await(5, SECONDS);
        assertThat(channel.getState()).isEqualTo(io.rpcvertx.ChannelConnectivity.SHUTDOWN);
        // the server hears of the cancellation as of a reset stream
        assertThat(cancelledSeen
                        .computeIfAbsent("2", k -> new CompletableFuture<>())
                        .get(5, SECONDS))
                .isTrue();
        assertThat(cancelledSeen
                        .computeIfAbsent("1", k -> new CompletableFuture<>())
                        .get(5, SECONDS))
                .isFalse();
        assertThat(arrived).as("the call after close never reached a handler").isEmpty();
    }

    @Test
    void compression_gzipBothWays_serverSeesTheRequestEncoding_messagesIntact() throws Exception {
        Channel channel = serve(RpcMethodHandler.unaryUnary(Shape.UNARY_UNARY.probe(), (request, ctx) -> {
            ctx.setCompression(Compression.GZIP);
            return Future.succeededFuture(bytes(ctx.requestCompression() + ":" + text(request)));
        }));
        String payload = big(50_000);

        UnaryUnaryCall<byte[], byte[]> gzip = channel.unaryUnary(Shape.UNARY_UNARY.probe())
                .call(bytes(payload), CallOptions.DEFAULT.withCompression(Compression.GZIP));
        UnaryUnaryCall<byte[], byte[]> plain =
                channel.unaryUnary(Shape.UNARY_UNARY.probe()).call(bytes("p"));

        assertThat(text(gzip.response().await(5, SECONDS))).isEqualTo("GZIP:" + payload);
        assertThat(text(plain.response().await(5, SECONDS))).isEqualTo("NO_COMPRESSION:p");
    }

    @Test
    void serverWithOneIoInstance_everyCallRunsOnItsEventLoop_whateverTheChannel() throws Exception {
        Set<String> threads = ConcurrentHashMap.newKeySet();
        AtomicBoolean offLoop = new AtomicBoolean();
        Channel first = serve(
                ServerOptions.DEFAULT.withIoInstances(1),
                ChannelOptions.DEFAULT,
                RpcMethodHandler.unaryUnary(Shape.UNARY_UNARY.probe(), (request, ctx) -> {
                    threads.add(Thread.currentThread().getName());
                    offLoop.compareAndSet(false, !Context.isOnEventLoopThread());
                    return Future.succeededFuture(request);
                }));
        Channel second = channel(ChannelOptions.DEFAULT);

        for (int i = 0; i < 10; i++) {
            first.unaryUnary(Shape.UNARY_UNARY.probe())
                    .call(bytes("a"))
                    .response()
                    .await(5, SECONDS);
            second.unaryUnary(Shape.UNARY_UNARY.probe())
                    .call(bytes("b"))
                    .response()
                    .await(5, SECONDS);
        }

        assertThat(threads).hasSize(1);
        assertThat(offLoop.get()).isFalse();
    }

    @Test
    void peer_hasTheTransportsAddressFormat() throws Exception {
        CompletableFuture<String> peer = new CompletableFuture<>();
        Channel channel = serve(RpcMethodHandler.unaryUnary(Shape.UNARY_UNARY.probe(), (request, ctx) -> {
            peer.complete(ctx.peer());
            return Future.succeededFuture(request);
        }));

        channel.unaryUnary(Shape.UNARY_UNARY.probe())
                .call(bytes("m"))
                .response()
                .await(5, SECONDS);

        assertThat(peer.get(5, SECONDS)).startsWith(rig.peerPrefix());
    }

    @Test
    void manyConcurrentCalls_allComplete() throws Exception {
        Channel channel = serve();
        List<UnaryUnaryCall<byte[], byte[]>> calls = IntStream.range(0, 200)
                .mapToObj(
                        i -> channel.unaryUnary(TestServiceContract.UNARY_CALL).call(bytes("m" + i)))
                .collect(Collectors.toList());

        List<String> responses = new ArrayList<>();
        for (UnaryUnaryCall<byte[], byte[]> call : calls) {
            responses.add(text(call.response().await(10, SECONDS)));
        }

        assertThat(responses)
                .isEqualTo(IntStream.range(0, 200).mapToObj(i -> "m" + i).collect(Collectors.toList()));
    }
}
