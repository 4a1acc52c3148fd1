package io.rpcvertx.examples.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class InteropFlagsTest {
    @Test
    void serverOptions_noFlags_grpcJavaDefaults() {
        InteropServer.Options options = InteropServer.Options.fromFlags(Map.of());

        assertThat(options).isEqualTo(new InteropServer.Options("0.0.0.0", 8080, true, null, null));
    }

    @Test
    void serverOptions_allFlags_parsed() {
        InteropServer.Options options = InteropServer.Options.fromFlags(Map.of(
                "port", "0",
                "use_tls", "true",
                "tls_cert_file", "/tmp/c.pem",
                "tls_key_file", "/tmp/k.pem",
                "host", "127.0.0.1"));

        assertThat(options)
                .isEqualTo(InteropServer.Options.tls("127.0.0.1", 0, Path.of("/tmp/c.pem"), Path.of("/tmp/k.pem")));
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

        assertThat(options).isEqualTo(new InteropClient.Options("localhost", 8080, false, false, null, null));
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
    void clientOptions_portZero_namesTheFlag() {
        assertThatThrownBy(() -> InteropClient.Options.fromFlags(Map.of("server_port", "0")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("--server_port: \"0\" (expected: 1..65535)");
    }

    @Test
    void testCases_all_everyStandardCase() {
        assertThat(InteropClient.testCases("all"))
                .hasSize(19)
                .startsWith("empty_unary")
                .endsWith("very_large_request");
    }

    @Test
    void testCases_commaList_inOrder() {
        assertThat(InteropClient.testCases("large_unary,ping_pong")).isEqualTo(List.of("large_unary", "ping_pong"));
    }

    @Test
    void testCases_unknown_namesIt() {
        assertThatThrownBy(() -> InteropClient.testCases("large_unary,rpc_soak"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("--test_case: \"rpc_soak\"");
    }
}
