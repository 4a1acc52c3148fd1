package io.rpcvertx.spi;

import io.rpcvertx.Channel;
import io.rpcvertx.ChannelCredentials;
import io.rpcvertx.ChannelOptions;
import io.rpcvertx.Server;
import io.rpcvertx.ServerOptions;
import io.vertx.core.Vertx;

/** The implementation behind {@link io.rpcvertx.RpcVertx}, found once with {@link java.util.ServiceLoader}. */
public interface RpcProvider {
    /** See {@link io.rpcvertx.RpcVertx#insecureChannel(Vertx, String, ChannelOptions)}. */
    Channel insecureChannel(Vertx vertx, String target, ChannelOptions options);

    /** See {@link io.rpcvertx.RpcVertx#secureChannel(Vertx, String, ChannelCredentials, ChannelOptions)}. */
    Channel secureChannel(Vertx vertx, String target, ChannelCredentials credentials, ChannelOptions options);

    /** See {@link io.rpcvertx.RpcVertx#server(Vertx, ServerOptions)}. */
    Server server(Vertx vertx, ServerOptions options);
}
