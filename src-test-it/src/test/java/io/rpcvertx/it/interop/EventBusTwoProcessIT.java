package io.rpcvertx.it.interop;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.rpcvertx.Channel;
import io.rpcvertx.RpcVertx;
import io.rpcvertx.StatusCode;
import io.rpcvertx.UnaryStreamCall;
import io.rpcvertx.examples.bench.EchoGrpc;
import io.rpcvertx.examples.bench.EchoReply;
import io.rpcvertx.examples.bench.EchoRequest;
import io.rpcvertx.examples.bench.EchoStub;
import io.rpcvertx.examples.bench.StreamRequest;
import io.rpcvertx.it.contract.EventBusCluster;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.streams.ReadStream;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The event-bus transport between two JVMs: the examples' {@code bench-echo-server --eventbus --cluster} in a child
 * process (node A, Hazelcast on 127.0.0.1), a channel on a clustered Vert.x of this JVM (node B) joined to it. Calls
 * go across, and killing the child (SIGKILL, no goodbye) mid-call fails the call with UNAVAILABLE.
 */
@Timeout(180)
class EventBusTwoProcessIT {
    static final Duration START = Duration.ofSeconds(90);

    JavaPeer server;
    Vertx node;
    Channel channel;

    @AfterEach
    void tearDown() throws Exception {
        if (channel != null) {
            channel.close().await(5, SECONDS);
        }
        if (node != null) {
            node.close().await(60, SECONDS);
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void channelInThisJvm_serverInAnother_callsWork_killingTheServerFailsTheCallUnavailable() throws Exception {
        server = JavaPeer.start(
                "bench-echo-server --eventbus --cluster",
                System.getProperty("java.class.path"),
                "io.rpcvertx.examples.Main",
                List.of("bench-echo-server", "--host=127.0.0.1", "--port=0", "--eventbus", "--cluster"));
        String member = server.awaitLine("cluster member ", START)
                .orElseThrow(() -> new AssertionError("no cluster member line:\n" + server.transcript()))
                .substring("cluster member ".length());
        assertThat(server.awaitLine("bench-echo-server listening", START))
                .as(server.transcript())
                .isPresent();
        node = Vertx.builder()
                .with(new VertxOptions()
                        .setEventBusOptions(new EventBusOptions()
                                .setHost("127.0.0.1")
                                .setPort(0)
                                .setClusterPublicHost("127.0.0.1")))
                .withClusterManager(
                        new HazelcastClusterManager(EventBusCluster.hazelcast("rpcvertx-examples", List.of(member))))
                .buildClustered()
                .await(60, SECONDS);
        channel = RpcVertx.insecureChannel(node, "eventbus:");
        channel.channelReady().await(30, SECONDS);
        EchoStub stub = EchoGrpc.newStub(channel);

        EchoReply reply = stub.unaryEcho(
                        EchoRequest.newBuilder().setMessage("across").build())
                .response()
                .await(10, SECONDS);
        assertThat(reply.getMessage()).isEqualTo("across");

        // a long stream, read one message then paused: the server is mid-call when its process dies
        UnaryStreamCall<StreamRequest, EchoReply> call = stub.streamEcho(
                StreamRequest.newBuilder().setMessage("m").setCount(1_000_000).build());
        ReadStream<EchoReply> replies = call.responses();
        CompletableFuture<Void> first = new CompletableFuture<>();
        replies.exceptionHandler(e -> {});
        replies.handler(r -> {
            replies.pause();
            first.complete(null);
        });
        first.get(10, SECONDS);
        long killedAt = System.nanoTime();
        ProcessHandle.of(server.pid()).ifPresent(ProcessHandle::destroyForcibly);

        assertThat(call.code().await(30, SECONDS)).isEqualTo(StatusCode.UNAVAILABLE);
        System.out.println("event bus across processes: the call failed UNAVAILABLE "
                + (System.nanoTime() - killedAt) / 1_000_000 + " ms after the server process was killed: "
                + call.details().await(1, SECONDS));
    }
}
