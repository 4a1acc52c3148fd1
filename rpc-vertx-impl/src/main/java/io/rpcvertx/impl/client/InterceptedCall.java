package io.rpcvertx.impl.client;

import io.rpcvertx.Call;
import io.rpcvertx.CallOptions;
import io.rpcvertx.ClientCallDetails;
import io.rpcvertx.Metadata;
import io.rpcvertx.MethodDescriptor;
import io.rpcvertx.MethodType;
import io.rpcvertx.RequestStream;
import io.rpcvertx.ResponseStream;
import io.rpcvertx.RpcException;
import io.rpcvertx.StatusCode;
import io.rpcvertx.StreamUnaryCall;
import io.rpcvertx.UnaryUnaryCall;
import io.rpcvertx.impl.transport.Contexts;
import io.rpcvertx.impl.transport.InboundMessages;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.streams.ReadStream;
import io.vertx.core.streams.WriteStream;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The call an application holds when client interceptors run: a thin decorator that exists at once, while the
 * interceptor chain produces the real call asynchronously (each continuation returns a {@link Future}), and then
 * forwards to it.
 *
 * <pre>
 * INTERCEPTING --the chain's future succeeds--&gt; FORWARDING (to that call)
 * INTERCEPTING --the chain fails--&gt; FAILED        INTERCEPTING --cancel(), any thread--&gt; CANCELLED
 * </pre>
 *
 * <p>The transitions out of INTERCEPTING are compare-and-sets, so {@link #cancel()} from any thread returns true once;
 * what follows them runs on the caller's context (the call's creator), where the chain runs. Before FORWARDING,
 * request messages are queued in order (the {@link WriteStream} view reports full at {@value #QUEUE_FULL}; writes
 * beyond {@value #QUEUE_LIMIT} fail). Responses of a streaming method are read through a {@link StreamFeed} of the
 * produced call's stream, so both reading styles work from the start. The outcome futures follow the produced
 * call's, or the failure's status (an {@link RpcException}'s, else {@link StatusCode#UNKNOWN}).
 * {@link InterceptorChain} runs the chain.
 */
final class InterceptedCall<Req, Resp> implements ClientCall<Req, Resp> {
    static final int QUEUE_FULL = 16;
    static final int QUEUE_LIMIT = 4096;

    enum State {
        INTERCEPTING,
        FORWARDING,
        FAILED,
        CANCELLED
    }

    /** One request-side step queued before FORWARDING: a message, or the half-close ({@code message} null). */
    private record Pending<M>(@Nullable M message, Promise<Void> promise) {}

    private final MethodDescriptor<Req, Resp> method;
    private final ContextInternal caller;
    private final long createdNanos;
    private final @Nullable Duration timeout;
    private final Promise<Call> target;
    private final AtomicReference<State> state = new AtomicReference<>(State.INTERCEPTING);
    private final AtomicInteger queued = new AtomicInteger();
    private final @Nullable StreamFeed<Resp> feed;

    private volatile @Nullable Call delegate;
    private volatile @Nullable RpcException failure;

    // caller context
    private final ArrayDeque<Pending<Req>> queue = new ArrayDeque<>();
    private @Nullable Handler<Void> drainHandler;
    private @Nullable RequestView requestView;

    InterceptedCall(MethodDescriptor<Req, Resp> method, CallOptions options, ContextInternal caller) {
        this.method = method;
        this.caller = caller;
        this.createdNanos = System.nanoTime();
        this.timeout = options.timeout().orElse(null);
        this.target = caller.promise();
        this.feed = method.type().isServerStreaming()
                ? new StreamFeed<>(caller, "intercepted call's response stream failed: ")
                : null;
    }

    /**
     * The details with the timeout counted from the application's call, not from now: time spent in interceptors
     * counts against the deadline, as it would without them.
     */
    ClientCallDetails measured(ClientCallDetails details) {
        Optional<Duration> t = details.timeout();
        return t.isEmpty() ? details : details.withTimeout(t.get().minusNanos(System.nanoTime() - createdNanos));
    }

    /** Runs {@code start} on the caller's context, as the current context, and returns its future there. */
    <C> Future<C> onCaller(Supplier<Future<C>> start) {
        if (caller.isRunningOnContext()) {
            return start.get();
        }
        Promise<C> promise = caller.promise();
        Handler<Void> task = v -> {
            try {
                start.get().onComplete(promise);
            } catch (RuntimeException e) {
                promise.fail(e);
            }
        };
        if (caller.nettyEventLoop().inEventLoop()) {
            caller.emit(null, task);
        } else {
            caller.runOnContext(task);
        }
        return promise.future();
    }

    /** Runs the interceptor chain on the caller's context; its outcome decides what this call forwards to. */
    void run(Supplier<Future<? extends Call>> chain) {
        Future<? extends Call> produced;
        try {
            produced = onCaller(() -> {
                Future<? extends Call> f = chain.get();
                if (f == null) {
                    throw new NullPointerException("a client interceptor returned null");
                }
                return InterceptorChain.cast(f);
            });
        } catch (RuntimeException e) {
            produced = caller.failedFuture(e);
        }
        produced.onComplete(ar -> Contexts.run(caller, () -> {
            if (ar.succeeded() && ar.result() != null) {
                onProduced(ar.result());
            } else {
                Throwable cause = ar.succeeded()
                        ? new NullPointerException("a client interceptor's future completed with null")
                        : ar.cause();
                onFailed(toRpc(cause));
            }
        }));
    }

    private static RpcException toRpc(Throwable t) {
        if (t instanceof RpcException) {
            return (RpcException) t;
        }
        return new RpcException(StatusCode.UNKNOWN, "client interceptor failed: " + t);
    }

    // ---------------------------------------------------------------- transitions

    /** Caller context: the chain produced {@code call}. */
    private void onProduced(Call call) {
        delegate = call;
        if (!state.compareAndSet(State.INTERCEPTING, State.FORWARDING)) {
            call.cancel(); // the application cancelled before the chain produced it
            return;
        }
        target.complete(call);
        if (method.type().isClientStreaming()) {
            RequestStream<Req> requests = requestsOf(call);
            while (!queue.isEmpty()) {
                Pending<Req> p = queue.poll();
                queued.decrementAndGet();
                Req message = p.message();
                (message == null ? requests.doneWriting() : requests.write(message)).onComplete(p.promise());
            }
            Handler<Void> h = drainHandler;
            if (h != null) {
                requests.requests().drainHandler(h);
                h.handle(null); // a pipe paused on the queue resumes
            }
        }
        StreamFeed<Resp> f = feed;
        if (f != null) {
            f.from(streamOf(call).responses());
        }
    }

    /** Caller context: the chain failed. */
    private void onFailed(RpcException error) {
        if (state.compareAndSet(State.INTERCEPTING, State.FAILED)) {
            failure = error;
            afterFailure(error);
        }
    }

    /** Caller context: what a failure or a cancel before FORWARDING sets off. */
    private void afterFailure(RpcException error) {
        target.fail(error);
        while (!queue.isEmpty()) {
            queue.poll().promise().tryFail(error);
            queued.decrementAndGet();
        }
        Handler<Void> h = drainHandler;
        if (h != null) {
            h.handle(null); // a paused pipe sees the failure on its next write
        }
        StreamFeed<Resp> f = feed;
        if (f != null) {
            f.messages.end(error);
        }
    }

    // ---------------------------------------------------------------- shapes

    @SuppressWarnings("unchecked")
    private RequestStream<Req> requestsOf(Call call) {
        return (RequestStream<Req>) call;
    }

    @SuppressWarnings("unchecked")
    private ResponseStream<Resp> streamOf(Call call) {
        return (ResponseStream<Resp>) call;
    }

    @SuppressWarnings("unchecked")
    private Future<Resp> responseOf(Call call) {
        return method.type() == MethodType.UNARY_UNARY
                ? ((UnaryUnaryCall<Req, Resp>) call).response()
                : ((StreamUnaryCall<Req, Resp>) call).response();
    }

    private void checkClientStreaming() {
        if (!method.type().isClientStreaming()) {
            throw new IllegalStateException(method.fullMethodName() + " takes a single request");
        }
    }

    private InboundMessages<Resp> streaming() {
        StreamFeed<Resp> f = feed;
        if (f == null) {
            throw new IllegalStateException(method.fullMethodName() + " has a single response: use response()");
        }
        return f.messages;
    }

    // ---------------------------------------------------------------- outcome (any thread)

    /** The produced call's outcome, or the failure's. */
    private <T> Future<T> outcome(Function<Call, Future<T>> ofCall, Function<RpcException, T> ofFailure) {
        return target.future()
                .transform(ar -> ar.succeeded()
                        ? ofCall.apply(ar.result())
                        : caller.succeededFuture(ofFailure.apply(toRpc(ar.cause()))));
    }

    @Override
    public Future<Metadata> initialMetadata() {
        return outcome(Call::initialMetadata, RpcException::initialMetadata);
    }

    @Override
    public Future<Metadata> trailingMetadata() {
        return outcome(Call::trailingMetadata, RpcException::trailingMetadata);
    }

    @Override
    public Future<StatusCode> code() {
        return outcome(Call::code, RpcException::code);
    }

    @Override
    public Future<String> details() {
        return outcome(Call::details, RpcException::details);
    }

    @Override
    public Future<Void> waitForConnection() {
        return target.future().compose(Call::waitForConnection);
    }

    @Override
    public Future<Resp> response() {
        if (method.type().isServerStreaming()) {
            throw new IllegalStateException(method.fullMethodName() + " streams its responses: use read()/responses()");
        }
        return target.future().compose(this::responseOf);
    }

    @Override
    public boolean isCancelled() {
        switch (state.get()) {
            case FORWARDING:
                Call c = delegate;
                return c != null && c.isCancelled();
            case CANCELLED:
                return true;
            case FAILED:
                RpcException f = failure;
                return f != null && f.code() == StatusCode.CANCELLED;
            default:
                return false;
        }
    }

    @Override
    public boolean isDone() {
        State s = state.get();
        if (s == State.FORWARDING) {
            Call c = delegate;
            return c != null && c.isDone();
        }
        return s != State.INTERCEPTING;
    }

    @Override
    public Optional<Duration> timeRemaining() {
        Call c = delegate;
        if (c != null && state.get() == State.FORWARDING) {
            return c.timeRemaining();
        }
        Duration t = timeout;
        return t == null ? Optional.empty() : Optional.of(t.minusNanos(System.nanoTime() - createdNanos));
    }

    @Override
    public boolean cancel() {
        // grpc.aio cancels the interceptors' task: the call ends now, a call produced later is cancelled
        if (state.compareAndSet(State.INTERCEPTING, State.CANCELLED)) {
            RpcException error = new RpcException(StatusCode.CANCELLED, ClientCallImpl.CANCELLED_BY_APPLICATION);
            failure = error;
            Contexts.run(caller, () -> afterFailure(error));
            return true;
        }
        Call c = delegate;
        return state.get() == State.FORWARDING && c != null && c.cancel();
    }

    @Override
    public void addDoneCallback(Handler<Void> callback) {
        ContextInternal current = ContextInternal.current();
        ContextInternal registrar = current != null ? current : caller;
        Handler<Void> onRegistrar = v -> {
            if (registrar.isRunningOnContext()) {
                callback.handle(null);
            } else {
                registrar.runOnContext(callback);
            }
        };
        target.future().onComplete(ar -> {
            if (ar.succeeded()) {
                ar.result().addDoneCallback(onRegistrar);
            } else {
                onRegistrar.handle(null);
            }
        });
    }

    // ---------------------------------------------------------------- request side (any thread)

    @Override
    public Future<Void> write(Req message) {
        checkClientStreaming();
        if (message == null) {
            throw new NullPointerException("message");
        }
        return enqueue(message);
    }

    @Override
    public Future<Void> doneWriting() {
        checkClientStreaming();
        return enqueue(null);
    }

    private Future<Void> enqueue(@Nullable Req message) {
        Call c = delegate;
        if (c != null && state.get() == State.FORWARDING && caller.isRunningOnContext()) {
            return message == null ? requestsOf(c).doneWriting() : requestsOf(c).write(message);
        }
        Promise<Void> promise = caller.promise();
        Contexts.run(caller, () -> {
            switch (state.get()) {
                case FORWARDING:
                    Call d = delegate;
                    assert d != null;
                    (message == null
                                    ? requestsOf(d).doneWriting()
                                    : requestsOf(d).write(message))
                            .onComplete(promise);
                    break;
                case INTERCEPTING:
                    if (queued.get() >= QUEUE_LIMIT) {
                        promise.fail(new IllegalStateException("write buffer full (" + QUEUE_LIMIT + " messages"
                                + " waiting for the interceptors): wait for the previous write() futures"));
                        return;
                    }
                    queue.add(new Pending<>(message, promise));
                    queued.incrementAndGet();
                    break;
                default:
                    RpcException f = failure;
                    promise.fail(f != null ? f : new IllegalStateException("the call has ended"));
                    break;
            }
        });
        return promise.future();
    }

    @Override
    public WriteStream<Req> requests() {
        checkClientStreaming();
        RequestView v = requestView;
        if (v == null) {
            v = new RequestView();
            requestView = v;
        }
        return v;
    }

    private final class RequestView implements WriteStream<Req> {
        private @Nullable Handler<Throwable> exceptionHandler;

        @Override
        public WriteStream<Req> exceptionHandler(@Nullable Handler<Throwable> handler) {
            this.exceptionHandler = handler;
            return this;
        }

        @Override
        public Future<Void> write(Req data) {
            Future<Void> f = InterceptedCall.this.write(data);
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
            return this;
        }

        @Override
        public boolean writeQueueFull() {
            Call c = delegate;
            return c != null && state.get() == State.FORWARDING
                    ? requestsOf(c).requests().writeQueueFull()
                    : queued.get() >= QUEUE_FULL;
        }

        @Override
        public WriteStream<Req> drainHandler(@Nullable Handler<Void> handler) {
            Contexts.run(caller, () -> {
                drainHandler = handler;
                Call c = delegate;
                if (c != null && state.get() == State.FORWARDING) {
                    requestsOf(c).requests().drainHandler(handler);
                }
            });
            return this;
        }
    }

    // ---------------------------------------------------------------- response side

    @Override
    public Future<Optional<Resp>> read() {
        return streaming().read();
    }

    @Override
    public ReadStream<Resp> responses() {
        return streaming();
    }

    @Override
    public String toString() {
        return "InterceptedCall{" + method.fullMethodName() + ", " + state.get() + "}";
    }
}
