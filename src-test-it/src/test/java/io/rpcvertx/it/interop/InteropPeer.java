package io.rpcvertx.it.interop;

import io.rpcvertx.it.grpcio.PythonPeer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * An out-of-process interop peer: the grpcio (Python grpc.aio on C-core) or grpc-js programs in {@code src/test/python}
 * and {@code src/test/node}, with grpc-java's interop flags. Both need what the Maven build extracts from grpc-java's
 * jars into {@code target/}: the {@code grpc/testing} protos (and their descriptor set, for grpcio) and the test CA.
 */
enum InteropPeer {
    GRPCIO("grpcio") {
        @Override
        List<String> program(String role) {
            return List.of(
                    PythonPeer.PYTHON,
                    "-u",
                    Path.of("src", "test", "python", "interop_" + role + ".py").toString());
        }

        @Override
        Optional<String> problem() {
            try {
                PythonPeer.assumeAvailable();
            } catch (org.opentest4j.TestAbortedException | AssertionError e) {
                return Optional.of(String.valueOf(e.getMessage()));
            }
            return missing(TARGET.resolve("interop-protos").resolve("interop.protoset"));
        }
    },
    GRPC_JS("grpc-js") {
        @Override
        List<String> program(String role) {
            return List.of(
                    node(),
                    Path.of("src", "test", "node", "interop_" + role + ".js").toString());
        }

        @Override
        Optional<String> problem() {
            if (node() == null) {
                return Optional.of("node not found (apt-get install nodejs npm; .ci/run does it)");
            }
            Path grpcJs = NODE_DIR.resolve("node_modules").resolve("@grpc").resolve("grpc-js");
            if (!Files.isDirectory(grpcJs)) {
                return Optional.of(grpcJs + " missing: run `npm ci` in " + NODE_DIR
                        + " with src-test-it/src/test/node/package.json and package-lock.json copied there, or `npm"
                        + " install --prefix " + NODE_DIR + " @grpc/grpc-js@1.14.7 @grpc/proto-loader@0.8.1`"
                        + " (.ci/run does it; RPCVERTX_NODE_DIR overrides the directory)");
            }
            return missing(TARGET.resolve("interop-protos")
                    .resolve("grpc")
                    .resolve("testing")
                    .resolve("test.proto"));
        }
    };

    /** Relative to the module directory, which surefire uses as the working directory. */
    static final Path TARGET = Path.of("target");

    static final Path CERTS = TARGET.resolve("grpc-test-certs").resolve("certs");

    /** The host name in grpc-java's test server certificate (server1.pem: *.test.google.fr). */
    static final String HOST_OVERRIDE = "foo.test.google.fr";

    static final Path NODE_DIR = Path.of(Optional.ofNullable(System.getenv("RPCVERTX_NODE_DIR"))
            .orElse(System.getProperty("user.home") + "/.cache/rpcvertx-node"));

    private final String label;

    InteropPeer(String label) {
        this.label = label;
    }

    /** The name in reports and in {@code target/interop-matrix/<label>.tsv}. */
    String label() {
        return label;
    }

    /** The command that runs this peer's {@code interop_<role>} program, without flags. */
    abstract List<String> program(String role);

    /** Why this peer cannot run here, if it cannot. */
    abstract Optional<String> problem();

    /**
     * Skips the calling test class when this peer cannot run, or fails it when {@code RPCVERTX_REQUIRE_PEERS=true}
     * (CI) says it must.
     */
    void assumeAvailable() {
        Optional<String> problem = problem();
        if (problem.isEmpty()) {
            return;
        }
        String message = label + " interop peer missing: " + problem.get();
        if ("true".equals(System.getenv("RPCVERTX_REQUIRE_PEERS"))) {
            Assertions.fail(message);
        }
        Assumptions.assumeTrue(false, message);
    }

    /** The server command: 127.0.0.1, any free port, grpc-java's test certificate with TLS. */
    List<String> serverCommand(boolean tls) {
        List<String> command = new ArrayList<>(program("server"));
        command.add("--port=0");
        if (tls) {
            command.add("--use_tls=true");
            command.add("--tls_cert_file=" + CERTS.resolve("server1.pem").toAbsolutePath());
            command.add("--tls_key_file=" + CERTS.resolve("server1.key").toAbsolutePath());
        }
        return command;
    }

    /** The client command running {@code cases} (or {@code all}) against 127.0.0.1:{@code port}. */
    List<String> clientCommand(int port, boolean tls, String cases) {
        List<String> command = new ArrayList<>(program("client"));
        command.add("--server_host=127.0.0.1");
        command.add("--server_port=" + port);
        command.add("--test_case=" + cases);
        if (tls) {
            command.add("--use_tls=true");
            command.add("--ca_file=" + CERTS.resolve("ca.pem").toAbsolutePath());
            command.add("--server_host_override=" + HOST_OVERRIDE);
        }
        return command;
    }

    private static Optional<String> missing(Path file) {
        return Files.isRegularFile(file)
                ? Optional.empty()
                : Optional.of(file.toAbsolutePath() + " missing (written by the src-test-it build:"
                        + " mvn -pl src-test-it -am test-compile)");
    }

    private static String node() {
        String path = System.getenv().getOrDefault("PATH", "");
        for (String dir : path.split(java.io.File.pathSeparator)) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, "node");
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        return Files.isExecutable(Path.of("/usr/bin/node")) ? "/usr/bin/node" : null;
    }
}
