package io.rpcvertx.impl;

import io.rpcvertx.Channel;
import io.rpcvertx.ChannelCredentials;
import io.rpcvertx.ChannelOptions;
import io.rpcvertx.Server;
import io.rpcvertx.ServerOptions;
import io.rpcvertx.impl.client.ChannelImpl;
import io.rpcvertx.impl.server.ServerImpl;
import io.rpcvertx.spi.RpcProvider;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;

/** The provider registered in {@code META-INF/services}. */
public final class RpcProviderImpl implements RpcProvider {
    @Override
    public Channel insecureChannel(Vertx vertx, String target, ChannelOptions options) {
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
}
