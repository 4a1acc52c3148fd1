package io.rpcvertx.examples;

import io.rpcvertx.Http2Transport;
import io.rpcvertx.RpcVertx;
import io.rpcvertx.Server;
import io.rpcvertx.ServerOptions;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

/**
 * The deployment configuration every example server program understands, filled by {@link #fromFlags} from the
 * {@code --grace}, {@code --max-concurrent-rpcs} and {@code --io-instances} flags ({@link #FLAGS}).
 *
 * <ul>
 *   <li>{@code grace}: seconds in-flight RPCs may finish when the verticle is undeployed (default
 *       {@value #DEFAULT_GRACE_SECONDS}); then they are cancelled;
 *   <li>{@code maxConcurrentRpcs}: {@link ServerOptions#withMaximumConcurrentRpcs(int)} (default: unlimited);
 *   <li>{@code ioInstances}: {@link ServerOptions#withIoInstances(int)} (default: one per event loop);
 *   <li>{@code http2Transport}: {@link ServerOptions#withHttp2Transport} (flag {@code --http2-transport=vertx|netty},
 *       default: {@link ServerOptions#DEFAULT}'s);
 *   <li>{@code eventBus}: also serve on the event bus at {@link RpcVertx#DEFAULT_EVENT_BUS_ADDRESS} (flag
 *       {@code --eventbus}; clients reach it with {@code --target=eventbus:});
 *   <li>{@code sockJsBridgePort}, {@code tcpBridgePort}: the JSON gateway's bridges ({@link GatewayBridgeServer}; flags
 *       {@code --sockjs-bridge-port}, {@code --tcp-bridge-port}).
 * </ul>
 */
public final class ServerConfig {
    public static final int DEFAULT_GRACE_SECONDS = 10;

    /** The server settings' flags every server program takes, besides its address flags. */
    public static final Set<String> FLAGS =
            Set.of("grace", "max-concurrent-rpcs", "io-instances", "eventbus", ClusterSupport.FLAG, "http2-transport");

    /** The flag choosing the server's HTTP/2 transport ({@code --http2-transport=vertx|netty}). */
    public static final String HTTP2_TRANSPORT = "http2-transport";

    private ServerConfig() {}

    /**
     * The configuration from a server program's flags: {@code host} and {@code port} (from {@code --host} and
     * {@code --port}, else the defaults), {@code grace} (seconds, {@code >= 0}), and {@code maxConcurrentRpcs} and
     * {@code ioInstances} when given ({@code >= 1}).
     *
     * @throws IllegalArgumentException for a malformed value, naming the flag
     */
    public static JsonObject fromFlags(Map<String, String> flags, String defaultHost, int defaultPort) {
        JsonObject config = new JsonObject()
                .put("host", flags.getOrDefault("host", defaultHost))
                .put("port", intFlag(flags, "port", defaultPort))
                .put("grace", intFlag(flags, "grace", DEFAULT_GRACE_SECONDS));
        if (flags.containsKey("max-concurrent-rpcs")) {
            config.put("maxConcurrentRpcs", positiveFlag(flags, "max-concurrent-rpcs"));
        }
        if (flags.containsKey("io-instances")) {
            config.put("ioInstances", positiveFlag(flags, "io-instances"));
        }
        String transport = flags.get(HTTP2_TRANSPORT);
        if (transport != null) {
            config.put("http2Transport", http2Transport(transport).name());
        }
        String cluster = flags.get(ClusterSupport.FLAG);
        if (cluster != null) {
            ClusterSupport.members(cluster); // checked now: a usage error, not a failed start
            config.put(ClusterSupport.FLAG, cluster);
        }
        GatewayBridgeServer.fromFlags(flags, config);
        String eventBus = flags.get("eventbus");
        if (eventBus != null) {
            if (!eventBus.equals("true") && !eventBus.equals("false")) {
                throw new IllegalArgumentException(
                        "--eventbus: \"" + eventBus + "\" (expected: true or false, or no value)");
            }
            config.put("eventBus", Boolean.parseBoolean(eventBus));
        }
        return config;
    }

    private static Http2Transport http2Transport(String value) {
        switch (value) {
            case "vertx":
                return Http2Transport.VERTX_HTTP;
            case "netty":
                return Http2Transport.NETTY;
            default:
                throw new IllegalArgumentException(
                        "--" + HTTP2_TRANSPORT + ": \"" + value + "\" (expected: vertx or netty)");
        }
    }

    private static int positiveFlag(Map<String, String> flags, String key) {
        int value = intFlag(flags, key, 1);
        if (value < 1) {
            throw new IllegalArgumentException("--" + key + ": \"" + flags.get(key) + "\" (expected: an integer >= 1)");
        }
        return value;
    }

    private static int intFlag(Map<String, String> flags, String key, int defaultValue) {
        String value = flags.get(key);
        if (value == null) {
            return defaultValue;
        }
        int parsed;
        try {
            parsed = Integer.parseInt(value);
        } catch (NumberFormatException e) {
            parsed = -1;
        }
        if (parsed < 0) {
            throw new IllegalArgumentException("--" + key + ": \"" + value + "\" (expected: an integer >= 0)");
        }
        return parsed;
    }

    /** {@code base} with the limits the configuration sets. */
    public static ServerOptions options(JsonObject config, ServerOptions base) {
        ServerOptions options = base;
        Integer maxConcurrentRpcs = config.getInteger("maxConcurrentRpcs");
        if (maxConcurrentRpcs != null) {
            options = options.withMaximumConcurrentRpcs(maxConcurrentRpcs);
        }
        Integer ioInstances = config.getInteger("ioInstances");
        if (ioInstances != null) {
            options = options.withIoInstances(ioInstances);
        }
        String transport = config.getString("http2Transport");
        if (transport != null) {
            options = options.withHttp2Transport(Http2Transport.valueOf(transport));
        }
        return options;
    }

    /** The stop grace on undeploy. */
    /** Adds the event-bus port to {@code server} when the configuration asks for it ({@code eventBus}). */
    public static Future<Void> eventBus(JsonObject config, Server server) {
        return config.getBoolean("eventBus", false)
                ? server.addEventBusPort(RpcVertx.DEFAULT_EVENT_BUS_ADDRESS)
                : Future.succeededFuture();
    }

    public static Duration grace(JsonObject config) {
        return Duration.ofSeconds(config.getInteger("grace", DEFAULT_GRACE_SECONDS));
    }
}
