package io.rpcvertx.examples.bench;

import java.lang.management.ManagementFactory;
import java.util.concurrent.TimeUnit;

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

    /**
     * Blocks until the window has closed and returns the CPU time this process used inside it (all threads), or -1 if
     * the JVM does not report process CPU time. Called by the thread that waits for the run anyway, so it costs the
     * load nothing.
     */
    public long processCpuNanosInside() throws InterruptedException {
        sleepUntil(startNanos);
        long before = processCpuNanos();
        sleepUntil(endNanos);
        long after = processCpuNanos();
        return before < 0 || after < 0 ? -1 : after - before;
    }

    private static void sleepUntil(long nanos) throws InterruptedException {
        long left;
        while ((left = nanos - System.nanoTime()) > 0) {
            TimeUnit.NANOSECONDS.sleep(left);
        }
    }

    private static long processCpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return -1;
    }

    /** The window's length in seconds. */
    public double seconds() {
        return (endNanos - startNanos) / 1e9;
    }
}
