package io.rpcvertx.impl.client;

import io.rpcvertx.Call;
import io.rpcvertx.Metadata;
import io.rpcvertx.RequestStream;
import io.rpcvertx.StatusCode;
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
 * <p>A replaced stream is read through a {@link StreamFeed} on the context that made the replacement (an
 * interceptor's, i.e. the caller's).
 */
public final class ResponseReplacedCall<Req, Resp> implements ClientCall<Req, Resp> {
    private final Call call;
    private final @Nullable Future<Resp> response;
    private final @Nullable StreamFeed<Resp> feed;

    private ResponseReplacedCall(
            Call call, ContextInternal ctx, @Nullable Future<Resp> response, @Nullable ReadStream<Resp> source) {
        this.call = call;
        this.response = response;
        this.feed = source == null ? null : new StreamFeed<>(ctx, "replaced response stream failed: ");
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
        StreamFeed<Resp> f = replaced.feed;
        assert f != null;
        f.from(responses);
        return replaced;
    }

    @SuppressWarnings("unchecked")
    private RequestStream<Req> requestSide() {
        if (!(call instanceof RequestStream)) {
            throw new IllegalStateException(call + " takes a single request");
        }
        return (RequestStream<Req>) call;
    }

    private InboundMessages<Resp> streaming() {
        StreamFeed<Resp> f = feed;
        if (f == null) {
            throw new IllegalStateException(call + " has a single response: use response()");
        }
        return f.messages;
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
