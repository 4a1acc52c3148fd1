package io.rpcvertx.examples.interop;

import io.rpcvertx.KeyCertPair;
import io.rpcvertx.RpcVertx;
import io.rpcvertx.Server;
import io.rpcvertx.ServerCredentials;
import io.rpcvertx.ServerOptions;
import io.rpcvertx.examples.interop.proto.TestServiceGrpc;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The gRPC interop test server ({@code interop-server}): {@code grpc.testing.TestService} on one port, plaintext or
 * TLS, taking grpc-java {@code TestServiceServer}'s flags.
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
    /** Requests up to 16 MiB, as grpc-java's interop server allows ({@code very_large_request} sends 10 MiB). */
    public static final int MAX_MESSAGE_SIZE = 16 * 1024 * 1024;

    /** The flags of {@code interop-server}: grpc-java's, plus {@code --host}. */
    public static final Set<String> FLAGS = Set.of("port", "use_tls", "tls_cert_file", "tls_key_file", "host");

    private final Server server;
    private final int port;

    private InteropServer(Server server, int port) {
        this.server = server;
        this.port = port;
    }

    /**
     * What to serve on.
     *
     * @param host the address to bind ({@code 0.0.0.0} for all IPv4 interfaces, {@code 127.0.0.1} for loopback)
     * @param port the port; 0 picks a free one ({@link #port()} tells which)
     * @param useTls serve TLS instead of plaintext
     * @param certFile the PEM certificate chain for TLS; null for grpc-java's test certificate from the classpath
     * @param keyFile the PEM private key for TLS; null for grpc-java's test key from the classpath
     */
    public record Options(
            String host,
            int port,
            boolean useTls,
            @Nullable Path certFile,
            @Nullable Path keyFile) {
        public Options {
            Objects.requireNonNull(host, "host");
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port: " + port + " (expected: 0..65535)");
            }
        }

        /** Plaintext on {@code host:port}. */
        public static Options plaintext(String host, int port) {
            return new Options(host, port, false, null, null);
        }

        /** TLS on {@code host:port} with this certificate chain and key. */
        public static Options tls(String host, int port, Path certFile, Path keyFile) {
            return new Options(host, port, true, certFile, keyFile);
        }

        /**
         * The options of grpc-java's flags ({@link #FLAGS}): {@code --port} (default {@value #DEFAULT_PORT}),
         * {@code --use_tls} (default {@code true}, as grpc-java), {@code --tls_cert_file}, {@code --tls_key_file},
         * and our {@code --host} (default {@code 0.0.0.0}).
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
            return new Options(
                    flags.getOrDefault("host", "0.0.0.0"),
                    parsed,
                    Flags.bool(flags, "use_tls", true),
                    Flags.path(flags, "tls_cert_file"),
                    Flags.path(flags, "tls_key_file"));
        }
    }

    /**
     * Starts a server with {@code grpc.testing.TestService} on {@code options}' address. Call from any thread; the
     * future completes once the port is bound and the server started, or fails with the bind error, or with an
     * {@link IllegalArgumentException} when TLS has no certificate.
     */
    public static Future<InteropServer> start(Vertx vertx, Options options) {
        Server server = RpcVertx.server(
                vertx,
                ServerOptions.DEFAULT
                        .withMaxReceiveMessageLength(MAX_MESSAGE_SIZE)
                        .withMaxSendMessageLength(MAX_MESSAGE_SIZE));
        TestServiceGrpc.addTestServiceServicerToServer(new InteropTestService(vertx), server);
        String address =
                (options.host().contains(":") ? "[" + options.host() + "]" : options.host()) + ":" + options.port();
        Future<Integer> bound = options.useTls()
                ? credentials(vertx, options).compose(credentials -> server.addSecurePort(address, credentials))
                : server.addInsecurePort(address);
        return bound.compose(port -> server.start().map(v -> new InteropServer(server, port)))
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

    /** Stops the server, cancelling calls still running; completes once it has stopped. */
    public Future<Void> close() {
        return server.stop(Duration.ZERO);
    }
}
