package io.rpcvertx.examples.interop;

import io.rpcvertx.Channel;
import io.rpcvertx.ChannelCredentials;
import io.rpcvertx.ChannelOptions;
import io.rpcvertx.RpcVertx;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The gRPC interop test client ({@code interop-client}): runs the standard test cases against a
 * {@code grpc.testing.TestService} server, taking grpc-java {@code TestServiceClient}'s flags.
 *
 * <pre>{@code
 * InteropClient.Options options = InteropClient.Options.plaintext("127.0.0.1", port);
 * InteropClient.run(vertx, options, "large_unary").await(); // fails with CaseFailedException or RpcException
 * }</pre>
 */
public final class InteropClient {
    /** Every standard case this client runs, in the order {@code --test_case=all} runs them. */
    public static final List<String> TEST_CASES = List.of(
            "empty_unary",
            "large_unary",
            "client_compressed_unary",
            "server_compressed_unary",
            "client_streaming",
            "client_compressed_streaming",
            "server_streaming",
            "server_compressed_streaming",
            "ping_pong",
            "empty_stream",
            "cancel_after_begin",
            "cancel_after_first_response",
            "timeout_on_sleeping_server",
            "custom_metadata",
            "status_code_and_message",
            "special_status_message",
            "unimplemented_method",
            "unimplemented_service",
            "very_large_request");

    /** The flags of {@code interop-client}, grpc-java's names. */
    public static final Set<String> FLAGS = Set.of(
            "server_host", "server_port", "test_case", "use_tls", "use_test_ca", "ca_file", "server_host_override");

    /** grpc-java's defaults: {@code --server_host=localhost}, {@code --server_port=8080}. */
    public static final String DEFAULT_HOST = "localhost";

    public static final int DEFAULT_PORT = 8080;

    private InteropClient() {}

    /** A test case's check did not hold; the message says what was received and what was expected. */
    public static final class CaseFailedException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        CaseFailedException(String message) {
            super(message);
        }

        CaseFailedException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Where and how to connect.
     *
     * @param serverHost the server's host name or address
     * @param serverPort its port
     * @param useTls connect with TLS
     * @param useTestCa trust grpc-java's test CA (from {@code caFile}, else from the classpath) instead of the JVM's
     *     trust store
     * @param caFile a PEM file of CA certificates to trust; implies a custom CA
     * @param serverHostOverride the host name the server certificate must match (and the {@code :authority}),
     *     instead of {@code serverHost}; e.g. {@code foo.test.google.fr} for grpc-java's test certificate
     */
    public record Options(
            String serverHost,
            int serverPort,
            boolean useTls,
            boolean useTestCa,
            @Nullable Path caFile,
            @Nullable String serverHostOverride) {
        public Options {
            Objects.requireNonNull(serverHost, "serverHost");
            if (serverPort < 1 || serverPort > 65535) {
                throw new IllegalArgumentException("serverPort: " + serverPort + " (expected: 1..65535)");
            }
        }

        /** Plaintext to {@code host:port}. */
        public static Options plaintext(String host, int port) {
            return new Options(host, port, false, false, null, null);
        }

        /** TLS to {@code host:port}, trusting the CA in {@code caFile}, expecting a certificate for {@code hostName}. */
        public static Options tls(String host, int port, Path caFile, String hostName) {
            return new Options(host, port, true, true, caFile, hostName);
        }

        /**
         * The options of grpc-java's flags ({@link #FLAGS} but {@code --test_case}): {@code --server_host} (default
         * {@value #DEFAULT_HOST}), {@code --server_port} (default {@value #DEFAULT_PORT}), {@code --use_tls} (default
         * {@code false}, as grpc-java's client), {@code --use_test_ca}, {@code --ca_file},
         * {@code --server_host_override}.
         *
         * @throws IllegalArgumentException for a malformed value, naming the flag
         */
        public static Options fromFlags(Map<String, String> flags) {
            String port = flags.getOrDefault("server_port", String.valueOf(DEFAULT_PORT));
            int parsed;
            try {
                parsed = Integer.parseInt(port);
            } catch (NumberFormatException e) {
                parsed = -1;
            }
            if (parsed < 1 || parsed > 65535) {
                throw new IllegalArgumentException("--server_port: \"" + port + "\" (expected: 1..65535)");
            }
            String override = flags.get("server_host_override");
            return new Options(
                    flags.getOrDefault("server_host", DEFAULT_HOST),
                    parsed,
                    Flags.bool(flags, "use_tls", false),
                    Flags.bool(flags, "use_test_ca", false),
                    Flags.path(flags, "ca_file"),
                    override == null || override.isEmpty() ? null : override);
        }
    }

    /**
     * The cases {@code --test_case} names: one case, a comma-separated list, or {@code all} ({@link #TEST_CASES}).
     *
     * @throws IllegalArgumentException for an unknown case
     */
    public static List<String> testCases(String flag) {
        if (flag.equals("all")) {
            return TEST_CASES;
        }
        List<String> cases = new ArrayList<>();
        for (String name : flag.split(",", -1)) {
            String trimmed = name.trim();
            if (!TEST_CASES.contains(trimmed)) {
                throw new IllegalArgumentException(
                        "--test_case: \"" + trimmed + "\" (expected: all, or one or more of " + TEST_CASES + ")");
            }
            cases.add(trimmed);
        }
        return cases;
    }

    /**
     * Runs one test case on a channel of its own, closed afterwards. Call from any thread. The future succeeds when
     * every check held, and fails with {@link CaseFailedException} (a check), an {@link io.rpcvertx.RpcException}
     * (an RPC that should have succeeded), or an {@link IllegalArgumentException} (an unknown case, an unreadable
     * CA file).
     */
    public static Future<Void> run(Vertx vertx, Options options, String testCase) {
        if (!TEST_CASES.contains(testCase)) {
            return Future.failedFuture(new IllegalArgumentException(
                    "test case: \"" + testCase + "\" (expected one of " + TEST_CASES + ")"));
        }
        return channel(vertx, options)
                .compose(channel -> new InteropCases(channel).run(testCase).eventually(() -> channel.close()));
    }

    private static Future<Channel> channel(Vertx vertx, Options options) {
        String host = options.serverHost();
        String target =
                (host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + options.serverPort();
        ChannelOptions channelOptions =
                ChannelOptions.DEFAULT.withMaxReceiveMessageLength(InteropServer.MAX_MESSAGE_SIZE);
        if (!options.useTls()) {
            return Future.succeededFuture(RpcVertx.insecureChannel(vertx, target, channelOptions));
        }
        if (options.serverHostOverride() != null) {
            channelOptions = channelOptions.withSslTargetNameOverride(options.serverHostOverride());
        }
        ChannelOptions tlsOptions = channelOptions;
        if (!options.useTestCa() && options.caFile() == null) {
            return Future.succeededFuture(RpcVertx.secureChannel(vertx, target, ChannelCredentials.ssl(), tlsOptions));
        }
        return TlsFiles.read(vertx, options.caFile(), TlsFiles.TEST_CA, "--ca_file")
                .map(ca -> RpcVertx.secureChannel(vertx, target, ChannelCredentials.ssl(ca), tlsOptions));
    }

    /** How long {@link #run} may take at most for one case: its RPCs' deadlines plus connecting and closing. */
    public static Duration caseTimeout() {
        return InteropCases.CALL_TIMEOUT.multipliedBy(3);
    }
}
