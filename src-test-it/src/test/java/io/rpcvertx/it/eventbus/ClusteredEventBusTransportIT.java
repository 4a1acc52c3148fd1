package io.rpcvertx.it.eventbus;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.config.Config;
import io.rpcvertx.Channel;
import io.rpcvertx.ChannelOptions;
import io.rpcvertx.Marshaller;
import io.rpcvertx.MethodDescriptor;
import io.rpcvertx.MethodType;
import io.rpcvertx.RpcException;
import io.rpcvertx.RpcMethodHandler;
import io.rpcvertx.RpcVertx;
import io.rpcvertx.Server;
import io.rpcvertx.ServiceDefinition;
import io.rpcvertx.StatusCode;
import io.rpcvertx.UnaryUnaryCall;
import io.rpcvertx.it.contract.EventBusCluster;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * The event-bus transport across a clustered event bus (three Hazelcast nodes in this JVM, on 127.0.0.1 only): a
 * channel on one node calls servers on the others, several servers of one address share the calls, and a node that
 * leaves mid-call fails its calls with UNAVAILABLE instead of leaving them hanging.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(180)
class ClusteredEventBusTransportIT {
    static final MethodDescriptor<byte[], byte[]> WHO = MethodDescriptor.of(
            MethodType.UNARY_UNARY, "rpcvertx.it.eventbus.Node/Who", Marshaller.BYTES, Marshaller.BYTES);
    static final MethodDescriptor<byte[], byte[]> HOLD = MethodDescriptor.of(
            MethodType.UNARY_UNARY, "rpcvertx.it.eventbus.Node/Hold", Marshaller.BYTES, Marshaller.BYTES);

    EventBusCluster cluster;
    final List<Server> servers = new ArrayList<>();
    final List<Channel> channels = new ArrayList<>();

    @BeforeAll
    void startCluster() throws Exception {
        cluster = EventBusCluster.start(3);
    }

    @AfterAll
    void stopCluster() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    @AfterEach
    void tearDown() throws Exception {
        for (Channel c : channels) {
            c.close().await(5, SECONDS);
        }
        for (Server s : servers) {
            s.stop(null).await(10, SECONDS);
        }
        channels.clear();
        servers.clear();
    }

    /** A server on {@code node} answering {@code Who} with {@code name}, and {@code Hold} never (until cancelled). */
    Server serve(Vertx node, String address, String name, CompletableFuture<Void> holdStarted) throws Exception {
        Server server = RpcVertx.server(node);
        server.addGenericRpcHandlers(ServiceDefinition.of(
                "rpcvertx.it.eventbus.Node",
                RpcMethodHandler.unaryUnary(
                        WHO, (request, ctx) -> Future.succeededFuture(name.getBytes(StandardCharsets.UTF_8))),
                RpcMethodHandler.unaryUnary(HOLD, (request, ctx) -> {
                    Promise<byte[]> never = Promise.promise();
                    ctx.addDoneCallback(v -> never.tryFail("ended"));
                    holdStarted.complete(null);
                    return never.future();
                })));
        server.addEventBusPort(address).await(5, SECONDS);
        server.start().await(10, SECONDS);
        servers.add(server);
        return server;
    }

    Channel channel(Vertx node, String address) throws Exception {
        Channel channel = RpcVertx.eventBusChannel(node, address, ChannelOptions.DEFAULT);
        channels.add(channel);
        return channel;
    }

    @Test
    void channelOnOneNode_serversOnTwoOthers_callsSpreadOverBoth() throws Exception {
        String address = "spread-" + UUID.randomUUID();
        serve(cluster.node(0), address, "a", new CompletableFuture<>());
        serve(cluster.node(1), address, "b", new CompletableFuture<>());
        Channel channel = channel(cluster.node(2), address);
        channel.channelReady().await(20, SECONDS);
        Map<String, AtomicInteger> spread = new ConcurrentHashMap<>();
        int calls = 200;
        // node C may learn of the second server's consumers a little later than of the first: sequential calls until
        // both answered once, then the measured batch
        for (int i = 0; i < 200 && spread.size() < 2; i++) {
            String who = new String(
                    channel.unaryUnary(WHO).call(new byte[0]).response().await(5, SECONDS), StandardCharsets.UTF_8);
            spread.computeIfAbsent(who, k -> new AtomicInteger()).incrementAndGet();
        }
        assertThat(spread).containsOnlyKeys("a", "b");
        spread.clear();
        List<UnaryUnaryCall<byte[], byte[]>> batch = new ArrayList<>();
        for (int i = 0; i < calls; i++) {
            batch.add(channel.unaryUnary(WHO).call(new byte[0]));
        }
        for (UnaryUnaryCall<byte[], byte[]> call : batch) {
            String who = new String(call.response().await(10, SECONDS), StandardCharsets.UTF_8);
            spread.computeIfAbsent(who, k -> new AtomicInteger()).incrementAndGet();
        }
        System.out.println("clustered event bus: " + calls + " calls from node C over servers on A and B: " + spread);
        assertThat(spread.get("a").get()).as("calls served on node A").isBetween(calls / 4, calls * 3 / 4);
        assertThat(spread.get("b").get()).as("calls served on node B").isBetween(calls / 4, calls * 3 / 4);
    }

    @Test
    void serverNodeLeavesMidCall_callFailsUnavailable() throws Exception {
        String address = "leave-" + UUID.randomUUID();
        Vertx leaving = joinExtraNode();
        try {
            CompletableFuture<Void> held = new CompletableFuture<>();
            Server server = RpcVertx.server(leaving);
            server.addGenericRpcHandlers(ServiceDefinition.of(
                    "rpcvertx.it.eventbus.Node", RpcMethodHandler.unaryUnary(HOLD, (request, ctx) -> {
                        held.complete(null);
                        return Promise.<byte[]>promise().future(); // never answers
                    })));
            server.addEventBusPort(address).await(5, SECONDS);
            server.start().await(10, SECONDS);
            Channel channel = channel(cluster.node(2), address);
            channel.channelReady().await(20, SECONDS);
            UnaryUnaryCall<byte[], byte[]> call = channel.unaryUnary(HOLD).call(new byte[0]);
            held.get(10, SECONDS);

            // the node leaves the cluster abruptly (no stop, no goodbye on the event bus), as on a crash
            HazelcastClusterManager manager =
                    (HazelcastClusterManager) ((io.vertx.core.internal.VertxInternal) leaving).clusterManager();
            long start = System.nanoTime();
            manager.getHazelcastInstance().getLifecycleService().terminate();

            assertThat(call.code().await(30, SECONDS)).isEqualTo(StatusCode.UNAVAILABLE);
            assertThat(call.response()
                            .transform(ar -> Future.succeededFuture(
                                    ar.failed() && ((RpcException) ar.cause()).code() == StatusCode.UNAVAILABLE))
                            .await(5, SECONDS))
                    .as("the response fails with UNAVAILABLE")
                    .isTrue();
            System.out.println("clustered event bus: a call on a node that left failed UNAVAILABLE after "
                    + (System.nanoTime() - start) / 1_000_000 + " ms: "
                    + call.details().await(1, SECONDS));
        } finally {
            leaving.close().await(60, SECONDS);
        }
    }

    /** A fourth node, joined to the fixture's cluster. */
    Vertx joinExtraNode() throws Exception {
        HazelcastClusterManager first =
                (HazelcastClusterManager) ((io.vertx.core.internal.VertxInternal) cluster.node(0)).clusterManager();
        int port = first.getHazelcastInstance()
                .getCluster()
                .getLocalMember()
                .getAddress()
                .getPort();
        Config config = EventBusCluster.hazelcast(
                first.getHazelcastInstance().getConfig().getClusterName(), List.of("127.0.0.1:" + port));
        EventBusOptions eventBus =
                new EventBusOptions().setHost("127.0.0.1").setPort(0).setClusterPublicHost("127.0.0.1");
        return Vertx.builder()
                .with(new VertxOptions().setEventBusOptions(eventBus))
                .withClusterManager(new HazelcastClusterManager(config))
                .buildClustered()
                .await(60, SECONDS);
    }
}
