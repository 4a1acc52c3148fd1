package io.rpcvertx.it.security;

import static io.rpcvertx.it.security.Rig.failure;
import static io.rpcvertx.it.testservice.TestServiceContract.UNARY_CALL;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.rpcvertx.CallCredentials;
import io.rpcvertx.CallOptions;
import io.rpcvertx.Channel;
import io.rpcvertx.ChannelCredentials;
import io.rpcvertx.ChannelOptions;
import io.rpcvertx.Metadata;
import io.rpcvertx.RpcException;
import io.rpcvertx.Server;
import io.rpcvertx.ServerCredentials;
import io.rpcvertx.ServerOptions;
import io.rpcvertx.StatusCode;
import io.rpcvertx.UnaryUnaryCall;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Call credentials: what reaches the server, in which order, and how failures and insecure channels end calls. */
@ExtendWith(VertxExtension.class)
@Timeout(60)
class CallCredentialsIT {
    private static TestPki.Ca ca;
    private static TestPki.Identity serverId;

    private Rig rig;
    private int tlsPort;

    @BeforeAll
    static void pki() {
        ca = TestPki.newCa("rpc-vertx test CA");
        serverId = ca.leaf("server.test").dns("server.test").ip("127.0.0.1").issue();
    }

    @BeforeEach
    void setUp(Vertx vertx) throws Exception {
        rig = new Rig(vertx);
        tlsPort = rig.secureServer(ServerCredentials.ssl(List.of(serverId.keyCertPair())), ServerOptions.DEFAULT);
    }

    @AfterEach
    void tearDown() throws Exception {
        rig.close();
    }

    @Test
    void accessToken_overTls_reachesServerAsBearerAuthorization() throws Exception {
        Channel channel = tlsChannel(ChannelOptions.DEFAULT);

        call(channel, CallOptions.DEFAULT.withCredentials(CallCredentials.accessToken("s3cr3t")))
                .response()
                .await(10, SECONDS);

        assertThat(rig.events.lastRequestMetadata().getAll("authorization")).containsExactly("Bearer s3cr3t");
    }

    @Test
    void plugin_getsServiceUrlAndMethodName_onTheChannelEventLoop() throws Exception {
        CompletableFuture<String> seen = new CompletableFuture<>();
        CallCredentials plugin = (serviceUrl, methodName) -> {
            Context context = Vertx.currentContext();
            seen.complete(serviceUrl + " " + methodName + " " + (context != null && context.isEventLoopContext()));
            return Future.succeededFuture(Metadata.of("x-plugin", "yes"));
        };
        Channel channel = tlsChannel(ChannelOptions.DEFAULT.withSslTargetNameOverride("server.test"));

        call(channel, CallOptions.DEFAULT.withCredentials(plugin)).response().await(10, SECONDS);

        assertThat(seen.get(10, SECONDS)).isEqualTo("https://server.test/rpcvertx.it.TestService UnaryCall true");
        assertThat(rig.events.lastRequestMetadata().getAll("x-plugin")).containsExactly("yes");
    }

    @Test
    void pluginFailsWithRpcException_callEndsWithItsStatus_nothingSent() throws Exception {
        Channel channel = tlsChannel(ChannelOptions.DEFAULT);
        CallCredentials denied = (serviceUrl, methodName) ->
                Future.failedFuture(new RpcException(StatusCode.PERMISSION_DENIED, "token revoked"));

        RpcException e = failure(
                call(channel, CallOptions.DEFAULT.withCredentials(denied)).response());

        assertThat(e.code()).isEqualTo(StatusCode.PERMISSION_DENIED);
        assertThat(e.details()).isEqualTo("token revoked");
        assertThat(rig.events.calls()).isZero();
    }

    @Test
    void pluginFailsOrThrows_callEndsUnavailable() throws Exception {
        Channel channel = tlsChannel(ChannelOptions.DEFAULT);
        CallCredentials failing = (serviceUrl, methodName) -> Future.failedFuture(new IllegalStateException("boom"));
        CallCredentials throwing = (serviceUrl, methodName) -> {
            throw new IllegalArgumentException("kaboom");
        };

        RpcException failed = failure(
                call(channel, CallOptions.DEFAULT.withCredentials(failing)).response());
        RpcException thrown = failure(
                call(channel, CallOptions.DEFAULT.withCredentials(throwing)).response());

        assertThat(failed.code()).isEqualTo(StatusCode.UNAVAILABLE);
        assertThat(failed.details()).isEqualTo("Getting metadata from plugin failed with error: boom");
        assertThat(thrown.code()).isEqualTo(StatusCode.UNAVAILABLE);
        assertThat(thrown.details()).isEqualTo("Getting metadata from plugin failed with error: kaboom");
        assertThat(rig.events.calls()).isZero();
    }

    @Test
    void pluginNeverAnswers_deadlineEndsTheCall() throws Exception {
        Channel channel = tlsChannel(ChannelOptions.DEFAULT);
        CallCredentials silent =
                (serviceUrl, methodName) -> Promise.<Metadata>promise().future();

        RpcException e = failure(
                call(channel, CallOptions.DEFAULT.withCredentials(silent).withTimeout(Duration.ofMillis(200)))
                        .response());

        assertThat(e.code()).isEqualTo(StatusCode.DEADLINE_EXCEEDED);
        assertThat(rig.events.calls()).isZero();
    }

    @Test
    void pluginNeverAnswers_cancelEndsTheCall() throws Exception {
        Channel channel = tlsChannel(ChannelOptions.DEFAULT);
        CompletableFuture<Void> asked = new CompletableFuture<>();
        CallCredentials silent = (serviceUrl, methodName) -> {
            asked.complete(null);
            return Promise.<Metadata>promise().future();
        };
        UnaryUnaryCall<byte[], byte[]> call = call(channel, CallOptions.DEFAULT.withCredentials(silent));
        asked.get(10, SECONDS);

        assertThat(call.cancel()).isTrue();

        assertThat(failure(call.response()).code()).isEqualTo(StatusCode.CANCELLED);
        assertThat(rig.events.calls()).isZero();
    }

    @Test
    void insecureChannel_refusesCallCredentials_unauthenticatedNothingSent() throws Exception {
        int port = rig.insecureServer();
        Channel channel = rig.insecureChannel("127.0.0.1:" + port);

        RpcException e = failure(call(channel, CallOptions.DEFAULT.withCredentials(CallCredentials.accessToken("t")))
                .response());

        assertThat(e.code()).isEqualTo(StatusCode.UNAUTHENTICATED);
        assertThat(e.details()).contains("need a secure channel");
        assertThat(rig.events.calls()).isZero();
        // the channel itself is fine: a call without credentials goes through
        call(channel, CallOptions.DEFAULT).response().await(10, SECONDS);
        assertThat(rig.events.calls()).isEqualTo(1);
    }

    @Test
    void localCredentials_loopback_sendCallCredentials() throws Exception {
        int port = rig.insecureServer();
        Channel channel = rig.secureChannel(
                "127.0.0.1:" + port,
                ChannelCredentials.composite(ChannelCredentials.local(), CallCredentials.accessToken("local-token")),
                ChannelOptions.DEFAULT);

        call(channel, CallOptions.DEFAULT).response().await(10, SECONDS);

        assertThat(rig.events.lastRequestMetadata().getAll("authorization")).containsExactly("Bearer local-token");
    }

    @Test
    void localCredentials_unixDomainSocket_sendCallCredentials(@TempDir Path dir) throws Exception {
        Path socket = dir.resolve("grpc.sock");
        Server server = rig.server(ServerOptions.DEFAULT);
        server.addInsecurePort("unix:" + socket).await(10, SECONDS);
        server.start().await(10, SECONDS);
        assertThat(Files.exists(socket)).isTrue();
        Channel channel = rig.secureChannel("unix:" + socket, ChannelCredentials.local(), ChannelOptions.DEFAULT);

        call(channel, CallOptions.DEFAULT.withCredentials(CallCredentials.accessToken("uds-token")))
                .response()
                .await(10, SECONDS);

        assertThat(rig.events.lastRequestMetadata().getAll("authorization")).containsExactly("Bearer uds-token");
    }

    @Test
    void composite_channelCredentialsFirst_thenCallCredentials_eachInOrder() throws Exception {
        List<String> invoked = new CopyOnWriteArrayList<>();
        Channel channel = rig.secureChannel(
                "127.0.0.1:" + tlsPort,
                ChannelCredentials.composite(
                        ChannelCredentials.composite(ChannelCredentials.ssl(ca.certificatePem()), step("a", invoked)),
                        step("b", invoked)),
                ChannelOptions.DEFAULT);

        call(
                        channel,
                        CallOptions.DEFAULT.withCredentials(
                                CallCredentials.composite(step("c", invoked), step("d", invoked))))
                .response()
                .await(10, SECONDS);

        assertThat(rig.events.lastRequestMetadata().getAll("x-order")).containsExactly("a", "b", "c", "d");
        assertThat(invoked).containsExactly("a", "b", "c", "d");
    }

    /**
     * Appends {@code x-order: name}; completes on a later event-loop turn, so a next step started too early (before
     * this one completed) would be recorded before it.
     */
    private CallCredentials step(String name, List<String> invoked) {
        return (serviceUrl, methodName) -> {
            Promise<Metadata> promise = Promise.promise();
            rig.vertx.runOnContext(v -> {
                invoked.add(name);
                promise.complete(Metadata.of("x-order", name));
            });
            return promise.future();
        };
    }

    private Channel tlsChannel(ChannelOptions options) {
        return rig.secureChannel("127.0.0.1:" + tlsPort, ChannelCredentials.ssl(ca.certificatePem()), options);
    }

    private static UnaryUnaryCall<byte[], byte[]> call(Channel channel, CallOptions options) {
        CallOptions withTimeout = options.timeout().isPresent() ? options : options.withTimeout(Duration.ofSeconds(10));
        return channel.unaryUnary(UNARY_CALL).call(new byte[] {1}, withTimeout);
    }
}
