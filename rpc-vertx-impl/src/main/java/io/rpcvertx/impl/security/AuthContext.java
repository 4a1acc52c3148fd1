package io.rpcvertx.impl.security;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.NetSocket;
import java.security.cert.Certificate;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.security.auth.x500.X500Principal;
import org.jspecify.annotations.Nullable;

/**
 * A server connection's peer as grpc core describes it ({@code grpc_auth_context}): the same property names, values
 * and order, so a servicer reads the same {@code auth_context()} as under grpc.aio.
 */
public final class AuthContext {
    public static final String TRANSPORT_SECURITY_TYPE = "transport_security_type";
    public static final String SECURITY_LEVEL = "security_level";
    public static final String X509_SUBJECT = "x509_subject";
    public static final String X509_COMMON_NAME = "x509_common_name";
    public static final String X509_PEM_CERT = "x509_pem_cert";
    public static final String X509_SUBJECT_ALTERNATIVE_NAME = "x509_subject_alternative_name";
    public static final String PEER_DNS = "peer_dns";
    public static final String PEER_URI = "peer_uri";
    public static final String PEER_EMAIL = "peer_email";
    public static final String PEER_IP = "peer_ip";
    public static final String X509_PEM_CERT_CHAIN = "x509_pem_cert_chain";
    public static final String SSL_SESSION_REUSED = "ssl_session_reused";
    public static final String PEER_SPIFFE_ID = "peer_spiffe_id";

    /** A plaintext connection, as grpc core reports an insecure port. */
    public static final AuthContext INSECURE =
            new AuthContext(properties(TRANSPORT_SECURITY_TYPE, "insecure", SECURITY_LEVEL, "TSI_SECURITY_NONE"), null);

    // X.509 GeneralName tags (RFC 5280, 4.2.1.6)
    private static final int SAN_EMAIL = 1;
    private static final int SAN_DNS = 2;
    private static final int SAN_URI = 6;
    private static final int SAN_IP = 7;

    private final Map<String, List<byte[]>> properties;
    private final @Nullable String identityKey;

    private AuthContext(Map<String, List<byte[]>> properties, @Nullable String identityKey) {
        this.properties = properties;
        this.identityKey = identityKey;
    }

    /** The auth context of a server connection. */
    public static AuthContext of(HttpConnection connection) {
        if (!connection.isSsl()) {
            return INSECURE;
        }
        List<Certificate> chain;
        try {
            chain = connection.peerCertificates();
        } catch (SSLPeerUnverifiedException e) {
            chain = List.of(); // the client sent no certificate
        }
        SSLSession session = connection.sslSession();
        return ofTls(chain == null ? List.of() : chain, session != null && SessionReuse.isReused(connection, session));
    }

    /** The auth context of a server socket (the Netty transport's connections). */
    public static AuthContext of(NetSocket socket) {
        if (!socket.isSsl()) {
            return INSECURE;
        }
        List<Certificate> chain;
        try {
            chain = socket.peerCertificates();
        } catch (SSLPeerUnverifiedException e) {
            chain = List.of(); // the client sent no certificate
        }
        SSLSession session = socket.sslSession();
        return ofTls(chain == null ? List.of() : chain, session != null && SessionReuse.isReused(socket, session));
    }

    static AuthContext ofTls(List<Certificate> chain, boolean sessionReused) {
        Map<String, List<byte[]>> p = new LinkedHashMap<>();
        add(p, TRANSPORT_SECURITY_TYPE, "ssl");
        String identityKey = null;
        if (!chain.isEmpty() && chain.get(0) instanceof X509Certificate) {
            X509Certificate leaf = (X509Certificate) chain.get(0);
            add(p, X509_SUBJECT, leaf.getSubjectX500Principal().getName(X500Principal.RFC2253));
            commonName(leaf).ifPresent(cn -> add(p, X509_COMMON_NAME, cn));
            add(p, X509_PEM_CERT, pem(leaf));
            List<String> uris = new ArrayList<>();
            for (List<?> san : subjectAlternativeNames(leaf)) {
                int tag = (Integer) san.get(0);
                String value = String.valueOf(san.get(1));
                add(p, X509_SUBJECT_ALTERNATIVE_NAME, value);
                switch (tag) {
                    case SAN_DNS:
                        add(p, PEER_DNS, value);
                        break;
                    case SAN_URI:
                        add(p, PEER_URI, value);
                        uris.add(value);
                        break;
                    case SAN_EMAIL:
                        add(p, PEER_EMAIL, value);
                        break;
                    case SAN_IP:
                        add(p, PEER_IP, value);
                        break;
                    default:
                        break;
                }
            }
            StringBuilder chainPem = new StringBuilder();
            for (Certificate c : chain) {
                chainPem.append(pem(c));
            }
            add(p, X509_PEM_CERT_CHAIN, chainPem.toString());
            // grpc core: the subject alternative names identify the peer, else the common name
            if (p.containsKey(X509_SUBJECT_ALTERNATIVE_NAME)) {
                identityKey = X509_SUBJECT_ALTERNATIVE_NAME;
            } else if (p.containsKey(X509_COMMON_NAME)) {
                identityKey = X509_COMMON_NAME;
            }
            add(p, SECURITY_LEVEL, "TSI_PRIVACY_AND_INTEGRITY");
            add(p, SSL_SESSION_REUSED, Boolean.toString(sessionReused));
            if (uris.size() == 1 && uris.get(0).startsWith("spiffe://")) {
                add(p, PEER_SPIFFE_ID, uris.get(0));
            }
        } else {
            add(p, SECURITY_LEVEL, "TSI_PRIVACY_AND_INTEGRITY");
            add(p, SSL_SESSION_REUSED, Boolean.toString(sessionReused));
        }
        return new AuthContext(freeze(p), identityKey);
    }

    /** The properties, immutable; each call gets its own copies of the byte arrays. */
    public Map<String, List<byte[]>> properties() {
        Map<String, List<byte[]>> copy = new LinkedHashMap<>();
        properties.forEach((k, values) -> copy.put(k, copies(values)));
        return Collections.unmodifiableMap(copy);
    }

    /** The values of the identity property; empty if the peer is not authenticated. */
    public List<byte[]> peerIdentities() {
        return identityKey == null ? List.of() : copies(properties.get(identityKey));
    }

    /** The property that identifies the peer, if it is authenticated. */
    public Optional<String> peerIdentityKey() {
        return Optional.ofNullable(identityKey);
    }

    private static List<byte[]> copies(List<byte[]> values) {
        List<byte[]> out = new ArrayList<>(values.size());
        for (byte[] v : values) {
            out.add(v.clone());
        }
        return Collections.unmodifiableList(out);
    }

    private static Optional<String> commonName(X509Certificate cert) {
        try {
            LdapName name = new LdapName(cert.getSubjectX500Principal().getName(X500Principal.RFC2253));
            // getRdns() is in ASN.1 order, most general first; grpc core takes the first CN in that order
            for (Rdn rdn : name.getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    return Optional.of(String.valueOf(rdn.getValue()));
                }
            }
        } catch (InvalidNameException e) {
            return Optional.empty(); // the JDK printed a name it cannot parse back: no common name to report
        }
        return Optional.empty();
    }

    private static Collection<List<?>> subjectAlternativeNames(X509Certificate cert) {
        try {
            Collection<List<?>> names = cert.getSubjectAlternativeNames();
            return names == null ? List.of() : names;
        } catch (CertificateParsingException e) {
            return List.of(); // an undecodable extension: report no names, like an absent one
        }
    }

    private static String pem(Certificate cert) {
        byte[] der;
        try {
            der = cert.getEncoded();
        } catch (CertificateEncodingException e) {
            throw new IllegalStateException("a certificate the handshake accepted cannot be encoded", e);
        }
        String base64 = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der);
        return "-----BEGIN CERTIFICATE-----\n" + base64 + "\n-----END CERTIFICATE-----\n";
    }

    private static void add(Map<String, List<byte[]>> p, String key, String value) {
        p.computeIfAbsent(key, k -> new ArrayList<>()).add(value.getBytes(UTF_8));
    }

    private static Map<String, List<byte[]>> properties(String... keysAndValues) {
        Map<String, List<byte[]>> p = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            add(p, keysAndValues[i], keysAndValues[i + 1]);
        }
        return freeze(p);
    }

    private static Map<String, List<byte[]>> freeze(Map<String, List<byte[]>> p) {
        Map<String, List<byte[]>> frozen = new LinkedHashMap<>();
        p.forEach((k, v) -> frozen.put(k, List.copyOf(v)));
        return Collections.unmodifiableMap(frozen);
    }
}
