package io.rpcvertx.impl.telemetry;

import io.rpcvertx.CallCounts;
import io.rpcvertx.StatusCode;
import java.time.Instant;
import java.util.concurrent.atomic.LongAdder;

/**
 * The call counters of one channel or server (channelz-lite), always on: calls start and end on many event loops, so
 * the counts are {@link LongAdder}s (no lock, no contended CAS on the call path) and the last start is a plain
 * volatile write when it changes (the latest writer wins, which is what "last" needs).
 */
public final class CallCounter {
    private final LongAdder started = new LongAdder();
    private final LongAdder succeeded = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private volatile long lastStartedMillis;

    /** A call started; any thread. Every call counted here is later counted once by {@link #ended}. */
    public void started() {
        long now = System.currentTimeMillis();
        if (now != lastStartedMillis) {
            // written once per millisecond at most (a volatile write per call costs more than the count); before the
            // count: a snapshot that sees the count sees it
            lastStartedMillis = now;
        }
        started.increment();
    }

    /** A call ended with {@code code}; any thread, once per started call. */
    public void ended(StatusCode code) {
        (code == StatusCode.OK ? succeeded : failed).increment();
    }

    /**
     * The counts now. The ends are read before the starts: a call's start happens before its end, so every ended call
     * read is also among the started ones ({@code started >= succeeded + failed}).
     */
    public CallCounts snapshot() {
        long ok = succeeded.sum();
        long notOk = failed.sum();
        long n = started.sum();
        long last = lastStartedMillis;
        return new CallCounts(n, ok, notOk, n == 0 ? Instant.EPOCH : Instant.ofEpochMilli(last));
    }
}
