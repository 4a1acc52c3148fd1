package io.rpcvertx.it.security;

import static io.rpcvertx.it.security.Rig.failure;
import static io.rpcvertx.it.testservice.TestServiceContract.UNARY_CALL;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rpcvertx.CallOptions;
import io.rpcvertx.Channel;
import io.rpcvertx.ChannelCredentials;
import io.rpcvertx.ChannelOptions;
import io.rpcvertx.KeyCertPair;
import io.rpcvertx.RpcException;
import io.rpcvertx.Server;
import io.rpcvertx.ServerCredentials;
import io.rpcvertx.ServerCredentials.ClientAuth;
import io.rpcvertx.ServerOptions;
import io.rpcvertx.StatusCode;
import io.rpcvertx.TlsEngine;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.JdkSSLEngineOptions;
import io.vertx.core.net.OpenSSLEngineOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** What a secure channel or port refuses, and the status and details the caller gets. */
@ExtendWith(VertxExtension.class)
@Timeout(60)
class TlsRejectionIT {
    private static TestPki.Ca ca;
    private static TestPki.Ca otherCa;
    private static TestPki.Identity serverId;
    private static TestPki.Identity namedOnlyServerId;
    private static TestPki.Identity expiredServerId;
    private static TestPki.Identity clientId;
    private static TestPki.Identity expiredClientId;

    private Vertx vertx;
    private Rig rig;
    private HttpServer rawServer;

    @BeforeAll
    static void pki() {
        ca = TestPki.newCa("rpc-vertx test CA");
        otherCa = TestPki.newCa("another CA");
        serverId = ca.leaf("server.test").dns("server.test").ip("127.0.0.1").issue();
        namedOnlyServerId = ca.leaf("server.test").dns("server.test").issue();
        expiredServerId = ca.leaf("server.test")
                .dns("server.test")
                .ip("127.0.0.1")
                .expired()
                .issue();
        clientId = ca.leaf("client.test").dns("client.test").issue();
        expiredClientId = ca.leaf("client.test").dns("client.test").expired().issue();
    }

    @BeforeEach
    void setUp(Vertx vertx) {
        this.vertx = vertx;
        rig = new Rig(vertx);
    }

    @AfterEach
    void tearDown() throws Exception {
        rig.close();
        if (rawServer != null) {
            rawServer.close().await(10, SECONDS);
        }
    }

    @ParameterizedTest
    @EnumSource(
            value = TlsEngine.class,
            names = {"OPENSSL", "JDK"})
    void untrustedServerCertificate_failsUnavailable(TlsEngine engine) throws Exception {
        int port = tlsServer(serverId, engine);
        Channel channel = channel(port, ChannelCredentials.ssl(otherCa.certificatePem()), engine);

        RpcException e = callFails(channel);

        assertThat(e.code()).isEqualTo(StatusCode.UNAVAILABLE);
        assertThat(e.details())
                .contains("failed to connect to 127.0.0.1:" + port)
                .containsIgnoringCase("cert");
    }

    @ParameterizedTest
    @EnumSource(
            value = TlsEngine.class,
            names = {"OPENSSL", "JDK"})
    void systemTrustStore_doesNotTrustTestCa_failsUnavailable(TlsEngine engine) throws Exception {
        int port = tlsServer(serverId, engine);
        Channel channel = channel(port, ChannelCredentials.ssl(), engine);

        RpcException e = callFails(channel);

        assertThat(e.code()).isEqualTo(StatusCode.UNAVAILABLE);
        assertThat(e.details()).contains("TLS handshake failed").contains("certification path");
    }

    @ParameterizedTest
    @EnumSource(
            value = TlsEngine.class,
            names = {"OPENSSL", "JDK"})
    void hostnameMismatch_failsUnavailable_andOverrideSucceeds(TlsEngine engine) throws Exception {
        int port = tlsServer(namedOnlyServerId, engine);
        Channel byIp = channel(port, ChannelCredentials.ssl(ca.certificatePem()), engine);
        Channel wrongName = rig.secureChannel(
                "127.0.0.1:" + port,
                ChannelCredentials.ssl(ca.certificatePem()),
                ChannelOptions.DEFAULT.withTlsEngine(engine).withSslTargetNameOverride("wrong.test"));
        Channel overridden = rig.secureChannel(
                "127.0.0.1:" + port,
                ChannelCredentials.ssl(ca.certificatePem()),
                ChannelOptions.DEFAULT.withTlsEngine(engine).withSslTargetNameOverride("server.test"));

        RpcException e = callFails(byIp);
        RpcException wrong = callFails(wrongName);

        assertThat(e.code()).isEqualTo(StatusCode.UNAVAILABLE);
        assertThat(e.details()).contains("TLS handshake failed").contains("127.0.0.1");
        assertThat(wrong.code()).isEqualTo(StatusCode.UNAVAILABLE);
        assertThat(wrong.details()).contains("wrong.test");
        assertThat(overridden
                        .unaryUnary(UNARY_CALL)
                        .call(new byte[] {7}, options())
                        .response()
                        .await(10, SECONDS))
                .containsExactly(7);
    }

    @ParameterizedTest
    @EnumSource(
            value = TlsEngine.class,
            names = {"OPENSSL", "JDK"})
    void clientWithoutCertificate_whenRequired_failsUnavailable(TlsEngine engine) throws Exception {
        int port = rig.secureServer(
                ServerCredentials.ssl(List.of(serverId.keyCertPair()), ca.certificatePem(), ClientAuth.REQUIRE),
                ServerOptions.DEFAULT.withTlsEngine(engine));
        Channel channel = channel(port, ChannelCredentials.ssl(ca.certificatePem()), engine);

        RpcException e = callFails(channel);

        assertThat(e.code()).isEqualTo(StatusCode.UNAVAILABLE);
        assertThat(e.details()).contains("client certificate");
        assertThat(rig.events.calls()).isZero();
    }

    @ParameterizedTest
    @EnumSource(
            value = TlsEngine.class,
            names = {"OPENSSL", "JDK"})
    void clientCertificateFromUntrustedCa_failsUnavailable(TlsEngine engine) throws Exception {
        TestPki.Identity stranger = otherCa.leaf("stranger.test").issue();
        int port = rig.secureServer(
                ServerCredentials.ssl(List.of(serverId.keyCertPair()), ca.certificatePem(), ClientAuth.REQUIRE),
                ServerOptions.DEFAULT.withTlsEngine(engine));
        Channel channel = channel(
                port,
                ChannelCredentials.ssl(ca.certificatePem(), stranger.privateKeyPem(), stranger.certificateChainPem()),
                engine);

        RpcException e = callFails(channel);

        assertThat(e.code()).isEqualTo(StatusCode.UNAVAILABLE);
        assertThat(rig.events.calls()).isZero();
    }

    @ParameterizedTest
    @EnumSource(
            value = TlsEngine.class,
            names = {"OPENSSL", "JDK"})
    void expiredServerCertificate_failsUnavailable(TlsEngine engine) throws Exception {
        int port = tlsServer(expiredServerId, engine);
        Channel channel = channel(port, ChannelCredentials.ssl(ca.certificatePem()), engine);

        RpcException e = callFails(channel);

        assertThat(e.code()).isEqualTo(StatusCode.UNAVAILABLE);
        assertThat(e.details()).containsIgnoringCase("expired");
    }

    @ParameterizedTest
    @EnumSource(
            value = TlsEngine.class,
            names = {"OPENSSL", "JDK"})
    void expiredClientCertificate_failsUnavailable(TlsEngine engine) throws Exception {
        int port = rig.secureServer(
                ServerCredentials.ssl(List.of(serverId.keyCertPair()), ca.certificatePem(), ClientAuth.REQUIRE),
                ServerOptions.DEFAULT.withTlsEngine(engine));
        Channel channel = channel(
                port,
                ChannelCredentials.ssl(
                        ca.certificatePem(), expiredClientId.privateKeyPem(), expiredClientId.certificateChainPem()),
                engine);

        RpcException e = callFails(channel);

        assertThat(e.code()).isEqualTo(StatusCode.UNAVAILABLE);
        assertThat(rig.events.calls()).isZero();
    }

    @ParameterizedTest
    @EnumSource(
            value = TlsEngine.class,
            names = {"OPENSSL", "JDK"})
    void plaintextClient_onTlsPort_failsUnavailable(TlsEngine engine) throws Exception {
        int port = tlsServer(serverId, engine);
        Channel channel = rig.insecureChannel("127.0.0.1:" + port);

        RpcException e = callFails(channel);

        assertThat(e.code()).isEqualTo(StatusCode.UNAVAILABLE);
        assertThat(rig.events.calls()).isZero();
    }

    @ParameterizedTest
    @EnumSource(
            value = TlsEngine.class,
            names = {"OPENSSL", "JDK"})
    void tlsClient_onPlaintextPort_failsUnavailable(TlsEngine engine) throws Exception {
        int port = rig.insecureServer();
        Channel channel = channel(port, ChannelCredentials.ssl(ca.certificatePem()), engine);

        RpcException e = callFails(channel);

        assertThat(e.code()).isEqualTo(StatusCode.UNAVAILABLE);
        assertThat(e.details()).contains("did not answer with TLS");
        assertThat(rig.events.calls()).isZero();
    }

    /** A TLS server that offers only HTTP/1.1 with ALPN: the JDK engine refuses h2 with an alert, OpenSSL ignores it. */
    @ParameterizedTest
    @EnumSource(
            value = TlsEngine.class,
            names = {"OPENSSL", "JDK"})
    void http11OnlyServer_failsUnavailableNamingH2(TlsEngine serverEngine) throws Exception {
        CompletableFuture<HttpVersion> seen = new CompletableFuture<>();
        rawServer = vertx.createHttpServer(rawTlsOptions(serverEngine).setAlpnVersions(List.of(HttpVersion.HTTP_1_1)))
                .requestHandler(req -> {
                    seen.complete(req.version());
                    req.response().setStatusCode(200).end();
                });
        int port = rawServer.listen(0, "127.0.0.1").await(10, SECONDS).actualPort();

        for (TlsEngine clientEngine : List.of(TlsEngine.OPENSSL, TlsEngine.JDK)) {
            Channel channel = channel(port, ChannelCredentials.ssl(ca.certificatePem()), clientEngine);
            RpcException e = callFails(channel);
            assertThat(e.code()).as(clientEngine + " client").isEqualTo(StatusCode.UNAVAILABLE);
            assertThat(e.details()).as(clientEngine + " client").contains("HTTP/2 with ALPN (h2)");
        }
        assertThat(seen).as("no request reached the HTTP/1.1 server").isNotDone();
    }

    @ParameterizedTest
    @EnumSource(
            value = TlsEngine.class,
            names = {"OPENSSL", "JDK"})
    void sni_sentForHostNames_notForIpAddresses(TlsEngine engine) throws Exception {
        List<String> names = new java.util.concurrent.CopyOnWriteArrayList<>();
        rawServer = vertx.createHttpServer(rawTlsOptions(TlsEngine.JDK).setSni(true))
                .requestHandler(req -> {
                    names.add(String.valueOf(req.connection().indicatedServerName()));
                    req.response()
                            .putHeader("content-type", "application/grpc")
                            .putHeader("grpc-status", "12")
                            .end();
                });
        int port = rawServer.listen(0, "127.0.0.1").await(10, SECONDS).actualPort();
        Channel overridden = rig.secureChannel(
                "127.0.0.1:" + port,
                ChannelCredentials.ssl(ca.certificatePem()),
                ChannelOptions.DEFAULT.withTlsEngine(engine).withSslTargetNameOverride("server.test"));
        Channel byIp = channel(port, ChannelCredentials.ssl(ca.certificatePem()), engine);

        assertThat(callFails(overridden).code()).isEqualTo(StatusCode.UNIMPLEMENTED);
        assertThat(callFails(byIp).code()).isEqualTo(StatusCode.UNIMPLEMENTED);

        assertThat(names).containsExactly("server.test", "null");
    }

    @Test
    void unparsableCertificates_rejectedWhenCreated() throws Exception {
        assertThatThrownBy(() -> rig.secureChannel(
                        "127.0.0.1:1", ChannelCredentials.ssl("not a certificate"), ChannelOptions.DEFAULT))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("root certificates do not parse");
        assertThatThrownBy(() -> rig.secureChannel(
                        "127.0.0.1:1",
                        ChannelCredentials.ssl(ca.certificatePem(), "no key", clientId.certificateChainPem()),
                        ChannelOptions.DEFAULT))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("private key or certificate chain does not parse");

        Server server = rig.server(ServerOptions.DEFAULT);
        Throwable bind = server.addSecurePort(
                        "127.0.0.1:0",
                        ServerCredentials.ssl(List.of(KeyCertPair.of("no key", serverId.certificateChainPem()))))
                .map(p -> (Throwable) null)
                .otherwise(t -> t)
                .await(10, SECONDS);
        assertThat(bind)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("private key or certificate chain does not parse");
    }

    private HttpServerOptions rawTlsOptions(TlsEngine engine) {
        return new HttpServerOptions()
                .setSsl(true)
                .setUseAlpn(true)
                .setSslEngineOptions(engine == TlsEngine.JDK ? new JdkSSLEngineOptions() : new OpenSSLEngineOptions())
                .setKeyCertOptions(new PemKeyCertOptions()
                        .setKeyValue(Buffer.buffer(serverId.privateKeyPem()))
                        .setCertValue(Buffer.buffer(serverId.certificateChainPem())));
    }

    private int tlsServer(TestPki.Identity identity, TlsEngine engine) throws Exception {
        return rig.secureServer(
                ServerCredentials.ssl(List.of(identity.keyCertPair())), ServerOptions.DEFAULT.withTlsEngine(engine));
    }

    private Channel channel(int port, ChannelCredentials credentials, TlsEngine engine) {
        return rig.secureChannel("127.0.0.1:" + port, credentials, ChannelOptions.DEFAULT.withTlsEngine(engine));
    }

    private static RpcException callFails(Channel channel) throws Exception {
        return failure(
                channel.unaryUnary(UNARY_CALL).call(new byte[] {1}, options()).response());
    }

    private static CallOptions options() {
        return CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(10));
    }
}
