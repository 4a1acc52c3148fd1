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
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.ext.eventbus.bridge.tcp.TcpEventBusBridge;
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
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The SockJS and TCP bridges of a gateway, spoken frame by frame over the SockJS raw WebSocket endpoint and over a TCP
 * socket (4-byte length, then the JSON frame).
 */
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
    private TcpEventBusBridge tcpBridge;
    private int tcpPort;
    private NetClient netClient;
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
        tcpBridge = GatewayBridges.tcp(vertx, gateway, new NetServerOptions());
        tcpPort = GatewayBridges.listen(vertx, tcpBridge, "127.0.0.1", 0).await(5, TimeUnit.SECONDS);
        netClient = vertx.createNetClient();
    }

    @AfterEach
    void tearDown() throws Exception {
        client.close().await(5, TimeUnit.SECONDS);
        netClient.close().await(5, TimeUnit.SECONDS);
        tcpBridge.close().await(5, TimeUnit.SECONDS);
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

    @Test
    void tcpBridge_permittedMethod_grpcErrorAsFailureCode_andClosedByDefault() throws Exception {
        List<JsonObject> frames = new CopyOnWriteArrayList<>();
        NetSocket tcp = connectTcp(frames);
        writeFrame(tcp, send(CHECK, "r1", new JsonObject().put("service", "svc"), new JsonObject()));
        writeFrame(tcp, send(CHECK, "r2", new JsonObject().put("service", "nope"), new JsonObject()));
        writeFrame(tcp, send("rpcvertx.server.gw-bridge.control", "r3", new JsonObject(), new JsonObject()));
        writeFrame(tcp, new JsonObject().put("type", "register").put("address", "rpcvertx.server.gw-bridge.calls"));
        awaitUntil(() -> frames.size() >= 4);
        // replies come when the call is done, refusals at once: find each by its address
        JsonObject r1 = frames.stream()
                .filter(f -> "r1".equals(f.getString("address")))
                .findFirst()
                .orElseThrow();
        assertThat(r1.getString("type")).isEqualTo("message");
        assertThat(r1.getJsonObject("body")).isEqualTo(new JsonObject().put("status", "SERVING"));
        JsonObject r2 = frames.stream()
                .filter(f -> "r2".equals(f.getString("address")))
                .findFirst()
                .orElseThrow();
        assertThat(r2.getString("type")).isEqualTo("err");
        assertThat(r2.getInteger("failureCode")).isEqualTo(StatusCode.NOT_FOUND.value());
        JsonObject denied = new JsonObject().put("type", "err").put("message", "access_denied");
        assertThat(frames).filteredOn(f -> f.getString("address") == null).containsExactly(denied, denied);
        assertThat(server.waitForTermination(Duration.ZERO).await(5, TimeUnit.SECONDS))
                .as("the control address was not reachable")
                .isFalse();
        tcp.close().await(5, TimeUnit.SECONDS);
    }

    // repeated: the bridge learns of a closed connection asynchronously
    @RepeatedTest(10)
    void tcpBridge_disconnectMidStream_cancelsTheServerCall() throws Exception {
        List<JsonObject> frames = new CopyOnWriteArrayList<>();
        NetSocket tcp = connectTcp(frames);
        String streamTo = GatewayBridges.STREAM_PREFIX + UUID.randomUUID();
        writeFrame(tcp, new JsonObject().put("type", "register").put("address", streamTo));
        writeFrame(
                tcp,
                send(WATCH, "r", new JsonObject().put("service", "svc"), new JsonObject().put("stream-to", streamTo)));
        awaitUntil(() -> frames.stream().anyMatch(f -> streamTo.equals(f.getString("address"))));
        assertThat(callEvents).as("the watch is live").isEmpty();
        tcp.close().await(5, TimeUnit.SECONDS);
        awaitUntil(() -> !callEvents.isEmpty());
        assertThat(callEvents.get(0).getString("code")).isEqualTo("CANCELLED");
        assertThat(callEvents.get(0).getString("method")).isEqualTo("/" + WATCH);
    }

    // repeated: the bridge learns of a closed connection asynchronously
    @RepeatedTest(10)
    void streamAddress_belongsToTheConnectionThatRegisteredIt_acrossBothBridges() throws Exception {
        List<JsonObject> owner = new CopyOnWriteArrayList<>();
        WebSocket ws = connect(owner);
        String streamTo = GatewayBridges.STREAM_PREFIX + UUID.randomUUID();
        ws.writeTextMessage(new JsonObject()
                        .put("type", "register")
                        .put("address", streamTo)
                        .encode())
                .await(5, TimeUnit.SECONDS);
        // a reply on the same connection: the bridge has handled the register before it
        ws.writeTextMessage(send(CHECK, "sync", new JsonObject().put("service", "svc"), new JsonObject())
                        .encode())
                .await(5, TimeUnit.SECONDS);
        awaitUntil(() -> owner.size() >= 1);

        List<JsonObject> intruder = new CopyOnWriteArrayList<>();
        NetSocket tcp = connectTcp(intruder);
        writeFrame(tcp, new JsonObject().put("type", "register").put("address", streamTo));
        writeFrame(
                tcp,
                send(WATCH, "r", new JsonObject().put("service", "svc"), new JsonObject().put("stream-to", streamTo)));
        writeFrame(
                tcp,
                send(
                        WATCH,
                        "r",
                        new JsonObject().put("service", "svc"),
                        new JsonObject().put("STREAM-TO", streamTo))); // header names are case-insensitive
        awaitUntil(() -> intruder.size() >= 3);
        assertThat(intruder).allSatisfy(f -> assertThat(f.getString("type")).isEqualTo("err"));
        assertThat(owner).as("nothing was streamed to the owner").hasSize(1);
        assertThat(callEvents)
                .as("no watch was started")
                .noneMatch(e -> e.getString("method").equals("/" + WATCH));

        // the owner leaves: the address is free again
        ws.close().await(5, TimeUnit.SECONDS);
        // (the bridge learns of the close asynchronously: try until a register is taken, each try a round trip)
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!tryRegister(tcp, intruder, streamTo)) {
            assertThat(System.nanoTime())
                    .as("the address was freed within 10 s")
                    .isLessThan(deadline);
        }
        writeFrame(
                tcp,
                send(CHECK, "r", new JsonObject().put("service", "svc"), new JsonObject().put("stream-to", streamTo)));
        awaitUntil(() -> intruder.stream().anyMatch(f -> "r".equals(f.getString("address"))));
        tcp.close().await(5, TimeUnit.SECONDS);
    }

    @Test
    void streamAddress_withoutALongRandomSuffix_isRefused() throws Exception {
        List<JsonObject> frames = new CopyOnWriteArrayList<>();
        WebSocket ws = connect(frames);
        for (String address : List.of(
                GatewayBridges.STREAM_PREFIX + "t1",
                GatewayBridges.STREAM_PREFIX + "a".repeat(GatewayBridges.STREAM_SUFFIX_MIN_LENGTH - 1),
                GatewayBridges.STREAM_PREFIX + UUID.randomUUID() + ".x")) {
            ws.writeTextMessage(new JsonObject()
                            .put("type", "register")
                            .put("address", address)
                            .encode())
                    .await(5, TimeUnit.SECONDS);
        }
        awaitUntil(() -> frames.size() >= 3);
        assertThat(frames).allSatisfy(f -> assertThat(f.getString("type")).isEqualTo("err"));
        ws.close().await(5, TimeUnit.SECONDS);
    }

    /** Registers on {@code address}; true if the bridge took it (no error before the reply to a request after it). */
    private boolean tryRegister(NetSocket tcp, List<JsonObject> frames, String address) throws Exception {
        int before = frames.size();
        String sync = "sync-" + UUID.randomUUID();
        writeFrame(tcp, new JsonObject().put("type", "register").put("address", address));
        writeFrame(tcp, send(CHECK, sync, new JsonObject().put("service", "svc"), new JsonObject()));
        awaitUntil(() -> frames.stream().skip(before).anyMatch(f -> sync.equals(f.getString("address"))));
        return frames.stream().skip(before).noneMatch(f -> "err".equals(f.getString("type")));
    }

    private static JsonObject send(String address, String replyAddress, JsonObject body, JsonObject headers) {
        return new JsonObject()
                .put("type", "send")
                .put("address", address)
                .put("replyAddress", replyAddress)
                .put("headers", headers)
                .put("body", body);
    }

    /** A TCP bridge connection whose frames (4-byte length + JSON) are added to {@code frames}. */
    private NetSocket connectTcp(List<JsonObject> frames) throws Exception {
        NetSocket socket = netClient.connect(tcpPort, "127.0.0.1").await(5, TimeUnit.SECONDS);
        Buffer[] pending = {Buffer.buffer()};
        socket.handler(data -> {
            Buffer buffer = pending[0].appendBuffer(data);
            int offset = 0;
            while (buffer.length() - offset >= 4 && buffer.length() - offset - 4 >= buffer.getInt(offset)) {
                int length = buffer.getInt(offset);
                frames.add(new JsonObject(buffer.getBuffer(offset + 4, offset + 4 + length)));
                offset += 4 + length;
            }
            pending[0] = buffer.getBuffer(offset, buffer.length());
        });
        return socket;
    }

    private static void writeFrame(NetSocket socket, JsonObject frame) throws Exception {
        Buffer json = frame.toBuffer();
        socket.write(Buffer.buffer().appendInt(json.length()).appendBuffer(json))
                .await(5, TimeUnit.SECONDS);
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
