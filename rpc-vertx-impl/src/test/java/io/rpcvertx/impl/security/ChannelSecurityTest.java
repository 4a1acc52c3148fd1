package io.rpcvertx.impl.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.handler.ssl.NotSslRecordException;
import io.rpcvertx.ChannelCredentials;
import io.rpcvertx.ChannelOptions;
import io.rpcvertx.TlsEngine;
import io.vertx.core.Vertx;
import io.vertx.core.VertxException;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.net.SocketAddress;
import io.vertx.junit5.VertxExtension;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
@Timeout(10)
class ChannelSecurityTest {
    @Test
    void insecure_authorityIsTargetsOrDefault(Vertx vertx) {
        VertxInternal v = (VertxInternal) vertx;
        assertThat(ChannelSecurity.of(v, null, ChannelOptions.DEFAULT, "host:1").authority())
                .isEqualTo("host:1");
        assertThat(ChannelSecurity.of(v, null, ChannelOptions.DEFAULT.withDefaultAuthority("other:2"), "host:1")
                        .authority())
                .isEqualTo("other:2");
        // the override is a TLS setting: an insecure channel ignores it
        assertThat(ChannelSecurity.of(v, null, ChannelOptions.DEFAULT.withSslTargetNameOverride("x.test"), "host:1")
                        .authority())
                .isEqualTo("host:1");
    }

    @Test
    void tls_overrideIsAlsoTheAuthority_unlessDefaultAuthorityIsSet(Vertx vertx) {
        VertxInternal v = (VertxInternal) vertx;
        ChannelOptions override = ChannelOptions.DEFAULT.withSslTargetNameOverride("x.test");

        assertThat(ChannelSecurity.of(v, ChannelCredentials.ssl(), override, "127.0.0.1:50051")
                        .authority())
                .isEqualTo("x.test");
        assertThat(ChannelSecurity.of(
                                v,
                                ChannelCredentials.ssl(),
                                override.withDefaultAuthority("api.test:443"),
                                "10.0.0.1:443")
                        .authority())
                .isEqualTo("api.test:443");
    }

    @Test
    void serviceUrl_https_withoutPort443(Vertx vertx) {
        VertxInternal v = (VertxInternal) vertx;
        assertThat(ChannelSecurity.of(v, ChannelCredentials.ssl(), ChannelOptions.DEFAULT, "api.test:443")
                        .serviceUrl("pkg.Svc"))
                .isEqualTo("https://api.test/pkg.Svc");
        assertThat(ChannelSecurity.of(v, ChannelCredentials.ssl(), ChannelOptions.DEFAULT, "api.test:8443")
                        .serviceUrl("pkg.Svc"))
                .isEqualTo("https://api.test:8443/pkg.Svc");
        assertThat(ChannelSecurity.of(v, ChannelCredentials.local(), ChannelOptions.DEFAULT, "localhost:5")
                        .serviceUrl("pkg.Svc"))
                .isEqualTo("http://localhost:5/pkg.Svc");
    }

    @Test
    void configure_tls_h2OnlyTls12Plus_verifiesHost_sniOnlyForNames(Vertx vertx) {
        VertxInternal v = (VertxInternal) vertx;
        HttpClientOptions byName = ChannelSecurity.of(
                        v,
                        ChannelCredentials.ssl(),
                        ChannelOptions.DEFAULT.withTlsEngine(TlsEngine.JDK),
                        "api.test:443")
                .configure(new HttpClientOptions());
        HttpClientOptions byIp = ChannelSecurity.of(v, ChannelCredentials.ssl(), ChannelOptions.DEFAULT, "10.0.0.1:443")
                .configure(new HttpClientOptions());
        HttpClientOptions byV6 = ChannelSecurity.of(v, ChannelCredentials.ssl(), ChannelOptions.DEFAULT, "[::1]:443")
                .configure(new HttpClientOptions());

        assertThat(byName.isSsl()).isTrue();
        assertThat(byName.isUseAlpn()).isTrue();
        assertThat(byName.getAlpnVersions()).containsExactly(io.vertx.core.http.HttpVersion.HTTP_2);
        assertThat(byName.getEnabledSecureTransportProtocols()).containsExactlyInAnyOrder("TLSv1.2", "TLSv1.3");
        assertThat(byName.isVerifyHost()).isTrue();
        assertThat(byName.isTrustAll()).isFalse();
        assertThat(byName.getTrustOptions()).as("system trust store").isNull();
        assertThat(byName.isForceSni()).isTrue();
        assertThat(byIp.isForceSni()).isFalse();
        assertThat(byV6.isForceSni()).isFalse();
    }

    @Test
    void configure_insecureAndLocal_leaveOptionsPlaintext(Vertx vertx) {
        VertxInternal v = (VertxInternal) vertx;

        assertThat(ChannelSecurity.of(v, null, ChannelOptions.DEFAULT, "h:1")
                        .configure(new HttpClientOptions())
                        .isSsl())
                .isFalse();
        assertThat(ChannelSecurity.of(v, ChannelCredentials.local(), ChannelOptions.DEFAULT, "h:1")
                        .configure(new HttpClientOptions())
                        .isSsl())
                .isFalse();
    }

    @Test
    void of_unparsablePem_illegalArgument(Vertx vertx) {
        VertxInternal v = (VertxInternal) vertx;

        assertThatThrownBy(() -> ChannelSecurity.of(v, ChannelCredentials.ssl("junk"), ChannelOptions.DEFAULT, "h:1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("ChannelCredentials: root certificates do not parse");
    }

    @Test
    void hostOf_stripsPortAndBrackets() {
        assertThat(ChannelSecurity.hostOf("api.test:443")).isEqualTo("api.test");
        assertThat(ChannelSecurity.hostOf("api.test")).isEqualTo("api.test");
        assertThat(ChannelSecurity.hostOf("[::1]:50051")).isEqualTo("::1");
        assertThat(ChannelSecurity.hostOf("[::1]")).isEqualTo("::1");
    }

    @Test
    void isLocal_loopbackAndUnixOnly() {
        assertThat(ChannelSecurity.isLocal(SocketAddress.inetSocketAddress(1, "127.0.0.1")))
                .isTrue();
        assertThat(ChannelSecurity.isLocal(SocketAddress.inetSocketAddress(1, "127.8.9.10")))
                .isTrue();
        assertThat(ChannelSecurity.isLocal(SocketAddress.inetSocketAddress(1, "::1")))
                .isTrue();
        assertThat(ChannelSecurity.isLocal(SocketAddress.domainSocketAddress("/tmp/x.sock")))
                .isTrue();
        assertThat(ChannelSecurity.isLocal(SocketAddress.inetSocketAddress(1, "10.0.0.1")))
                .isFalse();
        assertThat(ChannelSecurity.isLocal(SocketAddress.inetSocketAddress(1, "192.168.1.1")))
                .isFalse();
        assertThat(ChannelSecurity.isLocal(null)).isFalse();
    }

    @Test
    void causes_skipGenericWrappers_nameTheRoot() {
        Throwable root = new java.security.cert.CertificateExpiredException("NotAfter: yesterday");
        Throwable middle = new SSLHandshakeException("PKIX path validation failed");
        middle.initCause(root);
        Throwable top = new SSLHandshakeException("Failed to create SSL connection");
        top.initCause(middle);

        assertThat(ChannelSecurity.causes(top))
                .isEqualTo("PKIX path validation failed; CertificateExpiredException: NotAfter: yesterday");
        assertThat(ChannelSecurity.causes(new VertxException("Connection was closed", new NotSslRecordException("x"))))
                .isEqualTo("Connection was closed; x"); // an SSLException: its message says enough
    }
}
