package io.rpcvertx.examples.bench;

/**
 * A log-linear histogram of latencies in nanoseconds: exact below 128 ns, then 64 linear buckets per power of two (at
 * most 1.6 % relative error) up to about 18 minutes; larger values land in the last bucket. Recording is one array
 * increment, so a load client can record every call.
 *
 * <p>Not thread-safe: one writer at a time (a load slot, whose calls follow each other), read after it has stopped.
 */
public final class LatencyHistogram {
    private static final int LINEAR = 128;
    private static final int SUB_BUCKETS = 64;
    private static final int SUB_BITS = 6;
    private static final int MAX_SHIFT = 34;

    private final long[] counts = new long[LINEAR + MAX_SHIFT * SUB_BUCKETS];
    private long total;
    private long max;

    /** Records one latency; negative values count as zero. */
    public void record(long nanos) {
        long value = Math.max(0, nanos);
        counts[index(value)]++;
        total++;
        max = Math.max(max, value);
    }

    /** Adds every value recorded in {@code other}. */
    public void add(LatencyHistogram other) {
        for (int i = 0; i < counts.length; i++) {
            counts[i] += other.counts[i];
        }
        total += other.total;
        max = Math.max(max, other.max);
    }

    /** How many values were recorded. */
    public long count() {
        return total;
    }

    /** The largest value recorded, exactly; 0 if none. */
    public long maxNanos() {
        return max;
    }

    /**
     * The value at quantile {@code q} (0..1): the middle of the bucket holding the {@code ceil(q * count)}-th smallest
     * value, never above {@link #maxNanos()} (which the largest rank returns exactly); 0 if nothing was recorded.
     */
    public long quantileNanos(double q) {
        if (!(q >= 0 && q <= 1)) {
            throw new IllegalArgumentException("q: " + q + " (expected: 0..1)");
        }
        if (total == 0) {
            return 0;
        }
        long rank = Math.max(1, (long) Math.ceil(q * total));
        if (rank >= total) {
            return max;
        }
        long seen = 0;
        for (int i = 0; i < counts.length; i++) {
            seen += counts[i];
            if (seen >= rank) {
                return Math.min(max, middle(i));
            }
        }
        return max;
    }

    static int index(long value) {
        if (value < LINEAR) {
            return (int) value;
        }
        int shift = 63 - Long.numberOfLeadingZeros(value) - SUB_BITS;
        if (shift > MAX_SHIFT) {
            return LINEAR + MAX_SHIFT * SUB_BUCKETS - 1;
        }
        return LINEAR + (shift - 1) * SUB_BUCKETS + (int) ((value >>> shift) - SUB_BUCKETS);
    }

    private static long middle(int index) {
        if (index < LINEAR) {
            return index;
        }
        int shift = (index - LINEAR) / SUB_BUCKETS + 1;
        long low = ((long) ((index - LINEAR) % SUB_BUCKETS) + SUB_BUCKETS) << shift;
        return low + (1L << shift) / 2;
    }
}
