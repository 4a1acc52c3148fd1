package io.rpcvertx.examples;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.rpcvertx.examples.interop.InteropServer;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code interop-client} and {@code interop-server} through {@link Main}: flags, output and exit codes. */
@ExtendWith(VertxExtension.class)
@Timeout(60)
class MainInteropTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return Main.run(
                args,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void interopClient_twoCases_printsGrpcJavaLinesAndExitsZero(Vertx vertx) throws Exception {
        InteropServer server = InteropServer.start(vertx, InteropServer.Options.plaintext("127.0.0.1", 0))
                .await(10, SECONDS);
        try {
            int code = run(
                    "interop-client",
                    "--server_host=127.0.0.1",
                    "--server_port=" + server.port(),
                    "--use_tls=false",
                    "--test_case=empty_unary,large_unary");

            assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
            assertThat(code).isZero();
            assertThat(out.toString(StandardCharsets.UTF_8).lines())
                    .containsExactly(
                            "Running test empty_unary",
                            "Test completed.",
                            "Running test large_unary",
                            "Test completed.");
        } finally {
            server.close().await(10, SECONDS);
        }
    }

    @Test
    void interopClient_rpcSoak_printsGrpcJavasSummaryLine(Vertx vertx) throws Exception {
        InteropServer server = InteropServer.start(vertx, InteropServer.Options.plaintext("127.0.0.1", 0))
                .await(10, SECONDS);
        try {
            int code = run(
                    "interop-client",
                    "--server_host=127.0.0.1",
                    "--server_port=" + server.port(),
                    "--test_case=rpc_soak",
                    "--soak_iterations=4",
                    "--soak_per_iteration_max_acceptable_latency_ms=20000");

            assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
            assertThat(code).isZero();
            assertThat(out.toString(StandardCharsets.UTF_8).lines())
                    .hasSize(3)
                    .startsWith("Running test rpc_soak")
                    .endsWith("Test completed.")
                    .anySatisfy(line -> assertThat(line)
                            .startsWith("(server_uri: 127.0.0.1:" + server.port() + ") soak test ran: 4 / 4 iterations."
                                    + " total failures: 0. p50: "));
        } finally {
            server.close().await(10, SECONDS);
        }
    }

    @Test
    void interopClient_serverDown_reportsTheCaseAndExitsOne(Vertx vertx) throws Exception {
        InteropServer server = InteropServer.start(vertx, InteropServer.Options.plaintext("127.0.0.1", 0))
                .await(10, SECONDS);
        int port = server.port();
        server.close().await(10, SECONDS);

        int code = run("interop-client", "--server_host=127.0.0.1", "--server_port=" + port, "--test_case=empty_unary");

        assertThat(code).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains("Test failed: empty_unary: RPC failed with UNAVAILABLE", "1 of 1 failed");
    }

    @Test
    void interopClient_unknownCase_printsUsageAndExitsTwo() {
        assertThat(run("interop-client", "--test_case=compute_engine_creds")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--test_case: \"compute_engine_creds\"", "usage:");
    }

    @Test
    void interopServer_unknownFlag_printsUsageAndExitsTwo() {
        assertThat(run("interop-server", "--address_type=IPV4")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--address_type", "usage:");
    }

    @Test
    void interopServer_badServerFlags_printUsageAndExitTwo() {
        assertThat(run("interop-server", "--port=0", "--grace=soon")).isEqualTo(2);
        assertThat(run("interop-server", "--port=0", "--max-concurrent-rpcs=0")).isEqualTo(2);
        assertThat(run("interop-server", "--port=0", "--io-instances=-2")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains(
                        "--grace: \"soon\"",
                        "--max-concurrent-rpcs: \"0\" (expected: an integer >= 1)",
                        "--io-instances: \"-2\"",
                        "  interop-server      [--port=8080] [--use_tls=true]");
    }

    @Test
    void interopServer_tlsWithoutCertificate_failsToStartNamingTheFlag() {
        assertThat(run("interop-server", "--port=0", "--host=127.0.0.1", "--use_tls"))
                .isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("interop-server failed to start", "--tls_cert_file");
    }
}
