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
import io.rpcvertx.StreamStreamCall;
import io.rpcvertx.StreamStreamClientInterceptor;
import io.rpcvertx.StreamUnaryCall;
import io.rpcvertx.StreamUnaryClientInterceptor;
import io.rpcvertx.UnaryStreamCall;
import io.rpcvertx.UnaryStreamClientInterceptor;
import io.rpcvertx.UnaryUnaryCall;
import io.rpcvertx.UnaryUnaryClientInterceptor;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.streams.ReadStream;
import io.vertx.core.streams.WriteStream;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The call an application holds when client interceptors run: it exists at once, while the interceptor chain produces
 * the real call asynchronously (each continuation returns a {@link Future}), and then forwards to it.
 *
 * <pre>
 * INTERCEPTING --the chain's future succeeds--&gt; FORWARDING (to that call)
 * INTERCEPTING --the chain fails, or the application cancels--&gt; FAILED
 * </pre>
 *
 * <p>State lives on the caller's context (the call's creator), where the chain runs. Before FORWARDING, request
 * messages are queued in order (the {@link WriteStream} view reports full at {@value #QUEUE_FULL}; writes beyond
 * {@value #QUEUE_LIMIT} fail) and the settings made on the response {@link ReadStream} view are recorded; both are
 * handed to the produced call when it arrives. The outcome futures follow the produced call's, or the failure's status
 * (an {@link RpcException}'s, else {@link StatusCode#UNKNOWN}).
 *
 * <p>Ordering as in grpc.aio ({@code _interceptor.py}): the first interceptor is the outermost; its continuation runs
 * the next one, and the last continuation starts the RPC.
 */
final class InterceptedCall<Req, Resp> implements ClientCall<Req, Resp> {
    static final int QUEUE_FULL = 16;
    static final int QUEUE_LIMIT = 4096;

    enum State {
        INTERCEPTING,
        FORWARDING,
        FAILED
    }

    private enum ReadMode {
        UNDECIDED,
        PUSH,
        PULL
    }

    private record Pending<M>(@Nullable M message, Promise<Void> promise) {}

    private final MethodDescriptor<Req, Resp> method;
    private final ContextInternal caller;
    private final long createdNanos;
    private final @Nullable Duration timeout;
    private final Promise<Call> target;
    private final AtomicReference<ReadMode> readMode = new AtomicReference<>(ReadMode.UNDECIDED);
    private final AtomicInteger queued = new AtomicInteger();
    private final @Nullable Responses responses;

    private volatile State state = State.INTERCEPTING;
    private volatile @Nullable Call delegate;
    private volatile @Nullable RpcException failure;

    // caller context
    private final ArrayDeque<Pending<Req>> queue = new ArrayDeque<>();
    private @Nullable Handler<Void> drainHandler;
    private @Nullable RequestView requestView;

    private InterceptedCall(MethodDescriptor<Req, Resp> method, CallOptions options, ContextInternal caller) {
        this.method = method;
        this.caller = caller;
        this.createdNanos = System.nanoTime();
        this.timeout = options.timeout().orElse(null);
        this.target = caller.promise();
        this.responses = method.type().isServerStreaming() ? new Responses() : null;
    }

    // ---------------------------------------------------------------- the four chains

    static <Req, Resp> InterceptedCall<Req, Resp> unaryUnary(
            List<UnaryUnaryClientInterceptor> chain,
            MethodDescriptor<Req, Resp> method,
            Req request,
            CallOptions options,
            ContextInternal caller,
            UnaryUnaryClientInterceptor.Continuation<Req, Resp> terminal) {
        InterceptedCall<Req, Resp> call = new InterceptedCall<>(method, options, caller);
        UnaryUnaryClientInterceptor.Continuation<Req, Resp> last =
                (d, r) -> call.onCaller(() -> terminal.call(call.measured(d), r));
        ClientCallDetails details = ClientCallDetails.of(method.path(), options);
        call.run(() -> runUnaryUnary(chain, 0, details, request, last));
        return call;
    }

    private static <Req, Resp> Future<UnaryUnaryCall<Req, Resp>> runUnaryUnary(
            List<UnaryUnaryClientInterceptor> chain,
            int index,
            ClientCallDetails details,
            Req request,
            UnaryUnaryClientInterceptor.Continuation<Req, Resp> last) {
        if (index == chain.size()) {
            return last.call(checked(details), checked(request));
        }
        return chain.get(index)
                .interceptUnaryUnary(
                        (d, r) -> runUnaryUnary(chain, index + 1, checked(d), checked(r), last), details, request);
    }

    static <Req, Resp> InterceptedCall<Req, Resp> unaryStream(
            List<UnaryStreamClientInterceptor> chain,
            MethodDescriptor<Req, Resp> method,
            Req request,
            CallOptions options,
            ContextInternal caller,
            UnaryStreamClientInterceptor.Continuation<Req, Resp> terminal) {
        InterceptedCall<Req, Resp> call = new InterceptedCall<>(method, options, caller);
        UnaryStreamClientInterceptor.Continuation<Req, Resp> last =
                (d, r) -> call.onCaller(() -> terminal.call(call.measured(d), r));
        ClientCallDetails details = ClientCallDetails.of(method.path(), options);
        call.run(() -> runUnaryStream(chain, 0, details, request, last));
        return call;
    }

    private static <Req, Resp> Future<UnaryStreamCall<Req, Resp>> runUnaryStream(
            List<UnaryStreamClientInterceptor> chain,
            int index,
            ClientCallDetails details,
            Req request,
            UnaryStreamClientInterceptor.Continuation<Req, Resp> last) {
        if (index == chain.size()) {
            return last.call(checked(details), checked(request));
        }
        return chain.get(index)
                .interceptUnaryStream(
                        (d, r) -> runUnaryStream(chain, index + 1, checked(d), checked(r), last), details, request);
    }

    static <Req, Resp> InterceptedCall<Req, Resp> streamUnary(
            List<StreamUnaryClientInterceptor> chain,
            MethodDescriptor<Req, Resp> method,
            CallOptions options,
            ContextInternal caller,
            StreamUnaryClientInterceptor.Continuation<Req, Resp> terminal) {
        InterceptedCall<Req, Resp> call = new InterceptedCall<>(method, options, caller);
        StreamUnaryClientInterceptor.Continuation<Req, Resp> last =
                d -> call.onCaller(() -> terminal.call(call.measured(d)));
        ClientCallDetails details = ClientCallDetails.of(method.path(), options);
        call.run(() -> runStreamUnary(chain, 0, details, last));
        return call;
    }

    private static <Req, Resp> Future<StreamUnaryCall<Req, Resp>> runStreamUnary(
            List<StreamUnaryClientInterceptor> chain,
            int index,
            ClientCallDetails details,
            StreamUnaryClientInterceptor.Continuation<Req, Resp> last) {
        if (index == chain.size()) {
            return last.call(checked(details));
        }
        return chain.get(index).interceptStreamUnary(d -> runStreamUnary(chain, index + 1, checked(d), last), details);
    }

    static <Req, Resp> InterceptedCall<Req, Resp> streamStream(
            List<StreamStreamClientInterceptor> chain,
            MethodDescriptor<Req, Resp> method,
            CallOptions options,
            ContextInternal caller,
            StreamStreamClientInterceptor.Continuation<Req, Resp> terminal) {
        InterceptedCall<Req, Resp> call = new InterceptedCall<>(method, options, caller);
        StreamStreamClientInterceptor.Continuation<Req, Resp> last =
                d -> call.onCaller(() -> terminal.call(call.measured(d)));
        ClientCallDetails details = ClientCallDetails.of(method.path(), options);
        call.run(() -> runStreamStream(chain, 0, details, last));
        return call;
    }

    private static <Req, Resp> Future<StreamStreamCall<Req, Resp>> runStreamStream(
            List<StreamStreamClientInterceptor> chain,
            int index,
            ClientCallDetails details,
            StreamStreamClientInterceptor.Continuation<Req, Resp> last) {
        if (index == chain.size()) {
            return last.call(checked(details));
        }
        return chain.get(index)
                .interceptStreamStream(d -> runStreamStream(chain, index + 1, checked(d), last), details);
    }

    private static <T> T checked(@Nullable T value) {
        if (value == null) {
            throw new NullPointerException("a client interceptor passed null to its continuation");
        }
        return value;
    }

    /**
     * The details with the timeout counted from the application's call, not from now: time spent in interceptors
     * counts against the deadline, as it would without them.
     */
    private ClientCallDetails measured(ClientCallDetails details) {
        Optional<Duration> t = details.timeout();
        if (t.isEmpty()) {
            return details;
        }
        return details.withTimeout(t.get().minusNanos(System.nanoTime() - createdNanos));
    }

    /** Runs {@code start} on the caller's context, as the current context, and returns its future there. */
    private <C> Future<C> onCaller(Supplier<Future<C>> start) {
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

    private void run(Supplier<Future<? extends Call>> chain) {
        Future<? extends Call> produced;
        try {
            produced = onCaller(() -> {
                Future<? extends Call> f = chain.get();
                if (f == null) {
                    throw new NullPointerException("a client interceptor returned null");
                }
                @SuppressWarnings("unchecked")
                Future<Call> call = (Future<Call>) f;
                return call;
            });
        } catch (RuntimeException e) {
            produced = caller.failedFuture(e);
        }
        produced.onComplete(ar -> onCallerDo(() -> {
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

    private void onCallerDo(Runnable action) {
        if (caller.isRunningOnContext()) {
            action.run();
        } else {
            caller.runOnContext(v -> action.run());
        }
    }

    private static RpcException toRpc(Throwable t) {
        if (t instanceof RpcException) {
            return (RpcException) t;
        }
        return new RpcException(StatusCode.UNKNOWN, "client interceptor failed: " + t);
    }

    // ---------------------------------------------------------------- transitions (caller context)

    private void onProduced(Call call) {
        if (state != State.INTERCEPTING) {
            call.cancel(); // the application cancelled before the chain produced it
            return;
        }
        delegate = call;
        state = State.FORWARDING;
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
        Responses r = responses;
        if (r != null) {
            r.attach(streamOf(call).responses());
        }
    }

    private void onFailed(RpcException error) {
        if (state != State.INTERCEPTING) {
            return;
        }
        failure = error;
        state = State.FAILED;
        target.fail(error);
        while (!queue.isEmpty()) {
            queue.poll().promise().tryFail(error);
            queued.decrementAndGet();
        }
        Handler<Void> h = drainHandler;
        if (h != null) {
            h.handle(null); // a paused pipe sees the failure on its next write
        }
        Responses r = responses;
        if (r != null) {
            r.fail(error);
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

    private Responses streaming() {
        Responses r = responses;
        if (r == null) {
            throw new IllegalStateException(method.fullMethodName() + " has a single response: use response()");
        }
        return r;
    }

    private void decide(ReadMode wanted) {
        ReadMode prev = readMode.compareAndExchange(ReadMode.UNDECIDED, wanted);
        if (prev != ReadMode.UNDECIDED && prev != wanted) {
            throw new IllegalStateException("cannot mix read() with the ReadStream view on one call (already reading"
                    + " with " + (prev == ReadMode.PULL ? "read()" : "the ReadStream view") + ")");
        }
    }

    // ---------------------------------------------------------------- outcome (any thread)

    @Override
    public Future<Metadata> initialMetadata() {
        return target.future()
                .transform(ar -> ar.succeeded()
                        ? ar.result().initialMetadata()
                        : caller.succeededFuture(toRpc(ar.cause()).initialMetadata()));
    }

    @Override
    public Future<Metadata> trailingMetadata() {
        return target.future()
                .transform(ar -> ar.succeeded()
                        ? ar.result().trailingMetadata()
                        : caller.succeededFuture(toRpc(ar.cause()).trailingMetadata()));
    }

    @Override
    public Future<StatusCode> code() {
        return target.future()
                .transform(ar -> ar.succeeded()
                        ? ar.result().code()
                        : caller.succeededFuture(toRpc(ar.cause()).code()));
    }

    @Override
    public Future<String> details() {
        return target.future()
                .transform(ar -> ar.succeeded()
                        ? ar.result().details()
                        : caller.succeededFuture(toRpc(ar.cause()).details()));
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
        Call c = delegate;
        if (c != null) {
            return c.isCancelled();
        }
        RpcException f = failure;
        return f != null && f.code() == StatusCode.CANCELLED;
    }

    @Override
    public boolean isDone() {
        Call c = delegate;
        return c != null ? c.isDone() : state == State.FAILED;
    }

    @Override
    public Optional<Duration> timeRemaining() {
        Call c = delegate;
        if (c != null) {
            return c.timeRemaining();
        }
        Duration t = timeout;
        return t == null ? Optional.empty() : Optional.of(t.minusNanos(System.nanoTime() - createdNanos));
    }

    @Override
    public boolean cancel() {
        Call c = delegate;
        if (c != null) {
            return c.cancel();
        }
        boolean wasLive = state == State.INTERCEPTING;
        // grpc.aio cancels the interceptors' task: the call ends now, a call produced later is cancelled
        onCallerDo(() -> {
            Call d = delegate;
            if (d != null) {
                d.cancel();
            } else {
                onFailed(new RpcException(StatusCode.CANCELLED, "Locally cancelled by application!"));
            }
        });
        return wasLive;
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
        if (c != null && caller.isRunningOnContext()) {
            return message == null ? requestsOf(c).doneWriting() : requestsOf(c).write(message);
        }
        Promise<Void> promise = caller.promise();
        onCallerDo(() -> {
            switch (state) {
                case FORWARDING:
                    Call d = delegate;
                    assert d != null;
                    (message == null
                                    ? requestsOf(d).doneWriting()
                                    : requestsOf(d).write(message))
                            .onComplete(promise);
                    break;
                case FAILED:
                    RpcException f = failure;
                    assert f != null;
                    promise.fail(f);
                    break;
                default:
                    if (queued.get() >= QUEUE_LIMIT) {
                        promise.fail(new IllegalStateException("write buffer full (" + QUEUE_LIMIT + " messages"
                                + " waiting for the interceptors): wait for the previous write() futures"));
                        return;
                    }
                    queue.add(new Pending<>(message, promise));
                    queued.incrementAndGet();
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
            return c != null ? requestsOf(c).requests().writeQueueFull() : queued.get() >= QUEUE_FULL;
        }

        @Override
        public WriteStream<Req> drainHandler(@Nullable Handler<Void> handler) {
            onCallerDo(() -> {
                drainHandler = handler;
                Call c = delegate;
                if (c != null) {
                    requestsOf(c).requests().drainHandler(handler);
                }
            });
            return this;
        }
    }

    // ---------------------------------------------------------------- response side (any thread)

    @Override
    public Future<Optional<Resp>> read() {
        streaming();
        decide(ReadMode.PULL);
        return target.future().compose(c -> streamOf(c).read());
    }

    @Override
    public ReadStream<Resp> responses() {
        return streaming();
    }

    /**
     * The push view: records handlers and demand until the produced call exists, then replays them onto its
     * {@link ReadStream} and forwards from then on. Caller context.
     */
    private final class Responses implements ReadStream<Resp> {
        private @Nullable Handler<Resp> handler;
        private @Nullable Handler<Void> endHandler;
        private @Nullable Handler<Throwable> exceptionHandler;
        private long demand = Long.MAX_VALUE;
        private @Nullable ReadStream<Resp> attached;
        private @Nullable RpcException error;
        private boolean errorDelivered;

        void attach(ReadStream<Resp> stream) {
            attached = stream;
            stream.exceptionHandler(exceptionHandler);
            stream.endHandler(endHandler);
            if (demand != Long.MAX_VALUE) {
                stream.pause();
                if (demand > 0) {
                    stream.fetch(demand);
                }
            }
            stream.handler(handler);
        }

        void fail(RpcException e) {
            error = e;
            deliverError();
        }

        private void deliverError() {
            RpcException e = error;
            Handler<Throwable> h = exceptionHandler;
            if (e != null && h != null && !errorDelivered) {
                errorDelivered = true;
                h.handle(e);
            }
        }

        @Override
        public ReadStream<Resp> exceptionHandler(@Nullable Handler<Throwable> h) {
            onCallerDo(() -> {
                exceptionHandler = h;
                ReadStream<Resp> s = attached;
                if (s != null) {
                    s.exceptionHandler(h);
                } else {
                    deliverError();
                }
            });
            return this;
        }

        @Override
        public ReadStream<Resp> handler(@Nullable Handler<Resp> h) {
            if (h != null) {
                decide(ReadMode.PUSH);
            }
            onCallerDo(() -> {
                handler = h;
                ReadStream<Resp> s = attached;
                if (s != null) {
                    s.handler(h);
                }
            });
            return this;
        }

        @Override
        public ReadStream<Resp> pause() {
            decide(ReadMode.PUSH);
            onCallerDo(() -> {
                demand = 0;
                ReadStream<Resp> s = attached;
                if (s != null) {
                    s.pause();
                }
            });
            return this;
        }

        @Override
        public ReadStream<Resp> resume() {
            return fetch(Long.MAX_VALUE);
        }

        @Override
        public ReadStream<Resp> fetch(long amount) {
            if (amount < 0) {
                throw new IllegalArgumentException("amount: " + amount + " (expected: >= 0)");
            }
            decide(ReadMode.PUSH);
            onCallerDo(() -> {
                demand = demand + amount < 0 ? Long.MAX_VALUE : demand + amount;
                ReadStream<Resp> s = attached;
                if (s != null) {
                    s.fetch(amount);
                }
            });
            return this;
        }

        @Override
        public ReadStream<Resp> endHandler(@Nullable Handler<Void> h) {
            onCallerDo(() -> {
                endHandler = h;
                ReadStream<Resp> s = attached;
                if (s != null) {
                    s.endHandler(h);
                }
            });
            return this;
        }
    }

    @Override
    public String toString() {
        return "InterceptedCall{" + method.fullMethodName() + ", " + state + "}";
    }
}
