package io.rpcvertx.examples.bench;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Map;
import org.assertj.core.data.Percentage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The rpc-vertx load client for about a second against the bench.Echo server verticle, so that it does not rot. */
@Timeout(60)
class BenchClientTest {
    private Vertx vertx;
    private BenchEchoServerVerticle server;

    @BeforeEach
    void setUp() throws Exception {
        vertx = Vertx.vertx();
        server = new BenchEchoServerVerticle();
        vertx.deployVerticle(
                        server,
                        new DeploymentOptions()
                                .setConfig(new JsonObject()
                                        .put("host", "127.0.0.1")
                                        .put("port", 0)))
                .await(10, SECONDS);
    }

    @AfterEach
    void tearDown() throws Exception {
        vertx.close().await(20, SECONDS);
    }

    private BenchClientConfig config(String mode) {
        return BenchClientConfig.of(Map.of(
                "target", "127.0.0.1:" + server.port(),
                "connections", "2",
                "concurrency", "4",
                "duration", "1",
                "warmup", "1",
                "size", "100",
                "mode", mode,
                "stream-messages", "10",
                "event-loops", "1"));
    }

    @Test
    void run_unary_countsCallsAndNoErrors() throws Exception {
        BenchResult result = BenchClient.run(config("unary"));

        assertThat(result.errors()).as(String.valueOf(result.firstError())).isZero();
        assertThat(result.calls()).isPositive();
        assertThat(result.messages()).isEqualTo(result.calls());
        assertThat(result.latency().count()).isEqualTo(result.calls());
        assertThat(result.line())
                .startsWith("bench-client client=rpc-vertx mode=unary ")
                .contains(" connections=2 concurrency=4 size=100 stream_messages=1 ", " errors=0");
    }

    @Test
    void run_stream_countsEveryReply() throws Exception {
        BenchResult result = BenchClient.run(config("stream"));

        assertThat(result.errors()).as(String.valueOf(result.firstError())).isZero();
        assertThat(result.calls()).isPositive();
        assertThat(result.messages()).isEqualTo(result.calls() * 10);
    }

    @Test
    void of_defaults() {
        BenchClientConfig config = BenchClientConfig.of(Map.of());

        assertThat(config.target()).isEqualTo("127.0.0.1:50200");
        assertThat(config.connections()).isEqualTo(1);
        assertThat(config.concurrency()).isEqualTo(1);
        assertThat(config.duration()).isEqualTo(Duration.ofSeconds(10));
        assertThat(config.warmup()).isEqualTo(Duration.ofSeconds(5));
        assertThat(config.size()).isEqualTo(100);
        assertThat(config.mode()).isEqualTo(BenchClientConfig.Mode.UNARY);
        assertThat(config.streamMessages()).isEqualTo(1);
        assertThat(config.message()).hasSize(100);
    }

    @Test
    void of_badValues_nameTheFlag() {
        assertThatThrownBy(() -> BenchClientConfig.of(Map.of("connections", "0")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("--connections: \"0\" (expected: an integer >= 1)");
        assertThatThrownBy(() -> BenchClientConfig.of(Map.of("mode", "bidi")))
                .hasMessage("--mode: \"bidi\" (expected: unary or stream)");
        assertThatThrownBy(() -> BenchClientConfig.of(Map.of("duration", "0")))
                .hasMessage("--duration: \"0\" (expected: seconds > 0)");
        assertThatThrownBy(() -> BenchClientConfig.of(Map.of("port", "1")))
                .hasMessageStartingWith("flag: --port (expected one of: ");
    }

    @Test
    void latencyHistogram_quantilesWithinTwoPercent() {
        LatencyHistogram histogram = new LatencyHistogram();
        for (long micros = 1; micros <= 10_000; micros++) {
            histogram.record(micros * 1000);
        }

        assertThat(histogram.count()).isEqualTo(10_000);
        assertThat(histogram.quantileNanos(0.5)).isCloseTo(5_000_000L, Percentage.withPercentage(2));
        assertThat(histogram.quantileNanos(0.99)).isCloseTo(9_900_000L, Percentage.withPercentage(2));
        assertThat(histogram.quantileNanos(1)).isEqualTo(10_000_000L);
        assertThat(histogram.maxNanos()).isEqualTo(10_000_000L);
    }

    @Test
    void latencyHistogram_smallAndHugeValues() {
        LatencyHistogram histogram = new LatencyHistogram();
        histogram.record(-5);
        histogram.record(127);
        histogram.record(Long.MAX_VALUE);

        assertThat(histogram.quantileNanos(0)).isZero();
        assertThat(histogram.quantileNanos(0.5)).isEqualTo(127);
        assertThat(histogram.quantileNanos(1)).isEqualTo(Long.MAX_VALUE);
    }
}
