package io.rpcvertx.examples;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rpcvertx.examples.bench.BenchEchoServerVerticle;
import io.rpcvertx.examples.helloworld.GreeterServerVerticle;
import io.rpcvertx.examples.interop.InteropServer;
import io.rpcvertx.examples.routeguide.RouteGuideServerVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** The bridge flags of the server programs, on their verticles: what listens, what is served, what is closed. */
@ExtendWith(VertxExtension.class)
@Timeout(60)
class GatewayBridgeServerTest {
    private static final String PREFIX_SOCKJS = "sockjs bridge on http://127.0.0.1:";
    private static final String PREFIX_TCP = "tcp bridge on 127.0.0.1:";

    private static DeploymentOptions config(int sockJsPort, int tcpPort) {
        JsonObject config = new JsonObject().put("host", "127.0.0.1").put("port", 0);
        if (sockJsPort >= 0) {
            config.put(GatewayBridgeServer.SOCKJS_KEY, sockJsPort);
        }
        if (tcpPort >= 0) {
            config.put(GatewayBridgeServer.TCP_KEY, tcpPort);
        }
        return new DeploymentOptions().setConfig(config);
    }

    @Test
    void greeterServer_servesThePageItsScripts_andBothBridges_untilUndeployed(Vertx vertx) throws Exception {
        GreeterServerVerticle server = new GreeterServerVerticle();
        String id = vertx.deployVerticle(server, config(0, 0)).await(10, SECONDS);
        List<String> bridges = server.bridges();
        assertThat(bridges).hasSize(2);
        int http = port(bridges.get(0), PREFIX_SOCKJS);
        assertThat(bridges.get(0))
                .isEqualTo(PREFIX_SOCKJS + http + "/eventbus (page http://127.0.0.1:" + http + "/greeter.html)");
        int tcp = port(bridges.get(1), PREFIX_TCP);

        HttpClient client = vertx.createHttpClient();
        Response page = get(client, http, "/greeter.html");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.getHeader("content-type")).startsWith("text/html");
        assertThat(page.body().toString())
                .contains("<script src=\"vertx-eventbus.js\">", "helloworld.Greeter/SayHello");
        for (String script : List.of("/vertx-eventbus.js", "/sockjs.min.js")) {
            Response js = get(client, http, script);
            assertThat(js.statusCode()).as(script).isEqualTo(200);
            assertThat(js.body().length()).as(script).isGreaterThan(10_000);
        }
        Response root = get(client, http, "/");
        assertThat(root.statusCode()).isEqualTo(302);
        assertThat(root.getHeader("location")).isEqualTo("/greeter.html");
        assertThat(get(client, http, "/anything-else").statusCode()).isEqualTo(404);

        assertThat(tcpCall(vertx, tcp, "helloworld.Greeter/SayHello", new JsonObject().put("name", "tcp")))
                .isEqualTo(new JsonObject().put("message", "Hello tcp"));

        vertx.undeploy(id).await(10, SECONDS);
        assertThatThrownBy(() -> get(client, http, "/greeter.html")).as("the HTTP server is closed");
        assertThatThrownBy(
                        () -> vertx.createNetClient().connect(tcp, "127.0.0.1").await(5, SECONDS))
                .as("the TCP bridge is closed");
        client.close().await(5, SECONDS);
    }

    @Test
    void routeGuideServer_bridgesItsOwnService_withoutThePage(Vertx vertx) throws Exception {
        RouteGuideServerVerticle server = new RouteGuideServerVerticle();
        String id = vertx.deployVerticle(server, config(0, 0)).await(10, SECONDS);
        List<String> bridges = server.bridges();
        int http = port(bridges.get(0), PREFIX_SOCKJS);
        assertThat(bridges.get(0)).isEqualTo(PREFIX_SOCKJS + http + "/eventbus");
        HttpClient client = vertx.createHttpClient();
        assertThat(get(client, http, "/greeter.html").statusCode()).isEqualTo(404);

        JsonObject point = new JsonObject().put("latitude", 100120000).put("longitude", -299830000);
        JsonObject feature =
                tcpCall(vertx, port(bridges.get(1), PREFIX_TCP), "routeguide.RouteGuide/GetFeature", point);
        assertThat(feature.getString("name")).isEqualTo("Ferrowen Harbour");
        client.close().await(5, SECONDS);
        vertx.undeploy(id).await(10, SECONDS);
    }

    @Test
    void benchEchoServer_tcpBridgeOnly(Vertx vertx) throws Exception {
        BenchEchoServerVerticle server = new BenchEchoServerVerticle();
        String id = vertx.deployVerticle(server, config(-1, 0)).await(10, SECONDS);
        List<String> bridges = server.bridges();
        assertThat(bridges).hasSize(1);
        JsonObject echoed = tcpCall(
                vertx, port(bridges.get(0), PREFIX_TCP), "bench.Echo/UnaryEcho", new JsonObject().put("message", "m"));
        assertThat(echoed.getString("message")).isEqualTo("m");
        vertx.undeploy(id).await(10, SECONDS);
    }

    @Test
    void interopServer_bridgesTestService(Vertx vertx) throws Exception {
        InteropServer server = InteropServer.start(
                        vertx,
                        InteropServer.Options.plaintext("127.0.0.1", 0),
                        new JsonObject().put(GatewayBridgeServer.TCP_KEY, 0))
                .await(10, SECONDS);
        List<String> bridges = server.bridges();
        assertThat(bridges).hasSize(1);
        JsonObject reply = tcpCall(
                vertx,
                port(bridges.get(0), PREFIX_TCP),
                "grpc.testing.TestService/UnaryCall",
                new JsonObject().put("responseSize", 3));
        assertThat(reply.getJsonObject("payload").getString("body")).isEqualTo("AAAA"); // 3 zero bytes, base64
        server.close().await(10, SECONDS);
        assertThatThrownBy(() -> vertx.createNetClient()
                        .connect(port(bridges.get(0), PREFIX_TCP), "127.0.0.1")
                        .await(5, SECONDS))
                .as("the TCP bridge is closed");
    }

    @Test
    void noBridgeFlags_nothingAttached(Vertx vertx) throws Exception {
        GreeterServerVerticle server = new GreeterServerVerticle();
        String id = vertx.deployVerticle(server, config(-1, -1)).await(10, SECONDS);
        assertThat(server.bridges()).isEmpty();
        assertThatThrownBy(() -> vertx.eventBus()
                        .request("helloworld.Greeter/SayHello", new JsonObject())
                        .await(5, SECONDS))
                .as("no gateway on the event bus")
                .hasMessageContaining("No handlers");
        vertx.undeploy(id).await(10, SECONDS);
    }

    @Test
    void fromFlags_badPortsAreUsageErrorsNamingTheFlag() {
        for (Map.Entry<String, String> bad : Map.of(
                        GatewayBridgeServer.SOCKJS_FLAG, "http",
                        GatewayBridgeServer.TCP_FLAG, "65536")
                .entrySet()) {
            assertThatThrownBy(
                            () -> GatewayBridgeServer.fromFlags(Map.of(bad.getKey(), bad.getValue()), new JsonObject()))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("--" + bad.getKey() + ": \"" + bad.getValue() + "\" (expected: a port, 0 to 65535)");
        }
    }

    private static int port(String line, String prefix) {
        assertThat(line).startsWith(prefix);
        String rest = line.substring(prefix.length());
        int end = 0;
        while (end < rest.length() && Character.isDigit(rest.charAt(end))) {
            end++;
        }
        return Integer.parseInt(rest.substring(0, end));
    }

    /** A response read whole. */
    private record Response(int statusCode, MultiMap headers, Buffer body) {
        String getHeader(String name) {
            return headers.get(name);
        }
    }

    private static Response get(HttpClient client, int port, String path) throws Exception {
        return client.request(HttpMethod.GET, port, "127.0.0.1", path)
                .compose(request -> request.send())
                .compose(response ->
                        response.body().map(body -> new Response(response.statusCode(), response.headers(), body)))
                .await(5, SECONDS);
    }

    /** One request over the TCP bridge (4-byte length + JSON frame); the reply's body, or an error naming the frame. */
    private static JsonObject tcpCall(Vertx vertx, int port, String address, JsonObject body) throws Exception {
        NetClient client = vertx.createNetClient();
        NetSocket socket = client.connect(port, "127.0.0.1").await(5, SECONDS);
        CompletableFuture<JsonObject> reply = new CompletableFuture<>();
        Buffer received = Buffer.buffer();
        socket.handler(data -> {
            received.appendBuffer(data);
            if (received.length() >= 4 && received.length() >= 4 + received.getInt(0)) {
                reply.complete(new JsonObject(received.getBuffer(4, 4 + received.getInt(0))));
            }
        });
        byte[] frame = new JsonObject()
                .put("type", "send")
                .put("address", address)
                .put("replyAddress", "r")
                .put("body", body)
                .encode()
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        socket.write(Buffer.buffer().appendInt(frame.length).appendBytes(frame));
        JsonObject answer = reply.get(5, SECONDS);
        client.close().await(5, SECONDS);
        assertThat(answer.getString("type")).as(answer.encode()).isEqualTo("message");
        return answer.getJsonObject("body");
    }
}
