package io.rpcvertx.examples.bench;

import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * What a load client measured inside its measured window: calls and messages that ended there, their latency
 * histogram, and every failed call of the whole run (warm-up included).
 *
 * @param client which load client ({@code rpc-vertx}, {@code grpc-java-direct}, ...)
 * @param config its settings
 * @param seconds length of the measured window
 * @param calls calls that ended OK inside the window
 * @param messages reply messages those calls received
 * @param errors calls that failed during the whole run
 * @param firstError the first failure, or null
 * @param latency latencies of the counted calls (start of the call to its end)
 * @param cpuNanos CPU time the client process used inside the window (all its threads), -1 if unknown
 */
public record BenchResult(
        String client,
        BenchClientConfig config,
        double seconds,
        long calls,
        long messages,
        long errors,
        @Nullable String firstError,
        LatencyHistogram latency,
        long cpuNanos) {

    /** Calls per second. */
    public double callsPerSecond() {
        return calls / seconds;
    }

    /** Reply messages per second (equal to {@link #callsPerSecond()} in unary mode). */
    public double messagesPerSecond() {
        return messages / seconds;
    }

    /** The client's CPU use inside the window, in percent of one core; -1 if unknown. */
    public double cpuPercent() {
        return cpuNanos < 0 ? -1 : cpuNanos / 1e7 / seconds;
    }

    /** Client CPU time per reply message in microseconds (per call in unary mode); -1 if unknown. */
    public double cpuMicrosPerMessage() {
        return cpuNanos < 0 || messages == 0 ? -1 : cpuNanos / 1e3 / messages;
    }

    /**
     * One machine-readable line of {@code key=value} pairs, for example {@code bench-client client=rpc-vertx mode=unary
     * connections=4 concurrency=64 size=100 stream_messages=1 event_loops=1 duration_s=10.0 calls=... calls_per_s=...
     * msgs_per_s=... p50_us=... p90_us=... p99_us=... max_us=... cpu_pct=... cpu_us_per_msg=... errors=0}. {@code cpu_pct}
     * is the client process's CPU use in the window (100 = one core) and {@code cpu_us_per_msg} its CPU time per reply
     * message: on a machine shared with other jobs, the latter is the steadier measure of a client's cost.
     */
    public String line() {
        return String.format(
                Locale.ROOT,
                "bench-client client=%s mode=%s target=%s connections=%d concurrency=%d size=%d stream_messages=%d"
                        + " event_loops=%d duration_s=%.1f calls=%d calls_per_s=%.0f msgs_per_s=%.0f p50_us=%.1f"
                        + " p90_us=%.1f p99_us=%.1f max_us=%.1f cpu_pct=%.0f cpu_us_per_msg=%.2f errors=%d",
                client,
                config.mode().name().toLowerCase(Locale.ROOT),
                config.target(),
                config.connections(),
                config.concurrency(),
                config.size(),
                config.streamMessages(),
                config.eventLoops(),
                seconds,
                calls,
                callsPerSecond(),
                messagesPerSecond(),
                latency.quantileNanos(0.50) / 1e3,
                latency.quantileNanos(0.90) / 1e3,
                latency.quantileNanos(0.99) / 1e3,
                latency.maxNanos() / 1e3,
                cpuPercent(),
                cpuMicrosPerMessage(),
                errors);
    }

    /**
     * The counters of one load slot: written only by the slot (its calls follow each other), read once it stopped.
     */
    public static final class Slot {
        private final LatencyHistogram latency = new LatencyHistogram();
        private long calls;
        private long messages;
        private long errors;
        private @Nullable String firstError;

        /** Counts a call that ended OK at {@code endNanos} if that lies inside the measured window. */
        public void ok(BenchWindow window, long startNanos, long endNanos, long replies) {
            if (window.contains(endNanos)) {
                calls++;
                messages += replies;
                latency.record(endNanos - startNanos);
            }
        }

        /** Counts a failed call, wherever it ended. */
        public void failed(Throwable failure) {
            errors++;
            if (firstError == null) {
                firstError = failure.toString();
            }
        }

        /**
         * The sum of {@code slots}' counters as the result of {@code client}, which used {@code cpuNanos} of CPU time
         * inside the window.
         */
        public static BenchResult sum(
                String client, BenchClientConfig config, BenchWindow window, long cpuNanos, Iterable<Slot> slots) {
            LatencyHistogram latency = new LatencyHistogram();
            long calls = 0;
            long messages = 0;
            long errors = 0;
            String firstError = null;
            for (Slot slot : slots) {
                latency.add(slot.latency);
                calls += slot.calls;
                messages += slot.messages;
                errors += slot.errors;
                if (firstError == null) {
                    firstError = slot.firstError;
                }
            }
            return new BenchResult(
                    client, config, window.seconds(), calls, messages, errors, firstError, latency, cpuNanos);
        }
    }
}
