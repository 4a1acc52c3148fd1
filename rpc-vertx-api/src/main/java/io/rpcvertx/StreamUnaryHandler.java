package io.rpcvertx;

import io.vertx.core.Future;
import io.vertx.core.streams.ReadStream;

/**
 * Serves a client-streaming method: requests arrive on a {@link ReadStream} (or through {@link ServicerContext#read()}),
 * one response goes out when the returned future completes.
 *
 * <p>The request stream is paused until the handler sets a handler on it or reads; it ends with {@code endHandler}
 * when the client half-closes.
 */
@FunctionalInterface
public interface StreamUnaryHandler<Req, Resp> {
    Future<Resp> handle(ReadStream<Req> requests, ServicerContext<Req, Resp> context);
}
