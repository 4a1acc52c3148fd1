package io.rpcvertx.it.security;

import static io.rpcvertx.it.security.TlsRoundTripIT.texts;
import static io.rpcvertx.it.testservice.TestServiceContract.FULL_DUPLEX_CALL;
import static io.rpcvertx.it.testservice.TestServiceContract.UNARY_CALL;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.rpcvertx.CallOptions;
import io.rpcvertx.Channel;
import io.rpcvertx.ChannelCredentials;
import io.rpcvertx.ChannelOptions;
import io.rpcvertx.Metadata;
import io.rpcvertx.ServerCredentials;
import io.rpcvertx.ServerCredentials.ClientAuth;
import io.rpcvertx.ServerOptions;
import io.rpcvertx.StatusCode;
import io.rpcvertx.StreamStreamCall;
import io.rpcvertx.TlsEngine;
import io.rpcvertx.UnaryUnaryCall;
import io.rpcvertx.it.grpcio.PythonPeer;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * TLS and mutual TLS between rpc-vertx and grpcio (Debian's python3-grpcio, grpc.aio on C-core and BoringSSL), both
 * directions, through the peer scripts' {@code --tls-*} options. PEM files are written for the scripts at test time.
 */
@ExtendWith(VertxExtension.class)
@Timeout(120)
class TlsGrpcioIT {
    private static final Duration CLIENT_BOUND = Duration.ofSeconds(30);

    private static TestPki.Ca ca;
    private static TestPki.Identity serverId;
    private static TestPki.Identity clientId;

    @TempDir
    static Path pem;

    private static Path caFile;
    private static Path[] serverFiles;
    private static Path[] clientFiles;

    private Rig rig;
    private final List<PythonPeer> peers = new ArrayList<>();

    @BeforeAll
    static void pki() {
        PythonPeer.assumeAvailable();
        ca = TestPki.newCa("rpc-vertx test CA");
        serverId = ca.leaf("server.test").dns("server.test").ip("127.0.0.1").issue();
        clientId = ca.leaf("client.test")
                .dns("client.test")
                .uri("spiffe://test.example/client")
                .issue();
        caFile = TestPki.write(pem.resolve("ca.pem"), ca.certificatePem());
        serverFiles = serverId.write(pem, "server");
        clientFiles = clientId.write(pem, "client");
    }

    @BeforeEach
    void setUp(Vertx vertx) {
        rig = new Rig(vertx);
    }

    @AfterEach
    void tearDown() throws Exception {
        rig.close();
        for (PythonPeer peer : peers) {
            peer.close();
        }
    }

    // ---------------------------------------------------------------- grpcio client, rpc-vertx server

    @ParameterizedTest
    @EnumSource(
            value = TlsEngine.class,
            names = {"OPENSSL", "JDK"})
    void grpcioClient_rpcVertxTlsServer_casesPass(TlsEngine engine) throws Exception {
        int port = rig.secureServer(
                ServerCredentials.ssl(List.of(serverId.keyCertPair())), ServerOptions.DEFAULT.withTlsEngine(engine));

        for (String testCase : List.of("large_unary", "server_streaming", "client_streaming", "ping_pong")) {
            runClient(port, testCase, "--tls-ca=" + caFile);
        }
        runClient(port, "empty_unary", "--tls-ca=" + caFile, "--tls-override=server.test");
    }

    @ParameterizedTest
    @EnumSource(
            value = TlsEngine.class,
            names = {"OPENSSL", "JDK"})
    void grpcioClient_rpcVertxMutualTlsServer_authContextNamesClient(TlsEngine engine) throws Exception {
        int port = rig.secureServer(
                ServerCredentials.ssl(List.of(serverId.keyCertPair()), ca.certificatePem(), ClientAuth.REQUIRE),
                ServerOptions.DEFAULT.withTlsEngine(engine));

        runClient(
                port,
                "auth_probe",
                "--tls-ca=" + caFile,
                "--tls-cert=" + clientFiles[1],
                "--tls-key=" + clientFiles[0]);

        AuthProbe.Seen seen = rig.probe.seen().get(10, SECONDS);
        assertThat(texts(seen.authContext().get("transport_security_type"))).containsExactly("ssl");
        assertThat(texts(seen.authContext().get("x509_common_name"))).containsExactly("client.test");
        assertThat(texts(seen.peerIdentities())).containsExactly("client.test", "spiffe://test.example/client");
        assertThat(texts(seen.authContext().get("peer_spiffe_id"))).containsExactly("spiffe://test.example/client");
    }

    @ParameterizedTest
    @EnumSource(
            value = TlsEngine.class,
            names = {"OPENSSL", "JDK"})
    void grpcioClientWithoutCertificate_rpcVertxRequiresOne_fails(TlsEngine engine) throws Exception {
        int port = rig.secureServer(
                ServerCredentials.ssl(List.of(serverId.keyCertPair()), ca.certificatePem(), ClientAuth.REQUIRE),
                ServerOptions.DEFAULT.withTlsEngine(engine));

        PythonPeer.Finished run = PythonPeer.run(
                CLIENT_BOUND,
                "test_service_client.py",
                "--target=127.0.0.1:" + port,
                "--case=empty_unary",
                "--tls-ca=" + caFile);

        assertThat(run.exitCode()).as("transcript:%n%s", run.transcript()).isEqualTo(1);
        assertThat(run.stdout()).contains("FAIL empty_unary").contains("UNAVAILABLE");
        assertThat(rig.events.calls()).isZero();
    }

    // ---------------------------------------------------------------- rpc-vertx client, grpcio server

    @ParameterizedTest
    @EnumSource(
            value = TlsEngine.class,
            names = {"OPENSSL", "JDK"})
    void rpcVertxClient_grpcioTlsServer_unaryAndBidi(TlsEngine engine) throws Exception {
        int port = grpcioServer("--tls-cert=" + serverFiles[1], "--tls-key=" + serverFiles[0]);
        Channel channel = rig.secureChannel(
                "127.0.0.1:" + port,
                ChannelCredentials.ssl(ca.certificatePem()),
                ChannelOptions.DEFAULT.withTlsEngine(engine));

        assertThat(channel.unaryUnary(UNARY_CALL)
                        .call(new byte[] {5, 6}, options())
                        .response()
                        .await(10, SECONDS))
                .containsExactly(5, 6);
        StreamStreamCall<byte[], byte[]> bidi =
                channel.streamStream(FULL_DUPLEX_CALL).call(options());
        for (int i = 0; i < 5; i++) {
            byte[] message = new byte[10_000 + i];
            bidi.write(message).await(10, SECONDS);
            assertThat(bidi.read().await(10, SECONDS))
                    .hasValueSatisfying(m -> assertThat(m).isEqualTo(message));
        }
        bidi.doneWriting().await(10, SECONDS);
        assertThat(bidi.read().await(10, SECONDS)).isEmpty();
        assertThat(bidi.code().await(10, SECONDS)).isEqualTo(StatusCode.OK);
    }

    @ParameterizedTest
    @EnumSource(
            value = TlsEngine.class,
            names = {"OPENSSL", "JDK"})
    void rpcVertxClient_grpcioMutualTlsServer_grpcioSeesClientIdentity(TlsEngine engine) throws Exception {
        int port = grpcioServer(
                "--tls-cert=" + serverFiles[1],
                "--tls-key=" + serverFiles[0],
                "--tls-ca=" + caFile,
                "--require-client-auth");
        Channel channel = rig.secureChannel(
                "127.0.0.1:" + port,
                ChannelCredentials.ssl(ca.certificatePem(), clientId.privateKeyPem(), clientId.certificateChainPem()),
                ChannelOptions.DEFAULT.withTlsEngine(engine));

        UnaryUnaryCall<byte[], byte[]> call = channel.unaryUnary(UNARY_CALL)
                .call(new byte[] {1}, options().withMetadata(Metadata.of("x-echo-auth", "1")));
        call.response().await(10, SECONDS);

        Metadata initial = call.initialMetadata().await(10, SECONDS);
        assertThat(initial.get("x-auth-transport-security-type")).contains("ssl");
        assertThat(initial.get("x-auth-peer-identity-key")).contains("x509_subject_alternative_name");
        assertThat(initial.get("x-auth-peer-identities")).contains("client.test,spiffe://test.example/client");
    }

    @ParameterizedTest
    @EnumSource(
            value = TlsEngine.class,
            names = {"OPENSSL", "JDK"})
    void rpcVertxClientWithoutCertificate_grpcioRequiresOne_failsUnavailable(TlsEngine engine) throws Exception {
        int port = grpcioServer(
                "--tls-cert=" + serverFiles[1],
                "--tls-key=" + serverFiles[0],
                "--tls-ca=" + caFile,
                "--require-client-auth");
        Channel channel = rig.secureChannel(
                "127.0.0.1:" + port,
                ChannelCredentials.ssl(ca.certificatePem()),
                ChannelOptions.DEFAULT.withTlsEngine(engine));

        assertThat(Rig.failure(channel.unaryUnary(UNARY_CALL)
                                .call(new byte[] {1}, options())
                                .response())
                        .code())
                .isEqualTo(StatusCode.UNAVAILABLE);
    }

    private int grpcioServer(String... args) throws Exception {
        PythonPeer peer = PythonPeer.startScript("test_service_server.py", args);
        peers.add(peer);
        String listening = peer.awaitLine("LISTENING ", Duration.ofSeconds(20));
        return Integer.parseInt(listening.substring("LISTENING ".length()).strip());
    }

    private static void runClient(int port, String testCase, String... tls) throws Exception {
        List<String> args = new ArrayList<>(List.of("--target=127.0.0.1:" + port, "--case=" + testCase));
        args.addAll(List.of(tls));
        PythonPeer.Finished run = PythonPeer.run(CLIENT_BOUND, "test_service_client.py", args.toArray(new String[0]));
        assertThat(run.exitCode())
                .as("exit code of %s; transcript:%n%s", testCase, run.transcript())
                .isZero();
        assertThat(run.stdout()).as("stdout of %s", testCase).contains("OK " + testCase);
    }

    private static CallOptions options() {
        return CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(10));
    }
}
