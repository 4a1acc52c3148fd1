package io.rpcvertx.impl.client;

import io.rpcvertx.CallOptions;
import io.rpcvertx.Metadata;
import io.rpcvertx.MethodDescriptor;
import io.rpcvertx.RpcException;
import io.rpcvertx.StatusCode;
import io.rpcvertx.impl.codec.Marshalling;
import io.rpcvertx.impl.codec.StatusMapping;
import io.rpcvertx.impl.telemetry.Telemetry;
import io.rpcvertx.impl.transport.ClientStream;
import io.rpcvertx.impl.transport.ClientStreamListener;
import io.rpcvertx.impl.transport.Contexts;
import io.rpcvertx.impl.transport.InboundMessages;
import io.rpcvertx.impl.transport.OutboundWrites;
import io.rpcvertx.impl.transport.RequestHead;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.streams.ReadStream;
import io.vertx.core.streams.WriteStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * One client RPC, all four shapes: the one object that owns the call contract (outcome futures, done callbacks,
 * deadline, the pull {@code read()} and {@link ReadStream} views, {@code write()} backpressure) over one
 * {@link ClientStream} (a transport's, or a {@link RetryingStream} driving attempts of them). State lives on the
 * channel's event loop ({@link #owner}); futures and streams complete on the creator's context ({@link #caller}).
 *
 * <pre>
 * PENDING --stream opened--&gt; OPEN --doneWriting--&gt; HALF_CLOSED
 * PENDING --doneWriting--&gt; PENDING_HALF_CLOSED --stream opened--&gt; HALF_CLOSED
 * OPEN | HALF_CLOSED --refused by the peer, replayed once (transparent retry)--&gt; PENDING | PENDING_HALF_CLOSED
 * any --terminal event (trailers, cancel, deadline, reset, connection lost, local error)--&gt; CLOSED | CANCELLED
 * </pre>
 *
 * <p>The terminal transition is a compare-and-set that any thread may make: the first terminal event wins, so
 * {@link #cancel()} from any thread returns {@code true} once and {@link #isDone()} holds when it returns. What follows
 * the transition (RST_STREAM, completing the futures, done callbacks) runs on the owner loop; the response side has
 * the orthogonal initial-metadata latch, in {@link CallOutcome} (the response side: what the application reads, the
 * outcome futures and done callbacks).
 */
final class ClientCallImpl<Req, Resp>
        implements ClientCall<Req, Resp>, ClientStreamListener, InboundMessages.Transport, Runnable {

    enum State {
        PENDING,
        PENDING_HALF_CLOSED,
        OPEN,
        HALF_CLOSED,
        CLOSED,
        /** Closed with CANCELLED (by us or the peer): a distinct state, so that one CAS records it. */
        CANCELLED;

        boolean isHalfClosed() {
            return this == PENDING_HALF_CLOSED || this == HALF_CLOSED;
        }

        boolean isTerminal() {
            return this == CLOSED || this == CANCELLED;
        }
    }

    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(ClientCallImpl.class, "state", State.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static final long REFUSED_STREAM = 0x7;
    static final String CANCELLED_BY_APPLICATION = "Locally cancelled by application!";

    private final CallSetup setup;
    private final MethodDescriptor<Req, Resp> method;
    private final CallOptions options;
    final ContextInternal owner;
    private final ContextInternal caller;
    private final long deadlineNanos;
    private final CallRequests<Req> requests;
    private final CallOutcome<Resp> outcome;
    private final OutboundWrites<Req> outbound;
    // observability: null unless the Vert.x instance has gRPC metrics (then the call's start on the nanoTime clock)
    private final @Nullable Telemetry telemetry;
    private final long startNanos;

    // changed only through transition(), read anywhere
    private volatile State state = State.PENDING;

    // owner state
    private @Nullable ClientStream stream;
    private long deadlineTimer = -1;
    private boolean replayed;
    /** The serialized request of a unary-request call, from start() until the owner admits the call. */
    private @Nullable Buffer startPayload;

    ClientCallImpl(CallSetup setup, MethodDescriptor<Req, Resp> method, CallOptions options, ContextInternal caller) {
        this.setup = setup;
        this.method = method;
        this.options = options;
        this.owner = setup.owner();
        this.caller = caller;
        this.deadlineNanos = Deadline.after(options.timeout());
        this.requests = new CallRequests<>(this, setup, method, options, caller, deadlineNanos);
        this.outbound = requests.outbound();
        this.outcome = new CallOutcome<>(method, owner, caller, this);
        this.telemetry = setup.telemetry();
        this.startNanos = telemetry == null ? 0 : System.nanoTime();
        setup.calls().started(); // every call made is ended once, by the terminal transition (afterClose)
    }

    // ---------------------------------------------------------------- the state (one transition method)

    /**
     * Moves {@code from} to {@code to}; false if the state is not {@code from} (a terminal transition won). Every state
     * change goes through here: the non-terminal ones on the owner loop, the terminal one from any thread.
     */
    private boolean transition(State from, State to) {
        return STATE.compareAndSet(this, from, to);
    }

    /** The terminal transition: true for the one caller that ended the call. Any thread. */
    private boolean close(StatusCode code) {
        State to = code == StatusCode.CANCELLED ? State.CANCELLED : State.CLOSED;
        while (true) {
            State s = state;
            if (s.isTerminal()) {
                return false;
            }
            if (transition(s, to)) {
                return true;
            }
        }
    }

    // ---------------------------------------------------------------- start (any thread)

    /** Starts the call: the serialized request (unary-request shapes) is sent with the headers. */
    void start(@Nullable Req request) {
        Buffer payload = null;
        if (request != null) {
            try {
                payload = Marshalling.serialize(method.requestMarshaller(), request);
            } catch (RuntimeException e) {
                String details = "Failed to serialize request: " + e;
                Contexts.run(owner, () -> terminate(StatusCode.INTERNAL, details, Metadata.EMPTY, false));
                return;
            }
        }
        startPayload = payload; // published to the owner loop by the hop (or read inline on it)
        Contexts.run(owner, this); // the call is its own start task: no object per call for the hop
    }

    /** The start hop's task: admits the call on the owner loop. */
    @Override
    public void run() {
        assert owner.inThread();
        Buffer requestPayload = startPayload;
        startPayload = null;
        if (state.isTerminal()) {
            return; // cancelled from another thread before the start reached the owner
        }
        if (deadlineNanos != RequestHead.NO_DEADLINE) {
            long remaining = Deadline.remainingNanos(deadlineNanos);
            if (remaining <= 0) {
                onDeadline();
                return;
            }
            deadlineTimer = owner.setTimer(Deadline.timerMillis(remaining), id -> onDeadline());
        }
        if (requestPayload != null) {
            outbound.write(requestPayload, null);
            halfCloseOnOwner();
        }
        if (setup.security().hasCallCredentials(options)) {
            admitWithCallCredentials();
        } else {
            openStream(setup.transport().newStream(requests));
        }
    }

    /**
     * Call credentials run before the call takes a stream slot (the deadline already counts); their metadata goes
     * out with the request headers, and their failure ends the call before anything is sent.
     */
    private void admitWithCallCredentials() {
        setup.security().callMetadata(options, method, owner).onComplete(ar -> {
            if (state.isTerminal()) {
                return; // cancelled or past its deadline meanwhile
            }
            if (ar.failed()) {
                RpcException e = (RpcException) ar.cause();
                terminate(e.code(), e.details(), e.trailingMetadata(), false);
                return;
            }
            requests.setCredentialsMetadata(ar.result());
            openStream(setup.transport().newStream(requests));
        });
    }

    private void openStream(ClientStream s) {
        stream = s;
        s.start(this);
    }

    // ---------------------------------------------------------------- ClientStreamListener (owner)

    @Override
    public void onOpen() {
        State s = state;
        boolean halfClosed = s.isHalfClosed();
        if (s.isTerminal() || !transition(s, halfClosed ? State.HALF_CLOSED : State.OPEN)) {
            return;
        }
        outcome.onOpen();
        if (!halfClosed) {
            // a streaming call is visible to the server before its first message (it may speak first)
            stream().sendHeaders();
        }
        outbound.open(halfClosed);
    }

    @Override
    public void onReady() {
        outbound.onDrain();
    }

    @Override
    public void onHeaders(Metadata headers) {
        if (state.isTerminal()) {
            return;
        }
        outcome.onHeaders(headers);
    }

    @Override
    public void onMessage(Buffer payload) {
        if (state.isTerminal()) {
            return;
        }
        String problem = outcome.onMessage(payload);
        if (problem != null) {
            terminate(StatusCode.INTERNAL, problem, Metadata.EMPTY, true);
        }
    }

    @Override
    public void onTrailers(StatusCode code, String details, Metadata trailers) {
        if (code == StatusCode.OK && outcome.lacksUnaryValue()) {
            terminate(StatusCode.INTERNAL, "No value received for unary call", trailers, false);
            return;
        }
        terminate(code, details, trailers, false);
    }

    @Override
    public void onReset(long http2ErrorCode) {
        StatusCode code = StatusMapping.fromHttp2ErrorCode(http2ErrorCode);
        String details = "Received RST_STREAM with error code " + http2ErrorCode;
        if (code == StatusCode.CANCELLED && Deadline.isReached(deadlineNanos)) {
            // the server enforced the grpc-timeout we sent, a hair before our own timer (grpc-java does the same)
            code = StatusCode.DEADLINE_EXCEEDED;
            details = "deadline exceeded (the server cancelled the call at its deadline)";
        }
        onClosed(code, details, http2ErrorCode == REFUSED_STREAM);
    }

    @Override
    public void onClosed(StatusCode code, String details, boolean refused) {
        if (state.isTerminal()) {
            return;
        }
        if (code == StatusCode.DEADLINE_EXCEEDED && Deadline.isExpired(deadlineNanos)) {
            onDeadline();
            return;
        }
        if (refused && replay()) {
            return;
        }
        terminate(code, details, Metadata.EMPTY, code == StatusCode.CANCELLED);
    }

    /**
     * gRPC transparent retry: a stream the server never processed is replayed once on a new stream, ahead of new
     * calls. Not after response headers, nor when what was sent is too large to keep.
     */
    private boolean replay() {
        if (replayed || !setup.transparentRetry() || outcome.hasHeaders() || !outbound.replayable()) {
            return false;
        }
        State s = state;
        if (s.isTerminal() || !transition(s, s.isHalfClosed() ? State.PENDING_HALF_CLOSED : State.PENDING)) {
            return true; // a terminal transition won meanwhile: its owner-loop work ends the call
        }
        replayed = true;
        outbound.rewind();
        openStream(setup.transport().newRetryStream(requests));
        return true;
    }

    /** The deadline timer's action (package-private so that a test can race it against a cancel). */
    void onDeadline() {
        assert owner.inThread();
        deadlineTimer = -1;
        terminate(StatusCode.DEADLINE_EXCEEDED, Deadline.exceededDetails(options.timeout()), Metadata.EMPTY, false);
    }

    ClientStream stream() {
        ClientStream s = stream;
        assert s != null;
        return s;
    }

    @Nullable
    ClientStream currentStream() {
        return stream;
    }

    // ---------------------------------------------------------------- InboundMessages.Transport (owner)

    @Override
    public void pauseTransport() {
        ClientStream s = stream;
        if (s != null) {
            s.pause();
        }
    }

    @Override
    public void resumeTransport() {
        ClientStream s = stream;
        if (s != null) {
            s.resume();
        }
    }

    // ---------------------------------------------------------------- the terminal event

    /**
     * Ends the call with {@code code} if no other terminal event came first; owner only.
     *
     * @param discard whether queued responses are dropped (an ending nobody reads past: a cancel, a reset)
     * @return whether this call ended it
     */
    boolean terminate(StatusCode code, String details, Metadata trailing, boolean discard) {
        assert owner.inThread();
        if (!close(code)) {
            return false;
        }
        afterClose(code, details, trailing, discard);
        return true;
    }

    /** Everything the terminal transition sets off, once, on the owner loop. */
    private void afterClose(StatusCode code, String details, Metadata trailing, boolean discard) {
        assert owner.inThread();
        if (deadlineTimer >= 0) {
            owner.owner().cancelTimer(deadlineTimer);
            deadlineTimer = -1;
        }
        ClientStream s = stream;
        if (s != null) {
            s.cancel(); // RST_STREAM(CANCEL) for an ending the peer did not cause; a no-op once the stream ended
        }
        // recorded before the outcome is visible, so that whoever sees the outcome sees the counts and the metric
        setup.calls().ended(code);
        Telemetry t = telemetry;
        if (t != null) {
            t.clientCallEnded(method.fullMethodName(), code, startNanos);
        }
        RpcException error = outcome.error(code, details, trailing);
        requests.close(error);
        outcome.complete(code, details, trailing, error, discard);
    }

    // ---------------------------------------------------------------- public API (any thread)

    @Override
    public boolean cancel() {
        if (!close(StatusCode.CANCELLED)) {
            return false;
        }
        if (owner.inThread()) {
            afterCancel();
        } else {
            owner.execute(this::afterCancel);
        }
        return true;
    }

    private void afterCancel() {
        afterClose(StatusCode.CANCELLED, CANCELLED_BY_APPLICATION, Metadata.EMPTY, true);
    }

    @Override
    public boolean isCancelled() {
        return state == State.CANCELLED;
    }

    @Override
    public boolean isDone() {
        return state.isTerminal();
    }

    @Override
    public Optional<Duration> timeRemaining() {
        return Deadline.timeRemaining(deadlineNanos);
    }

    @Override
    public Future<Resp> response() {
        return outcome.response();
    }

    @Override
    public Future<Optional<Resp>> read() {
        return outcome.read();
    }

    @Override
    public ReadStream<Resp> responses() {
        return outcome.responses();
    }

    @Override
    public Future<Void> write(Req message) {
        return requests.write(message);
    }

    @Override
    public Future<Void> doneWriting() {
        return requests.doneWriting();
    }

    /** No more request messages; owner only. Idempotent. */
    void halfCloseOnOwner() {
        assert owner.inThread();
        State s = state;
        if ((s == State.PENDING && transition(s, State.PENDING_HALF_CLOSED))
                || (s == State.OPEN && transition(s, State.HALF_CLOSED))) {
            outbound.halfClose();
        }
    }

    @Override
    public WriteStream<Req> requests() {
        return requests.requests();
    }

    @Override
    public Future<Metadata> initialMetadata() {
        return outcome.initialMetadataFuture();
    }

    @Override
    public Future<Metadata> trailingMetadata() {
        return outcome.trailingMetadata();
    }

    @Override
    public Future<StatusCode> code() {
        return outcome.code();
    }

    @Override
    public Future<String> details() {
        return outcome.details();
    }

    @Override
    public Future<Void> waitForConnection() {
        return outcome.connection();
    }

    @Override
    public void addDoneCallback(Handler<Void> callback) {
        ContextInternal registrar = Contexts.caller(owner.owner());
        Contexts.run(owner, () -> outcome.addDoneCallback(registrar, callback));
    }

    @Override
    public String toString() {
        return "ClientCall{" + method.fullMethodName() + ", " + state + "}";
    }
}
