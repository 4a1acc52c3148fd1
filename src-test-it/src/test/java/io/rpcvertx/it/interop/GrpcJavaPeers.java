package io.rpcvertx.it.interop;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * grpc-java's interop programs from {@code io.grpc:grpc-interop-testing}, each in a JVM of its own with grpc-java's
 * own classpath (resolved from {@code grpc-java-peer/pom.xml} by this module's build, with grpc-java's Netty 4.1 and protobuf 3).
 * The server binds 127.0.0.1 ({@code --address_type=IPV4}); TLS uses grpc-java's test certificate, which is valid
 * for {@value #TEST_HOST}.
 */
final class GrpcJavaPeers {
    static final String TEST_HOST = "foo.test.google.fr";
    static final String SERVER_MAIN = "io.grpc.testing.integration.TestServiceServer";

    /** Relative to the module directory, which surefire uses as the working directory. */
    private static final Path CLASSPATH_FILE = Path.of("target", "grpc-java-interop.classpath");

    private static final Path CERTS = Path.of("target", "grpc-test-certs", "certs");
    private static final Duration SERVER_START = Duration.ofSeconds(30);
    private static final int START_ATTEMPTS = 3;

    private GrpcJavaPeers() {}

    /**
     * grpc-java's classpath; skips the calling class when it was not built (or fails it when
     * {@code RPCVERTX_REQUIRE_PEERS=true}).
     */
    static String classpath() {
        if (!Files.isRegularFile(CLASSPATH_FILE)) {
            String message = "grpc-java interop peer missing: "
                    + CLASSPATH_FILE.toAbsolutePath().normalize()
                    + " not found (run the build through generate-test-resources: it resolves grpc-java-peer/pom.xml)";
            if ("true".equals(System.getenv("RPCVERTX_REQUIRE_PEERS"))) {
                Assertions.fail(message);
            }
            Assumptions.assumeTrue(false, message);
        }
        try {
            return Files.readString(CLASSPATH_FILE, UTF_8).strip();
        } catch (IOException e) {
            throw new IllegalStateException("reading " + CLASSPATH_FILE + ": " + e, e);
        }
    }

    static Path caFile() {
        return certFile("ca.pem");
    }

    static Path serverCertFile() {
        return certFile("server1.pem");
    }

    static Path serverKeyFile() {
        return certFile("server1.key");
    }

    private static Path certFile(String name) {
        Path file = CERTS.resolve(name);
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException(file.toAbsolutePath() + " missing (unpacked from io.grpc:grpc-testing in"
                    + " generate-test-resources)");
        }
        return file;
    }

    /** A running grpc-java TestServiceServer. */
    record Server(JavaPeer process, int port) implements AutoCloseable {
        @Override
        public void close() throws InterruptedException {
            process.close();
        }
    }

    /**
     * Starts grpc-java's TestServiceServer on a free loopback port and waits (bounded) for "Server started"; retries
     * with another port if the one picked was taken meanwhile.
     */
    static Server startServer(String classpath, Transport transport) throws IOException, InterruptedException {
        StringBuilder failures = new StringBuilder();
        for (int attempt = 0; attempt < START_ATTEMPTS; attempt++) {
            int port = freePort();
            JavaPeer peer = JavaPeer.start(
                    "grpc-java TestServiceServer (" + transport.label() + ")",
                    classpath,
                    SERVER_MAIN,
                    List.of("--port=" + port, "--use_tls=" + (transport == Transport.TLS), "--address_type=IPV4"));
            if (peer.awaitLine("Server started", SERVER_START).isPresent()) {
                return new Server(peer, port);
            }
            peer.close();
            failures.append(peer.describe()).append(":\n").append(peer.transcript());
        }
        throw new AssertionError("grpc-java TestServiceServer did not start:\n" + failures);
    }

    /**
     * Starts grpc-java's TestServiceClient for {@code cases} in one JVM ({@link GrpcJavaClientBatch}) against
     * 127.0.0.1:{@code port}, the soak cases with {@link InteropCases#SOAK_FLAGS}.
     */
    static JavaPeer startClientBatch(String classpath, Transport transport, int port, List<String> cases)
            throws IOException {
        List<String> args = new ArrayList<>(List.of(
                "--test_cases=" + String.join(",", cases),
                "--server_host=127.0.0.1",
                "--server_port=" + port,
                "--use_tls=" + (transport == Transport.TLS)));
        if (transport == Transport.TLS) {
            args.add("--use_test_ca=true");
            args.add("--server_host_override=" + TEST_HOST);
        }
        args.addAll(InteropCases.soakArgs());
        return JavaPeer.start(
                "grpc-java TestServiceClient (" + transport.label() + ", port " + port + ")",
                classpath + File.pathSeparator + ownClassesDirectory(),
                GrpcJavaClientBatch.class.getName(),
                args);
    }

    /**
     * Each case's outcome from a client batch, waiting up to {@code timeout} for it to finish (a batch still
     * running then is killed; its unfinished cases fail with the transcript).
     */
    static Map<String, CaseResult> awaitBatch(JavaPeer batch, List<String> cases, Duration timeout)
            throws InterruptedException {
        Optional<Integer> exit = batch.awaitExit(timeout);
        Map<String, CaseResult> results = new LinkedHashMap<>();
        for (String line : batch.stdoutLines()) {
            if (line.startsWith(GrpcJavaClientBatch.CASE_PREFIX)) {
                String[] parts =
                        line.substring(GrpcJavaClientBatch.CASE_PREFIX.length()).split(" ", 3);
                results.put(
                        parts[0],
                        parts[1].equals("PASS")
                                ? CaseResult.pass()
                                : CaseResult.fail(parts.length > 2 ? parts[2] : "(no reason)"));
            }
        }
        String unfinished = exit.isEmpty()
                ? batch.describe() + " did not finish within " + timeout + " and was killed"
                : batch.describe() + " exited with " + exit.get() + " before reporting this case";
        for (String testCase : cases) {
            results.computeIfAbsent(
                    testCase, c -> CaseResult.fail(unfinished + "; transcript:\n" + batch.transcript()));
        }
        return results;
    }

    /** The outcome of one case. */
    record CaseResult(boolean passed, String reason) {
        static CaseResult pass() {
            return new CaseResult(true, "");
        }

        static CaseResult fail(String reason) {
            return new CaseResult(false, reason);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return socket.getLocalPort();
        }
    }

    private static String ownClassesDirectory() {
        try {
            return Path.of(GrpcJavaClientBatch.class
                            .getProtectionDomain()
                            .getCodeSource()
                            .getLocation()
                            .toURI())
                    .toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
