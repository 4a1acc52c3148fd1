package io.rpcvertx;

/**
 * Which TLS implementation a secure channel or port runs on. Both negotiate ALPN {@code h2}, TLS 1.2 and 1.3 only,
 * with the engine's default cipher suites.
 */
public enum TlsEngine {
    /** OpenSSL (BoringSSL from {@code netty-tcnative-boringssl-static}) when it loads on this platform, else JDK. */
    AUTO,
    /**
     * OpenSSL (BoringSSL from {@code netty-tcnative-boringssl-static}); creating a channel or port fails with
     * {@link IllegalStateException} when it does not load on this platform.
     */
    OPENSSL,
    /** The JDK's own TLS ({@code javax.net.ssl}), always available. */
    JDK
}
