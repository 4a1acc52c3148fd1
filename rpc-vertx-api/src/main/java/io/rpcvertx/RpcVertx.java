package io.rpcvertx;

import io.rpcvertx.spi.RpcProvider;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.Iterator;
import java.util.Objects;
import java.util.ServiceLoader;
import org.jspecify.annotations.Nullable;

/**
 * Entry points: channels and servers (grpc.aio {@code aio.insecure_channel}, {@code aio.server}).
 *
 * <p>Needs {@code io.rpcvertx:rpc-vertx-impl} on the class path.
 */
public final class RpcVertx {
    private RpcVertx() {}

    /**
     * A plaintext (h2c, prior knowledge) channel to {@code target}: {@code host:port}, {@code dns:///host:port},
     * {@code ipv4:a.b.c.d:port}, {@code ipv6:[addr]:port} or {@code unix:/path}. The channel is IDLE until its first
     * RPC.
     *
     * @throws IllegalArgumentException for a malformed target
     */
    public static Channel insecureChannel(Vertx vertx, String target) {
        return insecureChannel(vertx, target, ChannelOptions.DEFAULT);
    }

    /** {@link #insecureChannel(Vertx, String)} with options. */
    public static Channel insecureChannel(Vertx vertx, String target, ChannelOptions options) {
        Objects.requireNonNull(vertx, "vertx");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(options, "options");
        return provider().insecureChannel(vertx, target, options);
    }

    /** A server with default options. */
    public static Server server(Vertx vertx) {
        return server(vertx, ServerOptions.DEFAULT);
    }

    /** A server. */
    public static Server server(Vertx vertx, ServerOptions options) {
        Objects.requireNonNull(vertx, "vertx");
        Objects.requireNonNull(options, "options");
        return provider().server(vertx, options);
    }

    /**
     * A server to deploy as a verticle of your own ({@code vertx.deployVerticle(RpcVertx.serverVerticle(...),
     * deploymentOptions)}): on deploy it makes a server with {@code options} on the deployment's event loop, lets
     * {@code setup} add handlers and ports, and starts it; on undeploy it calls {@link Server#stop stop(stopGrace)}
     * ({@code null}: cancel in-flight RPCs at once) and completes when the server has stopped.
     */
    public static ServerVerticle serverVerticle(
            ServerOptions options, @Nullable Duration stopGrace, ServerSetup setup) {
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(setup, "setup");
        return provider().serverVerticle(options, stopGrace, setup);
    }

    private static volatile @Nullable RpcProvider provider;

    private static RpcProvider provider() {
        RpcProvider p = provider;
        if (p == null) {
            Iterator<RpcProvider> it = ServiceLoader.load(RpcProvider.class, RpcVertx.class.getClassLoader())
                    .iterator();
            if (!it.hasNext()) {
                throw new IllegalStateException(
                        "no rpc-vertx implementation found: add io.rpcvertx:rpc-vertx-impl to the class path");
            }
            p = it.next();
            provider = p;
        }
        return p;
    }
}
