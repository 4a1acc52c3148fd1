package io.rpcvertx.impl.transport;

import io.vertx.core.internal.ContextInternal;

/**
 * The grace deadline of a graceful stop, for the acceptors of the in-process and event-bus transports and the HTTP/2
 * connections' {@link ServerConnectionPolicy}: set by the first drain, only ever brought forward by later ones, and at
 * it the open calls are cancelled. Used on the owner's event loop only.
 */
public final class DrainDeadline {
    private final ContextInternal loop;
    private final Runnable atDeadline;
    private long deadlineNanos = Long.MAX_VALUE;
    private long timer = -1;

    /** @param atDeadline runs on {@code loop} when the deadline passes (at once for one already past) */
    public DrainDeadline(ContextInternal loop, Runnable atDeadline) {
        this.loop = loop;
        this.atDeadline = atDeadline;
    }

    /** Sets the deadline, or brings it forward: a later deadline never extends an earlier one. */
    public void bringForward(long nanos) {
        if (nanos >= deadlineNanos) {
            return;
        }
        deadlineNanos = nanos;
        cancel();
        long now = System.nanoTime();
        if (nanos <= now) {
            atDeadline.run();
        } else {
            // rounded up: a timer truncated to whole milliseconds fired up to 1 ms before the grace deadline
            long ms = Math.max(1, (nanos - now + 999_999) / 1_000_000);
            timer = loop.setTimer(ms, id -> {
                timer = -1;
                atDeadline.run();
            });
        }
    }

    /** The deadline ({@link System#nanoTime()}), {@link Long#MAX_VALUE} while none is set. */
    public long nanos() {
        return deadlineNanos;
    }

    /** Cancels the pending timer, if any (the IO instance goes away). */
    public void cancel() {
        if (timer >= 0) {
            loop.owner().cancelTimer(timer);
            timer = -1;
        }
    }
}
