package io.rpcvertx.examples;

import io.rpcvertx.CallOptions;
import io.rpcvertx.ChannelOptions;
import io.vertx.core.json.JsonObject;
import java.time.Duration;

/**
 * The channel and call settings every example client verticle reads from its config, so the client programs share
 * one set of flags ({@code --target}, {@code --wait-for-ready}, {@code --timeout}, {@code --lb}).
 *
 * <ul>
 *   <li>{@value #TARGET}: any channel target ({@code host:port}, {@code dns:///host:port}, {@code ipv4:a:p,b:p},
 *       {@code ipv6:[..]:p}, {@code unix:path});
 *   <li>{@value #WAIT_FOR_READY}: boolean, default false: calls wait through connection failures for the server;
 *   <li>{@value #TIMEOUT_SECONDS}: number &gt; 0, the deadline of each call;
 *   <li>{@value #LB}: {@code pick_first} (default) or {@code round_robin}.
 * </ul>
 */
public final class ClientConfig {
    public static final String TARGET = "target";
    public static final String WAIT_FOR_READY = "waitForReady";
    public static final String TIMEOUT_SECONDS = "timeoutSeconds";
    public static final String LB = "lb";

    private ClientConfig() {}

    /** The channel options of {@code config}: the load-balancing policy. */
    public static ChannelOptions channelOptions(JsonObject config) {
        return ChannelOptions.DEFAULT.withLoadBalancingPolicy(config.getString(LB, ChannelOptions.PICK_FIRST));
    }

    /** The options of each call: the deadline ({@code defaultTimeout} when unset) and wait-for-ready. */
    public static CallOptions callOptions(JsonObject config, Duration defaultTimeout) {
        return CallOptions.DEFAULT
                .withTimeout(timeout(config, defaultTimeout))
                .withWaitForReady(config.getBoolean(WAIT_FOR_READY, false));
    }

    /** The deadline of each call. */
    public static Duration timeout(JsonObject config, Duration defaultTimeout) {
        Number seconds = config.getNumber(TIMEOUT_SECONDS);
        return seconds == null ? defaultTimeout : Duration.ofMillis(Math.round(seconds.doubleValue() * 1000));
    }
}
