package io.rpcvertx.examples;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rpcvertx.CallOptions;
import io.rpcvertx.examples.helloworld.GreeterServerVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

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
                        "round_robin"),
                "localhost:50051");

        assertThat(config.getString(ClientConfig.TARGET)).isEqualTo("ipv4:127.0.0.1:1,127.0.0.1:2");
        CallOptions call = ClientConfig.callOptions(config, Duration.ofSeconds(10));
        assertThat(call.waitForReady()).contains(true);
        assertThat(call.timeout()).contains(Duration.ofMillis(2500));
        assertThat(ClientConfig.channelOptions(config).loadBalancingPolicy()).isEqualTo("round_robin");
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
    }

    @Test
    void run_badClientFlagValues_printUsageAndExitTwo() {
        assertThat(run("greeter-client", "--timeout=0")).isEqualTo(2);
        assertThat(run("greeter-client", "--lb=grpclb")).isEqualTo(2);
        assertThat(run("greeter-client", "--wait-for-ready=maybe")).isEqualTo(2);

        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains("--timeout: \"0\" (expected: seconds > 0)")
                .contains("--lb: \"grpclb\" (expected: pick_first or round_robin)")
                .contains("--wait-for-ready: \"maybe\"");
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
}
