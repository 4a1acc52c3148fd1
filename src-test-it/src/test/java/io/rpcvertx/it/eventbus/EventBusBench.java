package io.rpcvertx.it.eventbus;

import static java.util.concurrent.TimeUnit.SECONDS;

import io.rpcvertx.examples.bench.BenchClient;
import io.rpcvertx.examples.bench.BenchClientConfig;
import io.rpcvertx.examples.bench.BenchEchoServerVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.lang.management.ManagementFactory;
import java.util.Map;

/**
 * The local event-bus transport against HTTP/2 over loopback, in one JVM: the bench.Echo server serves on a port and
 * on the event bus of one Vert.x, and the bench client (the examples jar's load) runs against each target in turn,
 * unary and server-streaming. Not a test: run its {@code main} with the test classpath; prints one line per run.
 * Arguments: {@code [seconds=10] [concurrency=16]}.
 */
public final class EventBusBench {
    private EventBusBench() {}

    public static void main(String[] args) throws Exception {
        String seconds = args.length > 0 ? args[0] : "10";
        String concurrency = args.length > 1 ? args[1] : "16";
        Vertx vertx = Vertx.vertx();
        try {
            BenchEchoServerVerticle server = new BenchEchoServerVerticle();
            vertx.deployVerticle(
                            server,
                            new DeploymentOptions()
                                    .setConfig(new JsonObject()
                                            .put("host", "127.0.0.1")
                                            .put("port", 0)
                                            .put("eventBus", true)))
                    .await(30, SECONDS);
            System.out.println("load average at start: "
                    + ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
            for (String mode : new String[] {"unary", "stream"}) {
                for (String target : new String[] {"eventbus:", "127.0.0.1:" + server.port()}) {
                    BenchClientConfig config = BenchClientConfig.of(Map.of(
                            "target", target,
                            "concurrency", concurrency,
                            "duration", seconds,
                            "warmup", "3",
                            "mode", mode,
                            "event-loops", "1"));
                    System.out.println(target + " " + mode + ": "
                            + BenchClient.run(vertx, config).line());
                }
            }
            System.out.println("load average at end: "
                    + ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        } finally {
            vertx.close().await(30, SECONDS);
        }
    }
}
