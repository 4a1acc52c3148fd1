package io.rpcvertx.it.security;

import io.rpcvertx.KeyCertPair;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Test certificate authorities and certificates, made at test time with BouncyCastle so no private key is checked in.
 * Keys are EC P-256 (fast to generate, understood by the JDK, BoringSSL and grpcio); certificates are valid from an
 * hour ago for a day unless a test asks for an expired one.
 *
 * <pre>{@code
 * TestPki.Ca ca = TestPki.newCa("Test CA");
 * TestPki.Identity server = ca.leaf("server.test").dns("localhost").ip("127.0.0.1").issue();
 * ServerCredentials.ssl(List.of(server.keyCertPair()));
 * }</pre>
 */
final class TestPki {
    private static final AtomicLong SERIALS = new AtomicLong(System.currentTimeMillis());

    private TestPki() {}

    /** A new self-signed CA. */
    static Ca newCa(String commonName) {
        KeyPair keys = newKeyPair();
        X500Name name = new X500Name("CN=" + commonName);
        Instant now = Instant.now();
        try {
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                    name,
                    serial(),
                    Date.from(now.minus(Duration.ofHours(1))),
                    Date.from(now.plus(Duration.ofDays(1))),
                    name,
                    keys.getPublic());
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            builder.addExtension(
                    Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
            X509Certificate cert = sign(builder, keys.getPrivate());
            return new Ca(name, keys, cert);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A certificate authority that issues leaf certificates. */
    static final class Ca {
        private final X500Name name;
        private final KeyPair keys;
        private final X509Certificate certificate;

        private Ca(X500Name name, KeyPair keys, X509Certificate certificate) {
            this.name = name;
            this.keys = keys;
            this.certificate = certificate;
        }

        /** The CA certificate, PEM: what clients or servers trust. */
        String certificatePem() {
            return pem(certificate);
        }

        /** Starts a leaf certificate with this common name (no subject alternative names yet). */
        Leaf leaf(String commonName) {
            return new Leaf(this, commonName);
        }
    }

    /** A leaf certificate being described; {@link #issue()} signs it. */
    static final class Leaf {
        private final Ca ca;
        private final String commonName;
        private final List<GeneralName> names = new ArrayList<>();
        private Instant notBefore = Instant.now().minus(Duration.ofHours(1));
        private Instant notAfter = Instant.now().plus(Duration.ofDays(1));

        private Leaf(Ca ca, String commonName) {
            this.ca = ca;
            this.commonName = commonName;
        }

        Leaf dns(String name) {
            names.add(new GeneralName(GeneralName.dNSName, name));
            return this;
        }

        Leaf ip(String address) {
            names.add(new GeneralName(GeneralName.iPAddress, address));
            return this;
        }

        Leaf uri(String uri) {
            names.add(new GeneralName(GeneralName.uniformResourceIdentifier, uri));
            return this;
        }

        Leaf email(String address) {
            names.add(new GeneralName(GeneralName.rfc822Name, address));
            return this;
        }

        /** Valid from two days ago until yesterday. */
        Leaf expired() {
            notBefore = Instant.now().minus(Duration.ofDays(2));
            notAfter = Instant.now().minus(Duration.ofDays(1));
            return this;
        }

        /** Signs the certificate with a new key; good for TLS servers and clients alike. */
        Identity issue() {
            KeyPair keys = newKeyPair();
            try {
                X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                        ca.name,
                        serial(),
                        Date.from(notBefore),
                        Date.from(notAfter),
                        new X500Name("CN=" + commonName),
                        keys.getPublic());
                JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
                builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
                builder.addExtension(
                        Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyAgreement));
                builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(new KeyPurposeId[] {
                    KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth
                }));
                builder.addExtension(
                        Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(ca.certificate));
                if (!names.isEmpty()) {
                    builder.addExtension(
                            Extension.subjectAlternativeName,
                            false,
                            new GeneralNames(names.toArray(new GeneralName[0])));
                }
                X509Certificate cert = sign(builder, ca.keys.getPrivate());
                return new Identity(privateKeyPem(keys.getPrivate()), pem(cert), cert);
            } catch (IOException | GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** A private key and its certificate (the chain is the leaf alone: peers trust the CA). */
    record Identity(String privateKeyPem, String certificateChainPem, X509Certificate certificate) {
        KeyCertPair keyCertPair() {
            return KeyCertPair.of(privateKeyPem, certificateChainPem);
        }

        /** Writes {@code <prefix>.key} and {@code <prefix>.pem} into {@code dir}, for peers that read files. */
        Path[] write(Path dir, String prefix) {
            return new Path[] {
                TestPki.write(dir.resolve(prefix + ".key"), privateKeyPem),
                TestPki.write(dir.resolve(prefix + ".pem"), certificateChainPem)
            };
        }
    }

    static Path write(Path file, String text) {
        try {
            return Files.writeString(file, text, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static KeyPair newKeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static BigInteger serial() {
        return BigInteger.valueOf(SERIALS.incrementAndGet());
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey issuerKey)
            throws GeneralSecurityException {
        try {
            return new JcaX509CertificateConverter()
                    .getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKey)));
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException(e);
        }
    }

    private static String pem(Object object) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(object);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    private static String privateKeyPem(PrivateKey key) {
        try {
            return pem(new JcaPKCS8Generator(key, null));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
