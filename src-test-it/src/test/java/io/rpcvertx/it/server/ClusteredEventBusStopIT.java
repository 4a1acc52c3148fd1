package io.rpcvertx.it.server;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import io.rpcvertx.Channel;
import io.rpcvertx.RpcVertx;
import io.rpcvertx.Server;
import io.rpcvertx.StatusCode;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * Stopping a server from another node of a clustered event bus: two clustered Vert.x nodes in this JVM, Hazelcast on
 * 127.0.0.1 only (TCP-IP join to the first node's port, no multicast, no phone home, a cluster name of its own), the
 * server on node A, the stop request sent from node B.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(120)
class ClusteredEventBusStopIT {
    static final Duration CLUSTER_TIMEOUT = Duration.ofSeconds(60);

    Vertx nodeA;
    Vertx nodeB;
    HeldCalls held;
    Server server;
    Channel channel;

    @BeforeAll
    void startCluster() throws Exception {
        String clusterName = "rpcvertx-it-" + UUID.randomUUID();
        HazelcastClusterManager managerA = new HazelcastClusterManager(hazelcast(clusterName, List.of()));
        nodeA = clusteredVertx(managerA);
        int portA = managerA.getHazelcastInstance()
                .getCluster()
                .getLocalMember()
                .getAddress()
                .getPort();
        nodeB = clusteredVertx(new HazelcastClusterManager(hazelcast(clusterName, List.of("127.0.0.1:" + portA))));
        assertThat(managerA.getNodes()).as("both nodes joined").hasSize(2);
    }

    @AfterAll
    void stopCluster() throws Exception {
        if (nodeB != null) {
            nodeB.close().await(CLUSTER_TIMEOUT.toSeconds(), SECONDS);
        }
        if (nodeA != null) {
            nodeA.close().await(CLUSTER_TIMEOUT.toSeconds(), SECONDS);
        }
    }

    static Config hazelcast(String clusterName, List<String> members) {
        Config config = new HazelcastClusterManager().loadConfig(); // Vert.x's map settings
        config.setClusterName(clusterName);
        config.setProperty("hazelcast.phone.home.enabled", "false");
        config.setProperty("hazelcast.logging.type", "none");
        config.setProperty("hazelcast.shutdownhook.enabled", "false");
        config.setProperty("hazelcast.wait.seconds.before.join", "0");
        config.setProperty("hazelcast.max.wait.seconds.before.join", "0");
        config.setProperty("hazelcast.local.localAddress", "127.0.0.1");
        config.setProperty("hazelcast.socket.bind.any", "false"); // bind 127.0.0.1, not every interface
        NetworkConfig network = config.getNetworkConfig();
        network.setPort(0).setPortAutoIncrement(false);
        network.getInterfaces().setEnabled(true).setInterfaces(List.of("127.0.0.1"));
        JoinConfig join = network.getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        join.getTcpIpConfig().setEnabled(true).setMembers(members);
        return config;
    }

    static Vertx clusteredVertx(HazelcastClusterManager manager) throws Exception {
        EventBusOptions eventBus =
                new EventBusOptions().setHost("127.0.0.1").setPort(0).setClusterPublicHost("127.0.0.1");
        return Vertx.builder()
                .with(new VertxOptions().setEventBusOptions(eventBus))
                .withClusterManager(manager)
                .buildClustered()
                .await(CLUSTER_TIMEOUT.toSeconds(), SECONDS);
    }

    @BeforeEach
    void startServer() throws Exception {
        held = new HeldCalls(nodeA);
        server = RpcVertx.server(nodeA);
        server.addGenericRpcHandlers(held.service());
        int port = server.addInsecurePort("127.0.0.1:0").await(5, SECONDS);
        server.start().await(10, SECONDS);
        channel = RpcVertx.insecureChannel(nodeA, "127.0.0.1:" + port);
    }

    @AfterEach
    void stopServer() throws Exception {
        channel.close().await(5, SECONDS);
        server.stop(null).await(10, SECONDS);
    }

    /**
     * Sends the stop request from node B. The control consumer is registered cluster-wide before {@code start()}
     * completes, but node B learns of it asynchronously: "no handlers" is retried for a bounded time.
     */
    Future<Message<Object>> requestFromNodeB(@Nullable Object body) {
        Promise<Message<Object>> reply = Promise.promise();
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        nodeB.runOnContext(v -> new Object() {
            void attempt() {
                nodeB.eventBus()
                        .request(server.controlAddress(), body, new DeliveryOptions().setSendTimeout(30_000))
                        .onComplete(ar -> {
                            if (ar.failed()
                                    && ar.cause() instanceof ReplyException
                                    && ((ReplyException) ar.cause()).failureType() == ReplyFailure.NO_HANDLERS
                                    && System.nanoTime() < deadline) {
                                nodeB.setTimer(50, id -> attempt());
                            } else {
                                reply.handle(ar);
                            }
                        });
            }
        }.attempt());
        return reply.future();
    }

    @Test
    void stopWithGrace_fromOtherNode_inFlightCallCompletes_thenReply() throws Exception {
        var call = channel.unaryUnary(HeldCalls.HOLD).call("a");
        HeldCalls.Held h = held.next();

        Future<Message<Object>> reply = requestFromNodeB(new JsonObject().put("grace", 30_000));

        held.awaitRefusing(channel);
        assertThat(reply.isComplete()).as("the reply waits for the stop").isFalse();
        nodeA.runOnContext(v -> h.response().complete("done"));
        assertThat(call.response().await(5, SECONDS)).isEqualTo("done");
        assertThat(((JsonObject) reply.await(10, SECONDS).body()).getBoolean("stopped"))
                .isTrue();
        assertThat(server.waitForTermination(Duration.ZERO).await(5, SECONDS)).isTrue();
        assertThat(h.cancelled().get(5, SECONDS)).isFalse();
    }

    @Test
    void stopWithNullBody_fromOtherNode_abortsInFlightCall() throws Exception {
        var call = channel.unaryUnary(HeldCalls.HOLD).call("a");
        HeldCalls.Held h = held.next();

        Future<Message<Object>> reply = requestFromNodeB(null);

        assertThat(((JsonObject) reply.await(20, SECONDS).body()).getBoolean("stopped"))
                .isTrue();
        assertThat(h.cancelled().get(5, SECONDS)).isTrue();
        assertThat(call.code().await(5, SECONDS)).isIn(StatusCode.CANCELLED, StatusCode.UNAVAILABLE);
    }
}
