package io.rpcvertx.impl.server;

import io.rpcvertx.Metadata;
import io.rpcvertx.MethodDescriptor;
import io.rpcvertx.RpcContext;
import io.rpcvertx.RpcException;
import io.rpcvertx.RpcMethodHandler;
import io.rpcvertx.StatusCode;
import io.rpcvertx.impl.codec.Encoding;
import io.rpcvertx.impl.transport.Contexts;
import io.rpcvertx.impl.transport.DoneCallbacks;
import io.rpcvertx.impl.transport.ServerCallLocal;
import io.rpcvertx.impl.transport.ServerStream;
import io.rpcvertx.impl.transport.ServerStreamListener.CancelCause;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.logging.Logger;
import io.vertx.core.internal.logging.LoggerFactory;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * One server RPC over a {@link ServerStream}: its state and terminal events. Its handler sees it through a
 * {@link ServicerContextImpl} it owns, which holds the status values the handler sets. Lives on the stream's
 * (duplicated) context: inbound events, wire work and user callbacks run there; the {@link RpcContext} methods, and
 * {@code abort}, may be called from any thread.
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
final class ServerCallImpl<Req, Resp> implements RpcContext {
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
    private final ServerCallStream<Req, Resp> io;
    private final ServicerContextImpl<Req, Resp> servicer;
    private final ContextInternal ctx;
    private final String path;
    private final boolean hasDeadline;
    private final long deadlineNanos;
    /** Marks a call whose done callbacks have fired: a callback added later runs at once. */
    private static final DoneCallbacks FIRED = firedCallbacks();

    // known once resolved (handler != null); written once on ctx before any reader can run
    private @Nullable RpcMethodHandler<Req, Resp> handler;
    private @Nullable MethodDescriptor<Req, Resp> method;
    private @Nullable MessageHookPump<Req, Resp> hooks;

    @SuppressWarnings("unused") // through STATE
    private volatile State state = State.RESOLVING;

    /**
     * What keeps the stream from being released: the call's own end (1), and its handler from dispatch until its
     * future completes (+1). The handler may outlive its call, and may complete inside the call's end (re-entrantly).
     */
    private int holds = 1;

    private long deadlineTimer = -1;
    /** Made by the first addDoneCallback (most calls have none); {@link #FIRED} once the call has ended. */
    private @Nullable DoneCallbacks doneCallbacks;

    ServerCallImpl(CallDispatcher dispatcher, ServerStream stream, Encoding requestEncoding, long timeoutNanos) {
        this.dispatcher = dispatcher;
        this.stream = stream;
        this.ctx = stream.context();
        this.path = stream.path();
        this.hasDeadline = timeoutNanos >= 0;
        this.deadlineNanos = hasDeadline ? System.nanoTime() + timeoutNanos : 0;
        this.io = new ServerCallStream<>(this, stream, dispatcher.options, requestEncoding);
        this.servicer = new ServicerContextImpl<>(this, stream, io, requestEncoding);
    }

    void start() {
        assert ctx.inThread();
        ServerCallLocal.publish(ctx, this); // deadline propagation: client calls made in the handler find this call
        io.open();
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

    /** Ctx: true when this moved the call to RESPONDING now (the response headers are due). */
    boolean toResponding() {
        return state.ordinal() < State.RESPONDING.ordinal() && transition(State.RESPONDING);
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
        hooks = h.messageInterceptors().isEmpty()
                ? null
                : new MessageHookPump<>(this, io, new MessageHooks(h.messageInterceptors(), servicer, ctx), ctx);
        if (m.type().isClientStreaming()) {
            io.onResolved(m, hooks);
            invokeHandler();
        } else {
            transition(State.READING);
            io.onResolved(m, hooks);
        }
    }

    /** Request data is held until the handler is known (the interceptors run asynchronously). */
    void updateTransport() {
        io.updateTransport();
    }

    /** What the handler and the interceptors see of this call. */
    ServicerContextImpl<Req, Resp> servicer() {
        return servicer;
    }

    @Nullable
    MessageHookPump<Req, Resp> hooks() {
        return hooks;
    }

    MethodDescriptor<Req, Resp> descriptor() {
        MethodDescriptor<Req, Resp> m = method;
        if (m == null) {
            throw new IllegalStateException("call " + path + " has no handler yet (state: " + state + ")");
        }
        return m;
    }

    // ---------------------------------------------------------------- the handler (ctx)

    /** The request is complete (or the method streams requests): the handler runs now. */
    void invokeHandler() {
        if (!transition(State.HANDLING)) {
            return;
        }
        holds++;
        RpcMethodHandler<Req, Resp> h = Objects.requireNonNull(handler);
        if (h.isBlocking()) {
            stream.metadata(); // parsed here, so the worker thread only reads it
        }
        dispatcher.invoke(h, io.unaryRequest(), io.inbound(), this);
    }

    /** The handler's future completed: the call ends with its outcome, unless it already ended. */
    void onHandlerDone(@Nullable Object value, @Nullable Throwable failure) {
        release();
        if (state.isTerminal()) {
            return; // the call ended first
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
        StatusCode code = servicer.code;
        String details = servicer.details;
        StatusCode c = code != null ? code : StatusCode.OK;
        String d = details != null ? details : "";
        if (m.type().isServerStreaming() || c != StatusCode.OK) {
            closeWithStatus(c, d, servicer.trailingMetadata);
        } else if (value == null) {
            closeWithStatus(
                    StatusCode.INTERNAL,
                    m.fullMethodName() + " handler completed without a response",
                    servicer.trailingMetadata);
        } else if (h == null) {
            sendUnaryResponse((Resp) value);
        } else {
            h.respondUnary((Resp) value);
        }
    }

    void sendUnaryResponse(Resp value) {
        Buffer frame = io.frameUnaryResponse(value);
        if (frame == null) {
            return; // the call ended with the framing error's status
        }
        io.ensureHeaders();
        if (!transition(State.CLOSED)) {
            return;
        }
        ending();
        String details = servicer.details;
        stream.writeLastMessage(frame, StatusCode.OK, details != null ? details : "", servicer.trailingMetadata);
        ended(null);
    }

    /** RpcException: its status; anything else from user code: UNKNOWN, logged, no details to the peer. */
    void closeWithFailure(Throwable failure, String where, String what) {
        if (failure instanceof RpcException) {
            RpcException e = (RpcException) failure;
            closeWithStatus(e.code(), e.details(), servicer.trailingMetadata.merge(e.trailingMetadata()));
        } else {
            log.error(where + " failed", failure);
            closeWithStatus(StatusCode.UNKNOWN, "Unexpected error in " + what, servicer.trailingMetadata);
        }
    }

    /** The error writes fail with once the call has ended, or null while it is live. */
    @Nullable
    Throwable terminalError() {
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
    void closeWithStatus(StatusCode c, String d, Metadata trailing) {
        if (transition(State.CLOSED)) {
            sendStatus(c, d, trailing);
        }
    }

    /** Ctx, after this call won the terminal transition: the status goes out. */
    private void sendStatus(StatusCode c, String d, Metadata trailing) {
        servicer.code = c;
        servicer.details = d;
        ending();
        stream.writeTrailers(c, d, trailing);
        ended(null);
    }

    /** The stream ended under us (peer reset, connection lost, transport shutdown): no status goes out. */
    void onCancel(CancelCause cause) {
        if (transition(State.CANCELLED)) {
            servicer.code = StatusCode.CANCELLED;
            ending();
            ended(cancelledError());
        }
    }

    /** The deadline timer fired (package-private: tests fire it from where they need it). */
    void onDeadline() {
        deadlineTimer = -1;
        if (!transition(State.CANCELLED)) {
            return;
        }
        servicer.code = StatusCode.DEADLINE_EXCEEDED;
        servicer.details = "deadline exceeded";
        ending();
        stream.writeTrailers(StatusCode.DEADLINE_EXCEEDED, "deadline exceeded", Metadata.EMPTY);
        stream.stopReading();
        ended(cancelledError());
    }

    /** Any thread: cancels at once (the peer sees CANCELLED); the wire work follows on the call's context. */
    @Override
    public boolean cancel() {
        if (!transition(State.CANCELLED)) {
            return false;
        }
        servicer.code = StatusCode.CANCELLED;
        onCtx(() -> {
            ending();
            stream.cancel();
            ended(cancelledError());
        });
        return true;
    }

    private static DoneCallbacks firedCallbacks() {
        DoneCallbacks fired = new DoneCallbacks();
        fired.fire();
        return fired;
    }

    private static RpcException cancelledError() {
        return new RpcException(StatusCode.CANCELLED, "the call was cancelled");
    }

    /**
     * Ctx, once, right after the terminal transition and before its wire work: the admission slot is free before the
     * status goes out, so a client that starts its next call on seeing the status finds it free.
     */
    private void ending() {
        assert ctx.inThread();
        if (deadlineTimer >= 0) {
            ctx.owner().cancelTimer(deadlineTimer);
            deadlineTimer = -1;
        }
        StatusCode c = servicer.code;
        dispatcher.release(c != null ? c : StatusCode.OK); // only a unary response leaves the code unset: OK
    }

    /**
     * Ctx, once, after the terminal wire work: pending writes fail, the request stream ends (with {@code error}, or
     * cleanly), done callbacks run; user code that runs from here sees the call done and its status out.
     */
    private void ended(@Nullable RpcException error) {
        io.close(error);
        DoneCallbacks callbacks = doneCallbacks;
        doneCallbacks = FIRED;
        if (callbacks != null) {
            callbacks.fire();
        }
        release();
    }

    /** The stream is released once the call has ended and its handler has terminated, in either order. */
    private void release() {
        if (--holds == 0) {
            stream.callTerminated();
        }
    }

    // ---------------------------------------------------------------- RpcContext, abort (any thread)

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

    String method() {
        return path;
    }

    Metadata trailingMetadata() {
        return servicer.trailingMetadata;
    }

    <T> Future<T> abort(StatusCode code, String details) {
        return abort(code, details, Metadata.EMPTY);
    }

    /** Any thread: the call is done at once; the status follows on the call's context. */
    <T> Future<T> abort(StatusCode code, String details, Metadata trailingMetadata) {
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(details, "details");
        Objects.requireNonNull(trailingMetadata, "trailingMetadata");
        if (code == StatusCode.OK) {
            throw new IllegalArgumentException("code: OK (expected: an error code to abort with)");
        }
        if (transition(State.CLOSED)) {
            // grpc.aio: abort's own trailing metadata replaces what setTrailingMetadata set; empty keeps the latter
            onCtx(() -> sendStatus(
                    code, details, trailingMetadata.isEmpty() ? servicer.trailingMetadata : trailingMetadata));
        }
        return ctx.failedFuture(new RpcException(code, details, trailingMetadata));
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
        onCtx(() -> {
            DoneCallbacks callbacks = doneCallbacks;
            if (callbacks == null) {
                callbacks = new DoneCallbacks();
                doneCallbacks = callbacks;
            }
            callbacks.add(ctx, callback);
        });
    }

    @Override
    public String toString() {
        return "ServerCall{" + path + ", " + state + "}";
    }
}
