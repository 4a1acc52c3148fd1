package io.rpcvertx;

import io.vertx.core.Future;
import java.time.Duration;

/**
 * A virtual connection to a target (grpc.aio {@code aio.Channel}), from which RPCs are started.
 *
 * <p>A channel is created IDLE and connects on its first RPC. It owns one event loop (the one it was created on, or a
 * fresh one when created outside Vert.x): its connection, its calls and its state live there; every method may be
 * called from any thread, and futures complete on the caller's context. A channel created inside a verticle is
 * closed (grace zero) when that verticle is undeployed, and any channel when its {@code Vertx} closes.
 *
 * <pre>{@code
 * Channel channel = RpcVertx.insecureChannel(vertx, "127.0.0.1:50051");
 * UnaryUnaryCall<HelloRequest, HelloReply> call = channel.unaryUnary(SAY_HELLO).call(request);
 * call.response().onSuccess(reply -> System.out.println(reply.getMessage()));
 * channel.close();
 * }</pre>
 */
public interface Channel {
    /** The target this channel was created for. */
    String target();

    /** A callable for a unary method; throws {@link IllegalArgumentException} if the descriptor is another shape. */
    <Req, Resp> UnaryUnaryMultiCallable<Req, Resp> unaryUnary(MethodDescriptor<Req, Resp> method);

    /** A callable for a server-streaming method. */
    <Req, Resp> UnaryStreamMultiCallable<Req, Resp> unaryStream(MethodDescriptor<Req, Resp> method);

    /** A callable for a client-streaming method. */
    <Req, Resp> StreamUnaryMultiCallable<Req, Resp> streamUnary(MethodDescriptor<Req, Resp> method);

    /** A callable for a bidirectional-streaming method. */
    <Req, Resp> StreamStreamMultiCallable<Req, Resp> streamStream(MethodDescriptor<Req, Resp> method);

    /** The current connectivity state, without starting a connection. */
    ChannelConnectivity getState();

    /**
     * Completes the first time the state differs from {@code lastObserved} (at once if it already does), with the new
     * state.
     */
    Future<ChannelConnectivity> waitForStateChange(ChannelConnectivity lastObserved);

    /**
     * Starts connecting if IDLE and completes when the channel is READY; fails with {@link IllegalStateException} if
     * the channel is closed first.
     */
    Future<Void> channelReady();

    /** Closes at once: like {@code close(Duration.ZERO)}. */
    default Future<Void> close() {
        return close(Duration.ZERO);
    }

    /**
     * Closes the channel (aio {@code close(grace)}): new RPCs fail with {@link StatusCode#UNAVAILABLE} at once; RPCs
     * in flight may finish within {@code grace}, after which they are cancelled ({@link StatusCode#CANCELLED}); then
     * the connection is closed and the channel is {@link ChannelConnectivity#SHUTDOWN}. Idempotent: a later call
     * returns the same completion. The future completes when every call has ended and the connection is closed.
     */
    Future<Void> close(Duration grace);
}
