package io.rpcvertx.spi;

import io.rpcvertx.Channel;
import io.rpcvertx.ChannelCredentials;
import io.rpcvertx.ChannelOptions;
import io.rpcvertx.ClientInterceptor;
import io.rpcvertx.Server;
import io.rpcvertx.ServerOptions;
import io.rpcvertx.ServerSetup;
import io.rpcvertx.ServerVerticle;
import io.rpcvertx.StreamStreamCall;
import io.rpcvertx.StreamUnaryCall;
import io.rpcvertx.UnaryStreamCall;
import io.rpcvertx.UnaryUnaryCall;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.streams.ReadStream;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** The implementation behind {@link io.rpcvertx.RpcVertx}, found once with {@link java.util.ServiceLoader}. */
public interface RpcProvider {
    /** See {@link io.rpcvertx.RpcVertx#insecureChannel(Vertx, String, ChannelOptions)}. */
    Channel insecureChannel(Vertx vertx, String target, ChannelOptions options);

    /** See {@link io.rpcvertx.RpcVertx#secureChannel(Vertx, String, ChannelCredentials, ChannelOptions)}. */
    Channel secureChannel(Vertx vertx, String target, ChannelCredentials credentials, ChannelOptions options);

    /** See {@link io.rpcvertx.RpcVertx#server(Vertx, ServerOptions)}. */
    Server server(Vertx vertx, ServerOptions options);

    /** See {@link io.rpcvertx.RpcVertx#inProcessServer(Vertx, String, ServerOptions)}. */
    Server inProcessServer(Vertx vertx, String name, ServerOptions options);

    /** See {@link io.rpcvertx.RpcVertx#inProcessChannel(Vertx, String, ChannelOptions)}. */
    Channel inProcessChannel(Vertx vertx, String name, ChannelOptions options);

    /** See {@link io.rpcvertx.RpcVertx#eventBusChannel(Vertx, String, ChannelOptions)}. */
    Channel eventBusChannel(Vertx vertx, String address, ChannelOptions options);

    /** See {@link io.rpcvertx.RpcVertx#interceptChannel(Channel, ClientInterceptor...)}. */
    Channel interceptChannel(Channel channel, List<ClientInterceptor> interceptors);

    /** See {@link UnaryUnaryCall#withResponse}. */
    <Req, Resp> UnaryUnaryCall<Req, Resp> unaryUnaryWithResponse(UnaryUnaryCall<Req, ?> call, Future<Resp> response);

    /** See {@link StreamUnaryCall#withResponse}. */
    <Req, Resp> StreamUnaryCall<Req, Resp> streamUnaryWithResponse(StreamUnaryCall<Req, ?> call, Future<Resp> response);

    /** See {@link UnaryStreamCall#withResponses}. */
    <Req, Resp> UnaryStreamCall<Req, Resp> unaryStreamWithResponses(
            UnaryStreamCall<Req, ?> call, ReadStream<Resp> responses);

    /** See {@link StreamStreamCall#withResponses}. */
    <Req, Resp> StreamStreamCall<Req, Resp> streamStreamWithResponses(
            StreamStreamCall<Req, ?> call, ReadStream<Resp> responses);
    /** See {@link io.rpcvertx.RpcVertx#serverVerticle(ServerOptions, Duration, ServerSetup)}. */
    ServerVerticle serverVerticle(ServerOptions options, @Nullable Duration stopGrace, ServerSetup setup);
}
