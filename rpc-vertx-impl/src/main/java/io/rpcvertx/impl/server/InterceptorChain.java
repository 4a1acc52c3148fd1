package io.rpcvertx.impl.server;

import io.rpcvertx.HandlerCallDetails;
import io.rpcvertx.RpcMethodHandler;
import io.rpcvertx.ServerInterceptor;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.internal.ContextInternal;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The server interceptors of one call around its handler lookup, as grpc.aio's {@code _run_interceptor}: the first
 * interceptor is the outermost, each continuation runs the next one, and the innermost continuation asks the
 * {@link HandlerRegistry} (so an unknown method reaches every interceptor and then answers empty).
 */
final class InterceptorChain {
    private final List<ServerInterceptor> interceptors;
    private final HandlerRegistry registry;
    private final ContextInternal ctx;
    private final Consumer<HandlerCallDetails> reached;

    private InterceptorChain(
            List<ServerInterceptor> interceptors,
            HandlerRegistry registry,
            ContextInternal ctx,
            Consumer<HandlerCallDetails> reached) {
        this.interceptors = interceptors;
        this.registry = registry;
        this.ctx = ctx;
        this.reached = reached;
    }

    /**
     * Runs the chain on {@code ctx} (the call's, current). {@code reached} sees the details each interceptor and the
     * lookup receive, in order, so the call can keep those of the innermost step reached (its values reach the
     * handler). Never throws: an interceptor's exception becomes the failure of the returned future.
     */
    static Future<Optional<RpcMethodHandler<?, ?>>> run(
            List<ServerInterceptor> interceptors,
            HandlerRegistry registry,
            ContextInternal ctx,
            HandlerCallDetails details,
            Consumer<HandlerCallDetails> reached) {
        assert ctx.inThread();
        return new InterceptorChain(interceptors, registry, ctx, reached).guarded(0, details);
    }

    private Future<Optional<RpcMethodHandler<?, ?>>> guarded(int index, HandlerCallDetails details) {
        try {
            return step(index, details);
        } catch (RuntimeException e) {
            return ctx.failedFuture(e);
        }
    }

    private Future<Optional<RpcMethodHandler<?, ?>>> step(int index, HandlerCallDetails details) {
        Objects.requireNonNull(details, "details passed to a continuation");
        reached.accept(details);
        if (index == interceptors.size()) {
            return ctx.succeededFuture(Optional.ofNullable(registry.lookup(details)));
        }
        ServerInterceptor interceptor = interceptors.get(index);
        Future<Optional<RpcMethodHandler<?, ?>>> result =
                interceptor.interceptService(next -> continuation(index + 1, next), details);
        return Objects.requireNonNull(result, () -> interceptor + " returned null instead of a future");
    }

    /** Interceptors run on the call's event loop even when an outer one continues from another thread. */
    private Future<Optional<RpcMethodHandler<?, ?>>> continuation(int index, HandlerCallDetails details) {
        if (ctx.inThread()) {
            return guarded(index, details);
        }
        Promise<Optional<RpcMethodHandler<?, ?>>> promise = ctx.promise();
        ctx.runOnContext(v -> guarded(index, details).onComplete(promise));
        return promise.future();
    }
}
