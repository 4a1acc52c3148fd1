package io.rpcvertx.impl.transport;

import io.vertx.core.buffer.Buffer;

/**
 * Flow-control credit of a message transport (in-process, event bus), counted in one {@link Unit}: on the sending side
 * what the peer still lets us send ({@link #take}, {@link #grant}, {@link #isReady}); on the reading side what we read
 * and owe the peer back, returned in batches ({@link #read}, {@link #isDue}, {@link #drain}). Used on one context only.
 */
public final class Credit {
    /** What one unit of credit is. */
    public enum Unit {
        /** A frame's bytes, as an HTTP/2 window counts them (in-process). */
        BYTES,
        /** One frame, whatever its size (event bus). */
        MESSAGES;

        long of(Buffer frame) {
            return this == BYTES ? frame.length() : 1;
        }
    }

    private final Unit unit;
    private final long batch;
    private long available;
    private long owed;

    /**
     * @param unit what a unit is
     * @param window the credit the peer gives us at first (the sending side)
     * @param batch how many units read make a grant back to the peer worth sending (the reading side)
     */
    public Credit(Unit unit, long window, long batch) {
        if (batch < 1) {
            throw new IllegalArgumentException("batch must be at least 1: " + batch);
        }
        this.unit = unit;
        this.available = window;
        this.batch = batch;
    }

    // ---------------------------------------------------------------- sending

    /** {@code frame} was sent: it spends credit (past zero, too: a writer past its credit is not cut off). */
    public void take(Buffer frame) {
        available -= unit.of(frame);
    }

    /**
     * The peer gives {@code units} more (fewer, if negative).
     *
     * @return whether this turned the credit from exhausted to ready
     */
    public boolean grant(long units) {
        boolean wasReady = isReady();
        available += units;
        return !wasReady && isReady();
    }

    public boolean isReady() {
        return available > 0;
    }

    // ---------------------------------------------------------------- reading

    /**
     * {@code frame} was read: its units are owed to the peer.
     *
     * @return whether a batch is due ({@link #drain} it and grant it)
     */
    public boolean read(Buffer frame) {
        owed += unit.of(frame);
        return isDue();
    }

    public boolean isDue() {
        return owed >= batch;
    }

    /** What is owed to the peer, now granted: nothing is owed after. */
    public long drain() {
        long n = owed;
        owed = 0;
        return n;
    }

    @Override
    public String toString() {
        return "Credit{" + unit + ", available " + available + ", owed " + owed + "/" + batch + "}";
    }
}
