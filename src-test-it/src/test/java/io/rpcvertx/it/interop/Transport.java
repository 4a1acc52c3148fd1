package io.rpcvertx.it.interop;

/** The interop matrix's transports. */
enum Transport {
    PLAINTEXT,
    TLS;

    /** The name in reports: {@code plaintext} or {@code tls}. */
    String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
