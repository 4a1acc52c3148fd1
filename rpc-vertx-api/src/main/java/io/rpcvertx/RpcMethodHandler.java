package io.rpcvertx;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One method's server implementation: its descriptor and a handler of the matching shape (grpc.aio
 * {@code grpc.unary_unary_rpc_method_handler(...)} and its three siblings). Immutable.
 *
 * <p>Handlers run on the call's event loop and must not block. A handler that blocks (JDBC, file I/O, a blocking
 * client library) is marked with {@link #blocking()}: it then runs on the server's blocking pool (grpc.aio's
 * {@code migration_thread_pool}, see {@link ServerOptions#withBlockingPool}), and may wait on futures with
 * {@link Blocking#await}.
 *
 * @param <Req> the request type
 * @param <Resp> the response type
 */
public final class RpcMethodHandler<Req, Resp> {
    private final MethodDescriptor<Req, Resp> method;
    private final Object handler;
    private final boolean blocking;
    private final List<ServerMessageInterceptor> messageInterceptors;

    private RpcMethodHandler(MethodDescriptor<Req, Resp> method, MethodType expected, Object handler) {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(handler, "handler");
        if (method.type() != expected) {
            throw new IllegalArgumentException(
                    "method: " + method.fullMethodName() + " is " + method.type() + " (expected: " + expected + ")");
        }
        this.method = method;
        this.handler = handler;
        this.blocking = false;
        this.messageInterceptors = List.of();
    }

    private RpcMethodHandler(
            RpcMethodHandler<Req, Resp> from, boolean blocking, List<ServerMessageInterceptor> messageInterceptors) {
        this.method = from.method;
        this.handler = from.handler;
        this.blocking = blocking;
        this.messageInterceptors = messageInterceptors;
    }

    /** A unary method handler. */
    public static <Req, Resp> RpcMethodHandler<Req, Resp> unaryUnary(
            MethodDescriptor<Req, Resp> method, UnaryUnaryHandler<Req, Resp> handler) {
        return new RpcMethodHandler<>(method, MethodType.UNARY_UNARY, handler);
    }

    /** A server-streaming method handler. */
    public static <Req, Resp> RpcMethodHandler<Req, Resp> unaryStream(
            MethodDescriptor<Req, Resp> method, UnaryStreamHandler<Req, Resp> handler) {
        return new RpcMethodHandler<>(method, MethodType.UNARY_STREAM, handler);
    }

    /** A client-streaming method handler. */
    public static <Req, Resp> RpcMethodHandler<Req, Resp> streamUnary(
            MethodDescriptor<Req, Resp> method, StreamUnaryHandler<Req, Resp> handler) {
        return new RpcMethodHandler<>(method, MethodType.STREAM_UNARY, handler);
    }

    /** A bidirectional-streaming method handler. */
    public static <Req, Resp> RpcMethodHandler<Req, Resp> streamStream(
            MethodDescriptor<Req, Resp> method, StreamStreamHandler<Req, Resp> handler) {
        return new RpcMethodHandler<>(method, MethodType.STREAM_STREAM, handler);
    }

    /** The method served. */
    public MethodDescriptor<Req, Resp> method() {
        return method;
    }

    /**
     * A copy whose handler runs on the server's blocking pool instead of the event loop. The handler itself is
     * unchanged: it still returns a future that ends the call (typically already completed, e.g.
     * {@code Future.succeededFuture(reply)}), and may throw. Everything it calls on its {@link ServicerContext} hops
     * to the call's event loop; futures it gets back complete there, and it waits on them with {@link Blocking#await}.
     * Interceptors and message hooks still run on the event loop.
     */
    public RpcMethodHandler<Req, Resp> blocking() {
        return blocking ? this : new RpcMethodHandler<>(this, true, messageInterceptors);
    }

    /** Whether the handler runs on the blocking pool ({@link #blocking()}). */
    public boolean isBlocking() {
        return blocking;
    }

    /**
     * A copy that passes each request and response message of its calls through {@code interceptor}'s hooks. The new
     * interceptor is the outermost: it sees requests before, and responses after, the ones already attached.
     */
    public RpcMethodHandler<Req, Resp> withMessageInterceptor(ServerMessageInterceptor interceptor) {
        Objects.requireNonNull(interceptor, "interceptor");
        List<ServerMessageInterceptor> all = new ArrayList<>(messageInterceptors);
        all.add(interceptor);
        return new RpcMethodHandler<>(this, blocking, List.copyOf(all));
    }

    /** The attached message interceptors, innermost (closest to the handler) first. */
    public List<ServerMessageInterceptor> messageInterceptors() {
        return messageInterceptors;
    }

    /** The unary handler; {@link IllegalStateException} for another shape. */
    @SuppressWarnings("unchecked")
    public UnaryUnaryHandler<Req, Resp> unaryUnaryHandler() {
        check(MethodType.UNARY_UNARY);
        return (UnaryUnaryHandler<Req, Resp>) handler;
    }

    /** The server-streaming handler; {@link IllegalStateException} for another shape. */
    @SuppressWarnings("unchecked")
    public UnaryStreamHandler<Req, Resp> unaryStreamHandler() {
        check(MethodType.UNARY_STREAM);
        return (UnaryStreamHandler<Req, Resp>) handler;
    }

    /** The client-streaming handler; {@link IllegalStateException} for another shape. */
    @SuppressWarnings("unchecked")
    public StreamUnaryHandler<Req, Resp> streamUnaryHandler() {
        check(MethodType.STREAM_UNARY);
        return (StreamUnaryHandler<Req, Resp>) handler;
    }

    /** The bidirectional-streaming handler; {@link IllegalStateException} for another shape. */
    @SuppressWarnings("unchecked")
    public StreamStreamHandler<Req, Resp> streamStreamHandler() {
        check(MethodType.STREAM_STREAM);
        return (StreamStreamHandler<Req, Resp>) handler;
    }

    private void check(MethodType type) {
        if (method.type() != type) {
            throw new IllegalStateException(method.fullMethodName() + " is " + method.type() + ", not " + type);
        }
    }

    @Override
    public String toString() {
        return "RpcMethodHandler{" + method + (blocking ? ", blocking" : "") + "}";
    }
}
