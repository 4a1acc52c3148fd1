package io.rpcvertx;

import java.util.List;
import java.util.Objects;

/**
 * What a secure port presents to clients and asks of them (grpc.aio {@code ssl_server_credentials}), for
 * {@link Server#addSecurePort(String, ServerCredentials)}. Immutable; {@link DynamicServerCredentials} is the variant
 * whose certificates can be replaced while the server runs.
 *
 * <p>A secure port speaks TLS 1.2 or 1.3 only and HTTP/2 only (ALPN {@code h2}), on the engine chosen with
 * {@link ServerOptions#withTlsEngine(TlsEngine)}; cipher suites are the engine's defaults.
 *
 * <pre>{@code
 * ServerCredentials mtls = ServerCredentials.ssl(
 *     List.of(KeyCertPair.of(serverKeyPem, serverChainPem)), clientCaPem, ServerCredentials.ClientAuth.REQUIRE);
 * int port = server.addSecurePort("127.0.0.1:0", mtls).await();
 * }</pre>
 */
public sealed class ServerCredentials permits DynamicServerCredentials {
    /** Whether clients must present a certificate (grpc.aio's {@code require_client_auth}, grpc-java's names). */
    public enum ClientAuth {
        /** Clients are not asked for a certificate. */
        NONE,
        /** Clients are asked for a certificate; one that is presented must verify, but none is also accepted. */
        OPTIONAL,
        /** Clients must present a certificate that verifies against the root certificates, or the handshake fails. */
        REQUIRE
    }

    private final ServerCertificateConfiguration certificates;
    private final ClientAuth clientAuth;

    ServerCredentials(ServerCertificateConfiguration certificates, ClientAuth clientAuth) {
        Objects.requireNonNull(certificates, "certificates");
        Objects.requireNonNull(clientAuth, "clientAuth");
        if (clientAuth != ClientAuth.NONE && certificates.rootCertificates().isEmpty()) {
            throw new IllegalArgumentException("clientAuth: " + clientAuth
                    + " without rootCertificates (expected: the CA certificates client certificates chain to)");
        }
        this.certificates = certificates;
        this.clientAuth = clientAuth;
    }

    /**
     * TLS with these keys and certificates; clients are not asked for a certificate.
     *
     * @throws IllegalArgumentException if {@code keyCertPairs} is empty
     */
    public static ServerCredentials ssl(List<KeyCertPair> keyCertPairs) {
        return new ServerCredentials(ServerCertificateConfiguration.of(keyCertPairs), ClientAuth.NONE);
    }

    /**
     * TLS with these keys and certificates, verifying client certificates against {@code rootCertificates} (PEM).
     *
     * @throws IllegalArgumentException if {@code keyCertPairs} is empty or {@code rootCertificates} blank
     */
    public static ServerCredentials ssl(
            List<KeyCertPair> keyCertPairs, String rootCertificates, ClientAuth clientAuth) {
        return new ServerCredentials(ServerCertificateConfiguration.of(keyCertPairs, rootCertificates), clientAuth);
    }

    /**
     * TLS with this certificate configuration.
     *
     * @throws IllegalArgumentException if {@code clientAuth} is not {@link ClientAuth#NONE} and the configuration has no
     *     root certificates
     */
    public static ServerCredentials ssl(ServerCertificateConfiguration certificates, ClientAuth clientAuth) {
        return new ServerCredentials(certificates, clientAuth);
    }

    /**
     * TLS whose certificates can be replaced on running servers with {@link DynamicServerCredentials#update}
     * (grpc.aio {@code dynamic_ssl_server_credentials}). Every port bound with the returned object follows its
     * updates. Client authentication is fixed; the root certificates may change with each update.
     *
     * @throws IllegalArgumentException if {@code clientAuth} is not {@link ClientAuth#NONE} and {@code initial} has no
     *     root certificates
     */
    public static DynamicServerCredentials dynamicSsl(ServerCertificateConfiguration initial, ClientAuth clientAuth) {
        return new DynamicServerCredentials(initial, clientAuth);
    }

    /** The certificate configuration new TLS handshakes use. */
    public ServerCertificateConfiguration certificates() {
        return certificates;
    }

    /** Whether client certificates are asked for or required. */
    public ClientAuth clientAuth() {
        return clientAuth;
    }

    @Override
    public String toString() {
        return "ServerCredentials{" + certificates() + ", clientAuth=" + clientAuth + "}";
    }
}
