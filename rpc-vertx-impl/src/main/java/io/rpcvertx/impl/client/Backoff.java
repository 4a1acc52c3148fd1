package io.rpcvertx.impl.client;

import io.rpcvertx.ChannelOptions;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;

/**
 * The delays of the gRPC connection-backoff spec ("gRPC Connection Backoff Protocol"): the n-th delay is {@code
 * min(INITIAL * MULTIPLIER^n, MAX)}, randomized uniformly by {@code +-JITTER} of itself; {@link #reset()} after a
 * successful connection starts over at INITIAL. Not thread-safe: one owner.
 */
final class Backoff {
    private final long initialNanos;
    private final long maxNanos;
    private final double multiplier;
    private final double jitter;
    private final DoubleSupplier random;
    private long currentNanos;

    /** {@code random} yields values in [0, 1). */
    Backoff(long initialNanos, long maxNanos, double multiplier, double jitter, DoubleSupplier random) {
        this.initialNanos = initialNanos;
        this.maxNanos = Math.max(initialNanos, maxNanos);
        this.multiplier = multiplier;
        this.jitter = jitter;
        this.random = random;
        this.currentNanos = initialNanos;
    }

    static Backoff of(ChannelOptions options) {
        return new Backoff(
                options.initialReconnectBackoff().toNanos(),
                options.maxReconnectBackoff().toNanos(),
                options.reconnectBackoffMultiplier(),
                options.reconnectBackoffJitter(),
                () -> ThreadLocalRandom.current().nextDouble());
    }

    /** The next delay in nanoseconds, jittered; later calls grow it by the multiplier up to the maximum. */
    long nextDelayNanos() {
        long base = currentNanos;
        currentNanos = (long) Math.min(maxNanos, base * multiplier);
        double factor = 1 + jitter * (random.getAsDouble() * 2 - 1);
        return Math.max(0, (long) (base * factor));
    }

    /** Back to the initial delay. */
    void reset() {
        currentNanos = initialNanos;
    }
}
