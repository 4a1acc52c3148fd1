package io.rpcvertx;

import java.time.Instant;
import java.util.Objects;

/**
 * How many calls (or streams) something has started and how they ended: the counters grpc channelz keeps for channels,
 * subchannels and servers ({@code calls_started}, {@code calls_succeeded}, {@code calls_failed},
 * {@code last_call_started_timestamp}). A snapshot; the counters only grow.
 *
 * <p>The counters are read one after the other while calls go on; they are read so that every ended call counted is
 * also counted as started ({@code started >= succeeded + failed}), and {@code started - succeeded - failed} is the
 * number of calls in flight (or more, for calls that ended while the snapshot was taken).
 *
 * @param started the calls started
 * @param succeeded the calls that ended with {@link StatusCode#OK} (for a subchannel's streams: see
 *     {@link SubchannelStats#streams()})
 * @param failed the calls that ended with any other status, cancelled and past their deadline included
 * @param lastStarted when the last call started (wall clock, millisecond precision); {@link Instant#EPOCH} when none has
 */
@Experimental
public record CallCounts(long started, long succeeded, long failed, Instant lastStarted) {
    /** No call started yet. */
    public static final CallCounts NONE = new CallCounts(0, 0, 0, Instant.EPOCH);

    /** @throws IllegalArgumentException for a negative count */
    public CallCounts {
        Objects.requireNonNull(lastStarted, "lastStarted");
        if (started < 0 || succeeded < 0 || failed < 0) {
            throw new IllegalArgumentException(
                    "counts: " + started + "/" + succeeded + "/" + failed + " (expected: >= 0)");
        }
    }
}
