package io.rpcvertx.examples;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rpcvertx.CallOptions;
import io.rpcvertx.Http2Transport;
import io.rpcvertx.ServerOptions;
import io.rpcvertx.examples.bench.BenchEchoServerVerticle;
import io.rpcvertx.examples.helloworld.GreeterServerVerticle;
import io.rpcvertx.examples.routeguide.RouteGuideServerVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
@Timeout(60)
class MainTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return Main.run(
                args,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void run_demo_printsBothRepliesAndExitsZero() {
        int code = run("demo");

        assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
        assertThat(code).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8).lines())
                .containsExactly(
                        "SayHello -> Hello world",
                        "SayHelloStreamReply -> [Hello world #1, Hello world #2, Hello world #3]");
    }

    @Test
    void run_noArgument_printsUsageAndExitsTwo() {
        assertThat(run()).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("usage:");
        assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
    }

    @Test
    void run_unknownTracing_printsUsageAndExitsTwo() {
        assertThat(run("greeter-server", "--port=0", "--tracing=zipkin")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains("--tracing: zipkin (expected: none, logging or otlp)", "usage:");
    }

    @Test
    void run_unknownHttp2Transport_printsUsageAndExitsTwo() {
        assertThat(run("bench-echo-server", "--port=0", "--http2-transport=quic"))
                .isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains("--http2-transport: \"quic\" (expected: vertx or netty)", "usage:");
    }

    @Test
    void run_interopServer_unknownTracing_printsUsageAndExitsTwo() {
        assertThat(run("interop-server", "--port=0", "--tracing=jaeger")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--tracing: jaeger", "usage:");
    }

    @Test
    void run_metricsPortTaken_failsAtStartNamingThePort_exitsOne() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            int port = taken.getLocalPort();
            assertThat(run("greeter-server", "--port=0", "--metrics-port=" + port))
                    .isEqualTo(1);
            assertThat(err.toString(StandardCharsets.UTF_8))
                    .contains("greeter-server failed to start: --metrics-port=" + port + ":");
        }
    }

    @Test
    void run_badBridgePort_printsUsageAndExitsTwo() {
        assertThat(run("greeter-server", "--port=0", "--sockjs-bridge-port=web"))
                .isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains("--sockjs-bridge-port: \"web\" (expected: a port, 0 to 65535)", "usage:");
    }

    @Test
    void run_interopServer_badBridgePort_printsUsageAndExitsTwo() {
        assertThat(run("interop-server", "--port=0", "--tcp-bridge-port=-1")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains("--tcp-bridge-port: \"-1\" (expected: a port, 0 to 65535)", "usage:");
    }

    @Test
    void run_bridgePortTaken_failsAtStart_exitsOne() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            int port = taken.getLocalPort();
            assertThat(run("route-guide-server", "--host=127.0.0.1", "--port=0", "--tcp-bridge-port=" + port))
                    .isEqualTo(1);
            assertThat(err.toString(StandardCharsets.UTF_8))
                    .contains("route-guide-server failed to start:")
                    .containsIgnoringCase("address already in use");
        }
    }

    @Test
    void run_unknownProgram_printsUsageAndExitsTwo() {
        assertThat(run("greeter-proxy")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("unknown program: greeter-proxy", "usage:");
    }

    @Test
    void run_unknownFlag_printsUsageAndExitsTwo() {
        assertThat(run("greeter-client", "--port=1")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--port", "usage:");
    }

    @Test
    void run_negativePort_printsUsageAndExitsTwo() {
        assertThat(run("greeter-server", "--port=-1")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--port: \"-1\"", "usage:");
    }

    @Test
    void run_routeGuideClient_againstServer_printsEveryMethodAndExitsZero(Vertx vertx) throws Exception {
        RouteGuideServerVerticle server = new RouteGuideServerVerticle();
        vertx.deployVerticle(
                        server,
                        new DeploymentOptions()
                                .setConfig(new JsonObject()
                                        .put("host", "127.0.0.1")
                                        .put("port", 0)))
                .await(10, TimeUnit.SECONDS);

        int code = run("route-guide-client", "--target=127.0.0.1:" + server.port());

        assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
        assertThat(code).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8).lines())
                .hasSize(16)
                .contains(
                        "GetFeature (10.0120000, -29.9830000) -> \"Ferrowen Harbour\"",
                        "GetFeature (10.0000000, -29.9000000) -> no feature",
                        "ListFeatures (10.0000000, -29.9900000)..(10.0250000, -29.9700000) -> 7 features",
                        "RouteChat 5 notes -> 4 replies")
                .anyMatch(line -> line.matches("RecordRoute 6 points -> 6 points, 5 features, 2761 m, \\d+ s"));
    }

    @Test
    void run_routeGuideClient_nothingListening_printsStatusAndExitsOne() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            closedPort = socket.getLocalPort();
        }

        int code = run("route-guide-client", "--target=127.0.0.1:" + closedPort);

        assertThat(code).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .startsWith("route-guide-client failed: RPC failed with UNAVAILABLE");
        assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
    }

    @Test
    void run_routeGuideClient_serverFlag_printsUsageAndExitsTwo() {
        assertThat(run("route-guide-client", "--port=1")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--port (expected one of: ", "target", "usage:");
    }

    @Test
    void run_routeGuideServer_clientFlag_printsUsageAndExitsTwo() {
        assertThat(run("route-guide-server", "--target=h:1")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--target (expected one of: ", "usage:");
    }

    @Test
    void run_routeGuideServer_badGrace_printsUsageAndExitsTwo() {
        assertThat(run("route-guide-server", "--port=0", "--grace=soon")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--grace: \"soon\"", "usage:");
        assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
    }

    @Test
    void run_benchClient_againstBenchServer_printsOneResultLineAndExitsZero(Vertx vertx) throws Exception {
        BenchEchoServerVerticle server = new BenchEchoServerVerticle();
        vertx.deployVerticle(
                        server,
                        new DeploymentOptions()
                                .setConfig(new JsonObject()
                                        .put("host", "127.0.0.1")
                                        .put("port", 0)))
                .await(10, SECONDS);

        int code = run("bench-client", "--target=127.0.0.1:" + server.port(), "--duration=1", "--warmup=1");

        assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
        assertThat(code).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8).lines())
                .singleElement()
                .asString()
                .matches("bench-client client=rpc-vertx mode=unary .* calls_per_s=[1-9][0-9]* .* errors=0");
    }

    @Test
    void run_benchEchoServer_badEcho_printsUsageAndExitsTwo() {
        assertThat(run("bench-echo-server", "--port=0", "--echo=utf16")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains("--echo: \"utf16\" (expected: string or bytes)", "usage:");
        assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
    }

    @Test
    void run_benchClient_badFlag_printsUsageAndExitsTwo() {
        assertThat(run("bench-client", "--mode=bidi")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--mode: \"bidi\"", "usage:");
    }

    @Test
    void usage_listsEveryProgram() {
        assertThat(Main.USAGE)
                .contains(
                        "  demo ",
                        "  greeter-server ",
                        "  greeter-client ",
                        "  route-guide-server  [--port=50052] [--host=0.0.0.0] [--grace=10]",
                        "  route-guide-client  [--target=localhost:50052]",
                        "  bench-echo-server ",
                        "  bench-client        [--target=127.0.0.1:50200] [--connections=1] [--concurrency=1]");
    }

    @Test
    void flags_keyValuePairs_areParsed() {
        assertThat(Main.flags(new String[] {"greeter-client", "--target=h:1", "--name=a=b"}, Set.of("target", "name")))
                .containsExactly(Map.entry("target", "h:1"), Map.entry("name", "a=b"));
    }

    @Test
    void flags_bareBooleanFlag_meansTrue() {
        assertThat(Main.flags(new String[] {"greeter-client", "--wait-for-ready"}, Main.CLIENT_FLAGS))
                .containsExactly(Map.entry("wait-for-ready", "true"));
    }

    @Test
    void clientConfig_allClientFlags_becomeChannelAndCallOptions() {
        JsonObject config = Main.clientConfig(
                Map.of(
                        "target",
                        "ipv4:127.0.0.1:1,127.0.0.1:2",
                        "wait-for-ready",
                        "true",
                        "timeout",
                        "2.5",
                        "lb",
                        "round_robin",
                        "http2-transport",
                        "netty"),
                "localhost:50051");

        assertThat(config.getString(ClientConfig.TARGET)).isEqualTo("ipv4:127.0.0.1:1,127.0.0.1:2");
        CallOptions call = ClientConfig.callOptions(config, Duration.ofSeconds(10));
        assertThat(call.waitForReady()).contains(true);
        assertThat(call.timeout()).contains(Duration.ofMillis(2500));
        assertThat(ClientConfig.channelOptions(config).loadBalancingPolicy()).isEqualTo("round_robin");
        assertThat(ClientConfig.channelOptions(config).http2Transport()).isEqualTo(Http2Transport.NETTY);
    }

    @Test
    void clientConfig_noFlags_defaults() {
        JsonObject config = Main.clientConfig(Map.of(), "localhost:50051");

        assertThat(config.getString(ClientConfig.TARGET)).isEqualTo("localhost:50051");
        assertThat(ClientConfig.callOptions(config, Duration.ofSeconds(10)).waitForReady())
                .contains(false);
        assertThat(ClientConfig.callOptions(config, Duration.ofSeconds(10)).timeout())
                .contains(Duration.ofSeconds(10));
        assertThat(ClientConfig.channelOptions(config).loadBalancingPolicy()).isEqualTo("pick_first");
        // the library's default (ChannelOptions.DEFAULT)
        assertThat(ClientConfig.channelOptions(config).http2Transport()).isEqualTo(Http2Transport.NETTY);
    }

    @Test
    void run_badClientFlagValues_printUsageAndExitTwo() {
        assertThat(run("greeter-client", "--timeout=0")).isEqualTo(2);
        assertThat(run("greeter-client", "--lb=grpclb")).isEqualTo(2);
        assertThat(run("greeter-client", "--wait-for-ready=maybe")).isEqualTo(2);
        assertThat(run("route-guide-client", "--http2-transport=okhttp")).isEqualTo(2);
        assertThat(run("bench-client", "--http2-transport=h3")).isEqualTo(2);

        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains("--timeout: \"0\" (expected: seconds > 0)")
                .contains("--lb: \"grpclb\" (expected: pick_first or round_robin)")
                .contains("--wait-for-ready: \"maybe\"")
                .contains("--http2-transport: \"okhttp\" (expected: vertx or netty)")
                .contains("--http2-transport: \"h3\" (expected: vertx or netty)");
    }

    @Test
    void run_greeterClientWithClientFlags_againstAServer_exitsZero() throws Exception {
        Vertx vertx = Vertx.vertx();
        try {
            GreeterServerVerticle server = new GreeterServerVerticle();
            vertx.deployVerticle(
                            server,
                            new DeploymentOptions()
                                    .setConfig(new JsonObject()
                                            .put("host", "127.0.0.1")
                                            .put("port", 0)))
                    .await(10, SECONDS);

            int code = run(
                    "greeter-client",
                    "--target=ipv4:127.0.0.1:" + server.port(),
                    "--lb=round_robin",
                    "--wait-for-ready",
                    "--timeout=5",
                    "--name=flags");

            assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
            assertThat(code).isZero();
            assertThat(out.toString(StandardCharsets.UTF_8)).contains("SayHello -> Hello flags");
        } finally {
            vertx.close().await(10, SECONDS);
        }
    }

    @Test
    void run_greeterClient_noServer_failsFastUnavailable_butWaitsForReadyUntilItsTimeout() throws Exception {
        int deadPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            deadPort = s.getLocalPort();
        }

        assertThat(run("greeter-client", "--target=127.0.0.1:" + deadPort, "--timeout=30"))
                .isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("UNAVAILABLE");
        assertThat(run("greeter-client", "--target=127.0.0.1:" + deadPort, "--timeout=1", "--wait-for-ready"))
                .isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("DEADLINE_EXCEEDED");
    }

    @Test
    void flags_withoutValue_throwsIllegalArgumentException() {
        assertThatThrownBy(() -> Main.flags(new String[] {"greeter-client", "--name"}, Set.of("name")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--key=value");
    }

    @Test
    void serverConfig_allServerFlags_mapToConfigKeys() {
        Map<String, String> flags = Main.flags(
                new String[] {"greeter-server", "--grace=3", "--max-concurrent-rpcs=7", "--io-instances=2", "--port=0"},
                Main.SERVER_FLAGS);

        JsonObject config = Main.serverConfig(flags, "127.0.0.1", 50051);

        assertThat(config)
                .isEqualTo(new JsonObject()
                        .put("host", "127.0.0.1")
                        .put("port", 0)
                        .put("grace", 3)
                        .put("maxConcurrentRpcs", 7)
                        .put("ioInstances", 2));
        assertThat(ServerConfig.options(config, ServerOptions.DEFAULT).maximumConcurrentRpcs())
                .hasValue(7);
        assertThat(ServerConfig.options(config, ServerOptions.DEFAULT).ioInstances())
                .isEqualTo(2);
        assertThat(ServerConfig.grace(config)).isEqualTo(Duration.ofSeconds(3));
    }

    @Test
    void serverConfig_defaults_graceTenSecondsNoLimits() {
        JsonObject config = Main.serverConfig(Map.of(), "0.0.0.0", 50051);

        assertThat(ServerConfig.grace(config)).isEqualTo(Duration.ofSeconds(10));
        assertThat(ServerConfig.options(config, ServerOptions.DEFAULT).maximumConcurrentRpcs())
                .isEmpty();
        assertThat(ServerConfig.options(config, ServerOptions.DEFAULT).ioInstances())
                .isEqualTo(ServerOptions.DEFAULT_IO_INSTANCES);
    }

    @Test
    void run_benchServerZeroIoInstances_printsUsageAndExitsTwo() {
        assertThat(run("bench-echo-server", "--io-instances=0")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--io-instances: \"0\"", "usage:");
    }
}
