package io.rpcvertx.impl.client;

import io.rpcvertx.CallOptions;
import io.rpcvertx.Metadata;
import io.rpcvertx.MethodDescriptor;
import io.rpcvertx.RpcException;
import io.rpcvertx.StatusCode;
import io.rpcvertx.impl.transport.DoneCallbacks;
import io.rpcvertx.impl.transport.InboundMessages;
import io.rpcvertx.impl.transport.OutboundWrites;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.streams.ReadStream;
import io.vertx.core.streams.WriteStream;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * A call with a retry or hedging policy (gRFC A6 "Client Retries"): the call the application holds, running attempts
 * underneath, each a {@link ClientCallImpl} (one HTTP/2 stream) that reports to this call as its
 * {@link ClientCallImpl.Observer}. State lives on the channel's event loop ({@link #owner}); futures and streams
 * complete on the creator's context.
 *
 * <pre>
 * RUNNING --response headers | an OK end | the retry buffer overflows--&gt; COMMITTED (to one attempt)
 * RUNNING | COMMITTED --committed attempt ends | out of attempts | fatal status | cancel | deadline--&gt; CLOSED
 * </pre>
 *
 * <p>While RUNNING, request messages are kept (up to the per-RPC buffer size) and replayed to every new attempt; an
 * attempt that ends with a retryable (non-fatal) status before any response headers is retried after an exponential
 * backoff with full jitter, or, for hedging, the next hedged attempt is sent at once. Once COMMITTED the chosen
 * attempt's events pass straight through. The deadline is set once, when the call is created, and covers all attempts.
 */
final class RetryingCall<Req, Resp>
        implements ClientCall<Req, Resp>, ClientCallImpl.Observer<Resp>, InboundMessages.Transport {

    enum State {
        RUNNING,
        COMMITTED,
        CLOSED
    }

    /** The WriteStream view reports full at this many unaccepted writes and drains at half of it. */
    private static final int WRITES_HIGH_WATER = 16;

    /** One sent request message, and the write's promise until an attempt accepted it. */
    private static final class Sent {
        final Buffer payload;

        @Nullable
        Promise<Void> promise;

        Sent(Buffer payload, @Nullable Promise<Void> promise) {
            this.payload = payload;
            this.promise = promise;
        }
    }

    private final ChannelImpl channel;
    private final MultiCallables callables;
    private final MethodDescriptor<Req, Resp> method;
    private final CallOptions options;
    private final ServiceConfig.@Nullable RetryPolicy retry;
    private final ServiceConfig.@Nullable HedgingPolicy hedging;
    private final Set<StatusCode> retryableCodes;
    private final int maxAttempts;
    private final int maxSendBytes;
    private final int maxReceiveBytes;
    final ContextInternal owner;
    private final ContextInternal caller;
    private final boolean hasDeadline;
    private final long deadlineNanos;
    private final boolean unaryResponse;

    private final Promise<Metadata> initialMetadataPromise;
    private final Promise<Metadata> trailingMetadataPromise;
    private final Promise<StatusCode> codePromise;
    private final Promise<String> detailsPromise;
    private final Promise<Void> connectionPromise;
    private final @Nullable Promise<Resp> responsePromise;
    private final @Nullable InboundMessages<Resp> inbound;
    private final DoneCallbacks doneCallbacks = new DoneCallbacks();
    private final AtomicInteger writesInFlight = new AtomicInteger();

    // owner state
    private volatile State state = State.RUNNING;
    private volatile @Nullable StatusCode finalCode;
    private @Nullable RpcException failure;
    private final List<ClientCallImpl<Req, Resp>> live = new ArrayList<>(2);
    private @Nullable ClientCallImpl<Req, Resp> committed;
    private int attempts;
    private final ArrayDeque<Sent> sent = new ArrayDeque<>(4);
    private long sentBytes;
    /** The retry buffer overflowed while no attempt ran: the next attempt is committed at once. */
    private boolean commitNext;

    private boolean halfClosed;
    /** Hedging: throttled, or a pushback said stop. */
    private boolean noMoreHedges;

    private long nextBackoffNanos;
    private long attemptTimer = -1;
    private long deadlineTimer = -1;
    private @Nullable Metadata headers;
    private @Nullable Resp unaryValue;
    private StatusCode lastCode = StatusCode.UNAVAILABLE;
    private String lastDetails = "no attempt ended yet";
    private Metadata lastTrailing = Metadata.EMPTY;

    // caller-context state of the WriteStream view
    private @Nullable Handler<Void> drainHandler;
    private @Nullable RequestView view;

    RetryingCall(
            ChannelImpl channel,
            MultiCallables callables,
            MethodDescriptor<Req, Resp> method,
            ServiceConfig.MethodConfig config,
            CallOptions options,
            ContextInternal caller) {
        this.channel = channel;
        this.callables = callables;
        this.method = method;
        this.options = options;
        this.retry = config.retryPolicy();
        this.hedging = config.hedgingPolicy();
        ServiceConfig.RetryPolicy r = retry;
        ServiceConfig.HedgingPolicy h = hedging;
        if (r != null) {
            this.retryableCodes = r.retryableStatusCodes();
            this.maxAttempts = r.maxAttempts();
            this.nextBackoffNanos = r.initialBackoffNanos();
        } else if (h != null) {
            this.retryableCodes = h.nonFatalStatusCodes();
            this.maxAttempts = h.maxAttempts();
        } else {
            throw new IllegalArgumentException("config: " + config + " (expected: a retry or hedging policy)");
        }
        this.maxSendBytes = ServiceConfig.MethodConfig.smallerLimit(
                channel.options.maxSendMessageLength(), config.maxRequestBytes());
        this.maxReceiveBytes = ServiceConfig.MethodConfig.smallerLimit(
                channel.options.maxReceiveMessageLength(), config.maxResponseBytes());
        this.owner = channel.owner;
        this.caller = caller;
        Optional<Duration> timeout = options.timeout();
        this.hasDeadline = timeout.isPresent();
        this.deadlineNanos = hasDeadline ? System.nanoTime() + saturatedNanos(timeout.get()) : 0;
        this.unaryResponse = !method.type().isServerStreaming();
        this.initialMetadataPromise = caller.promise();
        this.trailingMetadataPromise = caller.promise();
        this.codePromise = caller.promise();
        this.detailsPromise = caller.promise();
        this.connectionPromise = caller.promise();
        this.responsePromise = unaryResponse ? caller.promise() : null;
        this.inbound = unaryResponse ? null : new InboundMessages<>(owner, caller, this);
    }

    private static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return d.isNegative() ? Long.MIN_VALUE / 2 : Long.MAX_VALUE / 2;
        }
    }

    // ---------------------------------------------------------------- start (any thread)

    /** Starts the call: the serialized request (unary-request shapes) is kept for every attempt. */
    void start(@Nullable Req request) {
        Buffer payload = null;
        if (request != null) {
            try {
                payload = method.requestMarshaller().serialize(request);
            } catch (RuntimeException e) {
                String details = "Failed to serialize request: " + e;
                onOwner(() -> finish(StatusCode.INTERNAL, details, Metadata.EMPTY));
                return;
            }
        }
        Buffer p = payload;
        onOwner(() -> begin(p));
    }

    private void begin(@Nullable Buffer request) {
        assert owner.inThread();
        callables.retryingStarted(this);
        if (hasDeadline) {
            long remaining = deadlineNanos - System.nanoTime();
            if (remaining <= 0) {
                onDeadline();
                return;
            }
            // timers have millisecond resolution: round up so the deadline never fires early
            deadlineTimer = owner.setTimer(Math.max(1, (remaining + 999_999) / 1_000_000), id -> onDeadline());
        }
        if (request != null) {
            sent.add(new Sent(request, null));
            sentBytes = request.length();
            halfClosed = true;
            commitNext = sentBytes > callables.retryBufferSize;
        }
        if (retry != null) {
            startAttempt();
        } else {
            sendHedges();
        }
    }

    /** Starts one attempt, replaying what was sent so far. */
    private void startAttempt() {
        assert owner.inThread() && state == State.RUNNING;
        int previous = attempts++;
        CallOptions o = options;
        if (hasDeadline) {
            // the deadline covers all attempts: each one gets what is left
            o = o.withTimeout(Duration.ofNanos(Math.max(1, deadlineNanos - System.nanoTime())));
        }
        ClientCallImpl<Req, Resp> attempt = new ClientCallImpl<>(channel, method, o, owner);
        attempt.observe(this, previous);
        attempt.limitMessages(maxSendBytes, maxReceiveBytes);
        live.add(attempt);
        attempt.startOnOwner();
        if (attempt.isDone()) {
            return; // refused at admission; onClose has already decided what comes next
        }
        for (Sent s : sent) {
            Promise<Void> user = s.promise;
            attempt.sendPayload(s.payload, user == null ? null : acceptance(user));
            s.promise = null;
        }
        if (halfClosed) {
            attempt.halfCloseOnOwner();
        }
        if (commitNext && state == State.RUNNING) {
            commit(attempt);
        }
        attempt.waitForConnection().onSuccess(v -> connectionPromise.tryComplete());
    }

    /**
     * Hedging: sends the next hedged attempt (all remaining ones at once with a zero delay), then arms the timer for
     * the one after.
     */
    private void sendHedges() {
        ServiceConfig.HedgingPolicy h = hedging;
        assert h != null;
        attemptTimer = -1;
        do {
            if (state != State.RUNNING || noMoreHedges || attempts >= maxAttempts) {
                break;
            }
            RetryThrottle throttle = callables.throttle;
            if (attempts > 0 && throttle != null && !throttle.isRetryAllowed()) {
                noMoreHedges = true; // A6: a throttled channel sends no hedged attempt after the first
                break;
            }
            startAttempt();
        } while (h.hedgingDelayNanos() == 0);
        if (state == State.RUNNING && !noMoreHedges && attempts < maxAttempts) {
            cancelAttemptTimer(); // an attempt refused at admission may have re-entered and armed one
            attemptTimer = owner.setTimer(toTimerMillis(h.hedgingDelayNanos()), id -> sendHedges());
        } else if (state == State.RUNNING && live.isEmpty()) {
            finish(lastCode, lastDetails, lastTrailing);
        }
    }

    private static long toTimerMillis(long nanos) {
        return Math.max(1, (nanos + 999_999) / 1_000_000);
    }

    // ---------------------------------------------------------------- attempt events (owner)

    @Override
    public void onHeaders(ClientCallImpl<?, Resp> attempt, Metadata md) {
        if (state == State.CLOSED) {
            return;
        }
        if (state == State.RUNNING) {
            int index = live.indexOf(attempt);
            if (index < 0) {
                return;
            }
            // A6: once response headers arrive, the RPC is committed to that attempt
            commit(live.get(index));
            RetryThrottle throttle = callables.throttle;
            if (throttle != null) {
                throttle.onSuccess();
            }
        } else if (attempt != committed) {
            return;
        }
        headers = md;
        initialMetadataPromise.tryComplete(md);
    }

    @Override
    public void onMessage(ClientCallImpl<?, Resp> attempt, Resp message) {
        if (state == State.CLOSED || attempt != committed) {
            return;
        }
        if (unaryResponse) {
            unaryValue = message;
        } else {
            InboundMessages<Resp> in = inbound;
            assert in != null;
            in.offer(message);
        }
    }

    @Override
    public void onClose(ClientCallImpl<?, Resp> attempt, StatusCode code, String details, Metadata trailing) {
        if (state == State.CLOSED) {
            return;
        }
        if (attempt == committed) {
            finish(code, details, trailing);
            return;
        }
        int index = live.indexOf(attempt);
        if (index < 0) {
            return; // an attempt this call cancelled
        }
        ClientCallImpl<Req, Resp> ended = live.remove(index);
        lastCode = code;
        lastDetails = details;
        lastTrailing = trailing;
        if (hasDeadline && deadlineNanos - System.nanoTime() <= 0) {
            onDeadline();
            return;
        }
        RetryThrottle throttle = callables.throttle;
        if (code == StatusCode.OK) {
            // a trailers-only OK (e.g. a server stream without messages) is a response: commit and end with it
            if (throttle != null) {
                throttle.onSuccess();
            }
            commit(ended);
            finish(code, details, trailing);
            return;
        }
        long pushbackMillis = parsePushback(ended.retryPushback());
        boolean retryable = retryableCodes.contains(code);
        boolean allowed = true;
        if (throttle != null && (retryable || pushbackMillis == PUSHBACK_STOP)) {
            allowed = throttle.onFailure();
        }
        if (!retryable) {
            // a fatal status: the RPC ends with it, and any other hedged attempt is cancelled
            commit(ended);
            finish(code, details, trailing);
            return;
        }
        if (retry != null) {
            scheduleRetry(allowed, pushbackMillis, code, details, trailing);
        } else {
            nextHedge(allowed, pushbackMillis);
        }
    }

    private void scheduleRetry(
            boolean allowed, long pushbackMillis, StatusCode code, String details, Metadata trailing) {
        ServiceConfig.RetryPolicy r = retry;
        assert r != null;
        if (!allowed
                || commitNext
                || attempts >= maxAttempts
                || callables.isClosing()
                || pushbackMillis == PUSHBACK_STOP) {
            finish(code, details, trailing);
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
        attemptTimer = owner.setTimer(toTimerMillis(delayNanos), id -> {
            attemptTimer = -1;
            if (state == State.RUNNING) {
                startAttempt();
            }
        });
    }

    private void nextHedge(boolean allowed, long pushbackMillis) {
        if (!allowed || pushbackMillis == PUSHBACK_STOP || callables.isClosing()) {
            noMoreHedges = true;
        }
        if (!noMoreHedges && attempts < maxAttempts) {
            cancelAttemptTimer();
            if (pushbackMillis >= 0) {
                attemptTimer = owner.setTimer(toTimerMillis(pushbackMillis * 1_000_000), id -> sendHedges());
            } else {
                sendHedges(); // A6: a non-fatal failure sends the next hedged attempt at once
            }
            return;
        }
        if (state == State.RUNNING && live.isEmpty() && attemptTimer < 0) {
            finish(lastCode, lastDetails, lastTrailing);
        }
    }

    private static final long PUSHBACK_NONE = -1;
    private static final long PUSHBACK_STOP = -2;

    /** A6: a non-negative integer is a delay; any other value (negative, malformed) means do not retry. */
    private static long parsePushback(@Nullable String value) {
        if (value == null) {
            return PUSHBACK_NONE;
        }
        try {
            long ms = Long.parseLong(value.trim());
            return ms >= 0 ? Math.min(ms, Long.MAX_VALUE / 1_000_000) : PUSHBACK_STOP;
        } catch (NumberFormatException e) {
            return PUSHBACK_STOP;
        }
    }

    /** Commits to {@code attempt}: the other attempts are cancelled and nothing more is kept for replay. */
    private void commit(ClientCallImpl<Req, Resp> attempt) {
        state = State.COMMITTED;
        committed = attempt;
        cancelAttemptTimer();
        sent.clear();
        List<ClientCallImpl<Req, Resp>> losers = new ArrayList<>(live);
        losers.remove(attempt);
        live.clear();
        for (ClientCallImpl<Req, Resp> loser : losers) {
            loser.terminate(StatusCode.CANCELLED, "another attempt was committed", Metadata.EMPTY, true);
        }
    }

    private void cancelAttemptTimer() {
        if (attemptTimer >= 0) {
            owner.owner().cancelTimer(attemptTimer);
            attemptTimer = -1;
        }
    }

    private void onDeadline() {
        deadlineTimer = -1;
        double seconds = options.timeout().orElse(Duration.ZERO).toNanos() / 1e9;
        finish(StatusCode.DEADLINE_EXCEEDED, String.format("deadline exceeded after %.3fs", seconds), Metadata.EMPTY);
    }

    /** The channel is closing: no new attempt starts, and a call waiting for its next attempt ends now. */
    void onChannelClosing() {
        assert owner.inThread();
        if (state == State.RUNNING && live.isEmpty()) {
            finish(lastCode, lastDetails, lastTrailing);
        }
    }

    // ---------------------------------------------------------------- the terminal event (owner)

    /** Ends the call; the first terminal event wins. Returns whether this call ended it. */
    private boolean finish(StatusCode code, String details, Metadata trailing) {
        return finish(code, details, trailing, false);
    }

    /** {@code discard}: a local cancel, after which nobody wants the responses already queued. */
    private boolean finish(StatusCode code, String details, Metadata trailing, boolean discard) {
        assert owner.inThread();
        if (state == State.CLOSED) {
            return false;
        }
        state = State.CLOSED;
        finalCode = code;
        cancelAttemptTimer();
        if (deadlineTimer >= 0) {
            owner.owner().cancelTimer(deadlineTimer);
            deadlineTimer = -1;
        }
        callables.retryingEnded(this);
        List<ClientCallImpl<Req, Resp>> running = new ArrayList<>(live);
        live.clear();
        ClientCallImpl<Req, Resp> c = committed;
        if (c != null) {
            running.add(c);
        }
        for (ClientCallImpl<Req, Resp> attempt : running) {
            // no-op for the attempt that just ended; the others are reset with CANCEL
            attempt.terminate(code == StatusCode.OK ? StatusCode.CANCELLED : code, details, Metadata.EMPTY, true);
        }
        Metadata initial = headers != null ? headers : Metadata.EMPTY;
        RpcException error = code == StatusCode.OK ? null : new RpcException(code, details, initial, trailing);
        failure = error;
        Throwable writeError = error != null ? error : new IllegalStateException("the call has already ended with OK");
        for (Sent s : sent) {
            if (s.promise != null) {
                s.promise.tryFail(writeError);
            }
        }
        sent.clear();
        initialMetadataPromise.tryComplete(initial);
        trailingMetadataPromise.tryComplete(trailing);
        codePromise.tryComplete(code);
        detailsPromise.tryComplete(details);
        if (error != null) {
            connectionPromise.tryFail(error);
        } else {
            connectionPromise.tryComplete();
        }
        Promise<Resp> rp = responsePromise;
        if (rp != null) {
            if (error == null) {
                rp.tryComplete(unaryValue);
            } else {
                rp.tryFail(error);
            }
        }
        InboundMessages<Resp> in = inbound;
        if (in != null) {
            if (discard) {
                in.discardQueued();
            }
            in.end(error);
        }
        doneCallbacks.fire();
        return true;
    }

    // ---------------------------------------------------------------- request side (owner)

    private void onWrite(Buffer payload, Promise<Void> promise) {
        assert owner.inThread();
        if (state == State.CLOSED) {
            RpcException f = failure;
            promise.tryFail(f != null ? f : new IllegalStateException("the call has already ended with OK"));
            return;
        }
        if (halfClosed) {
            promise.tryFail(new IllegalStateException("write after doneWriting (state: HALF_CLOSED)"));
            return;
        }
        ClientCallImpl<Req, Resp> c = committed;
        if (c != null) {
            c.sendPayload(payload, promise);
            return;
        }
        sentBytes += payload.length();
        if (sentBytes > callables.retryBufferSize) {
            // A6: beyond the per-RPC buffer the RPC commits to its (oldest) running attempt
            if (!live.isEmpty()) {
                ClientCallImpl<Req, Resp> first = live.get(0);
                commit(first);
                first.sendPayload(payload, promise);
                return;
            }
            commitNext = true;
            if (sentBytes > OutboundWrites.HARD_LIMIT_BYTES) {
                promise.tryFail(new IllegalStateException("write buffer full (" + sentBytes + " bytes waiting for"
                        + " the next attempt): wait for the previous write() futures"));
                return;
            }
        }
        if (live.isEmpty()) {
            sent.add(new Sent(payload, promise)); // accepted when the next attempt takes it
            return;
        }
        sent.add(new Sent(payload, null));
        live.get(0).sendPayload(payload, acceptance(promise));
        for (int i = 1; i < live.size(); i++) {
            live.get(i).sendPayload(payload, null);
        }
    }

    /**
     * The promise an uncommitted attempt completes when it accepts a message for the application's {@code user}
     * promise. If that attempt ends first, the message is still kept for the next attempt, so the write succeeds
     * unless the whole call has ended.
     */
    private Promise<Void> acceptance(Promise<Void> user) {
        Promise<Void> accepted = owner.promise();
        accepted.future().onComplete(ar -> {
            if (ar.succeeded() || (state != State.CLOSED && ar.cause() instanceof RpcException)) {
                user.tryComplete();
            } else {
                RpcException f = failure;
                user.tryFail(state == State.CLOSED && f != null ? f : ar.cause());
            }
        });
        return accepted;
    }

    private void onDoneWriting() {
        assert owner.inThread();
        if (halfClosed || state == State.CLOSED) {
            return;
        }
        halfClosed = true;
        for (ClientCallImpl<Req, Resp> attempt : live) {
            attempt.halfCloseOnOwner();
        }
        ClientCallImpl<Req, Resp> c = committed;
        if (c != null) {
            c.halfCloseOnOwner();
        }
    }

    // ---------------------------------------------------------------- InboundMessages.Transport (owner)

    @Override
    public void pauseTransport() {
        ClientCallImpl<Req, Resp> c = committed;
        if (c != null) {
            c.pauseTransport();
        }
    }

    @Override
    public void resumeTransport() {
        ClientCallImpl<Req, Resp> c = committed;
        if (c != null) {
            c.resumeTransport();
        }
    }

    // ---------------------------------------------------------------- public API (any thread)

    private void onOwner(Runnable action) {
        if (owner.inThread()) {
            action.run();
        } else {
            owner.execute(action);
        }
    }

    @Override
    public Future<Resp> response() {
        Promise<Resp> rp = responsePromise;
        if (rp == null) {
            throw new IllegalStateException(method.fullMethodName() + " streams its responses: use read()/responses()");
        }
        return rp.future();
    }

    @Override
    public Future<Optional<Resp>> read() {
        return streamingInbound().read();
    }

    @Override
    public ReadStream<Resp> responses() {
        return streamingInbound();
    }

    private InboundMessages<Resp> streamingInbound() {
        InboundMessages<Resp> in = inbound;
        if (in == null) {
            throw new IllegalStateException(method.fullMethodName() + " has a single response: use response()");
        }
        return in;
    }

    @Override
    public Future<Void> write(Req message) {
        checkClientStreaming();
        Buffer payload;
        try {
            payload = method.requestMarshaller().serialize(message);
        } catch (RuntimeException e) {
            RpcException error = new RpcException(StatusCode.INTERNAL, "Failed to serialize request: " + e);
            onOwner(() -> finish(error.code(), error.details(), Metadata.EMPTY));
            return caller.failedFuture(error);
        }
        Promise<Void> promise = caller.promise();
        writesInFlight.incrementAndGet();
        promise.future().onComplete(ar -> afterWrite());
        onOwner(() -> onWrite(payload, promise));
        return promise.future();
    }

    /** Caller context: a write was accepted (or failed); wake a paused pipe at the low-water mark. */
    private void afterWrite() {
        int inFlight = writesInFlight.decrementAndGet();
        Handler<Void> h = drainHandler;
        if (inFlight == WRITES_HIGH_WATER / 2 && h != null) {
            h.handle(null);
        }
    }

    @Override
    public Future<Void> doneWriting() {
        checkClientStreaming();
        Promise<Void> promise = caller.promise();
        onOwner(() -> {
            onDoneWriting();
            promise.complete();
        });
        return promise.future();
    }

    @Override
    public WriteStream<Req> requests() {
        checkClientStreaming();
        RequestView v = view;
        if (v == null) {
            v = new RequestView();
            view = v;
        }
        return v;
    }

    /** Pipes {@code source} into the request side; a failing source cancels the call. */
    void pipeFrom(ReadStream<Req> source) {
        source.pipe().endOnFailure(false).to(requests()).onFailure(t -> cancel());
    }

    private void checkClientStreaming() {
        if (!method.type().isClientStreaming()) {
            throw new IllegalStateException(method.fullMethodName() + " takes a single request");
        }
    }

    @Override
    public Future<Metadata> initialMetadata() {
        return initialMetadataPromise.future();
    }

    @Override
    public Future<Metadata> trailingMetadata() {
        return trailingMetadataPromise.future();
    }

    @Override
    public Future<StatusCode> code() {
        return codePromise.future();
    }

    @Override
    public Future<String> details() {
        return detailsPromise.future();
    }

    @Override
    public Future<Void> waitForConnection() {
        return connectionPromise.future();
    }

    @Override
    public boolean isCancelled() {
        return finalCode == StatusCode.CANCELLED;
    }

    @Override
    public boolean isDone() {
        return state == State.CLOSED;
    }

    @Override
    public Optional<Duration> timeRemaining() {
        return hasDeadline ? Optional.of(Duration.ofNanos(deadlineNanos - System.nanoTime())) : Optional.empty();
    }

    @Override
    public boolean cancel() {
        if (owner.inThread()) {
            return finish(StatusCode.CANCELLED, "Locally cancelled by application!", Metadata.EMPTY, true);
        }
        boolean wasLive = state != State.CLOSED;
        owner.execute(() -> finish(StatusCode.CANCELLED, "Locally cancelled by application!", Metadata.EMPTY, true));
        return wasLive;
    }

    @Override
    public void addDoneCallback(Handler<Void> callback) {
        ContextInternal registrar = io.rpcvertx.impl.transport.Contexts.caller(owner.owner());
        onOwner(() -> doneCallbacks.add(registrar, callback));
    }

    @Override
    public String toString() {
        return "RetryingCall{" + method.fullMethodName() + ", " + state + ", attempts=" + attempts + "}";
    }

    /** The WriteStream view: full while {@value #WRITES_HIGH_WATER} writes wait to be accepted. */
    private final class RequestView implements WriteStream<Req> {
        private @Nullable Handler<Throwable> exceptionHandler;

        @Override
        public WriteStream<Req> exceptionHandler(@Nullable Handler<Throwable> handler) {
            this.exceptionHandler = handler;
            return this;
        }

        @Override
        public Future<Void> write(Req data) {
            Future<Void> f = RetryingCall.this.write(data);
            Handler<Throwable> h = exceptionHandler;
            if (h != null) {
                f.onFailure(h);
            }
            return f;
        }

        @Override
        public Future<Void> end() {
            return doneWriting();
        }

        @Override
        public WriteStream<Req> setWriteQueueMaxSize(int maxSize) {
            return this; // the attempts' HTTP/2 windows decide
        }

        @Override
        public boolean writeQueueFull() {
            return writesInFlight.get() >= WRITES_HIGH_WATER;
        }

        @Override
        public WriteStream<Req> drainHandler(@Nullable Handler<Void> handler) {
            drainHandler = handler;
            return this;
        }
    }
}
