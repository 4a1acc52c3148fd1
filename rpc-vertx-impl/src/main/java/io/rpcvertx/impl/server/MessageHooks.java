package io.rpcvertx.impl.server;

import io.rpcvertx.ServerMessageInterceptor;
import io.rpcvertx.ServicerContext;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.internal.ContextInternal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * The {@link ServerMessageInterceptor}s of one call: runs one message through their hooks, one hook after the other,
 * each on the call's context. Ordering between messages is the caller's job (one message at a time per direction).
 */
final class MessageHooks {
    private final List<ServerMessageInterceptor> requestOrder;
    private final List<ServerMessageInterceptor> responseOrder;
    private final ServicerContext<?, ?> call;
    private final ContextInternal ctx;

    /** {@code interceptors}: innermost first, as {@code RpcMethodHandler.messageInterceptors()}. */
    MessageHooks(List<ServerMessageInterceptor> interceptors, ServicerContext<?, ?> call, ContextInternal ctx) {
        List<ServerMessageInterceptor> outermostFirst = new ArrayList<>(interceptors);
        Collections.reverse(outermostFirst);
        this.requestOrder = List.copyOf(outermostFirst);
        this.responseOrder = List.copyOf(interceptors);
        this.call = call;
        this.ctx = ctx;
    }

    /** Runs the request hooks, outermost first; completes on the call's context. */
    Future<Void> onRequest(Object message) {
        Promise<Void> done = ctx.promise();
        run(true, 0, message, done);
        return done.future();
    }

    /** Runs the response hooks, innermost first; completes on the call's context. */
    Future<Void> onResponse(Object message) {
        Promise<Void> done = ctx.promise();
        run(false, 0, message, done);
        return done.future();
    }

    private void run(boolean request, int from, Object message, Promise<Void> done) {
        assert ctx.inThread();
        List<ServerMessageInterceptor> order = request ? requestOrder : responseOrder;
        for (int i = from; i < order.size(); i++) {
            Future<Void> passed = invoke(order.get(i), request, message);
            if (passed.failed()) {
                done.fail(passed.cause());
                return;
            }
            if (!passed.succeeded()) {
                int next = i + 1;
                passed.onComplete(ar -> onCtx(() -> {
                    if (ar.failed()) {
                        done.fail(ar.cause());
                    } else {
                        run(request, next, message, done);
                    }
                }));
                return;
            }
        }
        done.complete();
    }

    private Future<Void> invoke(ServerMessageInterceptor interceptor, boolean request, Object message) {
        try {
            Future<Void> f = request ? interceptor.onRequest(call, message) : interceptor.onResponse(call, message);
            return Objects.requireNonNull(f, () -> interceptor + " returned null instead of a future");
        } catch (RuntimeException e) {
            return ctx.failedFuture(e);
        }
    }

    private void onCtx(Runnable action) {
        if (ctx.inThread()) {
            action.run();
        } else {
            ctx.runOnContext(v -> action.run());
        }
    }
}
