package io.rpcvertx.impl.client;

import io.rpcvertx.Metadata;
import io.rpcvertx.StatusCode;
import io.rpcvertx.impl.transport.ClientStream;
import io.rpcvertx.impl.transport.ClientStreamListener;
import io.rpcvertx.impl.transport.ClientTransport;
import io.rpcvertx.impl.transport.RequestHead;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.ContextInternal;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;

/**
 * Retries and hedging (gRFC A6 "Client Retries") as a stream: the call sees this one {@link ClientStream}, and this
 * drives attempts, each a real stream of the channel's transport, until it commits to one (grpc-java's
 * {@code RetriableStream} shape). Owner context only.
 *
 * <pre>
 * RUNNING --response headers | an OK end | a fatal status | the retry buffer overflows--&gt; COMMITTED (to one attempt)
 * RUNNING | COMMITTED --committed attempt ends | out of attempts | deadline | cancel()--&gt; CLOSED
 * </pre>
 *
 * <p>While RUNNING, request messages are kept (up to the per-RPC buffer size) and replayed to every new attempt; an
 * attempt that ends with a retryable (non-fatal) status before any response headers is retried after an exponential
 * backoff with full jitter, or, for hedging, the next hedged attempt is sent at once. Once COMMITTED the chosen
 * attempt's events pass straight through to the call. The call's deadline covers all attempts; the call reports the
 * final status (this stream forwards the deciding attempt's terminal event as it came).
 */
final class RetryingStream implements ClientStream {
    enum State {
        RUNNING,
        COMMITTED,
        CLOSED
    }

    private static final long REFUSED_STREAM = 0x7;

    private final RetryingTransport policy;
    private final RequestHead head;
    private final ContextInternal owner;
    private @Nullable ClientStreamListener listener;

    private State state = State.RUNNING;
    private final List<RetryAttempt> live = new ArrayList<>(2);
    private @Nullable RetryAttempt committed;
    private @Nullable RetryAttempt lastEnded;
    private int attempts;
    /** Request messages not yet written by every attempt that may need them (all of them until COMMITTED). */
    private final ReplayBuffer replay = new ReplayBuffer();

    private boolean headersWanted;
    private boolean opened;
    private boolean paused;
    /** The retry buffer overflowed while no attempt ran: the next attempt is committed at once. */
    private boolean commitNext;
    /** Hedging: throttled, or a pushback said stop. */
    private boolean noMoreHedges;

    private long nextBackoffNanos;
    private long attemptTimer = -1;

    RetryingStream(RetryingTransport policy, RequestHead head) {
        this.policy = policy;
        this.head = head;
        this.owner = policy.owner;
        ServiceConfig.RetryPolicy r = policy.retry;
        this.nextBackoffNanos = r == null ? 0 : r.initialBackoffNanos();
    }

    private ClientStreamListener listener() {
        ClientStreamListener l = listener;
        assert l != null;
        return l;
    }

    @Override
    public void start(ClientStreamListener l) {
        assert owner.inThread();
        this.listener = l;
        policy.callables.retryingStarted(this);
        if (policy.retry != null) {
            startAttempt();
        } else {
            sendHedges();
        }
    }

    /** Starts one attempt, which replays what was sent so far once it opens. */
    private void startAttempt() {
        assert state == State.RUNNING;
        RetryAttempt a = new RetryAttempt(this, head, attempts++);
        live.add(a);
        a.open(policy.transport.newStream(a));
        if (a.ended) {
            return; // refused at admission: its end has already decided what comes next
        }
        if (commitNext && state == State.RUNNING) {
            commit(a);
        }
    }

    /** Hedging: the next hedged attempt (all remaining ones at once with a zero delay), then the timer for the next. */
    private void sendHedges() {
        ServiceConfig.HedgingPolicy h = policy.hedging;
        assert h != null;
        attemptTimer = -1;
        do {
            if (state != State.RUNNING || noMoreHedges || attempts >= policy.maxAttempts) {
                break;
            }
            RetryThrottle throttle = policy.callables.throttle;
            if (attempts > 0 && throttle != null && !throttle.isRetryAllowed()) {
                noMoreHedges = true; // A6: a throttled channel sends no hedged attempt after the first
                break;
            }
            startAttempt();
        } while (h.hedgingDelayNanos() == 0);
        if (state == State.RUNNING && !noMoreHedges && attempts < policy.maxAttempts) {
            cancelAttemptTimer(); // an attempt refused at admission may have re-entered and armed one
            attemptTimer = owner.setTimer(Deadline.timerMillis(h.hedgingDelayNanos()), id -> sendHedges());
        } else if (state == State.RUNNING && live.isEmpty()) {
            finish(lastEnded);
        }
    }

    // ---------------------------------------------------------------- attempt events (owner)

    void onAttemptOpen(RetryAttempt a) {
        if (!opened) {
            opened = true;
            listener().onOpen(); // the call flushes what it buffered: it reaches every open attempt
        }
        if (headersWanted && !replay.isHalfClosed()) {
            a.sendHeaders();
        }
        flush(a);
        if (isLead(a)) {
            listener().onReady();
        }
    }

    void onAttemptHeaders(RetryAttempt a, Metadata md) {
        if (state == State.RUNNING) {
            if (!live.contains(a)) {
                return;
            }
            // A6: once response headers arrive, the RPC is committed to that attempt
            commit(a);
            RetryThrottle throttle = policy.callables.throttle;
            if (throttle != null) {
                throttle.onSuccess();
            }
        }
        if (a == committed) {
            listener().onHeaders(md);
        }
    }

    void onAttemptEnded(RetryAttempt a) {
        if (state == State.CLOSED) {
            return;
        }
        if (a == committed) {
            finish(a);
            return;
        }
        if (!live.remove(a)) {
            return; // an attempt this stream cancelled
        }
        lastEnded = a;
        if (Deadline.isExpired(head.deadlineNanos())) {
            finishDeadline();
            return;
        }
        RetryThrottle throttle = policy.callables.throttle;
        StatusCode code = a.code;
        if (code == StatusCode.OK) {
            // a trailers-only OK (e.g. a server stream without messages) is a response: commit and end with it
            if (throttle != null) {
                throttle.onSuccess();
            }
            commit(a);
            finish(a);
            return;
        }
        long pushbackMillis = a.pushbackMillis();
        boolean retryable = policy.retryableCodes.contains(code);
        boolean allowed = true;
        if (throttle != null && (retryable || pushbackMillis == RetryAttempt.PUSHBACK_STOP)) {
            allowed = throttle.onFailure();
        }
        if (!retryable) {
            // a fatal status: the RPC ends with it, and any other hedged attempt is cancelled
            commit(a);
            finish(a);
            return;
        }
        if (policy.retry != null) {
            scheduleRetry(allowed, pushbackMillis);
        } else {
            nextHedge(allowed, pushbackMillis);
        }
    }

    private void scheduleRetry(boolean allowed, long pushbackMillis) {
        ServiceConfig.RetryPolicy r = policy.retry;
        assert r != null;
        if (!allowed
                || commitNext
                || attempts >= policy.maxAttempts
                || policy.callables.isClosing()
                || pushbackMillis == RetryAttempt.PUSHBACK_STOP) {
            finish(lastEnded);
            return;
        }
        long delayNanos;
        if (pushbackMillis >= 0) {
            // the server said when: wait exactly that, and start the backoff over
            delayNanos = pushbackMillis * 1_000_000;
            nextBackoffNanos = r.initialBackoffNanos();
        } else {
            // A6: full jitter, random(0, current), then current = min(current * multiplier, maxBackoff)
            long current = nextBackoffNanos;
            delayNanos = (long) (ThreadLocalRandom.current().nextDouble() * current);
            nextBackoffNanos = (long) Math.min(current * r.backoffMultiplier(), (double) r.maxBackoffNanos());
        }
        attemptTimer = owner.setTimer(Deadline.timerMillis(delayNanos), id -> {
            attemptTimer = -1;
            if (state == State.RUNNING) {
                startAttempt();
            }
        });
    }

    private void nextHedge(boolean allowed, long pushbackMillis) {
        if (!allowed || pushbackMillis == RetryAttempt.PUSHBACK_STOP || policy.callables.isClosing()) {
            noMoreHedges = true;
        }
        if (!noMoreHedges && attempts < policy.maxAttempts) {
            cancelAttemptTimer();
            if (pushbackMillis >= 0) {
                attemptTimer = owner.setTimer(Deadline.timerMillis(pushbackMillis * 1_000_000), id -> sendHedges());
            } else {
                sendHedges(); // A6: a non-fatal failure sends the next hedged attempt at once
            }
            return;
        }
        if (state == State.RUNNING && live.isEmpty() && attemptTimer < 0) {
            finish(lastEnded);
        }
    }

    /** Commits to {@code a}: the other attempts are cancelled, and nothing more is kept for replay once it has it. */
    private void commit(RetryAttempt a) {
        state = State.COMMITTED;
        committed = a;
        cancelAttemptTimer();
        for (RetryAttempt other : live) {
            if (other != a) {
                other.cancel();
            }
        }
        live.clear();
        if (paused) {
            a.pause();
        }
        flush(a);
        if (a.isOpen() && a.stream().isReady()) {
            listener().onReady(); // a write waiting on a cancelled attempt's window goes on with this one
        }
    }

    private void cancelAttemptTimer() {
        if (attemptTimer >= 0) {
            owner.owner().cancelTimer(attemptTimer);
            attemptTimer = -1;
        }
    }

    /** The channel is closing: no new attempt starts, and a stream waiting for its next attempt ends now. */
    void onChannelClosing() {
        assert owner.inThread();
        if (state == State.RUNNING && live.isEmpty()) {
            finish(lastEnded);
        }
    }

    // ---------------------------------------------------------------- the end (owner)

    private boolean end() {
        if (state == State.CLOSED) {
            return false;
        }
        state = State.CLOSED;
        cancelAttemptTimer();
        policy.callables.retryingEnded(this);
        for (RetryAttempt a : live) {
            a.cancel();
        }
        live.clear();
        RetryAttempt c = committed;
        if (c != null) {
            c.cancel();
        }
        replay.clear();
        return true;
    }

    /** Ends with {@code decider}'s terminal event, as it came, for the call to map (or UNAVAILABLE if none ended). */
    private void finish(@Nullable RetryAttempt decider) {
        if (!end()) {
            return;
        }
        ClientStreamListener l = listener();
        if (decider == null) {
            l.onClosed(StatusCode.UNAVAILABLE, "no attempt ended yet", false);
        } else if (decider.trailers != null) {
            l.onTrailers(decider.code, decider.details, decider.trailers);
        } else if (decider.resetCode >= 0 && decider.resetCode != REFUSED_STREAM) {
            l.onReset(decider.resetCode);
        } else {
            // refused is not passed on: the replays were this stream's to make
            l.onClosed(decider.code, decider.details, false);
        }
    }

    private void finishDeadline() {
        if (end()) {
            listener().onClosed(StatusCode.DEADLINE_EXCEEDED, "deadline exceeded between attempts", false);
        }
    }

    // ---------------------------------------------------------------- ClientStream (owner): the request side

    /** The attempt whose flow control paces the call's writes: the committed one, or the oldest running one. */
    private boolean isLead(RetryAttempt a) {
        return a == committed || (state == State.RUNNING && !live.isEmpty() && live.get(0) == a);
    }

    /** Writes what {@code a} has not written yet (and the half-close); once committed, nothing more is kept. */
    private void flush(RetryAttempt a) {
        replay.flush(a, a == committed);
    }

    /** Writes what every attempt in the race (or the committed one) has not written yet. */
    private void flushAll() {
        for (int i = 0; i < live.size(); i++) {
            flush(live.get(i));
        }
        RetryAttempt c = committed;
        if (c != null) {
            flush(c);
        }
    }

    @Override
    public void sendHeaders() {
        headersWanted = true;
        for (RetryAttempt a : live) {
            a.sendHeaders();
        }
        RetryAttempt c = committed;
        if (c != null) {
            c.sendHeaders();
        }
    }

    @Override
    public int writeMessage(Buffer payload, boolean endOfStream) {
        if (state == State.CLOSED) {
            return 0;
        }
        long kept = replay.add(payload, endOfStream);
        // A6: beyond the per-RPC buffer the RPC commits to its (oldest) running attempt
        if (state == State.RUNNING && kept > policy.callables.retryBufferSize) {
            if (!live.isEmpty()) {
                commit(live.get(0));
                return payload.length();
            }
            commitNext = true;
        }
        flushAll(); // the running attempts, or the committed one
        return payload.length();
    }

    @Override
    public void halfClose() {
        if (state != State.CLOSED && replay.halfClose()) {
            flushAll();
        }
    }

    @Override
    public boolean isReady() {
        RetryAttempt lead = committed != null ? committed : live.isEmpty() ? null : live.get(0);
        return lead != null && lead.isOpen() && lead.stream().isReady();
    }

    @Override
    public void pause() {
        paused = true;
        RetryAttempt c = committed;
        if (c != null) {
            c.pause();
        }
    }

    @Override
    public void resume() {
        paused = false;
        RetryAttempt c = committed;
        if (c != null && c.isOpen()) {
            c.stream().resume();
        }
    }

    @Override
    public void cancel() {
        end();
    }

    @Override
    public @Nullable String retryPushback() {
        return null; // consumed here
    }

    // ---------------------------------------------------------------- for the attempts (owner)

    boolean isClosed() {
        return state == State.CLOSED;
    }

    ClientTransport transport() {
        return policy.transport;
    }

    /** Whether a refused attempt may be replayed: only while running, and only an attempt still in the race. */
    boolean mayReplay(RetryAttempt a) {
        return state == State.RUNNING && live.contains(a);
    }

    void onAttemptReady(RetryAttempt a) {
        if (isLead(a)) {
            listener().onReady();
        }
    }

    void onAttemptMessage(RetryAttempt a, Buffer payload) {
        if (a == committed && state != State.CLOSED) {
            listener().onMessage(payload);
        }
    }

    @Override
    public String toString() {
        return "RetryingStream{" + head.path() + ", " + state + ", attempts=" + attempts + "}";
    }
}
