package io.rpcvertx.examples.bench;

import io.rpcvertx.Http2Transport;
import io.rpcvertx.examples.ClientConfig;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

/**
 * The settings of a closed-loop load client of {@code bench.Echo}, shared by {@code bench-client} (rpc-vertx) and the
 * grpc-java load client in src-test-it, so that both take the same flags and mean the same by them.
 *
 * <ul>
 *   <li>{@code --target=host:port} (default 127.0.0.1:50200);
 *   <li>{@code --connections=N} (default 1): N channels, each its own HTTP/2 connection;
 *   <li>{@code --concurrency=M} (default 1): calls outstanding per connection; each slot starts its next call when the
 *       previous one ends (closed loop);
 *   <li>{@code --duration=S} (default 10) measured seconds, after {@code --warmup=S} (default 5) unmeasured seconds;
 *   <li>{@code --size=BYTES} (default 100): length of the echoed message text;
 *   <li>{@code --mode=unary|stream} (default unary): {@code UnaryEcho}, or {@code StreamEcho} asking for
 *       {@code --stream-messages=K} (default 100) replies per call;
 *   <li>{@code --event-loops=N} (default: the CPUs this JVM may use): the client's I/O threads.
 * </ul>
 *
 * @param target {@code host:port} of the server
 * @param connections channels (HTTP/2 connections), &gt; 0
 * @param concurrency outstanding calls per connection, &gt; 0
 * @param duration measured time, &gt; 0
 * @param warmup unmeasured time before it, &ge; 0
 * @param size message length in characters (ASCII, so bytes), &ge; 0
 * @param mode unary or server streaming
 * @param streamMessages replies per {@code StreamEcho} call, &gt; 0 (1 in unary mode)
 * @param eventLoops I/O threads of the client, &gt; 0
 * @param http2Transport the HTTP/2 implementation of the channels ({@code --http2-transport=vertx|netty})
 */
public record BenchClientConfig(
        String target,
        int connections,
        int concurrency,
        Duration duration,
        Duration warmup,
        int size,
        Mode mode,
        int streamMessages,
        int eventLoops,
        Http2Transport http2Transport) {
    /** Which bench.Echo method each call uses. */
    public enum Mode {
        /** {@code UnaryEcho}: one request, one reply. */
        UNARY,
        /** {@code StreamEcho}: one request, {@code streamMessages} replies. */
        STREAM
    }

    public static final String DEFAULT_TARGET = "127.0.0.1:" + BenchEchoServerVerticle.DEFAULT_PORT;

    /** The flags {@link #of} reads. */
    public static final Set<String> FLAGS = Set.of(
            "target",
            "connections",
            "concurrency",
            "duration",
            "warmup",
            "size",
            "mode",
            "stream-messages",
            "event-loops",
            ClientConfig.HTTP2_TRANSPORT_FLAG);

    public static final String USAGE = "[--target=" + DEFAULT_TARGET
            + "] [--connections=1] [--concurrency=1] [--duration=10] [--warmup=5] [--size=100]"
            + " [--mode=unary|stream] [--stream-messages=100] [--event-loops=CPUs] [--http2-transport=vertx|netty]";

    /**
     * @throws IllegalArgumentException if a value is out of range
     */
    public BenchClientConfig {
        positive("connections", connections);
        positive("concurrency", concurrency);
        positive("stream-messages", streamMessages);
        positive("event-loops", eventLoops);
        if (size < 0) {
            throw new IllegalArgumentException("size: " + size + " (expected: >= 0)");
        }
        if (duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException("duration: " + duration + " (expected: > 0)");
        }
        if (warmup.isNegative()) {
            throw new IllegalArgumentException("warmup: " + warmup + " (expected: >= 0)");
        }
        if (mode == Mode.UNARY && streamMessages != 1) {
            streamMessages = 1;
        }
    }

    /**
     * The configuration of {@code flags} (flag name without {@code --} to value); unset flags take their defaults.
     *
     * @throws IllegalArgumentException for an unknown flag or a malformed value, naming the flag
     */
    public static BenchClientConfig of(Map<String, String> flags) {
        for (String key : flags.keySet()) {
            if (!FLAGS.contains(key)) {
                throw new IllegalArgumentException("flag: --" + key + " (expected one of: " + FLAGS + ")");
            }
        }
        String mode = flags.getOrDefault("mode", "unary");
        if (!mode.equals("unary") && !mode.equals("stream")) {
            throw new IllegalArgumentException("--mode: \"" + mode + "\" (expected: unary or stream)");
        }
        return new BenchClientConfig(
                flags.getOrDefault("target", DEFAULT_TARGET),
                intFlag(flags, "connections", 1, 1),
                intFlag(flags, "concurrency", 1, 1),
                seconds(flags, "duration", 10, false),
                seconds(flags, "warmup", 5, true),
                intFlag(flags, "size", 100, 0),
                mode.equals("unary") ? Mode.UNARY : Mode.STREAM,
                intFlag(flags, "stream-messages", 100, 1),
                intFlag(flags, "event-loops", Runtime.getRuntime().availableProcessors(), 1),
                ClientConfig.http2Transport(flags.getOrDefault(ClientConfig.HTTP2_TRANSPORT_FLAG, "netty")));
    }

    /** The host part of {@link #target()}. */
    public String host() {
        int colon = target.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("target: \"" + target + "\" (expected: host:port)");
        }
        return target.substring(0, colon);
    }

    /** The port part of {@link #target()}. */
    public int port() {
        int colon = target.lastIndexOf(':');
        try {
            return Integer.parseInt(target.substring(colon + 1));
        } catch (NumberFormatException | IndexOutOfBoundsException e) {
            throw new IllegalArgumentException("target: \"" + target + "\" (expected: host:port)", e);
        }
    }

    /** The echoed text: {@link #size()} ASCII letters. */
    public String message() {
        StringBuilder text = new StringBuilder(size);
        for (int i = 0; i < size; i++) {
            text.append((char) ('a' + i % 26));
        }
        return text.toString();
    }

    private static void positive(String name, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(name + ": " + value + " (expected: > 0)");
        }
    }

    private static int intFlag(Map<String, String> flags, String key, int defaultValue, int min) {
        String value = flags.get(key);
        if (value == null) {
            return defaultValue;
        }
        try {
            int parsed = Integer.parseInt(value);
            if (parsed >= min) {
                return parsed;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("--" + key + ": \"" + value + "\" (expected: an integer >= " + min + ")");
    }

    private static Duration seconds(Map<String, String> flags, String key, int defaultSeconds, boolean zeroAllowed) {
        String value = flags.get(key);
        if (value == null) {
            return Duration.ofSeconds(defaultSeconds);
        }
        double seconds;
        try {
            seconds = Double.parseDouble(value);
        } catch (NumberFormatException e) {
            seconds = -1;
        }
        if (!(seconds > 0 || (zeroAllowed && seconds == 0)) || seconds > 86_400) {
            throw new IllegalArgumentException(
                    "--" + key + ": \"" + value + "\" (expected: seconds " + (zeroAllowed ? ">= 0" : "> 0") + ")");
        }
        return Duration.ofNanos(Math.round(seconds * 1e9));
    }
}
