package io.rpcvertx;

import io.vertx.core.streams.ReadStream;

/**
 * A server-streaming RPC: one request, a stream of responses.
 *
 * @param <Req> the request type
 * @param <Resp> the response type
 */
public interface UnaryStreamCall<Req, Resp> extends Call, ResponseStream<Resp> {
    /**
     * A call that is {@code call} except for its responses, for interceptors (grpc.aio: an interceptor returning an
     * async iterator instead of the call). Metadata, status, cancellation and done callbacks are {@code call}'s;
     * {@link #read()} and {@link #responses()} read {@code responses}, with the usual rules (one style per call,
     * backpressure: {@code responses} is paused while the reader does not keep up). A failure of {@code responses}
     * reaches the reader as is if it is an {@link RpcException}, otherwise as {@link StatusCode#UNKNOWN}.
     *
     * @throws IllegalStateException if not called on a Vert.x thread (interceptors run on one)
     */
    static <Req, Resp> UnaryStreamCall<Req, Resp> withResponses(
            UnaryStreamCall<Req, ?> call, ReadStream<Resp> responses) {
        return RpcVertx.provider().unaryStreamWithResponses(call, responses);
    }
}
