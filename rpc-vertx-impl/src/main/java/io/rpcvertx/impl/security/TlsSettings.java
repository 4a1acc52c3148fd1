package io.rpcvertx.impl.security;

import io.rpcvertx.TlsEngine;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.JdkSSLEngineOptions;
import io.vertx.core.net.OpenSSLEngineOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.SSLEngineOptions;
import java.util.List;
import java.util.Set;

/** What channels and ports share: the engine choice, the protocol versions, and PEM parsing with clear errors. */
final class TlsSettings {
    /** TLS 1.2 and 1.3 only: gRPC over HTTP/2 needs TLS 1.2 or later (RFC 9113, section 9.2). */
    static final Set<String> PROTOCOLS = Set.of("TLSv1.2", "TLSv1.3");

    private TlsSettings() {}

    /**
     * The engine for {@code engine}; OpenSSL must also support ALPN, since HTTP/2 over TLS cannot do without it.
     *
     * @throws IllegalStateException if OpenSSL is asked for and does not load here
     */
    static SSLEngineOptions engineOptions(TlsEngine engine) {
        switch (engine) {
            case JDK:
                return new JdkSSLEngineOptions();
            case OPENSSL:
                if (!OpenSSLEngineOptions.isAlpnAvailable()) {
                    throw new IllegalStateException(
                            "TlsEngine.OPENSSL: OpenSSL with ALPN does not load on this platform"
                                    + " (needs io.netty:netty-tcnative-boringssl-static for it): " + openSslProblem());
                }
                return new OpenSSLEngineOptions();
            case AUTO:
            default:
                return OpenSSLEngineOptions.isAlpnAvailable() ? new OpenSSLEngineOptions() : new JdkSSLEngineOptions();
        }
    }

    private static String openSslProblem() {
        Throwable cause = io.netty.handler.ssl.OpenSsl.unavailabilityCause();
        return cause != null ? String.valueOf(cause) : "ALPN unsupported";
    }

    /**
     * Key and certificate chain pairs, checked by parsing them now.
     *
     * @throws IllegalArgumentException naming {@code what} if one does not parse
     */
    static PemKeyCertOptions keyCerts(Vertx vertx, String what, List<String[]> keyAndChains) {
        PemKeyCertOptions options = new PemKeyCertOptions();
        for (String[] keyAndChain : keyAndChains) {
            options.addKeyValue(Buffer.buffer(keyAndChain[0])).addCertValue(Buffer.buffer(keyAndChain[1]));
        }
        try {
            options.getKeyManagerFactory(vertx);
        } catch (Exception e) {
            throw new IllegalArgumentException(what + ": private key or certificate chain does not parse: " + e, e);
        }
        return options;
    }

    /**
     * CA certificates, checked by parsing them now.
     *
     * @throws IllegalArgumentException naming {@code what} if they do not parse
     */
    static PemTrustOptions trust(Vertx vertx, String what, String rootCertificates) {
        PemTrustOptions options = new PemTrustOptions().addCertValue(Buffer.buffer(rootCertificates));
        try {
            options.getTrustManagerFactory(vertx);
        } catch (Exception e) {
            throw new IllegalArgumentException(what + ": root certificates do not parse: " + e, e);
        }
        return options;
    }
}
