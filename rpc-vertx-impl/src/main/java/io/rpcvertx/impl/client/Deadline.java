package io.rpcvertx.impl.client;

import io.rpcvertx.impl.transport.RequestHead;
import java.time.Duration;
import java.util.Optional;

/**
 * Deadline arithmetic for client calls, on the {@link System#nanoTime()} clock: a deadline is an absolute nano time,
 * or {@link RequestHead#NO_DEADLINE}. Time differences are compared by subtraction (the clock may wrap).
 */
final class Deadline {
    /** Timer resolution plus scheduling slack: a peer cancel this close to our deadline is the deadline. */
    static final long SLACK_NANOS = 20_000_000;

    private Deadline() {}

    /** The deadline {@code timeout} from now, or none; a timeout too large for a long saturates. */
    static long after(Optional<Duration> timeout) {
        if (timeout.isEmpty()) {
            return RequestHead.NO_DEADLINE;
        }
        return System.nanoTime() + saturatedNanos(timeout.get());
    }

    private static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return d.isNegative() ? Long.MIN_VALUE / 2 : Long.MAX_VALUE / 2;
        }
    }

    /** Nanoseconds left until {@code deadline} (negative once past); only for a call that has one. */
    static long remainingNanos(long deadline) {
        return deadline - System.nanoTime();
    }

    /** Whether {@code deadline} is set and has passed. */
    static boolean isExpired(long deadline) {
        return deadline != RequestHead.NO_DEADLINE && deadline - System.nanoTime() <= 0;
    }

    /** Whether {@code deadline} has passed, or is within the slack of our millisecond timer. */
    static boolean isReached(long deadline) {
        return deadline != RequestHead.NO_DEADLINE && deadline - System.nanoTime() < SLACK_NANOS;
    }

    /** {@code timeRemaining()} of a call. */
    static Optional<Duration> timeRemaining(long deadline) {
        return deadline == RequestHead.NO_DEADLINE
                ? Optional.empty()
                : Optional.of(Duration.ofNanos(deadline - System.nanoTime()));
    }

    /** A Vert.x timer delay for {@code nanos}: timers have millisecond resolution, so round up (never fire early). */
    static long timerMillis(long nanos) {
        return Math.max(1, (nanos + 999_999) / 1_000_000);
    }

    /** The details of a DEADLINE_EXCEEDED status, in grpc-java's words. */
    static String exceededDetails(Optional<Duration> timeout) {
        double seconds = timeout.orElse(Duration.ZERO).toNanos() / 1e9;
        return String.format("deadline exceeded after %.3fs", seconds);
    }
}
