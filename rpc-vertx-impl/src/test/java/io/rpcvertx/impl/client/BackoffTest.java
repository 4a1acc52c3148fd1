package io.rpcvertx.impl.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.rpcvertx.ChannelOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class BackoffTest {
    static final long SECOND = 1_000_000_000L;

    private static List<Long> delays(Backoff backoff, int n) {
        List<Long> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(backoff.nextDelayNanos());
        }
        return out;
    }

    @Test
    void nextDelay_middleOfJitter_followsSpecSequenceUpToMax() {
        // random 0.5 means no jitter: 1 s x 1.6^n, capped at 120 s
        Backoff b = new Backoff(SECOND, 120 * SECOND, 1.6, 0.2, () -> 0.5);

        List<Long> d = delays(b, 13);

        double expected = SECOND;
        for (int i = 0; i < 13; i++) {
            assertThat((double) d.get(i)).as("delay %d", i).isCloseTo(Math.min(expected, 120.0 * SECOND), within(2.0));
            expected *= 1.6;
        }
        assertThat(d.get(12)).isEqualTo(120 * SECOND);
    }

    @Test
    void nextDelay_extremesOfRandom_areMinusAndPlusJitter() {
        Backoff low = new Backoff(SECOND, 120 * SECOND, 1.6, 0.2, () -> 0.0);
        Backoff high = new Backoff(SECOND, 120 * SECOND, 1.6, 0.2, () -> 0.999_999_999);

        assertThat(delays(low, 2)).containsExactly(800_000_000L, 1_280_000_000L);
        assertThat((double) high.nextDelayNanos()).isCloseTo(1.2 * SECOND, within(10.0));
        assertThat((double) high.nextDelayNanos()).isCloseTo(1.92 * SECOND, within(10.0));
    }

    @Test
    void nextDelay_atMax_jitterStillApplies() {
        Backoff b = new Backoff(SECOND, 2 * SECOND, 4, 0.2, () -> 0.0);

        assertThat(delays(b, 3)).containsExactly(800_000_000L, 1_600_000_000L, 1_600_000_000L);
    }

    @Test
    void reset_startsOverAtInitial() {
        Backoff b = new Backoff(SECOND, 120 * SECOND, 1.6, 0.2, () -> 0.5);
        delays(b, 5);

        b.reset();

        assertThat(b.nextDelayNanos()).isEqualTo(SECOND);
    }

    @Test
    void of_defaultOptions_isTheSpecsConstants() {
        Backoff b = Backoff.of(ChannelOptions.DEFAULT);

        for (int i = 0; i < 200; i++) {
            long d = b.nextDelayNanos();
            assertThat(d).isBetween((long) (0.8 * 0), (long) (1.2 * 120 * SECOND) + 1);
        }
        b.reset();
        assertThat(b.nextDelayNanos()).isBetween(800_000_000L, 1_200_000_000L);
    }

    @Test
    void of_configuredOptions_areUsed() {
        Backoff b = Backoff.of(ChannelOptions.DEFAULT
                .withInitialReconnectBackoff(Duration.ofMillis(100))
                .withMaxReconnectBackoff(Duration.ofMillis(150))
                .withReconnectBackoffMultiplier(2)
                .withReconnectBackoffJitter(0));

        assertThat(delays(b, 3)).containsExactly(100_000_000L, 150_000_000L, 150_000_000L);
    }
}
