package io.rpcvertx;

import io.vertx.core.Future;
import io.vertx.core.streams.ReadStream;

/**
 * Serves a bidirectional-streaming method: requests on a {@link ReadStream}, responses through
 * {@link ServicerContext#write}; the call ends when the returned future completes.
 */
@FunctionalInterface
public interface StreamStreamHandler<Req, Resp> {
    Future<Void> handle(ReadStream<Req> requests, ServicerContext<Req, Resp> context);
}
