package io.rpcvertx;

/**
 * A client interceptor (grpc.aio {@code ClientInterceptor}): an object implementing one or more of
 * {@link UnaryUnaryClientInterceptor}, {@link UnaryStreamClientInterceptor}, {@link StreamUnaryClientInterceptor} and
 * {@link StreamStreamClientInterceptor}. Each RPC runs the interceptors of its shape.
 *
 * <p>Register them on a channel with {@link ChannelOptions#withInterceptors} (aio {@code interceptors=}) or wrap any
 * channel with {@link RpcVertx#interceptChannel} (so generated stubs work unchanged). The first interceptor in the
 * list is the outermost: it runs first and its continuation runs the second, as in grpc.aio.
 *
 * <p>Threading: an interceptor runs on the caller's context (the context of the thread that made the call; outside
 * Vert.x, that thread's own event-loop context) and must not block. Its continuation may be called from any thread,
 * at once or later, and more than once: every call starts the rest of the chain, and at its end a new RPC.
 *
 * <p>The call the application holds exists at once; it forwards to the call the interceptor's future produces.
 * Messages written before that are queued in order. If the future fails (or the interceptor throws), the call ends
 * with the failure's status when it is an {@link RpcException}, otherwise with {@link StatusCode#UNKNOWN}. If the
 * application cancels the call first, it ends {@link StatusCode#CANCELLED} and the call produced later is cancelled.
 */
public interface ClientInterceptor {}
