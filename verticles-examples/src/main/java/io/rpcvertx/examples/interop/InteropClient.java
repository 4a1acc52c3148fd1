package io.rpcvertx.examples.interop;

import io.rpcvertx.Channel;
import io.rpcvertx.ChannelCredentials;
import io.rpcvertx.ChannelOptions;
import io.rpcvertx.Http2Transport;
import io.rpcvertx.RpcVertx;
import io.rpcvertx.examples.ClientConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
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
    /**
     * Every case this client runs, in the order {@code --test_case=all} runs them: the cases of grpc-java 1.79's
     * {@code TestServiceClient} that need no cloud credentials, but {@code cacheable_unary} (it needs a caching proxy
     * in front of the server and GET requests; grpc-java marks its own as broken).
     */
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
            "very_large_request",
            "client_compressed_unary_noprobe",
            "client_compressed_streaming_noprobe",
            "pick_first_unary",
            "rpc_soak",
            "channel_soak",
            "orca_per_rpc",
            "orca_oob");

    /** The flags of {@code interop-client}, grpc-java's names. */
    public static final Set<String> FLAGS = Set.of(
            "server_host",
            "server_port",
            "test_case",
            "use_tls",
            "use_test_ca",
            "ca_file",
            "server_host_override",
            "soak_iterations",
            "soak_max_failures",
            "soak_per_iteration_max_acceptable_latency_ms",
            "soak_overall_timeout_seconds",
            "soak_min_time_ms_between_rpcs",
            "soak_request_size",
            "soak_response_size",
            "soak_num_threads",
            ClientConfig.HTTP2_TRANSPORT_FLAG);

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
     * How {@code rpc_soak} and {@code channel_soak} run (grpc-java's {@code --soak_*} flags).
     *
     * @param iterations the unary calls to make
     * @param maxFailures how many of them may fail (an error, a wrong payload, or too slow) for the case to pass
     * @param perIterationMaxAcceptableLatency a call slower than this fails its iteration
     * @param overallTimeout no iteration starts after this much time; the case fails if not all ran
     * @param minTimeBetweenRpcs an iteration starts at least this long after the previous one started
     * @param numThreads concurrent loops sharing the iterations; must divide {@code iterations}
     * @param requestSize the request payload's size
     * @param responseSize the response payload's size
     */
    public record Soak(
            int iterations,
            int maxFailures,
            Duration perIterationMaxAcceptableLatency,
            Duration overallTimeout,
            Duration minTimeBetweenRpcs,
            int numThreads,
            int requestSize,
            int responseSize) {
        /** grpc-java's defaults: 10 iterations, no failure, 1 s each, 10 s in all, 1 loop, 271828 → 314159 bytes. */
        public static final Soak DEFAULT = new Soak(
                10,
                0,
                Duration.ofSeconds(1),
                Duration.ofSeconds(10),
                Duration.ZERO,
                1,
                InteropCases.LARGE_REQUEST,
                InteropCases.LARGE_RESPONSE);

        public Soak {
            Objects.requireNonNull(perIterationMaxAcceptableLatency, "perIterationMaxAcceptableLatency");
            Objects.requireNonNull(overallTimeout, "overallTimeout");
            Objects.requireNonNull(minTimeBetweenRpcs, "minTimeBetweenRpcs");
            if (iterations < 1) {
                throw new IllegalArgumentException("iterations: " + iterations + " (expected: >= 1)");
            }
            if (maxFailures < 0) {
                throw new IllegalArgumentException("maxFailures: " + maxFailures + " (expected: >= 0)");
            }
            if (numThreads < 1 || iterations % numThreads != 0) {
                throw new IllegalArgumentException(
                        "numThreads: " + numThreads + " (expected: >= 1, dividing the " + iterations + " iterations)");
            }
            if (requestSize < 0 || responseSize < 0) {
                throw new IllegalArgumentException(
                        "requestSize, responseSize: " + requestSize + ", " + responseSize + " (expected: >= 0)");
            }
            if (perIterationMaxAcceptableLatency.isNegative()
                    || overallTimeout.isNegative()
                    || minTimeBetweenRpcs.isNegative()) {
                throw new IllegalArgumentException("perIterationMaxAcceptableLatency, overallTimeout,"
                        + " minTimeBetweenRpcs: " + perIterationMaxAcceptableLatency + ", " + overallTimeout + ", "
                        + minTimeBetweenRpcs + " (expected: >= 0)");
            }
        }

        /**
         * The settings of grpc-java's flags: {@code --soak_iterations}, {@code --soak_max_failures},
         * {@code --soak_per_iteration_max_acceptable_latency_ms}, {@code --soak_overall_timeout_seconds} (default:
         * iterations × per-iteration latency, as grpc-java's help says), {@code --soak_min_time_ms_between_rpcs},
         * {@code --soak_num_threads}, {@code --soak_request_size}, {@code --soak_response_size}; {@link #DEFAULT}'s
         * values for those absent.
         *
         * @throws IllegalArgumentException for a malformed value, naming the flag
         */
        public static Soak fromFlags(Map<String, String> flags) {
            int iterations = intFlag(flags, "soak_iterations", DEFAULT.iterations(), 1);
            int latencyMs = intFlag(
                    flags,
                    "soak_per_iteration_max_acceptable_latency_ms",
                    (int) DEFAULT.perIterationMaxAcceptableLatency().toMillis(),
                    0);
            int numThreads = intFlag(flags, "soak_num_threads", DEFAULT.numThreads(), 1);
            if (iterations % numThreads != 0) {
                throw new IllegalArgumentException("--soak_num_threads: \"" + numThreads
                        + "\" (expected: a divisor of --soak_iterations=" + iterations + ")");
            }
            long defaultOverall = Math.max(1, (long) iterations * latencyMs / 1000);
            return new Soak(
                    iterations,
                    intFlag(flags, "soak_max_failures", DEFAULT.maxFailures(), 0),
                    Duration.ofMillis(latencyMs),
                    Duration.ofSeconds(intFlag(
                            flags,
                            "soak_overall_timeout_seconds",
                            (int) Math.min(Integer.MAX_VALUE, defaultOverall),
                            1)),
                    Duration.ofMillis(intFlag(flags, "soak_min_time_ms_between_rpcs", 0, 0)),
                    numThreads,
                    intFlag(flags, "soak_request_size", DEFAULT.requestSize(), 0),
                    intFlag(flags, "soak_response_size", DEFAULT.responseSize(), 0));
        }

        private static int intFlag(Map<String, String> flags, String key, int defaultValue, int min) {
            String value = flags.get(key);
            if (value == null) {
                return defaultValue;
            }
            int parsed;
            try {
                parsed = Integer.parseInt(value);
            } catch (NumberFormatException e) {
                parsed = min - 1;
            }
            if (parsed < min) {
                throw new IllegalArgumentException(
                        "--" + key + ": \"" + value + "\" (expected: an integer >= " + min + ")");
            }
            return parsed;
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
     * @param soak how the soak cases run
     * @param http2Transport the HTTP/2 implementation of the channel ({@code --http2-transport=vertx|netty}, ours)
     */
    public record Options(
            String serverHost,
            int serverPort,
            boolean useTls,
            boolean useTestCa,
            @Nullable Path caFile,
            @Nullable String serverHostOverride,
            Soak soak,
            Http2Transport http2Transport) {
        public Options {
            Objects.requireNonNull(http2Transport, "http2Transport");
            Objects.requireNonNull(serverHost, "serverHost");
            Objects.requireNonNull(soak, "soak");
            if (serverPort < 1 || serverPort > 65535) {
                throw new IllegalArgumentException("serverPort: " + serverPort + " (expected: 1..65535)");
            }
        }

        /** Plaintext to {@code host:port}. */
        public static Options plaintext(String host, int port) {
            return new Options(host, port, false, false, null, null, Soak.DEFAULT, Http2Transport.NETTY);
        }

        /** TLS to {@code host:port}, trusting the CA in {@code caFile}, expecting a certificate for {@code hostName}. */
        public static Options tls(String host, int port, Path caFile, String hostName) {
            return new Options(host, port, true, true, caFile, hostName, Soak.DEFAULT, Http2Transport.NETTY);
        }

        /** A copy whose soak cases run with {@code soak}. */
        public Options withSoak(Soak soak) {
            return new Options(
                    serverHost, serverPort, useTls, useTestCa, caFile, serverHostOverride, soak, http2Transport);
        }

        /** A copy whose channel runs on {@code transport}. */
        public Options withHttp2Transport(Http2Transport transport) {
            return new Options(serverHost, serverPort, useTls, useTestCa, caFile, serverHostOverride, soak, transport);
        }

        /**
         * The options of grpc-java's flags ({@link #FLAGS} but {@code --test_case}): {@code --server_host} (default
         * {@value #DEFAULT_HOST}), {@code --server_port} (default {@value #DEFAULT_PORT}), {@code --use_tls} (default
         * {@code false}, as grpc-java's client), {@code --use_test_ca}, {@code --ca_file},
         * {@code --server_host_override}, and the soak flags ({@link Soak#fromFlags}).
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
                    override == null || override.isEmpty() ? null : override,
                    Soak.fromFlags(flags),
                    ClientConfig.http2Transport(flags.getOrDefault(ClientConfig.HTTP2_TRANSPORT_FLAG, "netty")));
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

    /** {@link #run(Vertx, Options, String, Consumer)} without the soak cases' lines. */
    public static Future<Void> run(Vertx vertx, Options options, String testCase) {
        return run(vertx, options, testCase, line -> {});
    }

    /**
     * Runs one test case on a channel of its own, closed afterwards ({@code channel_soak} opens and closes one per
     * iteration). Call from any thread. The future succeeds when every check held, and fails with
     * {@link CaseFailedException} (a check), an {@link io.rpcvertx.RpcException} (an RPC that should have succeeded),
     * or an {@link IllegalArgumentException} (an unknown case, an unreadable CA file).
     *
     * @param log receives the soak cases' lines, grpc-java's: one per failed iteration, then the summary; called on
     *     an event loop
     */
    public static Future<Void> run(Vertx vertx, Options options, String testCase, Consumer<String> log) {
        if (!TEST_CASES.contains(testCase)) {
            return Future.failedFuture(new IllegalArgumentException(
                    "test case: \"" + testCase + "\" (expected one of " + TEST_CASES + ")"));
        }
        String serverUri = target(options);
        if (testCase.equals("channel_soak")) {
            return SoakCase.channelSoak(vertx, options.soak(), serverUri, log, () -> channel(vertx, options));
        }
        return channel(vertx, options).compose(channel -> {
            Future<Void> result = testCase.equals("rpc_soak")
                    ? SoakCase.rpcSoak(vertx, options.soak(), serverUri, log, channel)
                    : new InteropCases(channel).run(testCase);
            return result.eventually(() -> channel.close());
        });
    }

    private static String target(Options options) {
        String host = options.serverHost();
        return (host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + options.serverPort();
    }

    /** A pick_first channel (which {@code pick_first_unary} checks) to the server. */
    private static Future<Channel> channel(Vertx vertx, Options options) {
        String target = target(options);
        ChannelOptions channelOptions = ChannelOptions.DEFAULT
                .withMaxReceiveMessageLength(InteropServer.MAX_MESSAGE_SIZE)
                .withLoadBalancingPolicy(ChannelOptions.PICK_FIRST)
                .withHttp2Transport(options.http2Transport());
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

    /**
     * How long {@link #run} may take at most for one case but the soak cases: its RPCs' deadlines plus connecting and
     * closing.
     */
    public static Duration caseTimeout() {
        return InteropCases.CALL_TIMEOUT.multipliedBy(3);
    }

    /**
     * How long {@link #run} may take at most for {@code testCase} with {@code options}: {@link #caseTimeout()}, plus
     * for a soak case its overall timeout (no iteration starts after it, and one may have just started).
     */
    public static Duration caseTimeout(Options options, String testCase) {
        return testCase.endsWith("_soak") ? caseTimeout().plus(options.soak().overallTimeout()) : caseTimeout();
    }
}
