package io.rpcvertx;

import java.util.Objects;

/**
 * A private key and the certificate chain that goes with it, both PEM (grpc.aio's
 * {@code (private_key, certificate_chain)} tuples). The chain starts with the leaf certificate.
 */
public final class KeyCertPair {
    private final String privateKey;
    private final String certificateChain;

    private KeyCertPair(String privateKey, String certificateChain) {
        this.privateKey = privateKey;
        this.certificateChain = certificateChain;
    }

    /**
     * A key and its chain. The key is PEM PKCS#8 ({@code BEGIN PRIVATE KEY}), PKCS#1 RSA or SEC 1 EC; the chain one or
     * more {@code BEGIN CERTIFICATE} blocks. They are parsed when a channel or port uses them, which then fails if
     * they do not parse.
     *
     * @throws IllegalArgumentException if either is blank
     */
    public static KeyCertPair of(String privateKey, String certificateChain) {
        Objects.requireNonNull(privateKey, "privateKey");
        Objects.requireNonNull(certificateChain, "certificateChain");
        Pem.checkNotBlank("privateKey", privateKey);
        Pem.checkNotBlank("certificateChain", certificateChain);
        return new KeyCertPair(privateKey, certificateChain);
    }

    /** The private key, PEM. */
    public String privateKey() {
        return privateKey;
    }

    /** The certificate chain, PEM, leaf first. */
    public String certificateChain() {
        return certificateChain;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KeyCertPair
                && privateKey.equals(((KeyCertPair) o).privateKey)
                && certificateChain.equals(((KeyCertPair) o).certificateChain);
    }

    @Override
    public int hashCode() {
        return 31 * privateKey.hashCode() + certificateChain.hashCode();
    }

    @Override
    public String toString() {
        return "KeyCertPair{privateKey=<hidden>, certificateChain=" + certificateChain.length() + " chars}";
    }
}
