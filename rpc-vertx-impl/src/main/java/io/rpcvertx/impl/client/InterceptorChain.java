package io.rpcvertx.impl.client;

import io.rpcvertx.Call;
import io.rpcvertx.CallOptions;
import io.rpcvertx.ClientCallDetails;
import io.rpcvertx.MethodDescriptor;
import io.rpcvertx.StreamStreamClientInterceptor;
import io.rpcvertx.StreamUnaryClientInterceptor;
import io.rpcvertx.UnaryStreamClientInterceptor;
import io.rpcvertx.UnaryUnaryClientInterceptor;
import io.vertx.core.Future;
import io.vertx.core.internal.ContextInternal;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Runs a client interceptor chain of each shape into an {@link InterceptedCall}: the per-shape adapters from the
 * interceptor types' continuations to one generic chain, whose last link starts the RPC on the caller's context with
 * the timeout counted from the application's call. Stateless; the call it returns exists before the chain has run.
 *
 * <p>Ordering as in grpc.aio ({@code _interceptor.py}): the first interceptor is the outermost; its continuation runs
 * the next one, and the last continuation starts the RPC.
 */
final class InterceptorChain {
    private InterceptorChain() {}

    /** The rest of a chain, from some interceptor on, given what the one before passed on. */
    private interface Rest<Req> {
        Future<? extends Call> call(ClientCallDetails details, @Nullable Req request);
    }

    /** Runs one interceptor of a chain with {@code rest} as its continuation (one per shape). */
    private interface Link<I, Req> {
        Future<? extends Call> apply(I interceptor, Rest<Req> rest, ClientCallDetails details, @Nullable Req request);
    }

    // ---------------------------------------------------------------- the four chains

    static <Req, Resp> InterceptedCall<Req, Resp> unaryUnary(
            List<UnaryUnaryClientInterceptor> chain,
            MethodDescriptor<Req, Resp> method,
            Req request,
            CallOptions options,
            ContextInternal caller,
            UnaryUnaryClientInterceptor.Continuation<Req, Resp> terminal) {
        return intercept(
                chain,
                (i, rest, d, r) -> i.interceptUnaryUnary((d2, r2) -> cast(rest.call(d2, checked(r2))), d, checked(r)),
                method,
                request,
                options,
                caller,
                (d, r) -> terminal.call(d, checked(r)));
    }

    static <Req, Resp> InterceptedCall<Req, Resp> unaryStream(
            List<UnaryStreamClientInterceptor> chain,
            MethodDescriptor<Req, Resp> method,
            Req request,
            CallOptions options,
            ContextInternal caller,
            UnaryStreamClientInterceptor.Continuation<Req, Resp> terminal) {
        return intercept(
                chain,
                (i, rest, d, r) -> i.interceptUnaryStream((d2, r2) -> cast(rest.call(d2, checked(r2))), d, checked(r)),
                method,
                request,
                options,
                caller,
                (d, r) -> terminal.call(d, checked(r)));
    }

    static <Req, Resp> InterceptedCall<Req, Resp> streamUnary(
            List<StreamUnaryClientInterceptor> chain,
            MethodDescriptor<Req, Resp> method,
            CallOptions options,
            ContextInternal caller,
            StreamUnaryClientInterceptor.Continuation<Req, Resp> terminal) {
        return intercept(
                chain,
                (i, rest, d, r) -> i.interceptStreamUnary(d2 -> cast(rest.call(d2, null)), d),
                method,
                null,
                options,
                caller,
                (d, r) -> terminal.call(d));
    }

    static <Req, Resp> InterceptedCall<Req, Resp> streamStream(
            List<StreamStreamClientInterceptor> chain,
            MethodDescriptor<Req, Resp> method,
            CallOptions options,
            ContextInternal caller,
            StreamStreamClientInterceptor.Continuation<Req, Resp> terminal) {
        return intercept(
                chain,
                (i, rest, d, r) -> i.interceptStreamStream(d2 -> cast(rest.call(d2, null)), d),
                method,
                null,
                options,
                caller,
                (d, r) -> terminal.call(d));
    }

    private static <I, Req, Resp> InterceptedCall<Req, Resp> intercept(
            List<I> chain,
            Link<I, Req> link,
            MethodDescriptor<Req, Resp> method,
            @Nullable Req request,
            CallOptions options,
            ContextInternal caller,
            Rest<Req> terminal) {
        InterceptedCall<Req, Resp> call = new InterceptedCall<>(method, options, caller);
        Rest<Req> last = (d, r) -> call.onCaller(() -> terminal.call(call.measured(d), r));
        ClientCallDetails details = ClientCallDetails.of(method.path(), options);
        call.run(() -> run(chain, 0, link, details, request, last));
        return call;
    }

    private static <I, Req> Future<? extends Call> run(
            List<I> chain, int index, Link<I, Req> link, ClientCallDetails d, @Nullable Req r, Rest<Req> last) {
        if (index == chain.size()) {
            return last.call(d, r);
        }
        return link.apply(chain.get(index), (d2, r2) -> run(chain, index + 1, link, checked(d2), r2, last), d, r);
    }

    /** A continuation's future as the shape's type: the chain only ever passes on what the terminal produced. */
    @SuppressWarnings("unchecked")
    static <C> Future<C> cast(Future<? extends Call> f) {
        return (Future<C>) f;
    }

    private static <T> T checked(@Nullable T value) {
        if (value == null) {
            throw new NullPointerException("a client interceptor passed null to its continuation");
        }
        return value;
    }
}
