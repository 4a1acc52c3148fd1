package io.rpcvertx.it.bench;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.rpcvertx.examples.bench.BenchClient;
import io.rpcvertx.examples.bench.BenchClientConfig;
import io.rpcvertx.examples.bench.BenchEchoServerVerticle;
import io.rpcvertx.examples.bench.BenchResult;
import io.rpcvertx.it.bench.GrpcJavaBenchClient.CallExecutor;
import io.rpcvertx.it.bench.grpcjava.EchoGrpc;
import io.rpcvertx.it.bench.grpcjava.EchoReply;
import io.rpcvertx.it.bench.grpcjava.EchoRequest;
import io.rpcvertx.it.bench.grpcjava.StreamRequest;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Both bench load clients for about a second each, against an in-JVM server on an ephemeral port: grpc-java's client
 * against rpc-vertx's bench-echo server, rpc-vertx's against a grpc-java echo server; so that neither rots.
 */
@Timeout(120)
class BenchClientsTest {
    private static Vertx vertx;
    private static BenchEchoServerVerticle rpcVertxServer;
    private static Server grpcJavaServer;

    @BeforeAll
    static void startServers() throws Exception {
        vertx = Vertx.vertx();
        rpcVertxServer = new BenchEchoServerVerticle();
        vertx.deployVerticle(
                        rpcVertxServer,
                        new DeploymentOptions()
                                .setConfig(new JsonObject()
                                        .put("host", "127.0.0.1")
                                        .put("port", 0)))
                .await(10, SECONDS);
        grpcJavaServer = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .directExecutor()
                .addService(new EchoGrpc.EchoImplBase() {
                    @Override
                    public void unaryEcho(EchoRequest request, StreamObserver<EchoReply> replies) {
                        replies.onNext(EchoReply.newBuilder()
                                .setMessage(request.getMessage())
                                .build());
                        replies.onCompleted();
                    }

                    @Override
                    public void streamEcho(StreamRequest request, StreamObserver<EchoReply> replies) {
                        EchoReply reply = EchoReply.newBuilder()
                                .setMessage(request.getMessage())
                                .build();
                        for (int i = 0; i < request.getCount(); i++) {
                            replies.onNext(reply);
                        }
                        replies.onCompleted();
                    }
                })
                .build()
                .start();
    }

    @AfterAll
    static void stopServers() throws Exception {
        if (grpcJavaServer != null) {
            grpcJavaServer.shutdownNow().awaitTermination(10, SECONDS);
        }
        if (vertx != null) {
            vertx.close().await(20, SECONDS);
        }
    }

    private static BenchClientConfig config(int port, String mode) {
        return BenchClientConfig.of(Map.of(
                "target", "127.0.0.1:" + port,
                "connections", "2",
                "concurrency", "4",
                "duration", "1",
                "warmup", "1",
                "size", "100",
                "mode", mode,
                "stream-messages", "10",
                "event-loops", "1"));
    }

    private static void assertClean(BenchResult result, long messagesPerCall) {
        assertThat(result.errors()).as(String.valueOf(result.firstError())).isZero();
        assertThat(result.calls()).isPositive();
        assertThat(result.messages()).isEqualTo(result.calls() * messagesPerCall);
        assertThat(result.latency().count()).isEqualTo(result.calls());
    }

    @ParameterizedTest
    @EnumSource(CallExecutor.class)
    void grpcJavaClient_unary_againstRpcVertxServer(CallExecutor executor) throws Exception {
        BenchResult result = GrpcJavaBenchClient.run(config(rpcVertxServer.port(), "unary"), executor);

        assertClean(result, 1);
        assertThat(result.line()).startsWith("bench-client client=" + GrpcJavaBenchClient.name(executor) + " ");
    }

    @ParameterizedTest
    @EnumSource(CallExecutor.class)
    void grpcJavaClient_stream_againstRpcVertxServer(CallExecutor executor) throws Exception {
        assertClean(GrpcJavaBenchClient.run(config(rpcVertxServer.port(), "stream"), executor), 10);
    }

    @Test
    void rpcVertxClient_unary_againstGrpcJavaServer() throws Exception {
        assertClean(BenchClient.run(config(grpcJavaServer.getPort(), "unary")), 1);
    }

    @Test
    void rpcVertxClient_stream_againstGrpcJavaServer() throws Exception {
        assertClean(BenchClient.run(config(grpcJavaServer.getPort(), "stream")), 10);
    }

    @Test
    void grpcJavaClientMain_printsTheResultLineAndExitsZero() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();

        int code = GrpcJavaBenchClient.run(
                new String[] {
                    "--target=127.0.0.1:" + rpcVertxServer.port(), "--executor=default", "--duration=1", "--warmup=1"
                },
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));

        assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
        assertThat(code).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8).lines())
                .singleElement()
                .asString()
                .matches("bench-client client=grpc-java-default mode=unary .* calls_per_s=[1-9][0-9]* .* errors=0");
    }

    @Test
    void grpcJavaClientMain_badExecutor_exitsTwo() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();

        int code = GrpcJavaBenchClient.run(
                new String[] {"--executor=fjp"},
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));

        assertThat(code).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--executor: \"fjp\"", "usage:");
    }

    @Test
    void grpcJavaProtoCopy_differsOnlyInJavaPackage() {
        FileDescriptorProto examples =
                io.rpcvertx.examples.bench.EchoProto.getDescriptor().toProto();
        FileDescriptorProto copy =
                io.rpcvertx.it.bench.grpcjava.EchoProto.getDescriptor().toProto();

        assertThat(copy.getOptions().getJavaPackage()).isEqualTo("io.rpcvertx.it.bench.grpcjava");
        assertThat(withoutJavaPackage(copy)).isEqualTo(withoutJavaPackage(examples));
    }

    private static FileDescriptorProto withoutJavaPackage(FileDescriptorProto file) {
        FileDescriptorProto.Builder builder = file.toBuilder();
        builder.getOptionsBuilder().clearJavaPackage();
        return builder.build();
    }
}
