package io.rpcvertx.examples.bench;

/**
 * The measured window of a load run on the {@link System#nanoTime()} clock: it opens after the warm-up and closes
 * {@code duration} later; load slots start no new call after it closed.
 *
 * @param startNanos when the window opens
 * @param endNanos when it closes
 */
public record BenchWindow(long startNanos, long endNanos) {
    /** The window of a run that starts now. */
    public static BenchWindow startingNow(BenchClientConfig config) {
        long start = System.nanoTime() + config.warmup().toNanos();
        return new BenchWindow(start, start + config.duration().toNanos());
    }

    /** Whether {@code nanos} lies inside the window. */
    public boolean contains(long nanos) {
        return nanos - startNanos >= 0 && nanos - endNanos < 0;
    }

    /** Whether the window has closed at {@code nanos}. */
    public boolean isOver(long nanos) {
        return nanos - endNanos >= 0;
    }

    /** The window's length in seconds. */
    public double seconds() {
        return (endNanos - startNanos) / 1e9;
    }
}
