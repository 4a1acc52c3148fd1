package io.rpcvertx.examples;

import io.rpcvertx.CallOptions;
import io.rpcvertx.ChannelOptions;
import io.rpcvertx.Http2Transport;
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
 *   <li>{@value #LB}: {@code pick_first} (default) or {@code round_robin};
 *   <li>{@value #HTTP2_TRANSPORT}: {@code vertx} (default) or {@code netty}, the channel's HTTP/2 implementation.
 * </ul>
 */
public final class ClientConfig {
    public static final String TARGET = "target";
    public static final String WAIT_FOR_READY = "waitForReady";
    public static final String TIMEOUT_SECONDS = "timeoutSeconds";
    public static final String LB = "lb";
    public static final String HTTP2_TRANSPORT = "http2Transport";
    /** The client programs' flag that picks the HTTP/2 implementation of the channel. */
    public static final String HTTP2_TRANSPORT_FLAG = "http2-transport";

    private ClientConfig() {}

    /** The channel options of {@code config}: the load-balancing policy and the HTTP/2 implementation. */
    public static ChannelOptions channelOptions(JsonObject config) {
        return ChannelOptions.DEFAULT
                .withLoadBalancingPolicy(config.getString(LB, ChannelOptions.PICK_FIRST))
                .withHttp2Transport(http2Transport(config.getString(HTTP2_TRANSPORT, "netty")));
    }

    /**
     * The HTTP/2 implementation named by {@code --http2-transport}: {@code netty} (Netty's HTTP/2 codec in Vert.x sockets, the
     * default, as {@code ChannelOptions}') or {@code vertx} (Vert.x's HTTP client).
     *
     * @throws IllegalArgumentException for any other value, naming the flag
     */
    public static Http2Transport http2Transport(String value) {
        return switch (value) {
            case "vertx" -> Http2Transport.VERTX_HTTP;
            case "netty" -> Http2Transport.NETTY;
            default ->
                throw new IllegalArgumentException(
                        "--" + HTTP2_TRANSPORT_FLAG + ": \"" + value + "\" (expected: vertx or netty)");
        };
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
