package io.rpcvertx.impl;

import io.rpcvertx.Channel;
import io.rpcvertx.ChannelOptions;
import io.rpcvertx.Server;
import io.rpcvertx.ServerOptions;
import io.rpcvertx.ServerSetup;
import io.rpcvertx.ServerVerticle;
import io.rpcvertx.impl.client.ChannelImpl;
import io.rpcvertx.impl.server.ServerImpl;
import io.rpcvertx.impl.server.ServerVerticleImpl;
import io.rpcvertx.spi.RpcProvider;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/** The provider registered in {@code META-INF/services}. */
public final class RpcProviderImpl implements RpcProvider {
    @Override
    public Channel insecureChannel(Vertx vertx, String target, ChannelOptions options) {
        return new ChannelImpl((VertxInternal) vertx, target, options);
    }

    @Override
    public Server server(Vertx vertx, ServerOptions options) {
        return new ServerImpl((VertxInternal) vertx, options);
    }

    @Override
    public ServerVerticle serverVerticle(ServerOptions options, @Nullable Duration stopGrace, ServerSetup setup) {
        return new ServerVerticleImpl(options, stopGrace, setup);
    }
}
