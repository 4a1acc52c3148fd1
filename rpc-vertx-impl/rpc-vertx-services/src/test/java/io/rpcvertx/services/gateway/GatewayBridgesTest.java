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
import java.util.Locale;
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
        ws.writeTextMessage(new JsonObject()
                        .put("type", "send")
                        .put("address", WATCH)
                        .put("replyAddress", "r1")
                        .put("body", new JsonObject().put("service", "svc"))
                        .encode())
                .await(5, TimeUnit.SECONDS);
        awaitUntil(() -> !frames.isEmpty());
        JsonObject started = frames.get(0).getJsonObject("body");
        String stream = started.getString("stream");
        assertThat(stream).matches(EventBusGateway.STREAM_ADDRESS_REGEX);
        ws.writeTextMessage(new JsonObject()
                        .put("type", "register")
                        .put("address", stream)
                        .encode())
                .await(5, TimeUnit.SECONDS);
        ws.writeTextMessage(new JsonObject()
                        .put("type", "send")
                        .put("address", started.getString("control"))
                        .put("body", new JsonObject().put("request", 10))
                        .encode())
                .await(5, TimeUnit.SECONDS);
        awaitUntil(() -> frames.stream().anyMatch(f -> stream.equals(f.getString("address"))));
        assertThat(frames.stream().filter(f -> stream.equals(f.getString("address"))))
                .first()
                .satisfies(f ->
                        assertThat(f.getJsonObject("body").getString("status")).isEqualTo("SERVING"));
        assertThat(callEvents).as("the watch is live").isEmpty();
        ws.close().await(5, TimeUnit.SECONDS);
        awaitUntil(() -> !callEvents.isEmpty());
        assertThat(callEvents.get(0).getString("code")).isEqualTo("CANCELLED");
        assertThat(callEvents.get(0).getString("method")).isEqualTo("/" + WATCH);
    }

    @Test
    void streamAddresses_onlyServerIssuedShapesArePermitted() throws Exception {
        List<JsonObject> frames = new CopyOnWriteArrayList<>();
        WebSocket ws = connect(frames);
        // a client-chosen stream address and a made-up control address: both refused by the bridge
        ws.writeTextMessage(new JsonObject()
                        .put("type", "register")
                        .put("address", GatewayBridges.STREAM_PREFIX + "t1")
                        .encode())
                .await(5, TimeUnit.SECONDS);
        ws.writeTextMessage(new JsonObject()
                        .put("type", "send")
                        .put("address", EventBusGateway.CONTROL_ADDRESS_PREFIX + "anything")
                        .put("body", new JsonObject().put("cancel", true))
                        .encode())
                .await(5, TimeUnit.SECONDS);
        awaitUntil(() -> frames.size() >= 2);
        assertThat(frames).allSatisfy(f -> {
            assertThat(f.getString("type")).isEqualTo("err");
            assertThat(f.getString("body")).isEqualTo("access_denied");
        });
        ws.close().await(5, TimeUnit.SECONDS);
    }

    @Test
    void tcpBridge_permittedMethod_grpcErrorAsFailureCode_andClosedByDefault() throws Exception {
        List<JsonObject> frames = new CopyOnWriteArrayList<>();
        NetSocket tcp = connectTcp(frames);
        writeFrame(tcp, send(CHECK, "r1", new JsonObject().put("service", "svc")));
        writeFrame(tcp, send(CHECK, "r2", new JsonObject().put("service", "nope")));
        writeFrame(tcp, send("rpcvertx.server.gw-bridge.control", "r3", new JsonObject()));
        writeFrame(tcp, new JsonObject().put("type", "register").put("address", "rpcvertx.server.gw-bridge.calls"));
        writeFrame(tcp, new JsonObject().put("type", "register").put("address", GatewayBridges.STREAM_PREFIX + "t1"));
        awaitUntil(() -> frames.size() >= 5);
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
        assertThat(frames).filteredOn(f -> f.getString("address") == null).containsExactly(denied, denied, denied);
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
        JsonObject started = startWatch(frames, f -> writeFrame(tcp, f));
        String stream = started.getString("stream");
        writeFrame(tcp, new JsonObject().put("type", "register").put("address", stream));
        writeFrame(tcp, send(started.getString("control"), null, new JsonObject().put("request", 10)));
        awaitUntil(() -> frames.stream().anyMatch(f -> stream.equals(f.getString("address"))));
        assertThat(callEvents).as("the watch is live").isEmpty();
        tcp.close().await(5, TimeUnit.SECONDS);
        awaitUntil(() -> !callEvents.isEmpty());
        assertThat(callEvents.get(0).getString("code")).isEqualTo("CANCELLED");
        assertThat(callEvents.get(0).getString("method")).isEqualTo("/" + WATCH);
    }

    @Test
    void controlAddress_answersOnlyTheConnectionThatStartedTheCall_acrossBothBridges() throws Exception {
        List<JsonObject> owner = new CopyOnWriteArrayList<>();
        WebSocket ws = connect(owner);
        JsonObject started =
                startWatch(owner, f -> ws.writeTextMessage(f.encode()).await(5, TimeUnit.SECONDS));
        String control = started.getString("control");

        List<JsonObject> other = new CopyOnWriteArrayList<>();
        NetSocket tcp = connectTcp(other);
        // another connection, even naming the owner's connection in the header (any case), cannot cancel it
        JsonObject spoofed = new JsonObject().put(EventBusGateway.BRIDGE_SOCKET_HEADER.toUpperCase(Locale.ROOT), "x");
        writeFrame(
                tcp, send(control, "c1", new JsonObject().put("cancel", true)).put("headers", spoofed));
        awaitUntil(() -> !other.isEmpty());
        assertThat(other.get(0).getString("type")).isEqualTo("err");
        assertThat(other.get(0).getInteger("failureCode")).isEqualTo(StatusCode.PERMISSION_DENIED.value());
        assertThat(callEvents).as("the watch is still live").isEmpty();

        // the owner can
        ws.writeTextMessage(send(control, "c2", new JsonObject().put("cancel", true))
                        .encode())
                .await(5, TimeUnit.SECONDS);
        awaitUntil(() -> !callEvents.isEmpty());
        assertThat(callEvents.get(0).getString("code")).isEqualTo("CANCELLED");
        ws.close().await(5, TimeUnit.SECONDS);
        tcp.close().await(5, TimeUnit.SECONDS);
    }

    /** A frame writer that may throw. */
    private interface FrameWriter {
        void write(JsonObject frame) throws Exception;
    }

    /** Starts a health watch through a bridge connection; the start reply's body ({@code stream}, {@code control}). */
    private JsonObject startWatch(List<JsonObject> frames, FrameWriter writer) throws Exception {
        String replyAddress = UUID.randomUUID().toString(); // the SockJS bridge takes at most 36 characters
        writer.write(send(WATCH, replyAddress, new JsonObject().put("service", "svc")));
        try {
            awaitUntil(() -> frames.stream().anyMatch(f -> replyAddress.equals(f.getString("address"))));
        } catch (AssertionError e) {
            throw new AssertionError("no start reply in " + frames, e);
        }
        JsonObject started = frames.stream()
                .filter(f -> replyAddress.equals(f.getString("address")))
                .findFirst()
                .orElseThrow()
                .getJsonObject("body");
        assertThat(started.getString("stream")).matches(EventBusGateway.STREAM_ADDRESS_REGEX);
        return started;
    }

    private static JsonObject send(String address, String replyAddress, JsonObject body) {
        JsonObject frame =
                new JsonObject().put("type", "send").put("address", address).put("body", body);
        return replyAddress == null ? frame : frame.put("replyAddress", replyAddress);
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
