package io.rpcvertx.examples.interop;

import io.rpcvertx.KeyCertPair;
import io.rpcvertx.RpcVertx;
import io.rpcvertx.Server;
import io.rpcvertx.ServerCredentials;
import io.rpcvertx.ServerOptions;
import io.rpcvertx.examples.ServerConfig;
import io.rpcvertx.examples.interop.proto.TestServiceGrpc;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * The gRPC interop test server ({@code interop-server}): {@code grpc.testing.TestService} and the out-of-band ORCA
 * service {@code xds.service.orca.v3.OpenRcaService} on one port, plaintext or TLS, taking grpc-java
 * {@code TestServiceServer}'s flags.
 *
 * <pre>{@code
 * InteropServer server = InteropServer.start(vertx, InteropServer.Options.plaintext("127.0.0.1", 0)).await();
 * int port = server.port();
 * ...
 * server.close().await();
 * }</pre>
 */
public final class InteropServer {
    /** grpc-java's default {@code --port}. */
    public static final int DEFAULT_PORT = 8080;
    /** Our {@code --host} default: every IPv4 interface. */
    public static final String DEFAULT_HOST = "0.0.0.0";
    /** Requests up to 16 MiB, as grpc-java's interop server allows ({@code very_large_request} sends 10 MiB). */
    public static final int MAX_MESSAGE_SIZE = 16 * 1024 * 1024;

    /**
     * The flags of {@code interop-server}: grpc-java's ({@code --port}, {@code --use_tls}, {@code --tls_cert_file},
     * {@code --tls_key_file}), {@code --host}, and every server program's {@link ServerConfig#FLAGS}
     * ({@code --grace}, {@code --max-concurrent-rpcs}, {@code --io-instances}).
     */
    public static final Set<String> FLAGS = Stream.concat(
                    Stream.of("port", "use_tls", "tls_cert_file", "tls_key_file", "host"),
                    // the interop server keeps the default transport (its options have no place for another)
                    ServerConfig.FLAGS.stream().filter(f -> !f.equals(ServerConfig.HTTP2_TRANSPORT)))
            .collect(Collectors.toUnmodifiableSet());

    private final Server server;
    private final int port;
    private final Duration grace;

    private InteropServer(Server server, int port, Duration grace) {
        this.server = server;
        this.port = port;
        this.grace = grace;
    }

    /**
     * What to serve on, and how.
     *
     * @param host the address to bind ({@code 0.0.0.0} for all IPv4 interfaces, {@code 127.0.0.1} for loopback)
     * @param port the port; 0 picks a free one ({@link #port()} tells which)
     * @param useTls serve TLS instead of plaintext
     * @param certFile the PEM certificate chain for TLS; null for grpc-java's test certificate from the classpath
     * @param keyFile the PEM private key for TLS; null for grpc-java's test key from the classpath
     * @param grace how long {@link #close()} lets calls in flight finish before it cancels them
     * @param maximumConcurrentRpcs the most RPCs served at once, server-wide (beyond: RESOURCE_EXHAUSTED); 0 for no
     *     limit
     * @param ioInstances the event loops serving connections ({@link ServerOptions#withIoInstances}); 0 for one per
     *     event loop
     */
    public record Options(
            String host,
            int port,
            boolean useTls,
            @Nullable Path certFile,
            @Nullable Path keyFile,
            Duration grace,
            int maximumConcurrentRpcs,
            int ioInstances) {
        public Options {
            Objects.requireNonNull(host, "host");
            Objects.requireNonNull(grace, "grace");
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port: " + port + " (expected: 0..65535)");
            }
            if (grace.isNegative()) {
                throw new IllegalArgumentException("grace: " + grace + " (expected: >= 0)");
            }
            if (maximumConcurrentRpcs < 0) {
                throw new IllegalArgumentException(
                        "maximumConcurrentRpcs: " + maximumConcurrentRpcs + " (expected: >= 0, 0 for no limit)");
            }
            if (ioInstances < 0) {
                throw new IllegalArgumentException(
                        "ioInstances: " + ioInstances + " (expected: >= 0, 0 for one per event loop)");
            }
        }

        /** Plaintext on {@code host:port}; {@link #close()} cancels calls at once, no limits. */
        public static Options plaintext(String host, int port) {
            return new Options(host, port, false, null, null, Duration.ZERO, 0, 0);
        }

        /** TLS on {@code host:port} with this certificate chain and key; no grace, no limits. */
        public static Options tls(String host, int port, Path certFile, Path keyFile) {
            return new Options(host, port, true, certFile, keyFile, Duration.ZERO, 0, 0);
        }

        /** A copy whose {@link #close()} lets calls in flight finish for {@code grace}. */
        public Options withGrace(Duration grace) {
            return new Options(host, port, useTls, certFile, keyFile, grace, maximumConcurrentRpcs, ioInstances);
        }

        /** A copy admitting at most {@code rpcs} calls at once (0: no limit). */
        public Options withMaximumConcurrentRpcs(int rpcs) {
            return new Options(host, port, useTls, certFile, keyFile, grace, rpcs, ioInstances);
        }

        /** A copy serving connections from {@code instances} event loops (0: one per event loop). */
        public Options withIoInstances(int instances) {
            return new Options(host, port, useTls, certFile, keyFile, grace, maximumConcurrentRpcs, instances);
        }

        /**
         * The options of the flags ({@link #FLAGS}): grpc-java's {@code --port} (default {@value #DEFAULT_PORT}),
         * {@code --use_tls} (default {@code true}, as grpc-java), {@code --tls_cert_file}, {@code --tls_key_file};
         * our {@code --host} (default {@code 0.0.0.0}); and the server settings every example server takes, parsed by
         * {@link ServerConfig#fromFlags}: {@code --grace} (seconds, default
         * {@value ServerConfig#DEFAULT_GRACE_SECONDS}), {@code --max-concurrent-rpcs}, {@code --io-instances}.
         *
         * @throws IllegalArgumentException for a malformed value, naming the flag
         */
        public static Options fromFlags(Map<String, String> flags) {
            String port = flags.getOrDefault("port", String.valueOf(DEFAULT_PORT));
            int parsed;
            try {
                parsed = Integer.parseInt(port);
            } catch (NumberFormatException e) {
                parsed = -1;
            }
            if (parsed < 0 || parsed > 65535) {
                throw new IllegalArgumentException("--port: \"" + port + "\" (expected: 0..65535)");
            }
            JsonObject config = ServerConfig.fromFlags(flags, DEFAULT_HOST, parsed);
            ServerOptions limits = ServerConfig.options(config, ServerOptions.DEFAULT);
            return new Options(
                    config.getString("host"),
                    parsed,
                    Flags.bool(flags, "use_tls", true),
                    Flags.path(flags, "tls_cert_file"),
                    Flags.path(flags, "tls_key_file"),
                    ServerConfig.grace(config),
                    limits.maximumConcurrentRpcs().orElse(0),
                    limits.ioInstances());
        }

        /** {@code base} with this server's limits. */
        ServerOptions serverOptions(ServerOptions base) {
            ServerOptions options = base.withMaxReceiveMessageLength(MAX_MESSAGE_SIZE)
                    .withMaxSendMessageLength(MAX_MESSAGE_SIZE)
                    .withIoInstances(ioInstances);
            return maximumConcurrentRpcs == 0 ? options : options.withMaximumConcurrentRpcs(maximumConcurrentRpcs);
        }
    }

    /**
     * Starts a server with {@code grpc.testing.TestService} on {@code options}' address. Call from any thread; the
     * future completes once the port is bound and the server started, or fails with the bind error, or with an
     * {@link IllegalArgumentException} when TLS has no certificate.
     */
    public static Future<InteropServer> start(Vertx vertx, Options options) {
        return start(vertx, options, ServerOptions.DEFAULT);
    }

    /** {@link #start(Vertx, Options)} on top of {@code base} (e.g. with interceptors), for tests. */
    static Future<InteropServer> start(Vertx vertx, Options options, ServerOptions base) {
        Server server = RpcVertx.server(vertx, options.serverOptions(base));
        OrcaOob orcaOob = new OrcaOob(vertx);
        TestServiceGrpc.addTestServiceServicerToServer(
                new InteropTestService(vertx, "rpc-vertx-" + server.id(), orcaOob), server);
        server.addGenericRpcHandlers(orcaOob.service());
        String address =
                (options.host().contains(":") ? "[" + options.host() + "]" : options.host()) + ":" + options.port();
        Future<Integer> bound = options.useTls()
                ? credentials(vertx, options).compose(credentials -> server.addSecurePort(address, credentials))
                : server.addInsecurePort(address);
        return bound.compose(port -> server.start().map(v -> new InteropServer(server, port, options.grace())))
                .recover(e -> server.stop(Duration.ZERO).transform(v -> Future.failedFuture(e)));
    }

    /** The certificate first, then the key, so a missing pair is always reported as the missing certificate. */
    private static Future<ServerCredentials> credentials(Vertx vertx, Options options) {
        return TlsFiles.read(vertx, options.certFile(), TlsFiles.TEST_SERVER_CERT, "--tls_cert_file")
                .compose(chain -> TlsFiles.read(vertx, options.keyFile(), TlsFiles.TEST_SERVER_KEY, "--tls_key_file")
                        .map(key -> ServerCredentials.ssl(List.of(KeyCertPair.of(key, chain)))));
    }

    /** The bound port. */
    public int port() {
        return port;
    }

    /** The grace {@link #close()} gives calls in flight. */
    public Duration grace() {
        return grace;
    }

    /**
     * Stops the server: no new calls; calls in flight may finish for the options' grace, then are cancelled. Completes
     * once it has stopped.
     */
    public Future<Void> close() {
        return server.stop(grace);
    }
}
