package io.rpcvertx;

import java.util.Objects;

/**
 * One method's server implementation: its descriptor and a handler of the matching shape (grpc.aio
 * {@code grpc.unary_unary_rpc_method_handler(...)} and its three siblings). Immutable.
 *
 * @param <Req> the request type
 * @param <Resp> the response type
 */
public final class RpcMethodHandler<Req, Resp> {
    private final MethodDescriptor<Req, Resp> method;
    private final Object handler;

    private RpcMethodHandler(MethodDescriptor<Req, Resp> method, MethodType expected, Object handler) {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(handler, "handler");
        if (method.type() != expected) {
            throw new IllegalArgumentException(
                    "method: " + method.fullMethodName() + " is " + method.type() + " (expected: " + expected + ")");
        }
        this.method = method;
        this.handler = handler;
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
        return "RpcMethodHandler{" + method + "}";
    }
}
