package io.rpcvertx.examples.interop;

import io.rpcvertx.Http2Transport;
import io.rpcvertx.KeyCertPair;
import io.rpcvertx.RpcVertx;
import io.rpcvertx.Server;
import io.rpcvertx.ServerCredentials;
import io.rpcvertx.ServerOptions;
import io.rpcvertx.examples.GatewayBridgeServer;
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
     * {@code --tls_key_file}), {@code --host}, the bridge flags of {@link GatewayBridgeServer}, and every server
     * program's {@link ServerConfig#FLAGS}
     * ({@code --grace}, {@code --max-concurrent-rpcs}, {@code --io-instances}, {@code --http2-transport}).
     */
    public static final Set<String> FLAGS = Stream.concat(
                    Stream.of(
                            "port",
                            "use_tls",
                            "tls_cert_file",
                            "tls_key_file",
                            "host",
                            GatewayBridgeServer.SOCKJS_FLAG,
                            GatewayBridgeServer.TCP_FLAG),
                    ServerConfig.FLAGS.stream())
            .collect(Collectors.toUnmodifiableSet());

    private final Server server;
    private final int port;
    private final Duration grace;
    private final GatewayBridgeServer bridges;

    private InteropServer(Server server, int port, Duration grace, GatewayBridgeServer bridges) {
        this.server = server;
        this.port = port;
        this.grace = grace;
        this.bridges = bridges;
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
     * @param http2Transport the server's HTTP/2 implementation ({@link ServerOptions#withHttp2Transport})
     */
    public record Options(
            String host,
            int port,
            boolean useTls,
            @Nullable Path certFile,
            @Nullable Path keyFile,
            Duration grace,
            int maximumConcurrentRpcs,
            int ioInstances,
            Http2Transport http2Transport) {
        public Options {
            Objects.requireNonNull(host, "host");
            Objects.requireNonNull(grace, "grace");
            Objects.requireNonNull(http2Transport, "http2Transport");
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
            return new Options(
                    host, port, false, null, null, Duration.ZERO, 0, 0, ServerOptions.DEFAULT.http2Transport());
        }

        /** TLS on {@code host:port} with this certificate chain and key; no grace, no limits. */
        public static Options tls(String host, int port, Path certFile, Path keyFile) {
            return new Options(
                    host, port, true, certFile, keyFile, Duration.ZERO, 0, 0, ServerOptions.DEFAULT.http2Transport());
        }

        /** A copy whose {@link #close()} lets calls in flight finish for {@code grace}. */
        public Options withGrace(Duration grace) {
            return new Options(
                    host, port, useTls, certFile, keyFile, grace, maximumConcurrentRpcs, ioInstances, http2Transport);
        }

        /** A copy admitting at most {@code rpcs} calls at once (0: no limit). */
        public Options withMaximumConcurrentRpcs(int rpcs) {
            return new Options(host, port, useTls, certFile, keyFile, grace, rpcs, ioInstances, http2Transport);
        }

        /** A copy serving connections from {@code instances} event loops (0: one per event loop). */
        public Options withIoInstances(int instances) {
            return new Options(
                    host, port, useTls, certFile, keyFile, grace, maximumConcurrentRpcs, instances, http2Transport);
        }

        /** A copy serving on {@code transport} ({@link ServerOptions#withHttp2Transport}). */
        public Options withHttp2Transport(Http2Transport transport) {
            return new Options(
                    host, port, useTls, certFile, keyFile, grace, maximumConcurrentRpcs, ioInstances, transport);
        }

        /**
         * The options of the flags ({@link #FLAGS}): grpc-java's {@code --port} (default {@value #DEFAULT_PORT}),
         * {@code --use_tls} (default {@code true}, as grpc-java), {@code --tls_cert_file}, {@code --tls_key_file};
         * our {@code --host} (default {@code 0.0.0.0}); and the server settings every example server takes, parsed by
         * {@link ServerConfig#fromFlags}: {@code --grace} (seconds, default
         * {@value ServerConfig#DEFAULT_GRACE_SECONDS}), {@code --max-concurrent-rpcs}, {@code --io-instances},
         * {@code --http2-transport=vertx|netty} (default: {@link ServerOptions#DEFAULT}'s).
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
                    limits.ioInstances(),
                    limits.http2Transport());
        }

        /** {@code base} with this server's limits. */
        ServerOptions serverOptions(ServerOptions base) {
            ServerOptions options = base.withMaxReceiveMessageLength(MAX_MESSAGE_SIZE)
                    .withMaxSendMessageLength(MAX_MESSAGE_SIZE)
                    .withIoInstances(ioInstances)
                    .withHttp2Transport(http2Transport);
            return maximumConcurrentRpcs == 0 ? options : options.withMaximumConcurrentRpcs(maximumConcurrentRpcs);
        }
    }

    /**
     * Starts a server with {@code grpc.testing.TestService} on {@code options}' address. Call from any thread; the
     * future completes once the port is bound and the server started, or fails with the bind error, or with an
     * {@link IllegalArgumentException} when TLS has no certificate.
     */
    public static Future<InteropServer> start(Vertx vertx, Options options) {
        return start(vertx, options, ServerOptions.DEFAULT, new JsonObject());
    }

    /**
     * {@link #start(Vertx, Options)} with the JSON gateway's bridges that {@code bridges} asks for (the configuration
     * keys of {@link GatewayBridgeServer}, as {@code --sockjs-bridge-port} and {@code --tcp-bridge-port} give them),
     * on the options' host.
     */
    public static Future<InteropServer> start(Vertx vertx, Options options, JsonObject bridges) {
        return start(vertx, options, ServerOptions.DEFAULT, bridges);
    }

    /** {@link #start(Vertx, Options)} on top of {@code base} (e.g. with interceptors), for tests. */
    static Future<InteropServer> start(Vertx vertx, Options options, ServerOptions base) {
        return start(vertx, options, base, new JsonObject());
    }

    private static Future<InteropServer> start(
            Vertx vertx, Options options, ServerOptions base, JsonObject bridgeConfig) {
        Server server = RpcVertx.server(vertx, options.serverOptions(base));
        OrcaOob orcaOob = new OrcaOob(vertx);
        TestServiceGrpc.addTestServiceServicerToServer(
                new InteropTestService(vertx, "rpc-vertx-" + server.id(), orcaOob), server);
        server.addGenericRpcHandlers(orcaOob.service());
        GatewayBridgeServer bridges = GatewayBridgeServer.attach(vertx, server, bridgeConfig);
        String address =
                (options.host().contains(":") ? "[" + options.host() + "]" : options.host()) + ":" + options.port();
        Future<Integer> bound = options.useTls()
                ? credentials(vertx, options).compose(credentials -> server.addSecurePort(address, credentials))
                : server.addInsecurePort(address);
        return bound.compose(port -> server.start()
                        .compose(v -> bridges.listen(options.host()))
                        .map(v -> new InteropServer(server, port, options.grace(), bridges)))
                .recover(e ->
                        server.stop(Duration.ZERO).eventually(bridges::close).transform(v -> Future.failedFuture(e)));
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

    /** Where the bridges listen ({@link GatewayBridgeServer#describe()}); empty without bridges. */
    public List<String> bridges() {
        return bridges.describe();
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
        return server.stop(grace).eventually(bridges::close);
    }
}
