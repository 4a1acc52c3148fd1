package io.rpcvertx;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * What a TLS port presents and trusts (grpc.aio {@code ssl_server_certificate_configuration}): one or more key and
 * certificate chain pairs, and optionally the PEM CA certificates that client certificates must chain to.
 *
 * <p>With several pairs, the server picks the one whose certificate matches the name the client asked for (SNI),
 * and the first one when none matches or the client sent no name.
 */
public final class ServerCertificateConfiguration {
    private final List<KeyCertPair> keyCertPairs;
    private final @Nullable String rootCertificates;

    private ServerCertificateConfiguration(List<KeyCertPair> keyCertPairs, @Nullable String rootCertificates) {
        this.keyCertPairs = keyCertPairs;
        this.rootCertificates = rootCertificates;
    }

    /**
     * Certificates without client-certificate roots (clients are not asked for a certificate).
     *
     * @throws IllegalArgumentException if {@code keyCertPairs} is empty
     */
    public static ServerCertificateConfiguration of(List<KeyCertPair> keyCertPairs) {
        return create(keyCertPairs, null);
    }

    /**
     * Certificates, and the PEM CA certificates that client certificates are verified against.
     *
     * @throws IllegalArgumentException if {@code keyCertPairs} is empty or {@code rootCertificates} blank
     */
    public static ServerCertificateConfiguration of(List<KeyCertPair> keyCertPairs, String rootCertificates) {
        Objects.requireNonNull(rootCertificates, "rootCertificates");
        Pem.checkNotBlank("rootCertificates", rootCertificates);
        return create(keyCertPairs, rootCertificates);
    }

    private static ServerCertificateConfiguration create(
            List<KeyCertPair> keyCertPairs, @Nullable String rootCertificates) {
        Objects.requireNonNull(keyCertPairs, "keyCertPairs");
        if (keyCertPairs.isEmpty()) {
            throw new IllegalArgumentException(
                    "keyCertPairs: empty (expected: at least one key and certificate chain)");
        }
        return new ServerCertificateConfiguration(List.copyOf(keyCertPairs), rootCertificates);
    }

    /** The key and certificate chain pairs, never empty. */
    public List<KeyCertPair> keyCertPairs() {
        return keyCertPairs;
    }

    /** The CA certificates client certificates are verified against, PEM, if any. */
    public Optional<String> rootCertificates() {
        return Optional.ofNullable(rootCertificates);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ServerCertificateConfiguration
                && keyCertPairs.equals(((ServerCertificateConfiguration) o).keyCertPairs)
                && Objects.equals(rootCertificates, ((ServerCertificateConfiguration) o).rootCertificates);
    }

    @Override
    public int hashCode() {
        return 31 * keyCertPairs.hashCode() + Objects.hashCode(rootCertificates);
    }

    @Override
    public String toString() {
        return "ServerCertificateConfiguration{" + keyCertPairs.size() + " key/certificate pair(s), rootCertificates="
                + (rootCertificates != null) + "}";
    }
}
