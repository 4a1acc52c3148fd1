package io.rpcvertx.it.security;

import static io.rpcvertx.it.testservice.TestServiceContract.FULL_DUPLEX_CALL;
import static io.rpcvertx.it.testservice.TestServiceContract.UNARY_CALL;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.rpcvertx.CallOptions;
import io.rpcvertx.Channel;
import io.rpcvertx.ChannelCredentials;
import io.rpcvertx.ChannelOptions;
import io.rpcvertx.DynamicServerCredentials;
import io.rpcvertx.KeyCertPair;
import io.rpcvertx.RpcException;
import io.rpcvertx.Server;
import io.rpcvertx.ServerCertificateConfiguration;
import io.rpcvertx.ServerCredentials;
import io.rpcvertx.ServerCredentials.ClientAuth;
import io.rpcvertx.ServerOptions;
import io.rpcvertx.StatusCode;
import io.rpcvertx.StreamStreamCall;
import io.rpcvertx.TlsEngine;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link DynamicServerCredentials} on a running server with two IO verticles sharing the port: after an update new
 * connections see the new certificate, while open connections and their calls carry on.
 */
@ExtendWith(VertxExtension.class)
@Timeout(60)
class CertificateRotationIT {
    private static TestPki.Ca caA;
    private static TestPki.Ca caB;
    private static TestPki.Identity idA;
    private static TestPki.Identity idB;

    private Rig rig;

    @BeforeAll
    static void pki() {
        caA = TestPki.newCa("CA A");
        caB = TestPki.newCa("CA B");
        idA = caA.leaf("server.test").dns("server.test").ip("127.0.0.1").issue();
        idB = caB.leaf("server.test").dns("server.test").ip("127.0.0.1").issue();
    }

    @BeforeEach
    void setUp(Vertx vertx) {
        rig = new Rig(vertx);
    }

    @AfterEach
    void tearDown() throws Exception {
        rig.close();
    }

    @ParameterizedTest
    @EnumSource(
            value = TlsEngine.class,
            names = {"OPENSSL", "JDK"})
    void update_newConnectionsSeeNewCertificate_openCallsContinue(TlsEngine engine) throws Exception {
        DynamicServerCredentials credentials = ServerCredentials.dynamicSsl(
                ServerCertificateConfiguration.of(List.of(idA.keyCertPair())), ClientAuth.NONE);
        int port = rig.secureServer(credentials, options(engine));
        Channel trustsA = channel(port, caA, engine);
        StreamStreamCall<byte[], byte[]> open =
                trustsA.streamStream(FULL_DUPLEX_CALL).call(callOptions());
        open.write(new byte[] {1}).await(10, SECONDS);
        assertThat(open.read().await(10, SECONDS))
                .hasValueSatisfying(m -> assertThat(m).containsExactly(1));

        credentials
                .update(ServerCertificateConfiguration.of(List.of(idB.keyCertPair())))
                .await(10, SECONDS);

        assertThat(unary(channel(port, caB, engine))).containsExactly(9);
        RpcException refused = Rig.failure(channel(port, caA, engine)
                .unaryUnary(UNARY_CALL)
                .call(new byte[] {9}, callOptions())
                .response());
        assertThat(refused.code()).isEqualTo(StatusCode.UNAVAILABLE);
        assertThat(refused.details()).contains("TLS handshake failed");
        // the connection made before the update: its call goes on, and new calls still use it
        open.write(new byte[] {2}).await(10, SECONDS);
        assertThat(open.read().await(10, SECONDS))
                .hasValueSatisfying(m -> assertThat(m).containsExactly(2));
        assertThat(unary(trustsA)).containsExactly(9);
        open.doneWriting().await(10, SECONDS);
        assertThat(open.read().await(10, SECONDS)).isEmpty();
        assertThat(open.code().await(10, SECONDS)).isEqualTo(StatusCode.OK);
        assertThat(credentials.certificates().keyCertPairs()).containsExactly(idB.keyCertPair());
    }

    @ParameterizedTest
    @EnumSource(
            value = TlsEngine.class,
            names = {"OPENSSL", "JDK"})
    void update_beforeStart_servesNewCertificateFromTheStart(TlsEngine engine) throws Exception {
        DynamicServerCredentials credentials = ServerCredentials.dynamicSsl(
                ServerCertificateConfiguration.of(List.of(idA.keyCertPair())), ClientAuth.NONE);
        Server server = rig.server(options(engine));
        int port = server.addSecurePort("127.0.0.1:0", credentials).await(10, SECONDS);

        credentials
                .update(ServerCertificateConfiguration.of(List.of(idB.keyCertPair())))
                .await(10, SECONDS);
        server.start().await(10, SECONDS);

        assertThat(unary(channel(port, caB, engine))).containsExactly(9);
    }

    @ParameterizedTest
    @EnumSource(
            value = TlsEngine.class,
            names = {"OPENSSL", "JDK"})
    void update_unparsableKey_failsAndServerKeepsCertificate(TlsEngine engine) throws Exception {
        DynamicServerCredentials credentials = ServerCredentials.dynamicSsl(
                ServerCertificateConfiguration.of(List.of(idA.keyCertPair())), ClientAuth.NONE);
        int port = rig.secureServer(credentials, options(engine));

        Throwable failed = credentials
                .update(ServerCertificateConfiguration.of(
                        List.of(KeyCertPair.of("not a key", idB.certificateChainPem()))))
                .map(v -> (Throwable) null)
                .otherwise(t -> t)
                .await(10, SECONDS);

        assertThat(failed).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not parse");
        assertThat(unary(channel(port, caA, engine))).containsExactly(9);
    }

    @ParameterizedTest
    @EnumSource(
            value = TlsEngine.class,
            names = {"OPENSSL", "JDK"})
    void update_afterStop_affectsNothingAndSucceeds(TlsEngine engine) throws Exception {
        DynamicServerCredentials credentials = ServerCredentials.dynamicSsl(
                ServerCertificateConfiguration.of(List.of(idA.keyCertPair())), ClientAuth.NONE);
        Server server = rig.server(options(engine));
        server.addSecurePort("127.0.0.1:0", credentials).await(10, SECONDS);
        server.start().await(10, SECONDS);
        server.stop(Duration.ZERO).await(10, SECONDS);

        credentials
                .update(ServerCertificateConfiguration.of(List.of(idB.keyCertPair())))
                .await(10, SECONDS);
    }

    private Channel channel(int port, TestPki.Ca trusted, TlsEngine engine) {
        return rig.secureChannel(
                "127.0.0.1:" + port,
                ChannelCredentials.ssl(trusted.certificatePem()),
                ChannelOptions.DEFAULT.withTlsEngine(engine));
    }

    private static byte[] unary(Channel channel) throws Exception {
        return channel.unaryUnary(UNARY_CALL)
                .call(new byte[] {9}, callOptions())
                .response()
                .await(10, SECONDS);
    }

    private static ServerOptions options(TlsEngine engine) {
        return ServerOptions.DEFAULT.withTlsEngine(engine).withIoInstances(2);
    }

    private static CallOptions callOptions() {
        return CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(10));
    }
}
