package io.rpcvertx;

import io.vertx.core.Future;
import io.vertx.core.streams.ReadStream;
import java.util.function.BiFunction;

/**
 * Serves a server-streaming method: one request in, responses written through {@link ServicerContext#write} (or
 * piped into {@link ServicerContext#responses()}); the call ends when the returned future completes.
 */
@FunctionalInterface
public interface UnaryStreamHandler<Req, Resp> {
    Future<Void> handle(Req request, ServicerContext<Req, Resp> context);

    /** A handler that returns a stream of responses, piped to the client with backpressure. */
    static <Req, Resp> UnaryStreamHandler<Req, Resp> ofStream(
            BiFunction<Req, ServicerContext<Req, Resp>, ReadStream<Resp>> source) {
        return (request, context) -> source.apply(request, context).pipeTo(context.responses());
    }
}
