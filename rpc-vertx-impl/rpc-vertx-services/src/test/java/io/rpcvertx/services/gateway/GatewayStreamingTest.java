package io.rpcvertx.services.gateway;

import static io.rpcvertx.services.gateway.FakeShapesService.COUNT;
import static io.rpcvertx.services.gateway.FakeShapesService.ECHO;
import static io.rpcvertx.services.gateway.FakeShapesService.JOIN;
import static io.rpcvertx.services.gateway.FakeShapesService.UPPER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.rpcvertx.ChannelOptions;
import io.rpcvertx.RpcVertx;
import io.rpcvertx.Server;
import io.rpcvertx.ServerOptions;
import io.rpcvertx.ServicerContext;
import io.rpcvertx.StatusCode;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The gateway's streaming pattern, spoken as a non-JVM client would: JSON messages on the event bus only (start
 * message, server-issued stream and control addresses, credit, messages, end, cancel), for all four shapes.
 */
@ExtendWith(VertxExtension.class)
@Timeout(60)
class GatewayStreamingTest {
    /**
     * What a client that grants nothing lets the server write, in 1 KiB responses: the in-process window (1 MiB, the
     * gRPC default) and the call's 16-message read buffer, with room to spare. Unpaced, the handler writes 100,000.
     */
    private static final int HELD_BOUND = ChannelOptions.DEFAULT_WINDOW_SIZE / 1024 + 64;

    private Vertx vertx;
    private final List<Server> servers = new ArrayList<>();
    private final List<EventBusGateway> gateways = new ArrayList<>();
    private final List<MessageConsumer<?>> consumers = new ArrayList<>();
    private FakeShapesService shapes;
    private EventBusGateway gateway;

    @BeforeEach
    void setUp(Vertx vertx) throws Exception {
        this.vertx = vertx;
        shapes = new FakeShapesService();
        gateway = start(shapes, GatewayOptions.DEFAULT.withMaxRequestBytes(4096));
    }

    private EventBusGateway start(FakeShapesService service, GatewayOptions options) throws Exception {
        Server server = RpcVertx.server(vertx, ServerOptions.DEFAULT);
        server.addGenericRpcHandlers(service.bindService());
        EventBusGateway g = EventBusGateway.attach(vertx, server, options);
        g.ready().await(5, TimeUnit.SECONDS);
        server.start().await(5, TimeUnit.SECONDS);
        servers.add(server);
        gateways.add(g);
        return g;
    }

    @AfterEach
    void tearDown() throws Exception {
        for (MessageConsumer<?> c : consumers) {
            c.unregister().await(5, TimeUnit.SECONDS);
        }
        for (Server s : servers) {
            s.stop(Duration.ZERO).await(10, TimeUnit.SECONDS);
        }
        for (EventBusGateway g : gateways) {
            g.close().await(5, TimeUnit.SECONDS);
        }
    }

    /** A JSON client's view of one streaming call. */
    private final class JsonStream {
        final String stream;
        final String control;
        final List<JsonObject> responses = new CopyOnWriteArrayList<>();
        final Promise<JsonObject> end = Promise.promise();

        JsonStream(JsonObject started) throws Exception {
            stream = started.getString("stream");
            control = started.getString("control");
            MessageConsumer<JsonObject> c = vertx.eventBus().consumer(stream, this::onMessage);
            consumers.add(c);
            c.completion().await(5, TimeUnit.SECONDS);
        }

        private void onMessage(Message<JsonObject> m) {
            if ("true".equals(m.headers().get(EventBusGateway.END_HEADER))) {
                end.complete(m.body());
            } else {
                assertThat(end.future().isComplete())
                        .as("a response after the end")
                        .isFalse();
                responses.add(m.body());
            }
        }

        void send(JsonObject control) {
            vertx.eventBus().send(this.control, control);
        }

        JsonObject request(JsonObject control) throws Exception {
            return vertx.eventBus()
                    .<JsonObject>request(this.control, control)
                    .await(10, TimeUnit.SECONDS)
                    .body();
        }

        ReplyException refused(Object control) {
            Throwable t = catchThrowable(
                    () -> vertx.eventBus().request(this.control, control).await(10, TimeUnit.SECONDS));
            assertThat(t).isInstanceOf(ReplyException.class);
            return (ReplyException) t;
        }

        JsonObject awaitEnd() throws Exception {
            return end.future().await(10, TimeUnit.SECONDS);
        }
    }

    private JsonStream open(String method, Object body, DeliveryOptions options) throws Exception {
        JsonObject started = vertx.eventBus()
                .<JsonObject>request(method, body, options)
                .await(10, TimeUnit.SECONDS)
                .body();
        assertThat(started.getString("stream")).matches(EventBusGateway.STREAM_ADDRESS_REGEX);
        assertThat(started.getString("control")).matches(EventBusGateway.CONTROL_ADDRESS_REGEX);
        return new JsonStream(started);
    }

    private JsonStream open(String method, Object body) throws Exception {
        return open(method, body, new DeliveryOptions());
    }

    private static JsonObject message(String text) {
        return new JsonObject().put("message", new JsonObject().put("text", text));
    }

    private static JsonObject grant(long n) {
        return new JsonObject().put("request", n);
    }

    /** A round trip through the gateway and the server: what was sent before it has been handled. */
    private void roundTrip() throws Exception {
        assertThat(vertx.eventBus()
                        .<JsonObject>request(UPPER, new JsonObject().put("text", "ping"))
                        .await(10, TimeUnit.SECONDS)
                        .body()
                        .getString("text"))
                .isEqualTo("PING");
    }

    private static Future<Void> serverDone(ServicerContext<?, ?> call) {
        Promise<Void> done = Promise.promise();
        call.addDoneCallback(done::tryComplete);
        return done.future();
    }

    private void assertServerCancelled(int index) throws Exception {
        awaitUntil(() -> shapes.calls.size() > index);
        ServicerContext<?, ?> call = shapes.calls.get(index);
        serverDone(call).await(10, TimeUnit.SECONDS);
        assertThat(call.isCancelled()).as("the server call was cancelled").isTrue();
    }

    private static void assertEnd(JsonObject end, StatusCode code) {
        assertThat(end.getInteger("code")).as("end %s", end).isEqualTo(code.value());
    }

    // ---------------------------------------------------------------- the four shapes

    @Test
    void unary_unchanged() throws Exception {
        roundTrip();
    }

    @Test
    void serverStreaming_responsesOnlyAgainstCredit_thenTheEnd() throws Exception {
        JsonStream s = open(COUNT, new JsonObject().put("text", "x").put("n", 5));
        s.send(grant(2));
        awaitUntil(() -> s.responses.size() == 2);
        roundTrip();
        assertThat(s.responses).as("no response beyond the credit").hasSize(2);
        assertThat(s.end.future().isComplete()).isFalse();
        s.send(grant(3));
        assertEnd(s.awaitEnd(), StatusCode.OK);
        assertThat(s.responses).extracting(r -> r.getInteger("n", 0)).containsExactly(0, 1, 2, 3, 4);
        assertThat(s.responses.get(4).getString("text")).isEqualTo("x");
    }

    @Test
    void serverStreaming_throughTheCallAddress() throws Exception {
        JsonStream s = open(
                EventBusGateway.CALL_ADDRESS,
                new JsonObject().put("n", 3),
                new DeliveryOptions().addHeader(EventBusGateway.METHOD_HEADER, COUNT));
        s.send(grant(10));
        assertEnd(s.awaitEnd(), StatusCode.OK);
        assertThat(s.responses).hasSize(3);
    }

    @Test
    void clientStreaming_messagesThenEnd_oneResponseThenTheEnd() throws Exception {
        JsonStream s = open(JOIN, new JsonObject());
        // no grant: the first message gives the default credit
        for (String t : List.of("a", "b", "c")) {
            assertThat(s.request(message(t))).isEqualTo(new JsonObject());
        }
        s.send(new JsonObject().put("end", true));
        assertEnd(s.awaitEnd(), StatusCode.OK);
        assertThat(s.responses)
                .containsExactly(new JsonObject().put("text", "abc").put("n", 3));
    }

    @Test
    void clientStreaming_responseWaitsForCredit() throws Exception {
        JsonStream s = open(JOIN, null);
        s.send(grant(0));
        s.send(message("a").put("end", true));
        awaitUntil(() -> shapes.calls.size() == 1);
        serverDone(shapes.calls.get(0)).await(10, TimeUnit.SECONDS);
        roundTrip();
        assertThat(s.responses).isEmpty();
        assertThat(s.end.future().isComplete()).isFalse();
        s.send(grant(1));
        assertEnd(s.awaitEnd(), StatusCode.OK);
        assertThat(s.responses)
                .containsExactly(new JsonObject().put("text", "a").put("n", 1));
    }

    @Test
    void bidiStreaming_echoesEachMessage_endHalfCloses() throws Exception {
        JsonStream s = open(ECHO, "{}");
        s.send(grant(100));
        for (int i = 0; i < 5; i++) {
            s.request(new JsonObject()
                    .put("message", new JsonObject().put("text", "m" + i).put("n", i)));
            int seen = i + 1;
            awaitUntil(() -> s.responses.size() == seen);
        }
        s.send(new JsonObject().put("end", true));
        assertEnd(s.awaitEnd(), StatusCode.OK);
        assertThat(s.responses).extracting(r -> r.getString("text")).containsExactly("M0", "M1", "M2", "M3", "M4");
    }

    @Test
    void callThatEndsBeforeTheClientListens_itsEndWaitsForTheFirstControlMessage() throws Exception {
        JsonObject started = vertx.eventBus()
                .<JsonObject>request(COUNT, new JsonObject().put("n", -1))
                .await(10, TimeUnit.SECONDS)
                .body();
        awaitUntil(() -> shapes.calls.size() == 1);
        serverDone(shapes.calls.get(0)).await(10, TimeUnit.SECONDS);
        roundTrip();
        // only now the client registers, and says so
        JsonStream s = new JsonStream(started);
        ReplyException e = s.refused(grant(1));
        assertThat(e.failureCode()).isEqualTo(StatusCode.OUT_OF_RANGE.value());
        JsonObject end = s.awaitEnd();
        assertEnd(end, StatusCode.OUT_OF_RANGE);
        assertThat(end.getString("details")).isEqualTo("n: -1 (expected: >= 0)");
        assertThat(s.responses).isEmpty();
    }

    // ---------------------------------------------------------------- backpressure

    @Test
    void serverStreaming_clientThatGrantsNothing_holdsTheServer_andGrantingResumes() throws Exception {
        String kib = "k".repeat(1024);
        JsonStream s = open(COUNT, new JsonObject().put("text", kib).put("n", 100_000));
        s.send(grant(0));
        awaitUntil(() -> shapes.countWritten.get() > 0);
        for (int i = 0; i < 5; i++) {
            roundTrip();
        }
        int held = shapes.countWritten.get();
        System.out.println("gateway stream held by a client without credit after " + held + " writes of 1 KiB");
        assertThat(held).as("writes completed while the client holds").isLessThan(HELD_BOUND);
        assertThat(s.responses).isEmpty();
        assertThat(shapes.calls.get(0).isDone())
                .as("the handler still waits on a write")
                .isFalse();

        // the window comes back as the client takes responses; the server resumes, and is held again
        s.send(grant(HELD_BOUND));
        awaitUntil(() -> s.responses.size() == HELD_BOUND);
        awaitUntil(() -> shapes.countWritten.get() > held);
        roundTrip();
        for (int i = 0; i < 5; i++) {
            roundTrip();
        }
        System.out.println("gateway stream: after granting " + HELD_BOUND + ", held again after "
                + shapes.countWritten.get() + " writes");
        assertThat(s.responses).hasSize(HELD_BOUND);
        assertThat(shapes.countWritten.get()).isLessThan(2 * HELD_BOUND);
        assertThat(s.responses.get(HELD_BOUND - 1).getInteger("n")).isEqualTo(HELD_BOUND - 1);

        s.send(new JsonObject().put("cancel", true));
        assertEnd(s.awaitEnd(), StatusCode.CANCELLED);
        assertServerCancelled(0);
    }

    @Test
    void bidiStreaming_clientThatNeverGrants_getsTheDefaultCredit() throws Exception {
        JsonStream s = open(ECHO, new JsonObject());
        for (int i = 0; i < GatewayOptions.DEFAULT_CREDIT + 4; i++) {
            s.request(message("m" + i));
        }
        awaitUntil(() -> s.responses.size() == GatewayOptions.DEFAULT_CREDIT);
        roundTrip();
        assertThat(s.responses).hasSize(GatewayOptions.DEFAULT_CREDIT);
        s.send(grant(4).put("end", true));
        assertEnd(s.awaitEnd(), StatusCode.OK);
        assertThat(s.responses).hasSize(GatewayOptions.DEFAULT_CREDIT + 4);
    }

    // ---------------------------------------------------------------- errors and cancellation

    @Test
    void malformedControlOrMessage_isInvalidArgument_andTheServerCallIsCancelled() throws Exception {
        List<Object> bad = List.of(
                new JsonObject().put("message", "{not json"),
                new JsonObject().put("message", new JsonObject().put("nosuchfield", 1)),
                new JsonObject().put("message", new JsonObject().put("n", "not a number")),
                "{not json",
                42,
                new JsonObject().put("stop", true),
                new JsonObject().put("request", -1),
                new JsonObject().put("request", 1.5),
                new JsonObject().put("end", "yes"));
        for (int i = 0; i < bad.size(); i++) {
            JsonStream s = open(ECHO, new JsonObject());
            s.send(grant(10));
            s.request(message("ok"));
            ReplyException e = s.refused(bad.get(i));
            assertThat(e.failureCode()).as("control %s", bad.get(i)).isEqualTo(StatusCode.INVALID_ARGUMENT.value());
            JsonObject end = s.awaitEnd();
            assertEnd(end, StatusCode.INVALID_ARGUMENT);
            assertThat(end.getString("details")).isEqualTo(e.getMessage());
            assertServerCancelled(i);
            assertThat(s.refused(grant(1)).failureCode())
                    .as("the control address is gone")
                    .isIn(StatusCode.FAILED_PRECONDITION.value(), -1);
        }
    }

    @Test
    void messageToAServerStreamingCall_orAfterEnd_isInvalidArgument() throws Exception {
        JsonStream count =
                open(COUNT, new JsonObject().put("text", "k".repeat(1024)).put("n", 10_000));
        assertThat(count.refused(message("x")).failureCode()).isEqualTo(StatusCode.INVALID_ARGUMENT.value());
        assertEnd(count.awaitEnd(), StatusCode.INVALID_ARGUMENT);
        assertServerCancelled(0);

        // Join's response waits for credit, so the call is still open after the half-close
        JsonStream join = open(JOIN, new JsonObject());
        join.request(grant(0).put("end", true));
        assertThat(join.refused(message("x")).failureCode()).isEqualTo(StatusCode.INVALID_ARGUMENT.value());
        assertEnd(join.awaitEnd(), StatusCode.INVALID_ARGUMENT);
        assertThat(join.responses).isEmpty();
    }

    @Test
    void clientStreamingStart_withABody_isInvalidArgument_andNoCallStarts() throws Exception {
        Throwable t = catchThrowable(() -> vertx.eventBus()
                .request(JOIN, new JsonObject().put("text", "a"))
                .await(10, TimeUnit.SECONDS));
        assertThat(t).isInstanceOf(ReplyException.class);
        assertThat(((ReplyException) t).failureCode()).isEqualTo(StatusCode.INVALID_ARGUMENT.value());
        roundTrip();
        assertThat(shapes.calls).isEmpty();
    }

    @Test
    void oversizeMessage_isResourceExhausted_andTheCallEnds() throws Exception {
        JsonStream s = open(ECHO, new JsonObject());
        ReplyException e = s.refused(message("x".repeat(5000)));
        assertThat(e.failureCode()).isEqualTo(StatusCode.RESOURCE_EXHAUSTED.value());
        assertEnd(s.awaitEnd(), StatusCode.RESOURCE_EXHAUSTED);
        assertServerCancelled(0);
    }

    @Test
    void cancel_endsCancelled_andCancelsTheServerCall() throws Exception {
        JsonStream s = open(JOIN, new JsonObject());
        s.request(message("a"));
        assertThat(s.request(new JsonObject().put("cancel", true))).isEqualTo(new JsonObject());
        assertEnd(s.awaitEnd(), StatusCode.CANCELLED);
        assertServerCancelled(0);
    }

    @Test
    void bridgeSocketClosed_cancelsItsStreams_otherSocketsMayNotSteerThem() throws Exception {
        JsonStream mine = open(
                ECHO, new JsonObject(), new DeliveryOptions().addHeader(EventBusGateway.BRIDGE_SOCKET_HEADER, "s1"));
        JsonStream other = open(
                ECHO, new JsonObject(), new DeliveryOptions().addHeader(EventBusGateway.BRIDGE_SOCKET_HEADER, "s2"));
        DeliveryOptions fromS1 = new DeliveryOptions().addHeader(EventBusGateway.BRIDGE_SOCKET_HEADER, "s1");
        DeliveryOptions fromS2 = new DeliveryOptions().addHeader(EventBusGateway.BRIDGE_SOCKET_HEADER, "s2");
        vertx.eventBus().request(mine.control, grant(10), fromS1).await(10, TimeUnit.SECONDS);
        // s2 learnt s1's control address: it may neither cancel nor feed it
        Throwable t = catchThrowable(() -> vertx.eventBus()
                .request(mine.control, new JsonObject().put("cancel", true), fromS2)
                .await(10, TimeUnit.SECONDS));
        assertThat(((ReplyException) t).failureCode()).isEqualTo(StatusCode.PERMISSION_DENIED.value());
        vertx.eventBus().request(mine.control, message("still"), fromS1).await(10, TimeUnit.SECONDS);
        awaitUntil(() -> mine.responses.size() == 1);

        assertThat(gateway.cancelCallsOf("s1")).isEqualTo(1);
        assertEnd(mine.awaitEnd(), StatusCode.CANCELLED);
        assertServerCancelled(0);
        assertThat(other.end.future().isComplete()).isFalse();
        vertx.eventBus().request(other.control, message("on"), fromS2).await(10, TimeUnit.SECONDS);
        vertx.eventBus().request(other.control, new JsonObject().put("end", true), fromS2);
        assertEnd(other.awaitEnd(), StatusCode.OK);
        assertThat(other.responses).containsExactly(new JsonObject().put("text", "ON"));
    }

    @Test
    void silentClient_isCancelledAfterTheIdleTimeout() throws Exception {
        // the method addresses are the quiet gateway's alone
        gateway.close().await(5, TimeUnit.SECONDS);
        gateways.remove(gateway);
        FakeShapesService quiet = new FakeShapesService();
        start(quiet, GatewayOptions.DEFAULT.withStreamIdleTimeout(Duration.ofMillis(200)));
        long t0 = System.nanoTime();
        JsonStream s = open(ECHO, new JsonObject());
        JsonObject end = s.awaitEnd();
        assertEnd(end, StatusCode.CANCELLED);
        assertThat(end.getString("details")).contains("no message from the client");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(200));
        awaitUntil(() -> quiet.calls.size() == 1);
        serverDone(quiet.calls.get(0)).await(10, TimeUnit.SECONDS);
        assertThat(quiet.calls.get(0).isCancelled()).isTrue();
    }

    @Test
    void keepalive_postponesTheIdleTimeout() throws Exception {
        gateway.close().await(5, TimeUnit.SECONDS);
        gateways.remove(gateway);
        FakeShapesService quiet = new FakeShapesService();
        Duration idle = Duration.ofMillis(1000);
        start(quiet, GatewayOptions.DEFAULT.withStreamIdleTimeout(idle));
        long t0 = System.nanoTime();
        JsonStream s = open(ECHO, new JsonObject());
        vertx.timer(300).await(5, TimeUnit.SECONDS); // a gap, so a timer counted from the start would show
        long keptAlive = System.nanoTime();
        assertThat(s.request(grant(0))).as("the stream was still open").isEqualTo(new JsonObject());
        JsonObject end = s.awaitEnd();
        long ended = System.nanoTime();
        assertEnd(end, StatusCode.CANCELLED);
        // loose lower bounds only: a slow machine makes the end later, never earlier
        assertThat(Duration.ofNanos(ended - keptAlive)).isGreaterThanOrEqualTo(idle);
        assertThat(Duration.ofNanos(ended - t0)).isGreaterThanOrEqualTo(idle.plusMillis(300));
    }

    @Test
    void streamAddresses_areIssuedPerCall_andUnguessable() throws Exception {
        JsonStream a = open(ECHO, new JsonObject());
        JsonStream b = open(ECHO, new JsonObject());
        assertThat(a.stream).isNotEqualTo(b.stream);
        assertThat(a.stream.substring(EventBusGateway.STREAM_ADDRESS_PREFIX.length()))
                .isEqualTo(a.control.substring(EventBusGateway.CONTROL_ADDRESS_PREFIX.length()))
                .hasSize(32);
        a.send(new JsonObject().put("cancel", true));
        b.send(new JsonObject().put("cancel", true));
        assertEnd(a.awaitEnd(), StatusCode.CANCELLED);
        assertEnd(b.awaitEnd(), StatusCode.CANCELLED);
    }

    private void awaitUntil(BooleanSupplier condition) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met in 10 s");
            }
            vertx.timer(5).await(5, TimeUnit.SECONDS);
        }
    }
}
