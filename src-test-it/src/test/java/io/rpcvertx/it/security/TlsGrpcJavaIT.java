package io.rpcvertx.it.security;

import static io.rpcvertx.it.security.TlsRoundTripIT.texts;
import static io.rpcvertx.it.testservice.TestServiceContract.GRPC_STREAMING_OUTPUT_CALL;
import static io.rpcvertx.it.testservice.TestServiceContract.GRPC_UNARY_CALL;
import static io.rpcvertx.it.testservice.TestServiceContract.STREAMING_OUTPUT_CALL;
import static io.rpcvertx.it.testservice.TestServiceContract.UNARY_CALL;
import static io.rpcvertx.it.testservice.TestServiceContract.X_COUNT;
import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.TlsChannelCredentials;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.stub.ClientCalls;
import io.rpcvertx.CallOptions;
import io.rpcvertx.Channel;
import io.rpcvertx.ChannelCredentials;
import io.rpcvertx.ChannelOptions;
import io.rpcvertx.Metadata;
import io.rpcvertx.ServerCredentials;
import io.rpcvertx.ServerCredentials.ClientAuth;
import io.rpcvertx.ServerOptions;
import io.rpcvertx.StatusCode;
import io.rpcvertx.TlsEngine;
import io.rpcvertx.UnaryStreamCall;
import io.rpcvertx.it.testservice.TestServiceContract;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.SSLSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * TLS and mutual TLS between rpc-vertx and grpc-java (grpc-netty-shaded, its own OpenSSL), both directions, with
 * grpc-java configured through its public TLS API ({@code TlsServerCredentials}, {@code TlsChannelCredentials},
 * {@code GrpcSslContexts}).
 */
@ExtendWith(VertxExtension.class)
@Timeout(60)
class TlsGrpcJavaIT {
    private static TestPki.Ca ca;
    private static TestPki.Identity serverId;
    private static TestPki.Identity clientId;

    private Rig rig;
    private final List<io.grpc.Server> grpcServers = new ArrayList<>();
    private final List<ManagedChannel> grpcChannels = new ArrayList<>();

    @BeforeAll
    static void pki() {
        ca = TestPki.newCa("rpc-vertx test CA");
        serverId = ca.leaf("server.test").dns("server.test").ip("127.0.0.1").issue();
        clientId = ca.leaf("client.test").dns("client.test").issue();
    }

    @BeforeEach
    void setUp(Vertx vertx) {
        rig = new Rig(vertx);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (ManagedChannel c : grpcChannels) {
            c.shutdownNow();
            assertThat(c.awaitTermination(10, SECONDS)).isTrue();
        }
        rig.close();
        for (io.grpc.Server s : grpcServers) {
            s.shutdownNow();
            assertThat(s.awaitTermination(10, SECONDS)).isTrue();
        }
    }

    // ---------------------------------------------------------------- rpc-vertx client, grpc-java server

    @ParameterizedTest
    @EnumSource(
            value = TlsEngine.class,
            names = {"OPENSSL", "JDK"})
    void rpcVertxClient_grpcJavaTlsServer_unaryAndStreaming(TlsEngine engine) throws Exception {
        int port = grpcJavaServer(TlsServerCredentials.newBuilder()
                .keyManager(stream(serverId.certificateChainPem()), stream(serverId.privateKeyPem()))
                .build());
        Channel channel = rig.secureChannel(
                "127.0.0.1:" + port,
                ChannelCredentials.ssl(ca.certificatePem()),
                ChannelOptions.DEFAULT.withTlsEngine(engine));

        byte[] response = channel.unaryUnary(UNARY_CALL)
                .call("over tls".getBytes(UTF_8), options())
                .response()
                .await(10, SECONDS);
        assertThat(new String(response, UTF_8)).isEqualTo("over tls");

        UnaryStreamCall<byte[], byte[]> call = channel.unaryStream(STREAMING_OUTPUT_CALL)
                .call(new byte[100], options().withMetadata(Metadata.of(X_COUNT, "4")));
        int count = 0;
        for (Optional<byte[]> m = call.read().await(10, SECONDS);
                m.isPresent();
                m = call.read().await(10, SECONDS)) {
            count++;
        }
        assertThat(count).isEqualTo(4);
        assertThat(call.code().await(10, SECONDS)).isEqualTo(StatusCode.OK);
    }

    @ParameterizedTest
    @EnumSource(
            value = TlsEngine.class,
            names = {"OPENSSL", "JDK"})
    void rpcVertxClient_grpcJavaMutualTlsServer_presentsClientCertificate(TlsEngine engine) throws Exception {
        CompletableFuture<SSLSession> session = new CompletableFuture<>();
        int port = grpcJavaServer(
                TlsServerCredentials.newBuilder()
                        .keyManager(stream(serverId.certificateChainPem()), stream(serverId.privateKeyPem()))
                        .trustManager(stream(ca.certificatePem()))
                        .clientAuth(TlsServerCredentials.ClientAuth.REQUIRE)
                        .build(),
                sessionRecorder(session));
        Channel channel = rig.secureChannel(
                "127.0.0.1:" + port,
                ChannelCredentials.ssl(ca.certificatePem(), clientId.privateKeyPem(), clientId.certificateChainPem()),
                ChannelOptions.DEFAULT.withTlsEngine(engine));

        channel.unaryUnary(UNARY_CALL)
                .call(new byte[] {1}, options())
                .response()
                .await(10, SECONDS);

        SSLSession seen = session.get(10, SECONDS);
        X509Certificate peer = (X509Certificate) seen.getPeerCertificates()[0];
        assertThat(peer.getSubjectX500Principal().getName()).isEqualTo("CN=client.test");
        assertThat(seen.getProtocol()).isIn("TLSv1.2", "TLSv1.3");
    }

    @ParameterizedTest
    @EnumSource(
            value = TlsEngine.class,
            names = {"OPENSSL", "JDK"})
    void rpcVertxClient_withoutCertificate_grpcJavaRequiresOne_failsUnavailable(TlsEngine engine) throws Exception {
        int port = grpcJavaServer(TlsServerCredentials.newBuilder()
                .keyManager(stream(serverId.certificateChainPem()), stream(serverId.privateKeyPem()))
                .trustManager(stream(ca.certificatePem()))
                .clientAuth(TlsServerCredentials.ClientAuth.REQUIRE)
                .build());
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

    // ---------------------------------------------------------------- grpc-java client, rpc-vertx server

    @ParameterizedTest
    @EnumSource(
            value = TlsEngine.class,
            names = {"OPENSSL", "JDK"})
    void grpcJavaClient_rpcVertxTlsServer_unaryAndStreaming(TlsEngine engine) throws Exception {
        int port = rig.secureServer(
                ServerCredentials.ssl(List.of(serverId.keyCertPair())), ServerOptions.DEFAULT.withTlsEngine(engine));
        ManagedChannel channel = grpcJavaChannel(
                port,
                TlsChannelCredentials.newBuilder()
                        .trustManager(stream(ca.certificatePem()))
                        .build());

        byte[] response = ClientCalls.blockingUnaryCall(
                channel, GRPC_UNARY_CALL, io.grpc.CallOptions.DEFAULT.withDeadlineAfter(10, SECONDS), new byte[] {4, 2
                });
        assertThat(response).containsExactly(4, 2);

        io.grpc.Metadata md = new io.grpc.Metadata();
        md.put(io.grpc.Metadata.Key.of(X_COUNT, io.grpc.Metadata.ASCII_STRING_MARSHALLER), "3");
        Iterator<byte[]> responses = ClientCalls.blockingServerStreamingCall(
                io.grpc.ClientInterceptors.intercept(
                        channel, io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(md)),
                GRPC_STREAMING_OUTPUT_CALL,
                io.grpc.CallOptions.DEFAULT.withDeadlineAfter(10, SECONDS),
                new byte[10]);
        int count = 0;
        while (responses.hasNext()) {
            responses.next();
            count++;
        }
        assertThat(count).isEqualTo(3);
    }

    @ParameterizedTest
    @EnumSource(
            value = TlsEngine.class,
            names = {"OPENSSL", "JDK"})
    void grpcJavaClient_rpcVertxMutualTlsServer_authContextNamesClient(TlsEngine engine) throws Exception {
        int port = rig.secureServer(
                ServerCredentials.ssl(List.of(serverId.keyCertPair()), ca.certificatePem(), ClientAuth.REQUIRE),
                ServerOptions.DEFAULT.withTlsEngine(engine));
        ManagedChannel channel = grpcJavaChannel(
                port,
                TlsChannelCredentials.newBuilder()
                        .trustManager(stream(ca.certificatePem()))
                        .keyManager(stream(clientId.certificateChainPem()), stream(clientId.privateKeyPem()))
                        .build());

        ClientCalls.blockingUnaryCall(
                channel,
                TestServiceContract.grpcMethod(
                        io.grpc.MethodDescriptor.MethodType.UNARY, "rpcvertx.it.AuthProbe/Probe"),
                io.grpc.CallOptions.DEFAULT.withDeadlineAfter(10, SECONDS),
                new byte[] {1});

        AuthProbe.Seen seen = rig.probe.seen().get(10, SECONDS);
        assertThat(texts(seen.authContext().get("transport_security_type"))).containsExactly("ssl");
        assertThat(texts(seen.authContext().get("x509_common_name"))).containsExactly("client.test");
        assertThat(seen.peerIdentityKey()).contains("x509_subject_alternative_name");
        assertThat(texts(seen.peerIdentities())).containsExactly("client.test");
    }

    @ParameterizedTest
    @EnumSource(
            value = TlsEngine.class,
            names = {"OPENSSL", "JDK"})
    void grpcJavaClient_rpcVertxTlsServer_withoutTrust_failsUnavailable(TlsEngine engine) throws Exception {
        int port = rig.secureServer(
                ServerCredentials.ssl(List.of(serverId.keyCertPair())), ServerOptions.DEFAULT.withTlsEngine(engine));
        ManagedChannel channel = grpcJavaChannel(port, TlsChannelCredentials.create()); // the JVM's trust store

        io.grpc.StatusRuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(
                io.grpc.StatusRuntimeException.class,
                () -> ClientCalls.blockingUnaryCall(
                        channel,
                        GRPC_UNARY_CALL,
                        io.grpc.CallOptions.DEFAULT.withDeadlineAfter(10, SECONDS),
                        new byte[] {1}));
        assertThat(e.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.UNAVAILABLE);
    }

    /**
     * Two grpc-java channels sharing one client {@code SslContext} (and so its session cache): the second connection
     * resumes the first one's session, which the auth context reports.
     */
    @ParameterizedTest
    @EnumSource(
            value = TlsEngine.class,
            names = {"OPENSSL", "JDK"})
    void grpcJavaClient_resumedSession_authContextSaysReused(TlsEngine engine) throws Exception {
        int port = rig.secureServer(
                ServerCredentials.ssl(List.of(serverId.keyCertPair())), ServerOptions.DEFAULT.withTlsEngine(engine));
        SslContext shared = GrpcSslContexts.forClient()
                .trustManager(stream(ca.certificatePem()))
                .build();
        List<String> reused = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", port)
                    .sslContext(shared)
                    .overrideAuthority("server.test")
                    .build();
            grpcChannels.add(channel);
            rig.probe.reset();
            ClientCalls.blockingUnaryCall(
                    channel,
                    TestServiceContract.grpcMethod(
                            io.grpc.MethodDescriptor.MethodType.UNARY, "rpcvertx.it.AuthProbe/Probe"),
                    io.grpc.CallOptions.DEFAULT.withDeadlineAfter(10, SECONDS),
                    new byte[] {1});
            reused.addAll(texts(rig.probe.seen().get(10, SECONDS).authContext().get("ssl_session_reused")));
            channel.shutdownNow();
        }

        assertThat(reused).containsExactly("false", "true");
    }

    private int grpcJavaServer(io.grpc.ServerCredentials credentials, ServerInterceptor... interceptors)
            throws Exception {
        io.grpc.Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0), credentials)
                .addService(ServerInterceptors.intercept(
                        TestServiceContract.grpcJavaService(rig.events), List.of(interceptors)))
                .build()
                .start();
        grpcServers.add(server);
        return server.getPort();
    }

    private ManagedChannel grpcJavaChannel(int port, io.grpc.ChannelCredentials credentials) {
        ManagedChannel channel = Grpc.newChannelBuilderForAddress("127.0.0.1", port, credentials)
                .overrideAuthority("server.test")
                .build();
        grpcChannels.add(channel);
        return channel;
    }

    private static ServerInterceptor sessionRecorder(CompletableFuture<SSLSession> session) {
        return new ServerInterceptor() {
            @Override
            public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
                    ServerCall<ReqT, RespT> call, io.grpc.Metadata headers, ServerCallHandler<ReqT, RespT> next) {
                session.complete(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
                return next.startCall(call, headers);
            }
        };
    }

    private static InputStream stream(String pem) {
        return new ByteArrayInputStream(pem.getBytes(UTF_8));
    }

    private static CallOptions options() {
        return CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(10));
    }
}
