package io.rpcvertx.impl.client;

import io.rpcvertx.CallOptions;
import io.rpcvertx.Metadata;
import io.rpcvertx.MethodDescriptor;
import io.rpcvertx.RpcException;
import io.rpcvertx.StatusCode;
import io.rpcvertx.impl.codec.Encoding;
import io.rpcvertx.impl.codec.StatusMapping;
import io.rpcvertx.impl.codec.WireException;
import io.rpcvertx.impl.telemetry.Telemetry;
import io.rpcvertx.impl.transport.ClientStream;
import io.rpcvertx.impl.transport.ClientStreamListener;
import io.rpcvertx.impl.transport.Contexts;
import io.rpcvertx.impl.transport.DoneCallbacks;
import io.rpcvertx.impl.transport.InboundMessages;
import io.rpcvertx.impl.transport.OutboundWrites;
import io.rpcvertx.impl.transport.RequestHead;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
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
 * the orthogonal {@link #initialMetadata} latch.
 */
final class ClientCallImpl<Req, Resp>
        implements ClientCall<Req, Resp>,
                ClientStreamListener,
                RequestHead,
                InboundMessages.Transport,
                OutboundWrites.Sink {

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
    private final Encoding requestEncoding;
    private final boolean unaryResponse;
    // observability: null unless the Vert.x instance has gRPC metrics (then the call's start on the nanoTime clock)
    private final @Nullable Telemetry telemetry;
    private final long startNanos;

    private final Promise<Metadata> initialMetadataPromise;
    private final Promise<Metadata> trailingMetadataPromise;
    private final Promise<StatusCode> codePromise;
    private final Promise<String> detailsPromise;
    private final Promise<Void> connectionPromise;
    private final @Nullable Promise<Resp> responsePromise;
    private final @Nullable InboundMessages<Resp> inbound;
    private final OutboundWrites<Req> outbound;
    private final DoneCallbacks doneCallbacks = new DoneCallbacks();

    // changed only through transition(), read anywhere
    private volatile State state = State.PENDING;

    // owner state
    private @Nullable ClientStream stream;
    private @Nullable RpcException failure;
    private long deadlineTimer = -1;
    private boolean replayed;
    private @Nullable Metadata initialMetadata;
    private @Nullable Resp unaryValue;
    private int responsesReceived;
    private Metadata credentialsMetadata = Metadata.EMPTY;

    ClientCallImpl(CallSetup setup, MethodDescriptor<Req, Resp> method, CallOptions options, ContextInternal caller) {
        this.setup = setup;
        this.method = method;
        this.options = options;
        this.owner = setup.owner();
        this.caller = caller;
        this.deadlineNanos = Deadline.after(options.timeout());
        this.requestEncoding = Encoding.of(options.compression().orElse(setup.compression()));
        this.unaryResponse = !method.type().isServerStreaming();
        this.telemetry = setup.telemetry();
        this.startNanos = telemetry == null ? 0 : System.nanoTime();
        this.initialMetadataPromise = caller.promise();
        this.trailingMetadataPromise = caller.promise();
        this.codePromise = caller.promise();
        this.detailsPromise = caller.promise();
        this.connectionPromise = caller.promise();
        this.responsePromise = unaryResponse ? caller.promise() : null;
        this.inbound = unaryResponse ? null : new InboundMessages<>(owner, caller, this);
        this.outbound = new OutboundWrites<>(owner, caller, this, true);
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
                payload = method.requestMarshaller().serialize(request);
            } catch (RuntimeException e) {
                String details = "Failed to serialize request: " + e;
                Contexts.run(owner, () -> terminate(StatusCode.INTERNAL, details, Metadata.EMPTY, false));
                return;
            }
        }
        Buffer p = payload;
        Contexts.run(owner, () -> admit(p));
    }

    private void admit(@Nullable Buffer requestPayload) {
        assert owner.inThread();
        if (state.isTerminal()) {
            return; // cancelled from another thread before the start reached the owner
        }
        if (deadlineNanos != NO_DEADLINE) {
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
            openStream(setup.transport().newStream(this));
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
            credentialsMetadata = ar.result();
            openStream(setup.transport().newStream(this));
        });
    }

    private void openStream(ClientStream s) {
        stream = s;
        s.start(this);
    }

    // ---------------------------------------------------------------- RequestHead (owner)

    @Override
    public String path() {
        return method.path();
    }

    @Override
    public Metadata metadata() {
        return options.metadata();
    }

    @Override
    public Metadata credentialsMetadata() {
        return credentialsMetadata;
    }

    @Override
    public long deadlineNanos() {
        return deadlineNanos;
    }

    @Override
    public Encoding encoding() {
        return requestEncoding;
    }

    @Override
    public int maxReceiveBytes() {
        return setup.maxReceiveBytes();
    }

    @Override
    public int previousAttempts() {
        return 0;
    }

    @Override
    public boolean waitForReady() {
        return options.waitForReady().orElse(false);
    }

    @Override
    public ContextInternal callerContext() {
        return caller;
    }

    /** The method's timeout as the application set it, for the DEADLINE_EXCEEDED details. */
    Optional<Duration> timeout() {
        return options.timeout();
    }

    // ---------------------------------------------------------------- ClientStreamListener (owner)

    @Override
    public void onOpen() {
        State s = state;
        boolean halfClosed = s.isHalfClosed();
        if (s.isTerminal() || !transition(s, halfClosed ? State.HALF_CLOSED : State.OPEN)) {
            return;
        }
        connectionPromise.tryComplete();
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
        initialMetadata = headers;
        initialMetadataPromise.tryComplete(headers);
    }

    @Override
    public void onMessage(Buffer payload) {
        if (state.isTerminal()) {
            return;
        }
        Resp message;
        try {
            message = method.responseMarshaller().deserialize(payload);
        } catch (RuntimeException e) {
            terminate(StatusCode.INTERNAL, "Failed to read message: " + e, Metadata.EMPTY, true);
            return;
        }
        responsesReceived++;
        if (unaryResponse) {
            if (responsesReceived > 1) {
                terminate(StatusCode.INTERNAL, "More than one value received for unary call", Metadata.EMPTY, true);
                return;
            }
            unaryValue = message;
        } else {
            InboundMessages<Resp> in = inbound;
            assert in != null;
            in.offer(message);
        }
    }

    @Override
    public void onTrailers(StatusCode code, String details, Metadata trailers) {
        if (code == StatusCode.OK && unaryResponse && responsesReceived == 0) {
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
        if (replayed || !setup.transparentRetry() || initialMetadata != null || !outbound.replayable()) {
            return false;
        }
        State s = state;
        if (s.isTerminal() || !transition(s, s.isHalfClosed() ? State.PENDING_HALF_CLOSED : State.PENDING)) {
            return true; // a terminal transition won meanwhile: its owner-loop work ends the call
        }
        replayed = true;
        outbound.rewind();
        openStream(setup.transport().newRetryStream(this));
        return true;
    }

    /** The deadline timer's action (package-private so that a test can race it against a cancel). */
    void onDeadline() {
        assert owner.inThread();
        deadlineTimer = -1;
        terminate(StatusCode.DEADLINE_EXCEEDED, Deadline.exceededDetails(options.timeout()), Metadata.EMPTY, false);
    }

    private ClientStream stream() {
        ClientStream s = stream;
        assert s != null;
        return s;
    }

    // ---------------------------------------------------------------- OutboundWrites.Sink (owner)

    @Override
    public Buffer frame(Buffer payload) {
        int max = setup.maxSendBytes();
        if (max >= 0 && payload.length() > max) {
            throw new WireException(
                    StatusCode.RESOURCE_EXHAUSTED,
                    "Sent message larger than max (" + payload.length() + " vs. " + max + ")");
        }
        return payload; // the transport frames (and compresses) it
    }

    @Override
    public void send(Buffer payload, boolean last) {
        stream().writeMessage(payload, last);
    }

    @Override
    public void sendEnd() {
        stream().halfClose();
    }

    @Override
    public boolean writeQueueFull() {
        ClientStream s = stream;
        return s != null && !s.isReady();
    }

    @Override
    public void onWriteError(WireException e) {
        terminate(e.code(), e.getMessage(), Metadata.EMPTY, true);
    }

    @Override
    public @Nullable Throwable terminalError() {
        return failure;
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
        Telemetry t = telemetry;
        if (t != null) {
            // recorded before the outcome is visible, so that whoever sees the outcome sees the metric
            t.clientCallEnded(method.fullMethodName(), code, startNanos);
        }
        Metadata initial = initialMetadata != null ? initialMetadata : Metadata.EMPTY;
        RpcException error = code == StatusCode.OK ? null : new RpcException(code, details, initial, trailing);
        failure = error;
        outbound.close(error);
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
            Contexts.run(owner, () -> terminate(error.code(), error.details(), Metadata.EMPTY, true));
            return caller.failedFuture(error);
        }
        Promise<Void> promise = caller.promise();
        Contexts.run(owner, () -> outbound.write(payload, promise));
        return promise.future();
    }

    @Override
    public Future<Void> doneWriting() {
        checkClientStreaming();
        Promise<Void> promise = caller.promise();
        Contexts.run(owner, () -> {
            halfCloseOnOwner();
            promise.complete();
        });
        return promise.future();
    }

    /** No more request messages; owner only. Idempotent. */
    private void halfCloseOnOwner() {
        assert owner.inThread();
        State s = state;
        if ((s == State.PENDING && transition(s, State.PENDING_HALF_CLOSED))
                || (s == State.OPEN && transition(s, State.HALF_CLOSED))) {
            outbound.halfClose();
        }
    }

    @Override
    public WriteStream<Req> requests() {
        checkClientStreaming();
        return outbound.view(this::write, this::doneWriting);
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
    public void addDoneCallback(Handler<Void> callback) {
        ContextInternal registrar = Contexts.caller(owner.owner());
        Contexts.run(owner, () -> doneCallbacks.add(registrar, callback));
    }

    @Override
    public String toString() {
        return "ClientCall{" + method.fullMethodName() + ", " + state + "}";
    }
}
