package io.rpcvertx.impl.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import io.rpcvertx.CallCounts;
import io.rpcvertx.StatusCode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class CallCounterTest {
    @Test
    void snapshot_noCall_isNone() {
        assertThat(new CallCounter().snapshot()).isEqualTo(CallCounts.NONE);
    }

    @Test
    void ended_okIsSucceeded_everyOtherCodeFailed() {
        CallCounter counter = new CallCounter();
        Instant before = Instant.ofEpochMilli(System.currentTimeMillis());
        for (StatusCode code : StatusCode.values()) {
            counter.started();
            counter.ended(code);
        }
        Instant after = Instant.ofEpochMilli(System.currentTimeMillis());
        CallCounts counts = counter.snapshot();
        assertThat(counts.started()).isEqualTo(StatusCode.values().length);
        assertThat(counts.succeeded()).isEqualTo(1);
        assertThat(counts.failed()).isEqualTo(StatusCode.values().length - 1);
        assertThat(counts.lastStarted()).isBetween(before, after);
    }

    @Test
    void snapshot_whileCallsStartAndEndOnManyThreads_neverCountsAnEndBeforeItsStart() throws Exception {
        CallCounter counter = new CallCounter();
        int threads = 4;
        int perThread = 50_000;
        AtomicBoolean broken = new AtomicBoolean();
        CountDownLatch done = new CountDownLatch(threads);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread w = new Thread(() -> {
                for (int i = 0; i < perThread; i++) {
                    counter.started();
                    counter.ended(i % 3 == 0 ? StatusCode.CANCELLED : StatusCode.OK);
                }
                done.countDown();
            });
            workers.add(w);
            w.start();
        }
        while (done.getCount() > 0) {
            CallCounts c = counter.snapshot();
            if (c.started() < c.succeeded() + c.failed()
                    || (c.started() > 0 && c.lastStarted().equals(Instant.EPOCH))) {
                broken.set(true);
            }
        }
        assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(broken).isFalse();
        CallCounts end = counter.snapshot();
        long failing = threads * (long) ((perThread + 2) / 3);
        assertThat(end.started()).isEqualTo(threads * (long) perThread);
        assertThat(end.failed()).isEqualTo(failing);
        assertThat(end.succeeded()).isEqualTo(threads * (long) perThread - failing);
    }
}
