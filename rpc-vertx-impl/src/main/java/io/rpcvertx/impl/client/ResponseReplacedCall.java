package io.rpcvertx.impl.client;

import io.rpcvertx.Call;
import io.rpcvertx.Metadata;
import io.rpcvertx.RequestStream;
import io.rpcvertx.RpcException;
import io.rpcvertx.StatusCode;
import io.rpcvertx.impl.transport.Contexts;
import io.rpcvertx.impl.transport.InboundMessages;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.streams.ReadStream;
import io.vertx.core.streams.WriteStream;
import java.time.Duration;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A call whose response (or response stream) an interceptor replaced ({@code UnaryUnaryCall.withResponse},
 * {@code UnaryStreamCall.withResponses}, ...): everything else forwards to the original call.
 *
 * <p>A replaced stream is read through {@link InboundMessages} on the context that made the replacement (an
 * interceptor's, i.e. the caller's), so it has the usual push and pull views, watermarks and mixing rule; the source
 * is paused while the reader does not keep up.
 */
public final class ResponseReplacedCall<Req, Resp> implements ClientCall<Req, Resp>, InboundMessages.Transport {
    private final Call call;
    private final @Nullable Future<Resp> response;
    private final @Nullable InboundMessages<Resp> inbound;
    private final @Nullable ReadStream<Resp> source;

    private ResponseReplacedCall(
            Call call, ContextInternal ctx, @Nullable Future<Resp> response, @Nullable ReadStream<Resp> source) {
        this.call = call;
        this.response = response;
        this.source = source;
        this.inbound = source == null ? null : new InboundMessages<>(ctx, ctx, this);
    }

    private static ContextInternal current(String what) {
        ContextInternal ctx = ContextInternal.current();
        if (ctx == null) {
            throw new IllegalStateException(what + " must be called on a Vert.x thread (interceptors run on one)");
        }
        return ctx;
    }

    /** A call answering {@code response} instead of {@code call}'s response. */
    public static <Req, Resp> ResponseReplacedCall<Req, Resp> withResponse(Call call, Future<Resp> response) {
        ContextInternal ctx = current("withResponse");
        Promise<Resp> onCtx = ctx.promise();
        response.onComplete(onCtx);
        return new ResponseReplacedCall<>(call, ctx, onCtx.future(), null);
    }

    /** A call streaming {@code responses} instead of {@code call}'s responses. */
    public static <Req, Resp> ResponseReplacedCall<Req, Resp> withResponses(Call call, ReadStream<Resp> responses) {
        ContextInternal ctx = current("withResponses");
        ResponseReplacedCall<Req, Resp> replaced = new ResponseReplacedCall<>(call, ctx, null, responses);
        InboundMessages<Resp> in = replaced.inbound;
        assert in != null;
        feed(responses, in, ctx, "replaced response stream failed: ");
        return replaced;
    }

    /**
     * Feeds {@code source} into {@code into} on {@code ctx} (where {@code into} is produced): messages, the end, and
     * a failure as an {@link RpcException} ({@code UNKNOWN} with {@code what} and the cause if it is not one).
     */
    static <T> void feed(ReadStream<T> source, InboundMessages<T> into, ContextInternal ctx, String what) {
        source.exceptionHandler(t -> Contexts.run(ctx, () -> into.end(toRpc(t, what))));
        source.endHandler(v -> Contexts.run(ctx, () -> into.end(null)));
        source.handler(m -> Contexts.run(ctx, () -> into.offer(m)));
    }

    private static RpcException toRpc(Throwable t, String what) {
        return t instanceof RpcException ? (RpcException) t : new RpcException(StatusCode.UNKNOWN, what + t);
    }

    @SuppressWarnings("unchecked")
    private RequestStream<Req> requestSide() {
        if (!(call instanceof RequestStream)) {
            throw new IllegalStateException(call + " takes a single request");
        }
        return (RequestStream<Req>) call;
    }

    private InboundMessages<Resp> streaming() {
        InboundMessages<Resp> in = inbound;
        if (in == null) {
            throw new IllegalStateException(call + " has a single response: use response()");
        }
        return in;
    }

    // InboundMessages.Transport (ctx): the source is paused while the reader does not keep up

    @Override
    public void pauseTransport() {
        ReadStream<Resp> s = source;
        if (s != null) {
            s.pause();
        }
    }

    @Override
    public void resumeTransport() {
        ReadStream<Resp> s = source;
        if (s != null) {
            s.resume();
        }
    }

    // the replaced part

    @Override
    public Future<Resp> response() {
        Future<Resp> r = response;
        if (r == null) {
            throw new IllegalStateException(call + " streams its responses: use read()/responses()");
        }
        return r;
    }

    @Override
    public Future<Optional<Resp>> read() {
        return streaming().read();
    }

    @Override
    public ReadStream<Resp> responses() {
        return streaming();
    }

    // the rest is the original call's

    @Override
    public Future<Void> write(Req message) {
        return requestSide().write(message);
    }

    @Override
    public Future<Void> doneWriting() {
        return requestSide().doneWriting();
    }

    @Override
    public WriteStream<Req> requests() {
        return requestSide().requests();
    }

    @Override
    public Future<Metadata> initialMetadata() {
        return call.initialMetadata();
    }

    @Override
    public Future<Metadata> trailingMetadata() {
        return call.trailingMetadata();
    }

    @Override
    public Future<StatusCode> code() {
        return call.code();
    }

    @Override
    public Future<String> details() {
        return call.details();
    }

    @Override
    public Future<Void> waitForConnection() {
        return call.waitForConnection();
    }

    @Override
    public boolean isCancelled() {
        return call.isCancelled();
    }

    @Override
    public boolean isDone() {
        return call.isDone();
    }

    @Override
    public Optional<Duration> timeRemaining() {
        return call.timeRemaining();
    }

    @Override
    public boolean cancel() {
        return call.cancel();
    }

    @Override
    public void addDoneCallback(Handler<Void> callback) {
        call.addDoneCallback(callback);
    }

    @Override
    public String toString() {
        return "ResponseReplacedCall{" + call + "}";
    }
}
