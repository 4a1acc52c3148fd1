package io.rpcvertx.impl.server;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rpcvertx.Marshaller;
import io.rpcvertx.MethodDescriptor;
import io.rpcvertx.MethodType;
import io.rpcvertx.RpcMethodHandler;
import io.rpcvertx.ServerOptions;
import io.rpcvertx.ServiceDefinition;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.internal.VertxInternal;
import io.vertx.junit5.VertxExtension;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server's port accepts connections only once the server serves: between {@code addInsecurePort} and the IO
 * verticles listening a connect is refused, and a call on a connection the port accepted is served, never refused
 * with UNAVAILABLE "server not started" or REFUSED_STREAM (an orchestrator takes an open port for a ready server).
 */
@ExtendWith(VertxExtension.class)
@Timeout(60)
class ServerReadinessTest {
    static final Marshaller<String> UTF8 = Marshaller.of(s -> Buffer.buffer(s.getBytes(UTF_8)), b -> b.toString(UTF_8));
    static final MethodDescriptor<String, String> UNARY =
            MethodDescriptor.of(MethodType.UNARY_UNARY, "test.Ready/Unary", UTF8, UTF8);

    Vertx vertx;
    HttpClient client;
    ServerImpl server;

    @BeforeEach
    void setUp(Vertx vertx) {
        this.vertx = vertx;
        client = vertx.createHttpClient(
                new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2).setHttp2ClearTextUpgrade(false));
        server = newServer();
    }

    @AfterEach
    void tearDown() throws Exception {
        client.close().await(5, SECONDS);
        server.stop(null).await(5, SECONDS);
    }

    ServerImpl newServer() {
        ServerImpl s = new ServerImpl((VertxInternal) vertx, ServerOptions.DEFAULT.withIoInstances(2));
        s.addGenericRpcHandlers(ServiceDefinition.of(
                "test.Ready", RpcMethodHandler.unaryUnary(UNARY, (req, ctx) -> Future.succeededFuture(req))));
        return s;
    }

    @Test
    void addInsecurePort_beforeStart_connectRefused_thenServedOnceStarted() throws Exception {
        int port = server.addInsecurePort("127.0.0.1:0").await(5, SECONDS);

        assertThatThrownBy(() -> connect(port)).isInstanceOf(ConnectException.class);

        server.start().await(10, SECONDS);
        connect(port);
        assertThat(call(port, "ok").await(5, SECONDS)).isEqualTo("200 grpc-status=0");
    }

    @Test
    void addInsecurePort_unixSocket_beforeStart_connectRefused_thenServedOnceStarted(@TempDir Path dir)
            throws Exception {
        Path socket = dir.resolve("ready.sock");
        server.addInsecurePort("unix:" + socket).await(5, SECONDS);

        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            assertThatThrownBy(() -> ch.connect(UnixDomainSocketAddress.of(socket)))
                    .isInstanceOf(SocketException.class);
        }

        server.start().await(10, SECONDS);
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            assertThat(ch.connect(UnixDomainSocketAddress.of(socket))).isTrue();
        }
    }

    @Test
    void addInsecurePort_portInUse_fails() throws Exception {
        int port = server.addInsecurePort("127.0.0.1:0").await(5, SECONDS);
        ServerImpl second = newServer();
        try {
            assertThatThrownBy(() -> second.addInsecurePort("127.0.0.1:" + port).await(5, SECONDS))
                    .hasMessageContaining("in use");
        } finally {
            second.stop(null).await(5, SECONDS);
        }
    }

    @Test
    void callWhileStartIsHeld_servedBeforeStartCompletes() throws Exception {
        int port = server.addInsecurePort("127.0.0.1:0").await(5, SECONDS);
        Promise<Void> reached = Promise.promise();
        Promise<Void> release = Promise.promise();
        server.holdStartForTest(reached, release.future());

        Future<Void> started = server.start();
        reached.future().await(10, SECONDS);
        String outcome = call(port, "held").await(5, SECONDS);

        assertThat(started.isComplete()).as("start() completed").isFalse();
        assertThat(outcome).isEqualTo("200 grpc-status=0");
        release.complete();
        started.await(5, SECONDS);
    }

    /** Calls racing start(): each attempt is refused at connect, or served; never refused by the server. */
    @RepeatedTest(10)
    void callsRacingStart_refusedAtConnectOrServed_neverRefusedByTheServer() throws Exception {
        int port = server.addInsecurePort("127.0.0.1:0").await(5, SECONDS);
        Future<Void> started = server.start();
        int served = 0;
        while (served == 0 || !started.isComplete()) {
            String outcome;
            try {
                outcome = call(port, "race").await(5, SECONDS);
            } catch (Exception e) {
                assertThat(rootCause(e)).as("a failed attempt").isInstanceOf(ConnectException.class);
                continue;
            }
            assertThat(outcome).isEqualTo("200 grpc-status=0");
            served++;
        }
        started.await(5, SECONDS);
    }

    private static void connect(int port) throws Exception {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        }
    }

    /** One raw gRPC call; the outcome as "HTTP status grpc-status=N" (a stream reset fails the future). */
    private Future<String> call(int port, String text) {
        return RawGrpcCall.call(client, port, UNARY.fullMethodName(), text)
                .map(r -> r.httpStatus() + " grpc-status=" + r.grpcStatus());
    }

    private static Throwable rootCause(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        return c;
    }
}
