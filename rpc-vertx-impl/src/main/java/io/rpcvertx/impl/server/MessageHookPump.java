package io.rpcvertx.impl.server;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.streams.WriteStream;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * The message interceptors ({@link MessageHooks}) of one call, between the deframer and the handler, and between the
 * handler's writes and the stream: one message at a time per direction, in arrival order. Created only for a call
 * whose handler has message interceptors; state on the call's context, except the count of responses waiting.
 */
final class MessageHookPump<Req, Resp> {
    /**
     * Responses that may wait for their message hooks; a writer that ignores its futures and writeQueueFull() is cut
     * off there (as OutboundWrites does at 16 MiB) instead of growing memory.
     */
    static final int MAX_RESPONSES_IN_HOOKS = 1024;

    /** Marks the end of the request stream behind messages waiting for their hooks. */
    private static final Object END_OF_REQUESTS = new Object();

    /** A response waiting for its hooks; {@code uncompressed}: disableNextMessageCompression applied to it. */
    private record HookedResponse<Resp>(Resp message, Promise<Void> promise, boolean uncompressed) {}

    private final ServerCallImpl<Req, Resp> call;
    private final ServerCallStream<Req, Resp> io;
    private final MessageHooks hooks;
    private final ContextInternal ctx;
    private final ArrayDeque<Object> requests = new ArrayDeque<>(4);
    private final ArrayDeque<HookedResponse<Resp>> responses = new ArrayDeque<>(4);
    /** Counted on the writer's thread at once, so writeQueueFull() reports it to that writer. */
    private final AtomicInteger responsesInHooks = new AtomicInteger();

    private boolean requestHookRunning;
    private boolean responseHookRunning;
    private @Nullable Runnable afterResponses;
    private @Nullable HookedResponses view;

    MessageHookPump(
            ServerCallImpl<Req, Resp> call, ServerCallStream<Req, Resp> io, MessageHooks hooks, ContextInternal ctx) {
        this.call = call;
        this.io = io;
        this.hooks = hooks;
        this.ctx = ctx;
    }

    // ---------------------------------------------------------------- requests (ctx)

    /** Whether request data must be held: a message waits for its hooks. */
    boolean holdsRequests() {
        return requestHookRunning || !requests.isEmpty();
    }

    void onRequest(Req message) {
        requests.add(message);
        pumpRequests();
    }

    /** The end of the requests waits behind the messages still in their hooks; false: nothing waits, end now. */
    boolean deferEnd() {
        if (!holdsRequests()) {
            return false;
        }
        requests.add(END_OF_REQUESTS);
        return true;
    }

    private void pumpRequests() {
        while (!requestHookRunning && !call.isDone()) {
            Object next = requests.poll();
            if (next == null) {
                break;
            }
            if (next == END_OF_REQUESTS) {
                io.onRequestsEnd();
                continue;
            }
            @SuppressWarnings("unchecked") // only Req messages and the end marker are queued
            Req message = (Req) next;
            Future<Void> passed = hooks.onRequest(message);
            if (passed.isComplete()) {
                io.onRequestHookDone(message, passed.cause());
                continue;
            }
            requestHookRunning = true;
            io.updateTransport();
            passed.onComplete(ar -> {
                requestHookRunning = false;
                io.onRequestHookDone(message, ar.cause());
                pumpRequests();
            });
            return;
        }
        io.updateTransport();
    }

    // ---------------------------------------------------------------- responses

    /** Any thread: queues a response for its hooks; it goes to the stream once they passed it. */
    Future<Void> write(Resp message) {
        int waiting = responsesInHooks.incrementAndGet();
        if (waiting > MAX_RESPONSES_IN_HOOKS) {
            responsesInHooks.decrementAndGet();
            return call.callerContext()
                    .failedFuture(new IllegalStateException("write buffer full (" + MAX_RESPONSES_IN_HOOKS
                            + " responses wait for message interceptors): wait for the previous write() futures"
                            + " or honour writeQueueFull()/drainHandler"));
        }
        Promise<Void> promise = call.callerContext().promise();
        call.onCtx(() -> {
            responses.add(new HookedResponse<>(message, promise, io.takeNextMessageUncompressed()));
            pumpResponses();
        });
        return promise.future();
    }

    /** The unary response (or a status) waits for these responses: the status follows what the handler wrote. */
    boolean responsesBusy() {
        return responseHookRunning || !responses.isEmpty();
    }

    void runAfterResponses(Runnable action) {
        afterResponses = action;
    }

    /** The unary response passes its hooks, then goes out with the status. */
    void respondUnary(Resp value) {
        hooks.onResponse(value).onComplete(ar -> {
            if (call.isDone()) {
                return;
            }
            if (ar.failed()) {
                call.closeWithFailure(ar.cause(), "a message interceptor of " + call.method(), "message interceptor");
            } else {
                call.sendUnaryResponse(value);
            }
        });
    }

    /** The call ended: queued requests are dropped, responses waiting for their hooks fail. */
    void onCallClosed() {
        requests.clear();
        if (!responseHookRunning) {
            pumpResponses();
        }
    }

    private void pumpResponses() {
        while (!responseHookRunning) {
            HookedResponse<Resp> next = responses.poll();
            if (next == null) {
                break;
            }
            Throwable terminal = call.terminalError();
            if (terminal != null) {
                responsesInHooks.decrementAndGet();
                next.promise().tryFail(terminal);
                continue;
            }
            Future<Void> passed = hooks.onResponse(next.message());
            if (passed.isComplete()) {
                onResponseHookDone(next, passed.cause());
                continue;
            }
            responseHookRunning = true;
            passed.onComplete(ar -> {
                responseHookRunning = false;
                onResponseHookDone(next, ar.cause());
                pumpResponses();
            });
            return;
        }
        Runnable after = afterResponses;
        if (after != null) {
            afterResponses = null;
            after.run();
        }
        HookedResponses v = view;
        if (v != null) {
            v.onHooksIdle();
        }
    }

    private void onResponseHookDone(HookedResponse<Resp> r, @Nullable Throwable failure) {
        responsesInHooks.decrementAndGet();
        Throwable terminal = call.terminalError();
        if (terminal != null) {
            r.promise().tryFail(terminal);
            return;
        }
        if (failure != null) {
            call.closeWithFailure(failure, "a message interceptor of " + call.method(), "message interceptor");
            r.promise().tryFail(failure);
            return;
        }
        io.sendResponse(r.message(), r.uncompressed(), r.promise());
    }

    // ---------------------------------------------------------------- the responses view

    /** The responses view over {@code plain}: one per call, made on first use (any thread). */
    synchronized WriteStream<Resp> view(WriteStream<Resp> plain) {
        HookedResponses v = view;
        if (v == null) {
            v = new HookedResponses(plain);
            view = v;
        }
        return v;
    }

    /**
     * The responses view when message hooks exist: full while a response waits for its hooks. The drain handler runs
     * (on the call's context) once per full-to-not-full transition a writer saw, whichever side (hooks or stream) held
     * it back.
     */
    private final class HookedResponses implements WriteStream<Resp> {
        private final WriteStream<Resp> plain;
        private volatile @Nullable Handler<Void> drainHandler;
        private volatile boolean sawFull;

        HookedResponses(WriteStream<Resp> plain) {
            this.plain = plain;
            plain.drainHandler(v -> onHooksIdle());
        }

        /** Call's context: the hooks or the stream may have room again. */
        void onHooksIdle() {
            Handler<Void> h = drainHandler;
            if (h != null && sawFull && !isFull()) {
                sawFull = false;
                ctx.runOnContext(h); // not from inside the hook pump: the handler usually writes again
            }
        }

        private boolean isFull() {
            return responsesInHooks.get() > 0 || plain.writeQueueFull();
        }

        @Override
        public WriteStream<Resp> exceptionHandler(@Nullable Handler<Throwable> handler) {
            plain.exceptionHandler(handler);
            return this;
        }

        @Override
        public Future<Void> write(Resp data) {
            return plain.write(data);
        }

        @Override
        public Future<Void> end() {
            return plain.end();
        }

        @Override
        public WriteStream<Resp> setWriteQueueMaxSize(int maxSize) {
            return this;
        }

        @Override
        public boolean writeQueueFull() {
            boolean full = isFull();
            if (full) {
                sawFull = true;
            }
            return full;
        }

        @Override
        public WriteStream<Resp> drainHandler(@Nullable Handler<Void> handler) {
            drainHandler = handler;
            call.onCtx(this::onHooksIdle); // room may have come back before the handler was set
            return this;
        }
    }
}
