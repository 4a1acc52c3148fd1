package io.rpcvertx.examples.interop;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/** Our interop client against our interop server, in one JVM over 127.0.0.1: every case must pass. */
@ExtendWith(VertxExtension.class)
@Timeout(120)
class InteropSelfTest {
    static final List<String> CASES = InteropClient.TEST_CASES;

    private InteropServer server;

    @BeforeEach
    void start(Vertx vertx) throws Exception {
        server = InteropServer.start(vertx, InteropServer.Options.plaintext("127.0.0.1", 0))
                .await(10, SECONDS);
    }

    @AfterEach
    void stop() throws Exception {
        server.close().await(10, SECONDS);
    }

    @ParameterizedTest(name = "{0}")
    @FieldSource("CASES")
    void testCase_plaintext_passes(String testCase, Vertx vertx) throws Exception {
        // soak iterations may take up to 10 s each (not grpc-java's 1 s): this machine's cores are shared
        InteropClient.Options options = InteropClient.Options.plaintext("127.0.0.1", server.port())
                .withSoak(
                        InteropClient.Soak.fromFlags(Map.of("soak_per_iteration_max_acceptable_latency_ms", "10000")));
        InteropClient.run(vertx, options, testCase).await(60, SECONDS);
    }

    @Test
    void run_unknownCase_failsWithIllegalArgument(Vertx vertx) {
        assertThatThrownBy(() -> InteropClient.run(
                                vertx, InteropClient.Options.plaintext("127.0.0.1", server.port()), "half_duplex")
                        .await(10, SECONDS))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("half_duplex");
    }

    @Test
    void rpcSoak_serverDown_everyIterationLoggedAndTheCaseFailsOverTheThreshold(Vertx vertx) throws Exception {
        int port = server.port();
        server.close().await(10, SECONDS);
        List<String> lines = new CopyOnWriteArrayList<>();
        InteropClient.Options options = InteropClient.Options.plaintext("127.0.0.1", port)
                .withSoak(InteropClient.Soak.fromFlags(Map.of("soak_iterations", "3", "soak_max_failures", "1")));

        assertThatThrownBy(() -> InteropClient.run(vertx, options, "rpc_soak", lines::add)
                        .await(60, SECONDS))
                .isInstanceOf(InteropClient.CaseFailedException.class)
                .hasMessageContaining("soak test total failures: 3 exceeds max failures threshold: 1");
        assertThat(lines).hasSize(4);
        assertThat(lines.subList(0, 3))
                .allSatisfy(line -> assertThat(line)
                        .startsWith("thread id: 0 soak iteration: ")
                        .contains("failed: UNAVAILABLE"));
        assertThat(lines.get(3)).contains("soak test ran: 3 / 3 iterations. total failures: 3.");
    }

    @Test
    void channelSoak_fourLoops_everyIterationRunsAndSummarized(Vertx vertx) throws Exception {
        List<String> lines = new CopyOnWriteArrayList<>();
        InteropClient.Options options = InteropClient.Options.plaintext("127.0.0.1", server.port())
                .withSoak(InteropClient.Soak.fromFlags(Map.of(
                        "soak_iterations", "8",
                        "soak_num_threads", "4",
                        "soak_per_iteration_max_acceptable_latency_ms", "20000")));

        InteropClient.run(vertx, options, "channel_soak", lines::add).await(60, SECONDS);

        assertThat(lines).singleElement().asString().contains("soak test ran: 8 / 8 iterations. total failures: 0.");
    }

    @Test
    void rpcSoak_overallTimeoutBeforeTheLastIteration_failsQuittingEarly(Vertx vertx) {
        InteropClient.Options options = InteropClient.Options.plaintext("127.0.0.1", server.port())
                .withSoak(InteropClient.Soak.fromFlags(Map.of(
                        "soak_iterations", "4",
                        "soak_overall_timeout_seconds", "1",
                        "soak_min_time_ms_between_rpcs", "600",
                        "soak_per_iteration_max_acceptable_latency_ms", "20000")));

        assertThatThrownBy(() -> InteropClient.run(vertx, options, "rpc_soak").await(60, SECONDS))
                .isInstanceOf(InteropClient.CaseFailedException.class)
                .hasMessageContaining("soak test consumed all 1 seconds of time and quit early")
                .hasMessageContaining("out of desired 4 iterations");
    }

    @Test
    void start_tlsWithoutCertificateOnClasspath_failsNamingTheFlag(Vertx vertx) {
        assertThatThrownBy(() -> InteropServer.start(
                                vertx, InteropServer.Options.fromFlags(Map.of("port", "0", "host", "127.0.0.1")))
                        .await(10, SECONDS))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--tls_cert_file");
    }

    @Test
    void serverClose_thenRun_failsUnavailable(Vertx vertx) throws Exception {
        int port = server.port();
        server.close().await(10, SECONDS);
        assertThatThrownBy(() -> InteropClient.run(
                                vertx, InteropClient.Options.plaintext("127.0.0.1", port), "empty_unary")
                        .await(30, SECONDS))
                .hasMessageContaining("UNAVAILABLE");
        assertThat(port).isPositive();
    }
}
