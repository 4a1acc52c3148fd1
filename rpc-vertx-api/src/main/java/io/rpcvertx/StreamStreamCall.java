package io.rpcvertx;

import io.vertx.core.streams.ReadStream;

/**
 * A bidirectional-streaming RPC.
 *
 * @param <Req> the request type
 * @param <Resp> the response type
 */
public interface StreamStreamCall<Req, Resp> extends Call, RequestStream<Req>, ResponseStream<Resp> {
    /**
     * A call that is {@code call} except for its responses, for interceptors. Writes, metadata, status, cancellation
     * and done callbacks are {@code call}'s; {@link #read()} and {@link #responses()} read {@code responses} (see
     * {@link UnaryStreamCall#withResponses}).
     *
     * @throws IllegalStateException if not called on a Vert.x thread (interceptors run on one)
     */
    static <Req, Resp> StreamStreamCall<Req, Resp> withResponses(
            StreamStreamCall<Req, ?> call, ReadStream<Resp> responses) {
        return RpcVertx.provider().streamStreamWithResponses(call, responses);
    }
}
