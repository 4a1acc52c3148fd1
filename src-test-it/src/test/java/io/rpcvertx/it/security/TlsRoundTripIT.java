package io.rpcvertx.it.security;

import static io.rpcvertx.it.testservice.TestServiceContract.FULL_DUPLEX_CALL;
import static io.rpcvertx.it.testservice.TestServiceContract.STREAMING_INPUT_CALL;
import static io.rpcvertx.it.testservice.TestServiceContract.STREAMING_OUTPUT_CALL;
import static io.rpcvertx.it.testservice.TestServiceContract.UNARY_CALL;
import static io.rpcvertx.it.testservice.TestServiceContract.X_COUNT;
import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.rpcvertx.CallOptions;
import io.rpcvertx.Channel;
import io.rpcvertx.ChannelCredentials;
import io.rpcvertx.ChannelOptions;
import io.rpcvertx.Http2Transport;
import io.rpcvertx.Metadata;
import io.rpcvertx.ServerCredentials;
import io.rpcvertx.ServerCredentials.ClientAuth;
import io.rpcvertx.ServerOptions;
import io.rpcvertx.StatusCode;
import io.rpcvertx.StreamStreamCall;
import io.rpcvertx.StreamUnaryCall;
import io.rpcvertx.TlsEngine;
import io.rpcvertx.UnaryStreamCall;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/** rpc-vertx client and server over TLS and mutual TLS, on both engines and across them. */
@ParameterizedClass(name = "{0}")
@EnumSource(Http2Transport.class)
@ExtendWith(VertxExtension.class)
@Timeout(60)
class TlsRoundTripIT {
    /** The HTTP/2 implementation of the channel under test. */
    @Parameter
    Http2Transport transport;

    private static TestPki.Ca ca;
    private static TestPki.Identity serverId;
    private static TestPki.Identity clientId;

    private Rig rig;

    @BeforeAll
    static void pki() {
        ca = TestPki.newCa("rpc-vertx test CA");
        serverId = ca.leaf("server.test")
                .dns("server.test")
                .dns("localhost")
                .ip("127.0.0.1")
                .issue();
        clientId = ca.leaf("client.test")
                .dns("client.test")
                .uri("spiffe://test.example/client")
                .email("client@test.example")
                .ip("10.0.0.1")
                .issue();
    }

    @BeforeEach
    void setUp(Vertx vertx) {
        rig = new Rig(vertx);
    }

    @AfterEach
    void tearDown() throws Exception {
        rig.close();
    }

    static Stream<Arguments> engines() {
        // the Netty server transport takes Vert.x's TLS through its NetServer: both engines, each on its own side
        return Stream.of(
                Arguments.of(TlsEngine.OPENSSL, TlsEngine.OPENSSL, Http2Transport.VERTX_HTTP),
                Arguments.of(TlsEngine.JDK, TlsEngine.JDK, Http2Transport.VERTX_HTTP),
                Arguments.of(TlsEngine.JDK, TlsEngine.OPENSSL, Http2Transport.VERTX_HTTP),
                Arguments.of(TlsEngine.OPENSSL, TlsEngine.JDK, Http2Transport.VERTX_HTTP),
                Arguments.of(TlsEngine.JDK, TlsEngine.OPENSSL, Http2Transport.NETTY),
                Arguments.of(TlsEngine.OPENSSL, TlsEngine.JDK, Http2Transport.NETTY));
    }

    @ParameterizedTest(name = "client {0}, server {1} on {2}")
    @MethodSource("engines")
    void tls_unaryAndStreaming_roundTrip(TlsEngine clientEngine, TlsEngine serverEngine, Http2Transport serverTransport)
            throws Exception {
        int port = rig.secureServer(
                ServerCredentials.ssl(List.of(serverId.keyCertPair())),
                ServerOptions.DEFAULT.withTlsEngine(serverEngine).withHttp2Transport(serverTransport));
        Channel channel = rig.secureChannel(
                "127.0.0.1:" + port,
                ChannelCredentials.ssl(ca.certificatePem()),
                ChannelOptions.DEFAULT.withTlsEngine(clientEngine).withHttp2Transport(transport));

        byte[] response = channel.unaryUnary(UNARY_CALL)
                .call("hello".getBytes(UTF_8), options())
                .response()
                .await(10, SECONDS);
        assertThat(new String(response, UTF_8)).isEqualTo("hello");

        UnaryStreamCall<byte[], byte[]> streaming = channel.unaryStream(STREAMING_OUTPUT_CALL)
                .call(new byte[1000], options().withMetadata(Metadata.of(X_COUNT, "5")));
        List<byte[]> received = new ArrayList<>();
        for (Optional<byte[]> m = streaming.read().await(10, SECONDS);
                m.isPresent();
                m = streaming.read().await(10, SECONDS)) {
            received.add(m.get());
        }
        assertThat(received).hasSize(5);
        assertThat(streaming.code().await(10, SECONDS)).isEqualTo(StatusCode.OK);
    }

    static Stream<Arguments> nettyServerWindows() {
        // our default windows, and grpcio's and the RFC's 64 KiB (65,535) stream and connection windows
        return Stream.of(
                Arguments.of(TlsEngine.OPENSSL, ChannelOptions.DEFAULT_WINDOW_SIZE),
                Arguments.of(TlsEngine.JDK, ChannelOptions.DEFAULT_WINDOW_SIZE),
                Arguments.of(TlsEngine.OPENSSL, 65_535),
                Arguments.of(TlsEngine.JDK, 65_535));
    }

    /**
     * A server stream that writes more than one flush takes (64 KiB) at once and then ends, over TLS, on the Netty
     * server (issue 13: grpcio's server_streaming hung). The writer is told it may write again once its buffer is
     * handed to Netty; waiting for Netty's writability event instead lost it under TLS, where SslHandler reports the
     * channel's short unwritable spell only after the flush ended it, so the status was never written.
     */
    @ParameterizedTest(name = "server {0}, client window {1}")
    @MethodSource("nettyServerWindows")
    void tls_nettyServerStreamsMoreThanOneFlush_endsWithStatus(TlsEngine serverEngine, int clientWindow)
            throws Exception {
        int port = rig.secureServer(
                ServerCredentials.ssl(List.of(serverId.keyCertPair())),
                ServerOptions.DEFAULT.withTlsEngine(serverEngine).withHttp2Transport(Http2Transport.NETTY));
        Channel channel = rig.secureChannel(
                "127.0.0.1:" + port,
                ChannelCredentials.ssl(ca.certificatePem()),
                ChannelOptions.DEFAULT
                        .withHttp2Transport(transport)
                        .withInitialWindowSize(clientWindow)
                        .withConnectionWindowSize(clientWindow));

        for (int i = 0; i < 5; i++) {
            // grpc's server_streaming sizes: 4 messages, 125 KB in all, written without waiting
            UnaryStreamCall<byte[], byte[]> streaming = channel.unaryStream(STREAMING_OUTPUT_CALL)
                    .call(new byte[31_415 + i], options().withMetadata(Metadata.of(X_COUNT, "4")));
            int received = 0;
            for (Optional<byte[]> m = streaming.read().await(10, SECONDS);
                    m.isPresent();
                    m = streaming.read().await(10, SECONDS)) {
                assertThat(m.get()).hasSize(31_415 + i);
                received++;
            }
            assertThat(received).isEqualTo(4);
            assertThat(streaming.code().await(10, SECONDS)).isEqualTo(StatusCode.OK);
        }
    }

    static Stream<Arguments> serverWindows() {
        return Stream.of(
                Arguments.of(Http2Transport.NETTY, ChannelOptions.DEFAULT_WINDOW_SIZE),
                Arguments.of(Http2Transport.NETTY, 65_535),
                Arguments.of(Http2Transport.VERTX_HTTP, ChannelOptions.DEFAULT_WINDOW_SIZE),
                Arguments.of(Http2Transport.VERTX_HTTP, 65_535));
    }

    /**
     * The client side of {@link #tls_nettyServerStreamsMoreThanOneFlush_endsWithStatus}: a client stream that writes
     * more than one flush takes at once, then half-closes, over TLS, against large and 64 KiB server windows.
     */
    @ParameterizedTest(name = "server on {0}, server window {1}")
    @MethodSource("serverWindows")
    void tls_clientStreamsMoreThanOneFlush_getsResponse(Http2Transport serverTransport, int serverWindow)
            throws Exception {
        int port = rig.secureServer(
                ServerCredentials.ssl(List.of(serverId.keyCertPair())),
                ServerOptions.DEFAULT
                        .withHttp2Transport(serverTransport)
                        .withInitialWindowSize(serverWindow)
                        .withConnectionWindowSize(serverWindow));
        Channel channel = rig.secureChannel(
                "127.0.0.1:" + port,
                ChannelCredentials.ssl(ca.certificatePem()),
                ChannelOptions.DEFAULT.withHttp2Transport(transport));

        for (int i = 0; i < 5; i++) {
            StreamUnaryCall<byte[], byte[]> call =
                    channel.streamUnary(STREAMING_INPUT_CALL).call(options());
            List<Future<Void>> writes = new ArrayList<>();
            for (int m = 0; m < 4; m++) {
                writes.add(call.write(new byte[31_415 + i])); // the last ones complete on the stream's onReady
            }
            Future.all(writes).await(10, SECONDS); // before doneWriting, which would release them too
            call.doneWriting().await(10, SECONDS);
            assertThat(new String(call.response().await(10, SECONDS), UTF_8)).isEqualTo("4:" + 4 * (31_415 + i));
        }
    }

    @ParameterizedTest(name = "client {0}, server {1} on {2}")
    @MethodSource("engines")
    void mutualTls_authContext_describesClientCertificate(
            TlsEngine clientEngine, TlsEngine serverEngine, Http2Transport serverTransport) throws Exception {
        int port = rig.secureServer(
                ServerCredentials.ssl(List.of(serverId.keyCertPair()), ca.certificatePem(), ClientAuth.REQUIRE),
                ServerOptions.DEFAULT.withTlsEngine(serverEngine).withHttp2Transport(serverTransport));
        Channel channel = rig.secureChannel(
                "127.0.0.1:" + port,
                ChannelCredentials.ssl(ca.certificatePem(), clientId.privateKeyPem(), clientId.certificateChainPem()),
                ChannelOptions.DEFAULT.withTlsEngine(clientEngine).withHttp2Transport(transport));

        channel.unaryUnary(AuthProbe.PROBE)
                .call(new byte[] {1}, options())
                .response()
                .await(10, SECONDS);

        AuthProbe.Seen seen = rig.probe.seen().get(10, SECONDS);
        assertThat(seen.authContext().keySet())
                .containsExactly(
                        "transport_security_type",
                        "x509_subject",
                        "x509_common_name",
                        "x509_pem_cert",
                        "x509_subject_alternative_name",
                        "peer_dns",
                        "peer_uri",
                        "peer_email",
                        "peer_ip",
                        "x509_pem_cert_chain",
                        "security_level",
                        "ssl_session_reused",
                        "peer_spiffe_id");
        assertThat(texts(seen.authContext().get("transport_security_type"))).containsExactly("ssl");
        assertThat(texts(seen.authContext().get("x509_subject"))).containsExactly("CN=client.test");
        assertThat(texts(seen.authContext().get("x509_common_name"))).containsExactly("client.test");
        assertThat(texts(seen.authContext().get("x509_subject_alternative_name")))
                .containsExactly("client.test", "spiffe://test.example/client", "client@test.example", "10.0.0.1");
        assertThat(texts(seen.authContext().get("peer_dns"))).containsExactly("client.test");
        assertThat(texts(seen.authContext().get("peer_uri"))).containsExactly("spiffe://test.example/client");
        assertThat(texts(seen.authContext().get("peer_email"))).containsExactly("client@test.example");
        assertThat(texts(seen.authContext().get("peer_ip"))).containsExactly("10.0.0.1");
        assertThat(texts(seen.authContext().get("peer_spiffe_id"))).containsExactly("spiffe://test.example/client");
        assertThat(texts(seen.authContext().get("x509_pem_cert"))).containsExactly(clientId.certificateChainPem());
        assertThat(texts(seen.authContext().get("x509_pem_cert_chain")))
                .containsExactly(clientId.certificateChainPem());
        assertThat(texts(seen.authContext().get("security_level"))).containsExactly("TSI_PRIVACY_AND_INTEGRITY");
        assertThat(texts(seen.authContext().get("ssl_session_reused"))).containsExactly("false");
        assertThat(seen.peerIdentityKey()).contains("x509_subject_alternative_name");
        assertThat(texts(seen.peerIdentities()))
                .containsExactly("client.test", "spiffe://test.example/client", "client@test.example", "10.0.0.1");
        assertThat(seen.peer()).startsWith("ipv4:127.0.0.1:");
    }

    @ParameterizedTest
    @EnumSource(
            value = TlsEngine.class,
            names = {"OPENSSL", "JDK"})
    void mutualTls_certificateWithoutAlternativeNames_identifiedByCommonName(TlsEngine engine) throws Exception {
        TestPki.Identity plainClient = ca.leaf("plain-client").issue();
        int port = rig.secureServer(
                ServerCredentials.ssl(List.of(serverId.keyCertPair()), ca.certificatePem(), ClientAuth.OPTIONAL),
                ServerOptions.DEFAULT.withTlsEngine(engine));
        Channel channel = rig.secureChannel(
                "127.0.0.1:" + port,
                ChannelCredentials.ssl(
                        ca.certificatePem(), plainClient.privateKeyPem(), plainClient.certificateChainPem()),
                ChannelOptions.DEFAULT.withTlsEngine(engine).withHttp2Transport(transport));

        channel.unaryUnary(AuthProbe.PROBE)
                .call(new byte[] {1}, options())
                .response()
                .await(10, SECONDS);

        AuthProbe.Seen seen = rig.probe.seen().get(10, SECONDS);
        assertThat(seen.authContext()).doesNotContainKey("x509_subject_alternative_name");
        assertThat(seen.peerIdentityKey()).contains("x509_common_name");
        assertThat(texts(seen.peerIdentities())).containsExactly("plain-client");
    }

    @ParameterizedTest
    @EnumSource(
            value = TlsEngine.class,
            names = {"OPENSSL", "JDK"})
    void tls_clientWithoutCertificate_authContextHasNoIdentity(TlsEngine engine) throws Exception {
        int port = rig.secureServer(
                ServerCredentials.ssl(List.of(serverId.keyCertPair()), ca.certificatePem(), ClientAuth.OPTIONAL),
                ServerOptions.DEFAULT.withTlsEngine(engine));
        Channel channel = rig.secureChannel(
                "127.0.0.1:" + port,
                ChannelCredentials.ssl(ca.certificatePem()),
                ChannelOptions.DEFAULT.withTlsEngine(engine).withHttp2Transport(transport));

        channel.unaryUnary(AuthProbe.PROBE)
                .call(new byte[] {1}, options())
                .response()
                .await(10, SECONDS);

        AuthProbe.Seen seen = rig.probe.seen().get(10, SECONDS);
        assertThat(seen.authContext().keySet())
                .containsExactly("transport_security_type", "security_level", "ssl_session_reused");
        assertThat(seen.peerIdentityKey()).isEmpty();
        assertThat(seen.peerIdentities()).isEmpty();
    }

    @Test
    void insecurePort_authContext_saysInsecure() throws Exception {
        int port = rig.insecureServer();
        Channel channel = rig.insecureChannel("127.0.0.1:" + port);

        channel.unaryUnary(AuthProbe.PROBE)
                .call(new byte[] {1}, options())
                .response()
                .await(10, SECONDS);

        AuthProbe.Seen seen = rig.probe.seen().get(10, SECONDS);
        assertThat(seen.authContext().keySet()).containsExactly("transport_security_type", "security_level");
        assertThat(texts(seen.authContext().get("transport_security_type"))).containsExactly("insecure");
        assertThat(texts(seen.authContext().get("security_level"))).containsExactly("TSI_SECURITY_NONE");
        assertThat(seen.peerIdentityKey()).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(
            value = TlsEngine.class,
            names = {"OPENSSL", "JDK"})
    void tls_bidiStreaming_manyMessagesBothWays(TlsEngine engine) throws Exception {
        int port = rig.secureServer(
                ServerCredentials.ssl(List.of(serverId.keyCertPair())), ServerOptions.DEFAULT.withTlsEngine(engine));
        Channel channel = rig.secureChannel(
                "127.0.0.1:" + port,
                ChannelCredentials.ssl(ca.certificatePem()),
                ChannelOptions.DEFAULT.withTlsEngine(engine).withHttp2Transport(transport));
        StreamStreamCall<byte[], byte[]> call =
                channel.streamStream(FULL_DUPLEX_CALL).call(options());

        for (int i = 0; i < 20; i++) {
            byte[] message = new byte[32 * 1024 + i];
            message[0] = (byte) i;
            call.write(message).await(10, SECONDS);
            byte[] echo = call.read().await(10, SECONDS).orElseThrow();
            assertThat(echo).isEqualTo(message);
        }
        call.doneWriting().await(10, SECONDS);
        assertThat(call.read().await(10, SECONDS)).isEmpty();
        assertThat(call.code().await(10, SECONDS)).isEqualTo(StatusCode.OK);
    }

    static List<String> texts(List<byte[]> values) {
        List<String> out = new ArrayList<>();
        for (byte[] v : values) {
            out.add(new String(v, UTF_8));
        }
        return out;
    }

    private static CallOptions options() {
        return CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(10));
    }
}
