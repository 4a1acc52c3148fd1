package io.rpcvertx.examples;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;

/**
 * {@code --cluster[=host:port,...]}: the program's Vert.x joins a Hazelcast cluster on 127.0.0.1 only (TCP-IP join,
 * multicast and auto-detection off, no phone home; the event bus on 127.0.0.1 too). Without members the node starts a
 * cluster; it prints {@code cluster member 127.0.0.1:<port>}, the member other programs join with
 * {@code --cluster=127.0.0.1:<port>}.
 */
public final class ClusterSupport {
    public static final String FLAG = "cluster";
    /** The cluster name of the example programs. */
    static final String CLUSTER_NAME = "rpcvertx-examples";

    private ClusterSupport() {}

    /**
     * The members to join from the flag's value: {@code true} (the flag alone) for none, else a comma-separated list
     * of {@code 127.0.0.1:port}.
     *
     * @throws IllegalArgumentException for a member that is not {@code 127.0.0.1:port}
     */
    static List<String> members(String value) {
        List<String> members = new ArrayList<>();
        if (value.equals("true")) {
            return members;
        }
        for (String m : value.split(",", -1)) {
            if (!m.matches("127\\.0\\.0\\.1:[0-9]{1,5}")) {
                throw new IllegalArgumentException(
                        "--cluster: \"" + m + "\" (expected: 127.0.0.1:port, comma-separated, or no value)");
            }
            members.add(m);
        }
        return members;
    }

    /**
     * A clustered Vert.x joined to {@code members} (none: a new cluster), on 127.0.0.1 only; once joined, prints
     * {@code cluster member 127.0.0.1:<port>} to {@code out}.
     */
    static Future<Vertx> vertx(VertxOptions options, List<String> members, PrintStream out) {
        return vertx(options, o -> Vertx.builder().with(o), members, out);
    }

    /**
     * As {@link #vertx(VertxOptions, List, PrintStream)}, with the builder {@code builders} makes from the options (e.g.
     * with a tracer and metrics: {@code Observability.newBuilder}).
     */
    static Future<Vertx> vertx(
            VertxOptions options,
            Function<VertxOptions, VertxBuilder> builders,
            List<String> members,
            PrintStream out) {
        Config config = new HazelcastClusterManager().loadConfig();
        config.setClusterName(CLUSTER_NAME);
        config.setInstanceName("rpcvertx-" + UUID.randomUUID());
        config.setProperty("hazelcast.phone.home.enabled", "false");
        config.setProperty("hazelcast.logging.type", "none");
        config.setProperty("hazelcast.shutdownhook.enabled", "false");
        config.setProperty("hazelcast.wait.seconds.before.join", "0");
        config.setProperty("hazelcast.local.localAddress", "127.0.0.1");
        config.setProperty("hazelcast.socket.bind.any", "false");
        NetworkConfig network = config.getNetworkConfig();
        network.setPort(0).setPortAutoIncrement(false);
        network.getInterfaces().setEnabled(true).setInterfaces(List.of("127.0.0.1"));
        JoinConfig join = network.getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        join.getTcpIpConfig().setEnabled(true).setMembers(members);
        options.setEventBusOptions(
                new EventBusOptions().setHost("127.0.0.1").setPort(0).setClusterPublicHost("127.0.0.1"));
        HazelcastClusterManager manager = new HazelcastClusterManager(config);
        return builders.apply(options)
                .withClusterManager(manager)
                .buildClustered()
                .onSuccess(v -> out.println("cluster member 127.0.0.1:"
                        + manager.getHazelcastInstance()
                                .getCluster()
                                .getLocalMember()
                                .getAddress()
                                .getPort()));
    }
}
