package io.rpcvertx.impl;

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
import io.rpcvertx.impl.client.ChannelImpl;
import io.rpcvertx.impl.client.InterceptedChannel;
import io.rpcvertx.impl.client.ResponseReplacedCall;
import io.rpcvertx.impl.eventbus.EventBusChannel;
import io.rpcvertx.impl.eventbus.EventBusWire;
import io.rpcvertx.impl.inprocess.InProcessChannel;
import io.rpcvertx.impl.server.ServerImpl;
import io.rpcvertx.impl.server.ServerVerticleImpl;
import io.rpcvertx.spi.RpcProvider;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.streams.ReadStream;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/** The provider registered in {@code META-INF/services}. */
public final class RpcProviderImpl implements RpcProvider {
    private static final String EVENT_BUS_SCHEME = "eventbus:";

    @Override
    public Channel insecureChannel(Vertx vertx, String target, ChannelOptions options) {
        if (target.startsWith(EVENT_BUS_SCHEME)) {
            // eventbus:[address]: the event-bus transport; an empty address is the default one
            String address = target.substring(EVENT_BUS_SCHEME.length());
            return eventBusChannel(vertx, address.isEmpty() ? EventBusWire.DEFAULT_ADDRESS : address, options);
        }
        return new ChannelImpl((VertxInternal) vertx, target, options);
    }

    @Override
    public Channel secureChannel(Vertx vertx, String target, ChannelCredentials credentials, ChannelOptions options) {
        return new ChannelImpl((VertxInternal) vertx, target, options, credentials);
    }

    @Override
    public Server server(Vertx vertx, ServerOptions options) {
        return new ServerImpl((VertxInternal) vertx, options);
    }

    @Override
    public Server inProcessServer(Vertx vertx, String name, ServerOptions options) {
        return new ServerImpl((VertxInternal) vertx, options, name);
    }

    @Override
    public Channel inProcessChannel(Vertx vertx, String name, ChannelOptions options) {
        return new InProcessChannel((VertxInternal) vertx, name, options);
    }

    @Override
    public Channel eventBusChannel(Vertx vertx, String address, ChannelOptions options) {
        return new EventBusChannel((VertxInternal) vertx, address, options);
    }

    @Override
    public Channel interceptChannel(Channel channel, List<ClientInterceptor> interceptors) {
        return new InterceptedChannel(channel, interceptors);
    }

    @Override
    public <Req, Resp> UnaryUnaryCall<Req, Resp> unaryUnaryWithResponse(
            UnaryUnaryCall<Req, ?> call, Future<Resp> response) {
        return ResponseReplacedCall.withResponse(
                Objects.requireNonNull(call, "call"), Objects.requireNonNull(response, "response"));
    }

    @Override
    public <Req, Resp> StreamUnaryCall<Req, Resp> streamUnaryWithResponse(
            StreamUnaryCall<Req, ?> call, Future<Resp> response) {
        return ResponseReplacedCall.withResponse(
                Objects.requireNonNull(call, "call"), Objects.requireNonNull(response, "response"));
    }

    @Override
    public <Req, Resp> UnaryStreamCall<Req, Resp> unaryStreamWithResponses(
            UnaryStreamCall<Req, ?> call, ReadStream<Resp> responses) {
        return ResponseReplacedCall.withResponses(
                Objects.requireNonNull(call, "call"), Objects.requireNonNull(responses, "responses"));
    }

    @Override
    public <Req, Resp> StreamStreamCall<Req, Resp> streamStreamWithResponses(
            StreamStreamCall<Req, ?> call, ReadStream<Resp> responses) {
        return ResponseReplacedCall.withResponses(
                Objects.requireNonNull(call, "call"), Objects.requireNonNull(responses, "responses"));
    }

    @Override
    public ServerVerticle serverVerticle(ServerOptions options, @Nullable Duration stopGrace, ServerSetup setup) {
        return new ServerVerticleImpl(options, stopGrace, setup);
    }
}
