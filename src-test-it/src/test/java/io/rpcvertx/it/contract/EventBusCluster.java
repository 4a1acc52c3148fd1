package io.rpcvertx.it.contract;

import static java.util.concurrent.TimeUnit.SECONDS;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Clustered Vert.x nodes in this JVM: Hazelcast on 127.0.0.1 only (TCP-IP join to the first node's port, multicast and
 * auto-detection off, no phone home), a cluster name of their own, the event bus on 127.0.0.1.
 */
public final class EventBusCluster implements AutoCloseable {
    static final long TIMEOUT_SECONDS = 60;

    private final List<Vertx> nodes;

    private EventBusCluster(List<Vertx> nodes) {
        this.nodes = nodes;
    }

    /** {@code count} nodes of a new cluster, each joined. */
    public static EventBusCluster start(int count) throws Exception {
        String clusterName = "rpcvertx-eb-" + UUID.randomUUID();
        List<Vertx> nodes = new ArrayList<>();
        HazelcastClusterManager first = new HazelcastClusterManager(hazelcast(clusterName, List.of()));
        nodes.add(clusteredVertx(first));
        int port = first.getHazelcastInstance()
                .getCluster()
                .getLocalMember()
                .getAddress()
                .getPort();
        for (int i = 1; i < count; i++) {
            nodes.add(
                    clusteredVertx(new HazelcastClusterManager(hazelcast(clusterName, List.of("127.0.0.1:" + port)))));
        }
        if (first.getNodes().size() != count) {
            throw new IllegalStateException("only " + first.getNodes().size() + " of " + count + " nodes joined");
        }
        return new EventBusCluster(nodes);
    }

    public Vertx node(int index) {
        return nodes.get(index);
    }

    /** Hazelcast on 127.0.0.1 only, joining {@code members} by TCP-IP. */
    public static Config hazelcast(String clusterName, List<String> members) {
        Config config = new HazelcastClusterManager().loadConfig(); // Vert.x's map settings
        config.setClusterName(clusterName);
        config.setProperty("hazelcast.phone.home.enabled", "false");
        config.setProperty("hazelcast.logging.type", "none");
        config.setProperty("hazelcast.shutdownhook.enabled", "false");
        config.setProperty("hazelcast.wait.seconds.before.join", "0");
        config.setProperty("hazelcast.max.wait.seconds.before.join", "0");
        config.setProperty("hazelcast.local.localAddress", "127.0.0.1");
        config.setProperty("hazelcast.socket.bind.any", "false");
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
                .await(TIMEOUT_SECONDS, SECONDS);
    }

    /** Closes the nodes, the last joined first. */
    @Override
    public void close() throws Exception {
        for (int i = nodes.size() - 1; i >= 0; i--) {
            nodes.get(i).close().await(TIMEOUT_SECONDS, SECONDS);
        }
    }
}
