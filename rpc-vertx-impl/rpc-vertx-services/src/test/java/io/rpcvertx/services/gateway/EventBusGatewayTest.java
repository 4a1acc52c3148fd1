package io.rpcvertx.services.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rpcvertx.HandlerCallDetails;
import io.rpcvertx.RpcException;
import io.rpcvertx.RpcVertx;
import io.rpcvertx.Server;
import io.rpcvertx.ServerInterceptor;
import io.rpcvertx.ServerOptions;
import io.rpcvertx.StatusCode;
import io.rpcvertx.services.health.HealthService;
import io.rpcvertx.services.health.v1.HealthCheckResponse.ServingStatus;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** The JSON gateway on the health service (generated code with descriptors), through the server's call path. */
@ExtendWith(VertxExtension.class)
@Timeout(30)
class EventBusGatewayTest {
    private static final String CHECK = "grpc.health.v1.Health/Check";
    private static final String WATCH = "grpc.health.v1.Health/Watch";

    private Vertx vertx;
    private Server server;
    private EventBusGateway gateway;
    private HealthService health;
    private final List<HandlerCallDetails> intercepted = new CopyOnWriteArrayList<>();
    private final List<JsonObject> callEvents = new CopyOnWriteArrayList<>();
    private MessageConsumer<JsonObject> callsConsumer;

    @BeforeEach
    void setUp(Vertx vertx) throws Exception {
        this.vertx = vertx;
        ServerInterceptor recording = (next, details) -> {
            intercepted.add(details);
            if (details.invocationMetadata().get("x-refuse").isPresent()) {
                return Future.failedFuture(new RpcException(StatusCode.FAILED_PRECONDITION, "refused by interceptor"));
            }
            return next.apply(details);
        };
        server = RpcVertx.server(
                vertx,
                ServerOptions.DEFAULT
                        .withName("gw-test")
                        .withEventBusSignals(true)
                        .withInterceptors(recording)
                        .withMaxReceiveMessageLength(64 * 1024));
        health = HealthService.create();
        health.setStatus("svc", ServingStatus.SERVING);
        server.addGenericRpcHandlers(health.bindService());
        GatewayOptions options = GatewayOptions.DEFAULT
                .withMaxRequestBytes(1024)
                .withAuthorizer((method, md) -> {
                    if (md.get("authorization")
                            .map(a -> a.equals("Bearer nope"))
                            .orElse(false)) {
                        return Future.failedFuture(new RpcException(StatusCode.PERMISSION_DENIED, "not you"));
                    }
                    if (md.get("authorization").map(a -> a.equals("Bearer bad")).orElse(false)) {
                        return Future.failedFuture(new RpcException(StatusCode.UNAUTHENTICATED, "who?"));
                    }
                    return Future.succeededFuture();
                });
        gateway = EventBusGateway.attach(vertx, server, options);
        callsConsumer = vertx.eventBus().consumer("rpcvertx.server.gw-test.calls", m -> callEvents.add(m.body()));
        Future.all(gateway.ready(), callsConsumer.completion()).await(5, TimeUnit.SECONDS);
        server.addInsecurePort("127.0.0.1:0").await(5, TimeUnit.SECONDS);
        server.start().await(5, TimeUnit.SECONDS);
    }

    @AfterEach
    void tearDown() throws Exception {
        server.stop(Duration.ZERO).await(10, TimeUnit.SECONDS);
        gateway.close().await(5, TimeUnit.SECONDS);
        callsConsumer.unregister().await(5, TimeUnit.SECONDS);
    }

    private JsonObject call(String address, Object body, DeliveryOptions options) throws Exception {
        return vertx.eventBus()
                .<JsonObject>request(address, body, options)
                .await(10, TimeUnit.SECONDS)
                .body();
    }

    private ReplyException failure(String address, Object body, DeliveryOptions options) {
        Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> call(address, body, options));
        assertThat(t).isInstanceOf(ReplyException.class);
        return (ReplyException) t;
    }

    @Test
    void unary_jsonInJsonOut_throughInterceptorsWithMetadata() throws Exception {
        assertThat(gateway.addresses()).containsExactlyInAnyOrder(CHECK, WATCH, "grpc.health.v1.Health/List");
        JsonObject reply =
                call(CHECK, new JsonObject().put("service", "svc"), new DeliveryOptions().addHeader("x-user", "ann"));
        assertThat(reply).isEqualTo(new JsonObject().put("status", "SERVING"));
        assertThat(intercepted).hasSize(1);
        assertThat(intercepted.get(0).method()).isEqualTo("/" + CHECK);
        assertThat(intercepted.get(0).invocationMetadata().get("x-user")).contains("ann");
        // a JSON text body works as well
        assertThat(call(CHECK, "{\"service\":\"svc\"}", new DeliveryOptions()).getString("status"))
                .isEqualTo("SERVING");
    }

    @Test
    void grpcErrors_areReplyExceptionsWithTheStatusNumberAndDetails() throws Exception {
        ReplyException e = failure(CHECK, new JsonObject().put("service", "unknown"), new DeliveryOptions());
        assertThat(e.failureCode()).isEqualTo(StatusCode.NOT_FOUND.value());
        ReplyException refused = failure(CHECK, new JsonObject(), new DeliveryOptions().addHeader("x-refuse", "1"));
        assertThat(refused.failureCode()).isEqualTo(StatusCode.FAILED_PRECONDITION.value());
        assertThat(refused.getMessage()).isEqualTo("refused by interceptor");
    }

    @Test
    void badInput_malformedJson_wrongFieldType_unknownField_areInvalidArgument() throws Exception {
        for (Object body : List.of(
                "{not json",
                new JsonObject().put("service", new JsonObject().put("a", 1)),
                new JsonObject().put("nosuchfield", 1),
                new io.vertx.core.json.JsonArray().add(1),
                42)) {
            ReplyException e = failure(CHECK, body, new DeliveryOptions());
            assertThat(e.failureCode()).as("body %s", body).isEqualTo(StatusCode.INVALID_ARGUMENT.value());
        }
        ReplyException badTimeout = failure(CHECK, new JsonObject(), new DeliveryOptions().addHeader("timeout", "x"));
        assertThat(badTimeout.failureCode()).isEqualTo(StatusCode.INVALID_ARGUMENT.value());
        assertThat(intercepted).as("nothing reached the server").isEmpty();
    }

    @Test
    void unknownMethod_isUnimplemented() throws Exception {
        ReplyException e = failure(
                EventBusGateway.CALL_ADDRESS,
                new JsonObject(),
                new DeliveryOptions().addHeader("method", "grpc.health.v1.Health/Nope"));
        assertThat(e.failureCode()).isEqualTo(StatusCode.UNIMPLEMENTED.value());
        ReplyException noMethod = failure(EventBusGateway.CALL_ADDRESS, new JsonObject(), new DeliveryOptions());
        assertThat(noMethod.failureCode()).isEqualTo(StatusCode.INVALID_ARGUMENT.value());
    }

    @Test
    void oversizeBody_isResourceExhausted_andTheServerStillServes() throws Exception {
        String big = "x".repeat(2000);
        ReplyException e = failure(CHECK, new JsonObject().put("service", big), new DeliveryOptions());
        assertThat(e.failureCode()).isEqualTo(StatusCode.RESOURCE_EXHAUSTED.value());
        assertThat(call(CHECK, new JsonObject().put("service", "svc"), new DeliveryOptions())
                        .getString("status"))
                .isEqualTo("SERVING");
    }

    @Test
    void authorizer_refusesWithUnauthenticatedOrPermissionDenied_beforeTheServer() throws Exception {
        ReplyException denied =
                failure(CHECK, new JsonObject(), new DeliveryOptions().addHeader("authorization", "Bearer nope"));
        assertThat(denied.failureCode()).isEqualTo(StatusCode.PERMISSION_DENIED.value());
        ReplyException unauth =
                failure(CHECK, new JsonObject(), new DeliveryOptions().addHeader("authorization", "Bearer bad"));
        assertThat(unauth.failureCode()).isEqualTo(StatusCode.UNAUTHENTICATED.value());
        assertThat(intercepted).isEmpty();
    }

    /** Starts a Watch as a JSON client does: the start reply names the stream; register there, then grant. */
    private MessageConsumer<JsonObject> watch(DeliveryOptions options, List<Message<JsonObject>> received)
            throws Exception {
        JsonObject started = call(WATCH, new JsonObject().put("service", "svc"), options);
        MessageConsumer<JsonObject> sink = vertx.eventBus().consumer(started.getString("stream"), received::add);
        sink.completion().await(5, TimeUnit.SECONDS);
        DeliveryOptions sameSocket = new DeliveryOptions();
        String socket =
                options.getHeaders() == null ? null : options.getHeaders().get(EventBusGateway.BRIDGE_SOCKET_HEADER);
        if (socket != null) {
            sameSocket.addHeader(EventBusGateway.BRIDGE_SOCKET_HEADER, socket);
        }
        vertx.eventBus().send(started.getString("control"), new JsonObject().put("request", 100), sameSocket);
        return sink;
    }

    private static boolean isEnd(Message<JsonObject> m) {
        return "true".equals(m.headers().get(EventBusGateway.END_HEADER));
    }

    @Test
    void deadline_timeoutHeader_endsTheServerCallDeadlineExceeded_withAnEndMessageOnTheStream() throws Exception {
        // Watch never ends on its own: only the deadline ends it
        List<Message<JsonObject>> received = new CopyOnWriteArrayList<>();
        MessageConsumer<JsonObject> sink = watch(new DeliveryOptions().addHeader("timeout", "200"), received);
        awaitUntil(() -> received.size() >= 2);
        assertThat(received.get(0).body().getString("status")).isEqualTo("SERVING");
        Message<JsonObject> end = received.get(received.size() - 1);
        assertThat(isEnd(end)).isTrue();
        assertThat(end.body().getInteger("code")).isEqualTo(StatusCode.DEADLINE_EXCEEDED.value());
        assertThat(received).hasSize(2);
        sink.unregister().await(5, TimeUnit.SECONDS);
    }

    @Test
    void serverStreaming_oneMessagePerResponse_whileTheCallLasts() throws Exception {
        List<Message<JsonObject>> received = new CopyOnWriteArrayList<>();
        MessageConsumer<JsonObject> sink = watch(new DeliveryOptions(), received);
        awaitUntil(() -> received.size() >= 1);
        health.setStatus("svc", ServingStatus.NOT_SERVING);
        awaitUntil(() -> received.size() >= 2);
        assertThat(received.get(0).body().getString("status")).isEqualTo("SERVING");
        assertThat(received.get(1).body().getString("status")).isEqualTo("NOT_SERVING");
        // a graceful-shutdown status ends no watch: the server stop cancels it, which the gateway reports
        assertThat(received).noneMatch(EventBusGatewayTest::isEnd);
        sink.unregister().await(5, TimeUnit.SECONDS);
    }

    @Test
    void bridgeSocketClosed_cancelsItsServerCalls_otherCallsUndisturbed() throws Exception {
        List<Message<JsonObject>> a = new CopyOnWriteArrayList<>();
        List<Message<JsonObject>> b = new CopyOnWriteArrayList<>();
        MessageConsumer<JsonObject> sinkA =
                watch(new DeliveryOptions().addHeader(EventBusGateway.BRIDGE_SOCKET_HEADER, "socket-a"), a);
        MessageConsumer<JsonObject> sinkB =
                watch(new DeliveryOptions().addHeader(EventBusGateway.BRIDGE_SOCKET_HEADER, "socket-b"), b);
        awaitUntil(() -> a.size() >= 1 && b.size() >= 1);

        assertThat(gateway.cancelCallsOf("socket-a")).isEqualTo(1);

        awaitUntil(() -> a.size() >= 2);
        assertThat(isEnd(a.get(1))).isTrue();
        assertThat(a.get(1).body().getInteger("code")).isEqualTo(StatusCode.CANCELLED.value());
        awaitUntil(() -> callEvents.stream().anyMatch(c -> c.getString("code").equals("CANCELLED")));
        assertThat(callEvents).hasSize(1);
        health.setStatus("svc", ServingStatus.NOT_SERVING);
        awaitUntil(() -> b.size() >= 2);
        assertThat(b.get(1).body().getString("status")).isEqualTo("NOT_SERVING");
        assertThat(gateway.cancelCallsOf("socket-a")).isZero();
        Future.all(sinkA.unregister(), sinkB.unregister()).await(5, TimeUnit.SECONDS);
    }

    private void awaitUntil(java.util.function.BooleanSupplier condition) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met in 10 s");
            }
            vertx.timer(5).await(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void attachAfterStart_isRefused() throws Exception {
        assertThatThrownBy(() -> EventBusGateway.attach(vertx, server)).isInstanceOf(IllegalStateException.class);
    }
}
