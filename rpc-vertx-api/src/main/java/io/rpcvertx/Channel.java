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

    /** The current connectivity state, without starting a connection: {@code getState(ConnectRequest.NONE)}. */
    default ChannelConnectivity getState() {
        return getState(ConnectRequest.NONE);
    }

    /**
     * The current connectivity state (aio {@code get_state(try_to_connect)}). With {@link
     * ConnectRequest#TRY_TO_CONNECT} an {@link ChannelConnectivity#IDLE} channel starts resolving and connecting, as
     * its first RPC would; the attempt runs on the channel's event loop, so the state returned may still be {@code
     * IDLE} (use {@link #waitForStateChange} to follow it). Never blocks; after {@link #close} it is {@link
     * ChannelConnectivity#SHUTDOWN} from every thread at once.
     */
    ChannelConnectivity getState(ConnectRequest request);

    /**
     * Completes the first time the state differs from {@code lastObserved} (at once if it already does), with the new
     * state.
     */
    Future<ChannelConnectivity> waitForStateChange(ChannelConnectivity lastObserved);

    /**
     * Starts connecting if IDLE and completes when the channel is READY (aio {@code channel_ready}); it waits through
     * any number of failed attempts and their backoff. Fails with {@link IllegalStateException} if the channel is
     * closed first.
     */
    Future<Void> channelReady();

    /**
     * A snapshot of this channel's statistics (grpc channelz's data model): its calls started, succeeded and failed,
     * when the last one started, and each subchannel's address, state and streams. Counting costs a few counter
     * increments per call and needs no tracer or metrics library. Any state, also after {@link #close}; the future
     * completes on the caller's context and does not fail.
     */
    @Experimental
    Future<ChannelStats> stats();

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

    /**
     * This channel as an {@link AutoCloseable} for try-with-resources (aio {@code async with channel:}). Its {@code
     * close()} starts {@link #close()} (grace zero) and returns at once, so it is safe on an event loop: when the
     * block exits the channel is already {@link ChannelConnectivity#SHUTDOWN} and refuses new RPCs, while in-flight
     * ones are being cancelled. To wait until the connection is closed, use {@code channel.close()}'s future instead
     * (for example {@code channel.close().await()} on a non-Vert.x thread).
     *
     * <pre>{@code
     * Channel channel = RpcVertx.insecureChannel(vertx, "dns:///greeter.example:50051");
     * try (Channel.SafeCloseable scope = channel.asAutoCloseable()) {
     *     HelloReply reply = channel.unaryUnary(SAY_HELLO).call(request).response().await(); // non-Vert.x thread
     * }
     * }</pre>
     */
    default SafeCloseable asAutoCloseable() {
        return this::close;
    }

    /** An {@link AutoCloseable} whose {@code close()} throws no checked exception and never blocks. */
    @FunctionalInterface
    interface SafeCloseable extends AutoCloseable {
        @Override
        void close();
    }
}
