package io.rpcvertx;

import io.rpcvertx.spi.RpcProvider;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.ServiceLoader;
import org.jspecify.annotations.Nullable;

/**
 * Entry points: channels and servers (grpc.aio {@code aio.insecure_channel}, {@code aio.secure_channel},
 * {@code aio.server}).
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
     * @throws IllegalArgumentException for a malformed target, or a malformed service config in the options
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

    /**
     * A secure channel to {@code target} (grpc.aio {@code aio.secure_channel}): TLS with ALPN {@code h2}, or plaintext
     * to a local peer for {@link ChannelCredentials#local()}. Targets as for
     * {@link #insecureChannel(Vertx, String)}. The channel is IDLE until its first RPC; TLS failures (untrusted or
     * expired certificate, host name mismatch, no {@code h2}) end RPCs with {@link StatusCode#UNAVAILABLE}.
     *
     * @throws IllegalArgumentException for a malformed target, or certificates or keys that do not parse
     * @throws IllegalStateException if {@link ChannelOptions#tlsEngine()} is {@link TlsEngine#OPENSSL} and OpenSSL
     *     does not load here
     */
    public static Channel secureChannel(Vertx vertx, String target, ChannelCredentials credentials) {
        return secureChannel(vertx, target, credentials, ChannelOptions.DEFAULT);
    }

    /** {@link #secureChannel(Vertx, String, ChannelCredentials)} with options. */
    public static Channel secureChannel(
            Vertx vertx, String target, ChannelCredentials credentials, ChannelOptions options) {
        Objects.requireNonNull(vertx, "vertx");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(credentials, "credentials");
        Objects.requireNonNull(options, "options");
        return provider().secureChannel(vertx, target, credentials, options);
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
     * {@code channel} with client interceptors in front (grpc's {@code intercept_channel}): RPCs started through the
     * returned channel run {@code interceptors} (the first is the outermost), then those of {@code channel}. The
     * returned channel shares {@code channel}'s connection and state; closing either closes both. Generated stubs
     * take it like any channel.
     */
    public static Channel interceptChannel(Channel channel, ClientInterceptor... interceptors) {
        Objects.requireNonNull(channel, "channel");
        Objects.requireNonNull(interceptors, "interceptors");
        List<ClientInterceptor> list = List.of(interceptors);
        return list.isEmpty() ? channel : provider().interceptChannel(channel, list);
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

    static RpcProvider provider() {
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
