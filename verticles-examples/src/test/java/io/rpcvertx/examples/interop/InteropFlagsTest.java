package io.rpcvertx.examples.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rpcvertx.Http2Transport;
import io.rpcvertx.ServerOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class InteropFlagsTest {
    @Test
    void serverOptions_noFlags_grpcJavaDefaults() {
        InteropServer.Options options = InteropServer.Options.fromFlags(Map.of());

        assertThat(options)
                .isEqualTo(new InteropServer.Options(
                        "0.0.0.0",
                        8080,
                        true,
                        null,
                        null,
                        Duration.ofSeconds(10),
                        0,
                        0,
                        ServerOptions.DEFAULT.http2Transport()));
    }

    @Test
    void serverOptions_allFlags_parsed() {
        InteropServer.Options options = InteropServer.Options.fromFlags(Map.of(
                "port", "0",
                "use_tls", "true",
                "tls_cert_file", "/tmp/c.pem",
                "tls_key_file", "/tmp/k.pem",
                "host", "127.0.0.1",
                "grace", "3",
                "max-concurrent-rpcs", "1",
                "io-instances", "2",
                "http2-transport", "netty"));

        assertThat(options)
                .isEqualTo(InteropServer.Options.tls("127.0.0.1", 0, Path.of("/tmp/c.pem"), Path.of("/tmp/k.pem"))
                        .withGrace(Duration.ofSeconds(3))
                        .withMaximumConcurrentRpcs(1)
                        .withIoInstances(2)
                        .withHttp2Transport(Http2Transport.NETTY));
    }

    @Test
    void serverOptions_badGrace_namesTheFlag() {
        assertThatThrownBy(() -> InteropServer.Options.fromFlags(Map.of("grace", "soon")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("--grace: \"soon\" (expected: an integer >= 0)");
    }

    @Test
    void serverOptions_zeroMaxConcurrentRpcs_namesTheFlag() {
        assertThatThrownBy(() -> InteropServer.Options.fromFlags(Map.of("max-concurrent-rpcs", "0")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("--max-concurrent-rpcs: \"0\" (expected: an integer >= 1)");
    }

    @Test
    void serverFlags_everyServerProgramsFlags_accepted() {
        assertThat(InteropServer.FLAGS)
                .contains("port", "use_tls", "tls_cert_file", "tls_key_file", "host")
                .contains("grace", "max-concurrent-rpcs", "io-instances", "http2-transport");
    }

    @Test
    void serverOptions_http2Transport_bothParsed_otherValuesNamed() {
        assertThat(InteropServer.Options.fromFlags(Map.of("http2-transport", "vertx"))
                        .http2Transport())
                .isEqualTo(Http2Transport.VERTX_HTTP);
        assertThat(InteropServer.Options.fromFlags(Map.of("http2-transport", "netty"))
                        .http2Transport())
                .isEqualTo(Http2Transport.NETTY);
        assertThatThrownBy(() -> InteropServer.Options.fromFlags(Map.of("http2-transport", "okhttp")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("--http2-transport: \"okhttp\" (expected: vertx or netty)");
    }

    @Test
    void serverOptions_badBoolean_namesTheFlag() {
        assertThatThrownBy(() -> InteropServer.Options.fromFlags(Map.of("use_tls", "yes")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("--use_tls: \"yes\" (expected: true or false)");
    }

    @Test
    void serverOptions_portOutOfRange_namesTheFlag() {
        assertThatThrownBy(() -> InteropServer.Options.fromFlags(Map.of("port", "70000")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("--port: \"70000\" (expected: 0..65535)");
    }

    @Test
    void clientOptions_noFlags_grpcJavaDefaults() {
        InteropClient.Options options = InteropClient.Options.fromFlags(Map.of());

        assertThat(options)
                .isEqualTo(new InteropClient.Options(
                        "localhost", 8080, false, false, null, null, InteropClient.Soak.DEFAULT, Http2Transport.NETTY));
    }

    @Test
    void clientOptions_http2Transport_nettyParsed_otherValuesNamed() {
        assertThat(InteropClient.Options.fromFlags(Map.of("http2-transport", "netty"))
                        .http2Transport())
                .isEqualTo(Http2Transport.NETTY);
        assertThat(InteropClient.Options.fromFlags(Map.of("http2-transport", "vertx"))
                        .http2Transport())
                .isEqualTo(Http2Transport.VERTX_HTTP);
        assertThatThrownBy(() -> InteropClient.Options.fromFlags(Map.of("http2-transport", "okhttp")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("--http2-transport: \"okhttp\" (expected: vertx or netty)");
    }

    @Test
    void clientOptions_tlsFlags_parsed() {
        InteropClient.Options options = InteropClient.Options.fromFlags(Map.of(
                "server_host", "127.0.0.1",
                "server_port", "50051",
                "use_tls", "true",
                "use_test_ca", "true",
                "ca_file", "/tmp/ca.pem",
                "server_host_override", "foo.test.google.fr"));

        assertThat(options)
                .isEqualTo(InteropClient.Options.tls("127.0.0.1", 50051, Path.of("/tmp/ca.pem"), "foo.test.google.fr"));
    }

    @Test
    void clientOptions_soakFlags_parsed() {
        InteropClient.Options options = InteropClient.Options.fromFlags(Map.of(
                "soak_iterations", "20",
                "soak_max_failures", "2",
                "soak_per_iteration_max_acceptable_latency_ms", "500",
                "soak_overall_timeout_seconds", "7",
                "soak_min_time_ms_between_rpcs", "5",
                "soak_num_threads", "4",
                "soak_request_size", "10",
                "soak_response_size", "11"));

        assertThat(options.soak())
                .isEqualTo(new InteropClient.Soak(
                        20, 2, Duration.ofMillis(500), Duration.ofSeconds(7), Duration.ofMillis(5), 4, 10, 11));
    }

    @Test
    void soak_noOverallTimeout_iterationsTimesLatency() {
        assertThat(InteropClient.Soak.fromFlags(
                                Map.of("soak_iterations", "30", "soak_per_iteration_max_acceptable_latency_ms", "200"))
                        .overallTimeout())
                .isEqualTo(Duration.ofSeconds(6));
        assertThat(InteropClient.Soak.fromFlags(Map.of())).isEqualTo(InteropClient.Soak.DEFAULT);
    }

    @Test
    void soak_threadsNotDividingIterations_namesTheFlag() {
        assertThatThrownBy(() -> InteropClient.Soak.fromFlags(Map.of("soak_iterations", "10", "soak_num_threads", "3")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("--soak_num_threads: \"3\" (expected: a divisor of --soak_iterations=10)");
    }

    @Test
    void soak_badIterations_namesTheFlag() {
        assertThatThrownBy(() -> InteropClient.Soak.fromFlags(Map.of("soak_iterations", "0")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("--soak_iterations: \"0\" (expected: an integer >= 1)");
    }

    @Test
    void clientOptions_portZero_namesTheFlag() {
        assertThatThrownBy(() -> InteropClient.Options.fromFlags(Map.of("server_port", "0")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("--server_port: \"0\" (expected: 1..65535)");
    }

    @Test
    void testCases_all_everyStandardCase() {
        assertThat(InteropClient.testCases("all"))
                .hasSize(26)
                .startsWith("empty_unary")
                .contains(
                        "very_large_request",
                        "client_compressed_unary_noprobe",
                        "client_compressed_streaming_noprobe",
                        "pick_first_unary",
                        "rpc_soak",
                        "channel_soak")
                .endsWith("orca_per_rpc", "orca_oob")
                .doesNotHaveDuplicates();
    }

    @Test
    void testCases_commaList_inOrder() {
        assertThat(InteropClient.testCases("large_unary,ping_pong")).isEqualTo(List.of("large_unary", "ping_pong"));
    }

    @Test
    void testCases_unknown_namesIt() {
        assertThatThrownBy(() -> InteropClient.testCases("large_unary,compute_engine_creds"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("--test_case: \"compute_engine_creds\"");
    }
}
