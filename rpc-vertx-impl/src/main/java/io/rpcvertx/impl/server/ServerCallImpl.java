package io.rpcvertx.impl.server;

import io.rpcvertx.Compression;
import io.rpcvertx.ContextKey;
import io.rpcvertx.HandlerCallDetails;
import io.rpcvertx.Metadata;
import io.rpcvertx.MethodDescriptor;
import io.rpcvertx.RpcException;
import io.rpcvertx.RpcMethodHandler;
import io.rpcvertx.ServicerContext;
import io.rpcvertx.StatusCode;
import io.rpcvertx.impl.codec.Encoding;
import io.rpcvertx.impl.codec.GrpcHeaders;
import io.rpcvertx.impl.codec.MessageDeframer;
import io.rpcvertx.impl.codec.MessageFramer;
import io.rpcvertx.impl.codec.WireException;
import io.rpcvertx.impl.transport.Contexts;
import io.rpcvertx.impl.transport.DoneCallbacks;
import io.rpcvertx.impl.transport.InboundMessages;
import io.rpcvertx.impl.transport.OutboundWrites;
import io.rpcvertx.impl.transport.ServerCallLocal;
import io.rpcvertx.impl.transport.ServerStream;
import io.rpcvertx.impl.transport.ServerStreamListener;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.logging.Logger;
import io.vertx.core.internal.logging.LoggerFactory;
import io.vertx.core.streams.WriteStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * One server RPC and its {@link ServicerContext}, over a {@link ServerStream}. Lives on the stream's (duplicated)
 * context: inbound events, wire work and user callbacks run there; the {@code ServicerContext} methods may be called
 * from any thread.
 *
 * <pre>
 * RESOLVING --handler found--&gt; READING (a unary request is awaited) --request read--&gt; HANDLING
 * RESOLVING --handler found, client-streaming--&gt; HANDLING
 * READING | HANDLING --response headers sent--&gt; RESPONDING
 * any of those --status sent--&gt; CLOSED
 * any of those --peer reset, connection lost, deadline, server stop, cancel()--&gt; CANCELLED
 * </pre>
 *
 * One guarded transition ({@link #transition}) changes the state: forward only, and the first terminal event wins by
 * compare-and-set from any thread, so {@link #isCancelled()} and {@link #isDone()} hold as soon as it happened; the wire
 * work of that event then runs on the call's context, and later events are ignored. The handler may outlive its call:
 * the stream is released ({@link ServerStream#callTerminated()}) once the call is over and its handler's future has
 * completed.
 */
final class ServerCallImpl<Req, Resp>
        implements ServicerContext<Req, Resp>, ServerStreamListener, InboundMessages.Transport, OutboundWrites.Sink {
    private static final Logger log = LoggerFactory.getLogger(ServerCallImpl.class);
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(ServerCallImpl.class, "state", State.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    enum State {
        RESOLVING,
        READING,
        HANDLING,
        RESPONDING,
        CLOSED,
        CANCELLED;

        boolean isTerminal() {
            return this == CLOSED || this == CANCELLED;
        }
    }

    private final CallDispatcher dispatcher;
    private final ServerStream stream;
    private final ContextInternal ctx;
    private final String path;
    private final Encoding requestEncoding;
    private final boolean hasDeadline;
    private final long deadlineNanos;
    private final MessageDeframer deframer;
    private final OutboundWrites<Resp> outbound;
    private final DoneCallbacks doneCallbacks = new DoneCallbacks();

    // known once resolved (handler != null); written once on ctx before any reader can run
    private @Nullable RpcMethodHandler<Req, Resp> handler;
    private @Nullable MethodDescriptor<Req, Resp> method;
    private @Nullable InboundMessages<Req> inbound;
    private @Nullable MessageHookPump<Req, Resp> hooks;
    private volatile @Nullable HandlerCallDetails callDetails;

    @SuppressWarnings("unused") // through STATE
    private volatile State state = State.RESOLVING;

    /** The reader's queue is full ({@link InboundMessages} asked to hold the transport). */
    private boolean readerPaused;
    /** From dispatch until the handler's future completes: the stream is released only after it. */
    private boolean handlerRunning;

    private Metadata trailingMetadata = Metadata.EMPTY;
    private volatile @Nullable StatusCode code;
    private volatile @Nullable String details;
    private @Nullable Compression compression;
    private @Nullable Encoding responseEncoding;
    private boolean nextMessageUncompressed;
    private long deadlineTimer = -1;
    private @Nullable Req unaryRequest;
    private int requestsReceived;

    ServerCallImpl(CallDispatcher dispatcher, ServerStream stream, Encoding requestEncoding, long timeoutNanos) {
        this.dispatcher = dispatcher;
        this.stream = stream;
        this.ctx = stream.context();
        this.path = stream.path();
        this.requestEncoding = requestEncoding;
        this.hasDeadline = timeoutNanos >= 0;
        this.deadlineNanos = hasDeadline ? System.nanoTime() + timeoutNanos : 0;
        this.deframer = new MessageDeframer(dispatcher.options.maxReceiveMessageLength(), requestEncoding);
        this.outbound = new OutboundWrites<>(ctx, ctx, this, false);
    }

    void start() {
        assert ctx.inThread();
        ServerCallLocal.publish(ctx, this); // deadline propagation: client calls made in the handler find this call
        stream.setListener(this);
        outbound.open(false);
        if (hasDeadline) {
            long remaining = deadlineNanos - System.nanoTime();
            if (remaining <= 0) {
                onDeadline();
                return;
            }
            deadlineTimer = ctx.setTimer(Math.max(1, (remaining + 999_999) / 1_000_000), id -> onDeadline());
        }
        dispatcher.resolve(this);
    }

    // ---------------------------------------------------------------- the state

    /**
     * The one transition. Non-terminal states move forward only (asking for one already passed is a no-op) and only on
     * the call's context; a terminal state is taken by compare-and-set, from any thread, by the first caller only.
     *
     * @return false when the call is already terminal (for a terminal {@code next}: someone else won)
     */
    private boolean transition(State next) {
        while (true) {
            State current = state;
            if (current.isTerminal()) {
                return false;
            }
            if (!next.isTerminal() && next.ordinal() <= current.ordinal()) {
                return true;
            }
            if (STATE.compareAndSet(this, current, next)) {
                return true;
            }
        }
    }

    State state() {
        return state;
    }

    // ---------------------------------------------------------------- dispatch (ctx)

    @SuppressWarnings("unchecked") // the handler's types are its descriptor's; the call was created untyped
    void onResolved(@Nullable RpcMethodHandler<?, ?> found) {
        assert ctx.inThread();
        if (state.isTerminal()) {
            return; // cancelled or past its deadline while interceptors ran
        }
        if (found == null) {
            closeWithStatus(StatusCode.UNIMPLEMENTED, dispatcher.unknownMethodMessage(path), Metadata.EMPTY);
            return;
        }
        RpcMethodHandler<Req, Resp> h = (RpcMethodHandler<Req, Resp>) found;
        MethodDescriptor<Req, Resp> m = h.method();
        handler = h;
        method = m;
        inbound = m.type().isClientStreaming() ? new InboundMessages<>(ctx, ctx, this) : null;
        hooks = h.messageInterceptors().isEmpty()
                ? null
                : new MessageHookPump<>(this, new MessageHooks(h.messageInterceptors(), this, ctx), ctx);
        if (m.type().isClientStreaming()) {
            updateTransport();
            invokeHandler();
        } else {
            transition(State.READING);
            updateTransport();
        }
    }

    void setCallDetails(HandlerCallDetails reached) {
        callDetails = reached;
    }

    private MethodDescriptor<Req, Resp> descriptor() {
        MethodDescriptor<Req, Resp> m = method;
        if (m == null) {
            throw new IllegalStateException("call " + path + " has no handler yet (state: " + state + ")");
        }
        return m;
    }

    /**
     * One place decides whether request data flows: it is held while the handler is being resolved, while a request
     * message waits for its hooks, and while the reader's queue is full ({@link InboundMessages} asked).
     */
    void updateTransport() {
        MessageHookPump<Req, Resp> h = hooks;
        stream.holdReading(
                !state.isTerminal() && (handler == null || readerPaused || (h != null && h.holdsRequests())));
    }

    // ---------------------------------------------------------------- inbound (ctx)

    @Override
    public void onData(Buffer data) {
        if (state.isTerminal()) {
            return;
        }
        try {
            deframer.update(data, this::onMessage);
        } catch (WireException e) {
            closeWithStatus(e.code(), e.getMessage(), Metadata.EMPTY);
            stream.stopReading();
        }
    }

    private void onMessage(Buffer payload) {
        if (state.isTerminal()) {
            return;
        }
        Req message;
        try {
            message = descriptor().requestMarshaller().deserialize(payload);
        } catch (RuntimeException e) {
            throw new WireException(StatusCode.INTERNAL, "Failed to read request message: " + e);
        }
        requestsReceived++;
        if (inbound == null && requestsReceived > 1) {
            throw new WireException(StatusCode.INTERNAL, "Too many requests for a unary-request method");
        }
        MessageHookPump<Req, Resp> h = hooks;
        if (h == null) {
            deliverRequest(message);
        } else {
            h.onRequest(message);
        }
    }

    private void deliverRequest(Req message) {
        InboundMessages<Req> in = inbound;
        if (in != null) {
            in.offer(message);
        } else {
            unaryRequest = message;
        }
    }

    /** A request message passed its hooks (or a hook failed). */
    void onRequestHookDone(Req message, @Nullable Throwable failure) {
        if (state.isTerminal()) {
            return;
        }
        if (failure != null) {
            closeWithFailure(failure, "a message interceptor of " + path, "message interceptor");
            stream.stopReading();
            return;
        }
        deliverRequest(message);
    }

    @Override
    public void onHalfClose() {
        if (state.isTerminal()) {
            return;
        }
        if (deframer.hasPartialMessage()) {
            closeWithStatus(StatusCode.INTERNAL, "Encountered end-of-stream mid-frame", Metadata.EMPTY);
            return;
        }
        MessageHookPump<Req, Resp> h = hooks;
        if (h != null && h.deferEnd()) {
            return;
        }
        onRequestsEnd();
    }

    void onRequestsEnd() {
        InboundMessages<Req> in = inbound;
        if (in != null) {
            in.end(null);
            return;
        }
        if (requestsReceived == 0) {
            closeWithStatus(StatusCode.INTERNAL, "Half-closed without a request", Metadata.EMPTY);
            return;
        }
        invokeHandler();
    }

    @Override
    public void pauseTransport() {
        readerPaused = true;
        updateTransport();
    }

    @Override
    public void resumeTransport() {
        readerPaused = false;
        updateTransport();
    }

    // ---------------------------------------------------------------- the handler (ctx)

    private void invokeHandler() {
        if (!transition(State.HANDLING)) {
            return;
        }
        handlerRunning = true;
        RpcMethodHandler<Req, Resp> h = Objects.requireNonNull(handler);
        if (h.isBlocking()) {
            invocationMetadata(); // parsed here, so the worker thread only reads it
            dispatcher.blockingPool().run(ctx, this::dispatch).onComplete(ar -> {
                if (ar.failed()) {
                    onHandlerDone(null, ar.cause());
                } else {
                    onHandlerResult(ar.result());
                }
            });
            return;
        }
        Future<?> result;
        try {
            result = dispatch();
        } catch (RuntimeException | Error e) {
            onHandlerDone(null, e);
            return;
        }
        onHandlerResult(result);
    }

    private void onHandlerResult(@Nullable Future<?> result) {
        if (result == null) {
            onHandlerDone(null, new NullPointerException(path + " handler returned null"));
            return;
        }
        // the handler may complete its future on any thread: the outcome is handled on the call's context
        result.onComplete((value, failure) -> onCtx(() -> onHandlerDone(value, failure)));
    }

    /** Calls the handler: on the call's context, or on a worker thread for a blocking handler. */
    private Future<?> dispatch() {
        RpcMethodHandler<Req, Resp> h = Objects.requireNonNull(handler);
        switch (h.method().type()) {
            case UNARY_UNARY:
                return h.unaryUnaryHandler().handle(Objects.requireNonNull(unaryRequest), this);
            case UNARY_STREAM:
                return h.unaryStreamHandler().handle(Objects.requireNonNull(unaryRequest), this);
            case STREAM_UNARY:
                return h.streamUnaryHandler().handle(Objects.requireNonNull(inbound), this);
            case STREAM_STREAM:
                return h.streamStreamHandler().handle(Objects.requireNonNull(inbound), this);
            default:
                throw new AssertionError(h.method().type());
        }
    }

    /** The handler's future completed: the call ends with its outcome, unless it already ended. */
    private void onHandlerDone(@Nullable Object value, @Nullable Throwable failure) {
        handlerRunning = false;
        if (state.isTerminal()) {
            stream.callTerminated(); // the call ended first; its handler now has terminated too
            return;
        }
        if (failure != null) {
            closeWithFailure(failure, "the handler of " + path, "handler");
            return;
        }
        respond(value);
    }

    @SuppressWarnings("unchecked")
    private void respond(@Nullable Object value) {
        MessageHookPump<Req, Resp> h = hooks;
        if (h != null && h.responsesBusy()) {
            // the status follows the responses the handler wrote, even when it did not wait for them
            h.runAfterResponses(() -> respond(value));
            return;
        }
        MethodDescriptor<Req, Resp> m = descriptor();
        StatusCode c = code != null ? code : StatusCode.OK;
        String d = details != null ? details : "";
        if (m.type().isServerStreaming() || c != StatusCode.OK) {
            closeWithStatus(c, d, trailingMetadata);
        } else if (value == null) {
            closeWithStatus(
                    StatusCode.INTERNAL,
                    m.fullMethodName() + " handler completed without a response",
                    trailingMetadata);
        } else if (h == null) {
            sendUnaryResponse((Resp) value);
        } else {
            h.onUnaryResponse(value).onComplete(ar -> {
                if (state.isTerminal()) {
                    return;
                } else if (ar.failed()) {
                    closeWithFailure(ar.cause(), "a message interceptor of " + path, "message interceptor");
                } else {
                    sendUnaryResponse((Resp) value);
                }
            });
        }
    }

    private void sendUnaryResponse(Resp value) {
        Buffer frame;
        try {
            frame = frame(descriptor().responseMarshaller().serialize(value));
        } catch (WireException e) {
            closeWithStatus(e.code(), e.getMessage(), trailingMetadata);
            return;
        } catch (RuntimeException e) {
            log.error("serializing the response of " + path + " failed", e);
            closeWithStatus(StatusCode.INTERNAL, "Failed to serialize response", trailingMetadata);
            return;
        }
        ensureHeaders();
        if (!transition(State.CLOSED)) {
            return;
        }
        finish(null);
        stream.writeLastMessage(frame, StatusCode.OK, details != null ? details : "", trailingMetadata);
        releaseStream();
    }

    /** RpcException: its status; anything else from user code: UNKNOWN, logged, no details to the peer. */
    void closeWithFailure(Throwable failure, String where, String what) {
        if (failure instanceof RpcException) {
            RpcException e = (RpcException) failure;
            closeWithStatus(e.code(), e.details(), trailingMetadata.merge(e.trailingMetadata()));
        } else {
            log.error(where + " failed", failure);
            closeWithStatus(StatusCode.UNKNOWN, "Unexpected error in " + what, trailingMetadata);
        }
    }

    // ---------------------------------------------------------------- outbound (ctx)

    /** The response headers go out with the first message; called before writing one. */
    private void ensureHeaders() {
        if (state.ordinal() < State.RESPONDING.ordinal() && transition(State.RESPONDING)) {
            stream.writeHeaders(Metadata.EMPTY, responseEncoding(), false);
        }
    }

    private Encoding responseEncoding() {
        Encoding enc = responseEncoding;
        if (enc == null) {
            Compression wanted = compression != null ? compression : dispatcher.options.compression();
            Encoding e = Encoding.of(wanted);
            // the header lookup only when compressing was asked for: most calls answer uncompressed
            enc = e == Encoding.IDENTITY || Encoding.accepts(stream.header(GrpcHeaders.GRPC_ACCEPT_ENCODING), e)
                    ? e
                    : Encoding.IDENTITY;
            responseEncoding = enc;
        }
        return enc;
    }

    /** A response that passed its hooks goes to the stream. */
    void sendResponse(Resp message, boolean uncompressed, Promise<Void> promise) {
        Buffer payload;
        try {
            payload = descriptor().responseMarshaller().serialize(message);
        } catch (RuntimeException e) {
            log.error("serializing a response of " + path + " failed", e);
            closeWithStatus(StatusCode.INTERNAL, "Failed to serialize response", trailingMetadata);
            promise.tryFail(e);
            return;
        }
        nextMessageUncompressed = uncompressed; // a message is framed as soon as the stream takes it
        outbound.write(payload, promise);
    }

    boolean takeNextMessageUncompressed() {
        boolean u = nextMessageUncompressed;
        nextMessageUncompressed = false;
        return u;
    }

    @Override
    public Buffer frame(Buffer payload) {
        int max = dispatcher.options.maxSendMessageLength();
        if (max >= 0 && payload.length() > max) {
            throw new WireException(
                    StatusCode.RESOURCE_EXHAUSTED,
                    "Sent message larger than max (" + payload.length() + " vs. " + max + ")");
        }
        Encoding enc = responseEncoding();
        if (enc == Encoding.IDENTITY || nextMessageUncompressed) {
            nextMessageUncompressed = false;
            return MessageFramer.frame(payload, false);
        }
        return MessageFramer.frame(enc.compress(payload), true);
    }

    @Override
    public void send(Buffer frame, boolean last) {
        ensureHeaders();
        stream.writeMessage(frame);
    }

    @Override
    public void sendEnd() {
        // the response ends with the status, not through OutboundWrites
    }

    @Override
    public boolean writeQueueFull() {
        return !stream.isReady();
    }

    @Override
    public void onReady() {
        outbound.onDrain();
    }

    @Override
    public void onWriteError(WireException e) {
        closeWithStatus(e.code(), e.getMessage(), trailingMetadata);
    }

    @Override
    public @Nullable Throwable terminalError() {
        State s = state;
        if (!s.isTerminal()) {
            return null;
        }
        return s == State.CANCELLED
                ? new RpcException(StatusCode.CANCELLED, "the call was cancelled")
                : new IllegalStateException("the call has already completed");
    }

    // ---------------------------------------------------------------- terminal events

    /** Ctx: sends the status (trailers, or trailers-only) and ends the call, unless it already ended. */
    private void closeWithStatus(StatusCode c, String d, Metadata trailing) {
        if (transition(State.CLOSED)) {
            sendStatus(c, d, trailing);
        }
    }

    /** Ctx, after this call won the terminal transition: the status goes out. */
    private void sendStatus(StatusCode c, String d, Metadata trailing) {
        code = c;
        details = d;
        finish(null);
        stream.writeTrailers(c, d, trailing);
        releaseStream();
    }

    /** The stream ended under us (peer reset, connection lost, transport shutdown): no status goes out. */
    @Override
    public void onCancel(CancelCause cause) {
        if (transition(State.CANCELLED)) {
            code = StatusCode.CANCELLED;
            finish(cancelledError());
            releaseStream();
        }
    }

    private void onDeadline() {
        deadlineTimer = -1;
        if (!transition(State.CANCELLED)) {
            return;
        }
        code = StatusCode.DEADLINE_EXCEEDED;
        details = "deadline exceeded";
        finish(cancelledError());
        stream.writeTrailers(StatusCode.DEADLINE_EXCEEDED, "deadline exceeded", Metadata.EMPTY);
        stream.stopReading();
        releaseStream();
    }

    /** Any thread: cancels at once (the peer sees CANCELLED); the wire work follows on the call's context. */
    @Override
    public boolean cancel() {
        if (!transition(State.CANCELLED)) {
            return false;
        }
        code = StatusCode.CANCELLED;
        onCtx(() -> {
            finish(cancelledError());
            stream.cancel();
            releaseStream();
        });
        return true;
    }

    private static RpcException cancelledError() {
        return new RpcException(StatusCode.CANCELLED, "the call was cancelled");
    }

    /** Ctx, once, right after the terminal transition: everything but the wire. */
    private void finish(@Nullable RpcException error) {
        assert ctx.inThread();
        if (deadlineTimer >= 0) {
            ctx.owner().cancelTimer(deadlineTimer);
            deadlineTimer = -1;
        }
        dispatcher.release();
        outbound.close(error);
        InboundMessages<Req> in = inbound;
        if (in != null) {
            in.end(error);
        }
        MessageHookPump<Req, Resp> h = hooks;
        if (h != null) {
            h.onCallClosed(); // fails the responses still waiting for their hooks
        }
        updateTransport();
        doneCallbacks.fire();
    }

    /** After the terminal wire work: the stream is released now, or when the handler's future completes. */
    private void releaseStream() {
        if (!handlerRunning) {
            stream.callTerminated();
        }
    }

    // ---------------------------------------------------------------- ServicerContext (any thread)

    ContextInternal context() {
        return ctx;
    }

    ContextInternal callerContext() {
        return Contexts.caller(ctx.owner());
    }

    void onCtx(Runnable action) {
        if (ctx.inThread()) {
            action.run();
        } else {
            ctx.runOnContext(v -> action.run());
        }
    }

    @Override
    public String method() {
        return path;
    }

    @Override
    public Metadata invocationMetadata() {
        return stream.metadata();
    }

    @Override
    public Future<Void> sendInitialMetadata(Metadata metadata) {
        Objects.requireNonNull(metadata, "metadata");
        Promise<Void> promise = callerContext().promise();
        onCtx(() -> {
            State s = state;
            if (s.ordinal() >= State.RESPONDING.ordinal() || !transition(State.RESPONDING)) {
                promise.fail(new IllegalStateException(
                        "sendInitialMetadata after the response headers were sent (state: " + s + ")"));
                return;
            }
            stream.writeHeaders(metadata, responseEncoding(), true).onComplete(promise);
        });
        return promise.future();
    }

    @Override
    public void setTrailingMetadata(Metadata metadata) {
        Objects.requireNonNull(metadata, "metadata");
        onCtx(() -> trailingMetadata = metadata);
    }

    @Override
    public void setCode(StatusCode code) {
        this.code = Objects.requireNonNull(code, "code");
    }

    @Override
    public void setDetails(String details) {
        this.details = Objects.requireNonNull(details, "details");
    }

    @Override
    public Optional<StatusCode> code() {
        return Optional.ofNullable(code);
    }

    @Override
    public Optional<String> details() {
        return Optional.ofNullable(details);
    }

    @Override
    public <T> Future<T> abort(StatusCode code, String details) {
        return abort(code, details, Metadata.EMPTY);
    }

    @Override
    public <T> Future<T> abort(StatusCode code, String details, Metadata trailingMetadata) {
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(details, "details");
        Objects.requireNonNull(trailingMetadata, "trailingMetadata");
        if (code == StatusCode.OK) {
            throw new IllegalArgumentException("code: OK (expected: an error code to abort with)");
        }
        if (transition(State.CLOSED)) {
            // grpc.aio: abort's own trailing metadata replaces what setTrailingMetadata set; empty keeps the latter
            onCtx(() ->
                    sendStatus(code, details, trailingMetadata.isEmpty() ? this.trailingMetadata : trailingMetadata));
        }
        return ctx.failedFuture(new RpcException(code, details, trailingMetadata));
    }

    @Override
    public String peer() {
        return stream.peer();
    }

    @Override
    public Map<String, List<byte[]>> authContext() {
        return stream.authContext().properties();
    }

    @Override
    public List<byte[]> peerIdentities() {
        return stream.authContext().peerIdentities();
    }

    @Override
    public Optional<String> peerIdentityKey() {
        return stream.authContext().peerIdentityKey();
    }

    @Override
    public <T> Optional<T> get(ContextKey<T> key) {
        Objects.requireNonNull(key, "key");
        HandlerCallDetails d = callDetails;
        return d == null ? Optional.empty() : d.get(key);
    }

    @Override
    public Future<Optional<Req>> read() {
        InboundMessages<Req> in = inbound;
        if (in == null) {
            throw new IllegalStateException(path + " takes a single request: it is the handler's argument");
        }
        return in.read();
    }

    @Override
    public Future<Void> write(Resp message) {
        Objects.requireNonNull(message, "message");
        MethodDescriptor<Req, Resp> m = serverStreamingDescriptor();
        MessageHookPump<Req, Resp> h = hooks;
        if (h != null) {
            return h.write(message);
        }
        Buffer payload;
        try {
            payload = m.responseMarshaller().serialize(message);
        } catch (RuntimeException e) {
            log.error("serializing a response of " + m.fullMethodName() + " failed", e);
            onCtx(() -> closeWithStatus(StatusCode.INTERNAL, "Failed to serialize response", trailingMetadata));
            return ctx.failedFuture(e);
        }
        Promise<Void> promise = callerContext().promise();
        onCtx(() -> outbound.write(payload, promise));
        return promise.future();
    }

    private MethodDescriptor<Req, Resp> serverStreamingDescriptor() {
        MethodDescriptor<Req, Resp> m = descriptor();
        if (!m.type().isServerStreaming()) {
            throw new IllegalStateException(m.fullMethodName() + " has a single response: return it from the handler");
        }
        return m;
    }

    @Override
    public WriteStream<Resp> responses() {
        serverStreamingDescriptor();
        WriteStream<Resp> plain = outbound.view(this::write, () -> ctx.succeededFuture());
        MessageHookPump<Req, Resp> h = hooks;
        return h == null ? plain : h.view(plain);
    }

    @Override
    public void setCompression(Compression compression) {
        Objects.requireNonNull(compression, "compression");
        onCtx(() -> {
            if (state.ordinal() < State.RESPONDING.ordinal()) {
                this.compression = compression;
                this.responseEncoding = null;
            }
        });
    }

    @Override
    public void disableNextMessageCompression() {
        onCtx(() -> nextMessageUncompressed = true);
    }

    @Override
    public Compression requestCompression() {
        return requestEncoding.toCompression();
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
        return hasDeadline ? Optional.of(Duration.ofNanos(deadlineNanos - System.nanoTime())) : Optional.empty();
    }

    @Override
    public void addDoneCallback(Handler<Void> callback) {
        Objects.requireNonNull(callback, "callback");
        // DESIGN.md section 5: on the call's loop, whoever registers (a blocking handler registers from a worker)
        onCtx(() -> doneCallbacks.add(ctx, callback));
    }

    @Override
    public String toString() {
        return "ServerCall{" + path + ", " + state + "}";
    }
}
