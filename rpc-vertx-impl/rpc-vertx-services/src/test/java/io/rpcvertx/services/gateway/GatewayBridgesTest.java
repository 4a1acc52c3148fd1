package io.rpcvertx.services.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.rpcvertx.RpcVertx;
import io.rpcvertx.Server;
import io.rpcvertx.ServerOptions;
import io.rpcvertx.StatusCode;
import io.rpcvertx.services.health.HealthService;
import io.rpcvertx.services.health.v1.HealthCheckResponse.ServingStatus;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** The SockJS bridge of a gateway, spoken frame by frame over its raw WebSocket endpoint. */
@ExtendWith(VertxExtension.class)
@Timeout(30)
class GatewayBridgesTest {
    private static final String CHECK = "grpc.health.v1.Health/Check";
    private static final String WATCH = "grpc.health.v1.Health/Watch";

    private Vertx vertx;
    private Server server;
    private EventBusGateway gateway;
    private HttpServer http;
    private WebSocketClient client;
    private final List<JsonObject> callEvents = new CopyOnWriteArrayList<>();
    private MessageConsumer<JsonObject> callsConsumer;

    @BeforeEach
    void setUp(Vertx vertx) throws Exception {
        this.vertx = vertx;
        server = RpcVertx.server(
                vertx, ServerOptions.DEFAULT.withName("gw-bridge").withEventBusSignals(true));
        HealthService health = HealthService.create();
        health.setStatus("svc", ServingStatus.SERVING);
        server.addGenericRpcHandlers(health.bindService());
        gateway = EventBusGateway.attach(vertx, server);
        callsConsumer = vertx.eventBus().consumer("rpcvertx.server.gw-bridge.calls", m -> callEvents.add(m.body()));
        Future.all(gateway.ready(), callsConsumer.completion()).await(5, TimeUnit.SECONDS);
        server.addInsecurePort("127.0.0.1:0").await(5, TimeUnit.SECONDS);
        server.start().await(5, TimeUnit.SECONDS);
        Router router = Router.router(vertx);
        router.route("/eventbus/*").subRouter(GatewayBridges.sockJs(vertx, gateway));
        http = vertx.createHttpServer()
                .requestHandler(router)
                .listen(0, "127.0.0.1")
                .await(5, TimeUnit.SECONDS);
        client = vertx.createWebSocketClient();
    }

    @AfterEach
    void tearDown() throws Exception {
        client.close().await(5, TimeUnit.SECONDS);
        http.close().await(5, TimeUnit.SECONDS);
        server.stop(Duration.ZERO).await(10, TimeUnit.SECONDS);
        gateway.close().await(5, TimeUnit.SECONDS);
        callsConsumer.unregister().await(5, TimeUnit.SECONDS);
    }

    private WebSocket connect(List<JsonObject> frames) throws Exception {
        WebSocket ws = client.connect(http.actualPort(), "127.0.0.1", "/eventbus/websocket")
                .await(5, TimeUnit.SECONDS);
        ws.handler(data -> frames.add(data.toJsonObject())); // the bridge writes binary frames
        return ws;
    }

    @Test
    void permittedMethod_answersWithProtobufJson_andGrpcErrorsAsErrFrames() throws Exception {
        List<JsonObject> frames = new CopyOnWriteArrayList<>();
        WebSocket ws = connect(frames);
        ws.writeTextMessage(new JsonObject()
                        .put("type", "send")
                        .put("address", CHECK)
                        .put("replyAddress", "r1")
                        .put("headers", new JsonObject().put("x-user", "ann"))
                        .put("body", new JsonObject().put("service", "svc"))
                        .encode())
                .await(5, TimeUnit.SECONDS);
        awaitUntil(() -> !frames.isEmpty());
        assertThat(frames.get(0).getString("address")).isEqualTo("r1");
        assertThat(frames.get(0).getJsonObject("body")).isEqualTo(new JsonObject().put("status", "SERVING"));
        ws.writeTextMessage(new JsonObject()
                        .put("type", "send")
                        .put("address", CHECK)
                        .put("replyAddress", "r2")
                        .put("body", new JsonObject().put("service", "nope"))
                        .encode())
                .await(5, TimeUnit.SECONDS);
        awaitUntil(() -> frames.size() >= 2);
        assertThat(frames.get(1).getString("type")).isEqualTo("err");
        assertThat(frames.get(1).getInteger("failureCode")).isEqualTo(StatusCode.NOT_FOUND.value());
        ws.close().await(5, TimeUnit.SECONDS);
    }

    @Test
    void closedByDefault_otherAddressesAndRegistrationsAreRefused() throws Exception {
        MessageConsumer<Object> internal = vertx.eventBus().consumer("internal.secret", m -> m.reply("leaked"));
        internal.completion().await(5, TimeUnit.SECONDS);
        List<JsonObject> frames = new CopyOnWriteArrayList<>();
        WebSocket ws = connect(frames);
        for (String address : List.of("internal.secret", "rpcvertx.server.gw-bridge.control")) {
            ws.writeTextMessage(new JsonObject()
                            .put("type", "send")
                            .put("address", address)
                            .put("replyAddress", "r")
                            .put("body", new JsonObject())
                            .encode())
                    .await(5, TimeUnit.SECONDS);
        }
        ws.writeTextMessage(new JsonObject()
                        .put("type", "register")
                        .put("address", "rpcvertx.server.gw-bridge.calls")
                        .encode())
                .await(5, TimeUnit.SECONDS);
        awaitUntil(() -> frames.size() >= 3);
        assertThat(frames).allSatisfy(f -> {
            assertThat(f.getString("type")).isEqualTo("err");
            assertThat(f.getString("body")).isEqualTo("access_denied");
        });
        assertThat(server.waitForTermination(Duration.ZERO).await(5, TimeUnit.SECONDS))
                .as("the control address was not reachable")
                .isFalse();
        ws.close().await(5, TimeUnit.SECONDS);
        internal.unregister().await(5, TimeUnit.SECONDS);
    }

    @Test
    void disconnectMidStream_cancelsTheServerCall() throws Exception {
        List<JsonObject> frames = new CopyOnWriteArrayList<>();
        WebSocket ws = connect(frames);
        String streamTo = GatewayBridges.STREAM_PREFIX + UUID.randomUUID();
        ws.writeTextMessage(new JsonObject()
                        .put("type", "register")
                        .put("address", streamTo)
                        .encode())
                .await(5, TimeUnit.SECONDS);
        ws.writeTextMessage(new JsonObject()
                        .put("type", "send")
                        .put("address", WATCH)
                        .put("replyAddress", "r")
                        .put("headers", new JsonObject().put("stream-to", streamTo))
                        .put("body", new JsonObject().put("service", "svc"))
                        .encode())
                .await(5, TimeUnit.SECONDS);
        awaitUntil(() -> frames.stream().anyMatch(f -> streamTo.equals(f.getString("address"))));
        assertThat(callEvents).as("the watch is live").isEmpty();
        ws.close().await(5, TimeUnit.SECONDS);
        awaitUntil(() -> !callEvents.isEmpty());
        assertThat(callEvents.get(0).getString("code")).isEqualTo("CANCELLED");
        assertThat(callEvents.get(0).getString("method")).isEqualTo("/" + WATCH);
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
