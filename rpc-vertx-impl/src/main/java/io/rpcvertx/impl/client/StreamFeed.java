package io.rpcvertx.impl.client;

import io.rpcvertx.RpcException;
import io.rpcvertx.StatusCode;
import io.rpcvertx.impl.transport.Contexts;
import io.rpcvertx.impl.transport.InboundMessages;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.streams.ReadStream;
import org.jspecify.annotations.Nullable;

/**
 * Response messages that come from another call's (or an interceptor's) {@link ReadStream} rather than from a
 * transport: they are read through {@link InboundMessages} on one context, so they have the usual push and pull
 * views, watermarks and mixing rule, and the source is paused while the reader does not keep up. The decorators'
 * (intercepted and response-replaced calls') response side.
 */
final class StreamFeed<T> implements InboundMessages.Transport {
    final InboundMessages<T> messages;
    private final ContextInternal ctx;
    private final String failure;
    private @Nullable ReadStream<T> source;

    /** {@code failure}: the details prefix of UNKNOWN when the source fails with something else than an RPC status. */
    StreamFeed(ContextInternal ctx, String failure) {
        this.ctx = ctx;
        this.failure = failure;
        this.messages = new InboundMessages<>(ctx, ctx, this);
    }

    /** Reads {@code s} from now on: messages, the end, and a failure as an {@link RpcException}. */
    void from(ReadStream<T> s) {
        source = s;
        s.exceptionHandler(t -> Contexts.run(ctx, () -> messages.end(toRpc(t))));
        s.endHandler(v -> Contexts.run(ctx, () -> messages.end(null)));
        s.handler(m -> Contexts.run(ctx, () -> messages.offer(m)));
    }

    private RpcException toRpc(Throwable t) {
        return t instanceof RpcException ? (RpcException) t : new RpcException(StatusCode.UNKNOWN, failure + t);
    }

    @Override
    public void pauseTransport() {
        ReadStream<T> s = source;
        if (s != null) {
            s.pause();
        }
    }

    @Override
    public void resumeTransport() {
        ReadStream<T> s = source;
        if (s != null) {
            s.resume();
        }
    }
}
