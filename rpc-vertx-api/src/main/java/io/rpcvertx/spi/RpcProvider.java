package io.rpcvertx.spi;

import io.rpcvertx.Channel;
import io.rpcvertx.ChannelOptions;
import io.rpcvertx.Server;
import io.rpcvertx.ServerOptions;
import io.rpcvertx.ServerSetup;
import io.rpcvertx.ServerVerticle;
import io.vertx.core.Vertx;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/** The implementation behind {@link io.rpcvertx.RpcVertx}, found once with {@link java.util.ServiceLoader}. */
public interface RpcProvider {
    /** See {@link io.rpcvertx.RpcVertx#insecureChannel(Vertx, String, ChannelOptions)}. */
    Channel insecureChannel(Vertx vertx, String target, ChannelOptions options);

    /** See {@link io.rpcvertx.RpcVertx#server(Vertx, ServerOptions)}. */
    Server server(Vertx vertx, ServerOptions options);

    /** See {@link io.rpcvertx.RpcVertx#serverVerticle(ServerOptions, Duration, ServerSetup)}. */
    ServerVerticle serverVerticle(ServerOptions options, @Nullable Duration stopGrace, ServerSetup setup);
}
