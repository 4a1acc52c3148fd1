package io.rpcvertx.impl.transport;

import io.rpcvertx.impl.codec.WireException;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.streams.WriteStream;
import java.util.ArrayDeque;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The outbound messages of one call: buffers them until the stream exists, hands them to the HTTP/2 stream, and
 * completes each write's future when the stream accepts more under flow control.
 *
 * <p>Bounds: a write is accepted while less than {@link #HARD_LIMIT_BYTES} wait (before the stream opens, or for
 * {@code drain} after {@code writeQueueFull()}); a writer that ignores its futures beyond that gets
 * {@link IllegalStateException} instead of unbounded memory. A single message is always accepted when nothing waits.
 * Owner context only, except the {@link #view} methods.
 */
public final class OutboundWrites<T> {
    /** Bytes that may wait (before the stream opens or for drain) before writes are refused. */
    public static final long HARD_LIMIT_BYTES = 16L * 1024 * 1024;
    /** What the {@link WriteStream} view reports as full before the stream opens. */
    static final long SOFT_LIMIT_BYTES = 64 * 1024;
    /** Payload bytes kept to replay a refused stream (gRPC transparent retry). */
    static final long REPLAY_LIMIT_BYTES = 1024 * 1024;

    /** The HTTP/2 side. */
    public interface Sink {
        /** Frames (and compresses) one payload; throws {@link WireException} for a message over the send limit. */
        Buffer frame(Buffer payload);

        /** Sends a framed message; {@code last} also ends the stream. */
        void send(Buffer frame, boolean last);

        /** Ends the stream without a message. */
        void sendEnd();

        boolean writeQueueFull();

        /** A message could not be framed: the call must end with this status. */
        void onWriteError(WireException e);

        /** The error writes fail with once the call has ended, or null while it is live. */
        @Nullable
        Throwable terminalError();
    }

    private record Pending(Buffer payload, @Nullable Promise<Void> promise) {}

    private enum Phase {
        BUFFERING,
        STREAMING,
        CLOSED
    }

    private final ContextInternal owner;
    private final ContextInternal caller;
    private final Sink sink;
    // made when first needed: most calls write one message straight to an open stream and never queue, and a server
    // call never replays (three deques per call were 144 bytes of garbage on every unary call)
    private @Nullable ArrayDeque<Pending> pending;
    private @Nullable ArrayDeque<Promise<Void>> awaitingDrain;
    private @Nullable ArrayDeque<Buffer> replay;

    private Phase phase = Phase.BUFFERING;
    private boolean halfClosed;
    private boolean endSent;
    private long pendingBytes;
    private long drainBytes;
    private long replayBytes;
    private boolean replayOverflow;
    private volatile boolean full;
    /** A writer saw {@code writeQueueFull()}: it is owed a drain, even if it sets its handler after the drain. */
    private volatile boolean fullSeen;

    private @Nullable Handler<Void> drainHandler;
    private @Nullable View view;

    /**
     * @param replayable whether sent messages are kept to replay a refused stream (a client call, which gRPC's
     *     transparent retry may move to a new stream); a server call never replays
     */
    public OutboundWrites(ContextInternal owner, ContextInternal caller, Sink sink, boolean replayable) {
        this.owner = owner;
        this.caller = caller;
        this.sink = sink;
        this.replayOverflow = !replayable;
    }

    /** Queues or sends one serialized message; {@code promise} (may be null) completes when it is accepted. */
    public void write(Buffer payload, @Nullable Promise<Void> promise) {
        assert owner.inThread();
        Throwable ended = sink.terminalError();
        if (phase == Phase.CLOSED || ended != null) {
            fail(promise, ended != null ? ended : new IllegalStateException("the call has ended"));
            return;
        }
        if (halfClosed) {
            fail(promise, new IllegalStateException("write after doneWriting (state: HALF_CLOSED)"));
            return;
        }
        if (phase == Phase.BUFFERING) {
            if (pendingBytes > 0 && pendingBytes + payload.length() > HARD_LIMIT_BYTES) {
                fail(promise, overLimit(pendingBytes));
                return;
            }
            pending().add(new Pending(payload, promise));
            pendingBytes += payload.length();
            full = pendingBytes >= SOFT_LIMIT_BYTES;
            return;
        }
        sendOne(payload, promise, false);
    }

    /**
     * Whether a message may go to the stream now without passing through {@link #write}: the stream takes messages,
     * no earlier write waits for a drain, and nothing is kept for replay. The caller (on the owner context, with a
     * live call) then hands the message to the stream itself and reports it with {@link #sentDirect}, in the same
     * turn: the order of messages is the order of {@link #write} and {@link #sentDirect} calls.
     */
    public boolean acceptsDirect() {
        return phase == Phase.STREAMING && !halfClosed && drainBytes == 0 && replayOverflow;
    }

    /**
     * A message of {@code length} bytes went to the stream directly ({@link #acceptsDirect}). Returns {@code accepted}
     * (a completed future the caller may share between writes: no promise per message) while the stream takes more;
     * once it is full, a future of {@code caller} that completes at the drain, as {@link #write}'s would.
     */
    public Future<Void> sentDirect(int length, Future<Void> accepted, ContextInternal caller) {
        assert owner.inThread();
        if (phase != Phase.STREAMING || !sink.writeQueueFull()) {
            // taken by the stream; if the call ended while it was (a transport that fails a write at once), it was
            // still sent before the end, as a write that waits for nothing completes in sendOne
            return accepted;
        }
        drainBytes += length;
        full = true;
        Promise<Void> promise = caller.promise();
        ArrayDeque<Promise<Void>> waiting = awaitingDrain;
        if (waiting == null) {
            waiting = new ArrayDeque<>(2);
            awaitingDrain = waiting;
        }
        waiting.add(promise);
        return promise.future();
    }

    /** No more messages. Ends the stream now if it is open and nothing waits. */
    public void halfClose() {
        assert owner.inThread();
        if (halfClosed || phase == Phase.CLOSED) {
            return;
        }
        halfClosed = true;
        if (phase == Phase.STREAMING && !endSent) {
            endSent = true;
            sink.sendEnd();
        }
    }

    /** The stream exists: flush what was buffered (ending it with the last message if half-closed). */
    public void open(boolean halfClosedAtOpen) {
        assert owner.inThread();
        if (phase != Phase.BUFFERING) {
            return;
        }
        halfClosed |= halfClosedAtOpen;
        phase = Phase.STREAMING;
        pendingBytes = 0;
        ArrayDeque<Pending> queued = pending;
        while (queued != null && !queued.isEmpty() && phase == Phase.STREAMING) {
            Pending p = queued.poll();
            boolean last = queued.isEmpty() && halfClosed;
            sendOne(p.payload, p.promise, last);
            if (last) {
                endSent = true;
            }
        }
        if (phase == Phase.STREAMING && halfClosed && !endSent) {
            endSent = true;
            sink.sendEnd();
        }
        boolean wasFull = full;
        updateFull();
        Handler<Void> h = drainHandler;
        if (wasFull && !full && h != null) {
            caller.runOnContext(h); // a pipe paused on the pre-open buffer resumes
        }
    }

    private void sendOne(Buffer payload, @Nullable Promise<Void> promise, boolean last) {
        Buffer frame;
        try {
            frame = sink.frame(payload);
        } catch (WireException e) {
            sink.onWriteError(e);
            Throwable ended = sink.terminalError();
            fail(promise, ended != null ? ended : e);
            return;
        }
        if (drainBytes > 0 && drainBytes + payload.length() > HARD_LIMIT_BYTES) {
            fail(promise, overLimit(drainBytes));
            return;
        }
        keepForReplay(payload);
        sink.send(frame, last);
        if (!last && sink.writeQueueFull()) {
            drainBytes += payload.length();
            if (promise != null) {
                ArrayDeque<Promise<Void>> waiting = awaitingDrain;
                if (waiting == null) {
                    waiting = new ArrayDeque<>(2);
                    awaitingDrain = waiting;
                }
                waiting.add(promise);
            }
            full = true;
        } else if (promise != null) {
            promise.complete();
        }
    }

    private void keepForReplay(Buffer payload) {
        if (replayOverflow) {
            return;
        }
        replayBytes += payload.length();
        if (replayBytes > REPLAY_LIMIT_BYTES) {
            replayOverflow = true;
            replay = null;
            return;
        }
        ArrayDeque<Buffer> kept = replay;
        if (kept == null) {
            kept = new ArrayDeque<>(2);
            replay = kept;
        }
        kept.add(payload);
    }

    /** Whether everything sent so far can be sent again on a new stream. */
    public boolean replayable() {
        return !replayOverflow;
    }

    /** Back to buffering, with everything sent so far in front of the queue (transparent retry). */
    public void rewind() {
        assert owner.inThread() && replayable();
        ArrayDeque<Buffer> kept = replay;
        while (kept != null && !kept.isEmpty()) {
            Buffer payload = kept.pollLast();
            pending().addFirst(new Pending(payload, null));
            pendingBytes += payload.length();
        }
        replayBytes = 0;
        endSent = false;
        phase = Phase.BUFFERING;
        ArrayDeque<Promise<Void>> waiting = awaitingDrain;
        if (waiting != null) {
            for (Promise<Void> p : waiting) {
                p.complete(); // accepted once; it will be resent without flow-control accounting
            }
            waiting.clear();
        }
        drainBytes = 0;
    }

    /** The stream can take more: complete the writes waiting for it. */
    public void onDrain() {
        assert owner.inThread();
        drainBytes = 0;
        // Only the writes that waited for this drain: a completion may write again at once, and a write that fills
        // the stream again waits for the next drain. Completing it here too would run the writer past flow control.
        ArrayDeque<Promise<Void>> waiting = awaitingDrain;
        if (waiting != null) {
            for (int waited = waiting.size(); waited > 0 && !waiting.isEmpty(); waited--) {
                waiting.poll().complete();
            }
        }
        updateFull();
        Handler<Void> h = drainHandler;
        if (h != null && !full) {
            fullSeen = false;
            caller.runOnContext(h);
        }
    }

    /** The call ended: fail what waits. */
    public void close(@Nullable Throwable error) {
        assert owner.inThread();
        if (phase == Phase.CLOSED) {
            return;
        }
        phase = Phase.CLOSED;
        ArrayDeque<Pending> queued = pending;
        if (queued != null && !queued.isEmpty()) {
            // built only when a write is left to fail: every call closes, few with queued writes
            Throwable cause = error != null ? error : new IllegalStateException("the call has ended");
            for (Pending p : queued) {
                fail(p.promise, cause);
            }
            queued.clear();
        }
        ArrayDeque<Promise<Void>> waiting = awaitingDrain;
        if (waiting != null) {
            for (Promise<Void> p : waiting) {
                // accepted by the stream before it ended: those writes did happen
                if (error == null) {
                    p.complete();
                } else {
                    p.fail(error);
                }
            }
            waiting.clear();
        }
        replay = null;
        full = false;
        Handler<Void> h = drainHandler;
        if (h != null) {
            caller.runOnContext(h); // wake a paused pipe so it sees the failure on its next write
        }
    }

    private ArrayDeque<Pending> pending() {
        ArrayDeque<Pending> queued = pending;
        if (queued == null) {
            queued = new ArrayDeque<>(2);
            pending = queued;
        }
        return queued;
    }

    private void updateFull() {
        full = phase == Phase.BUFFERING
                ? pendingBytes >= SOFT_LIMIT_BYTES
                : drainBytes > 0 || (!endSent && sink.writeQueueFull());
    }

    private static IllegalStateException overLimit(long waiting) {
        return new IllegalStateException("write buffer full (" + waiting + " bytes waiting, limit " + HARD_LIMIT_BYTES
                + "): wait for the previous write() futures or honour writeQueueFull()/drainHandler");
    }

    private static void fail(@Nullable Promise<Void> promise, Throwable cause) {
        if (promise != null) {
            promise.tryFail(cause);
        }
    }

    /** The {@link WriteStream} view of a call's outbound side; one per call. */
    public WriteStream<T> view(Function<T, Future<Void>> writer, Supplier<Future<Void>> ender) {
        View v = view;
        if (v == null) {
            v = new View(writer, ender);
            view = v;
        }
        return v;
    }

    private final class View implements WriteStream<T> {
        private final Function<T, Future<Void>> writer;
        private final Supplier<Future<Void>> ender;
        private @Nullable Handler<Throwable> exceptionHandler;

        View(Function<T, Future<Void>> writer, Supplier<Future<Void>> ender) {
            this.writer = writer;
            this.ender = ender;
        }

        @Override
        public WriteStream<T> exceptionHandler(@Nullable Handler<Throwable> handler) {
            this.exceptionHandler = handler;
            return this;
        }

        @Override
        public Future<Void> write(T data) {
            Future<Void> f = writer.apply(data);
            Handler<Throwable> h = exceptionHandler;
            if (h != null) {
                f.onFailure(h);
            }
            return f;
        }

        @Override
        public Future<Void> end() {
            return ender.get();
        }

        @Override
        public WriteStream<T> setWriteQueueMaxSize(int maxSize) {
            return this; // the HTTP/2 window decides; see OutboundWrites
        }

        @Override
        public boolean writeQueueFull() {
            boolean f = full;
            if (f) {
                fullSeen = true;
            }
            return f;
        }

        @Override
        public WriteStream<T> drainHandler(@Nullable Handler<Void> handler) {
            Runnable set = () -> {
                drainHandler = handler;
                // a writer on another loop may set its handler after the drain it waits for: do not lose it
                if (handler != null && fullSeen && !full) {
                    fullSeen = false;
                    caller.runOnContext(handler);
                }
            };
            Contexts.run(owner, set);
            return this;
        }
    }
}
