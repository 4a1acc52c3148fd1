package io.rpcvertx.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rpcvertx.ServerOptions;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
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
