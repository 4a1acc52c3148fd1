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
     * {@code ipv4:a.b.c.d:port}, {@code ipv6:[addr]:port} or {@code unix:/path}; or {@code eventbus:[address]}, a
     * channel over {@code vertx}'s event bus as {@link #eventBusChannel(Vertx, String, ChannelOptions)} makes (an
     * empty address is {@link #DEFAULT_EVENT_BUS_ADDRESS}). The channel is IDLE until its first RPC.
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
     * A server that serves channels of the same {@code Vertx} under an in-process {@code name}, without sockets
     * (grpc-java's {@code InProcessServerBuilder.forName(name)}); channels reach it with
     * {@link #inProcessChannel(Vertx, String)}. It is an ordinary {@link Server}: handlers, interceptors, options, its
     * lifecycle and {@link Server#stop stop(grace)} work as for a TCP server, and calls run on its IO instances'
     * event loops ({@link ServerOptions#ioInstances()}) as over HTTP/2. Ports may be added too; the name then serves
     * alongside them.
     *
     * <p>Nothing is short-circuited: messages are serialized, framed (and compressed when a call asks for it) and
     * deserialized as over HTTP/2, so marshaller bugs show and size limits apply to the serialized size; metadata goes
     * through the same header rules ({@code -bin} values, reserved keys); deadlines, cancellation, statuses and flow
     * control (a reader that does not read holds the writer, within {@link ServerOptions#withInitialWindowSize} bytes)
     * behave as over HTTP/2. What has no in-process meaning: {@link ServicerContext#peer()} is
     * {@code inprocess:<name>}, {@link ServicerContext#authContext()} is that of a plaintext connection, and the
     * connection-level options (keepalive, connection idle and age limits, {@code maxConcurrentStreams}) do not apply.
     *
     * <pre>{@code
     * Server server = RpcVertx.inProcessServer(vertx, "greeter");
     * server.addGenericRpcHandlers(GreeterGrpc.bindService(new MyGreeter()));
     * server.start().await();
     * Channel channel = RpcVertx.inProcessChannel(vertx, "greeter");
     * HelloReply reply = new GreeterStub(channel).sayHello(request).response().await();
     * }</pre>
     *
     * The name is claimed by {@link Server#start()}, whose future fails with {@link IllegalStateException} if another
     * server of this JVM holds it; it is released once the server has stopped. Until the server has started, and from
     * its {@code stop}, its channels' new calls fail with {@link StatusCode#UNAVAILABLE}.
     */
    public static Server inProcessServer(Vertx vertx, String name) {
        return inProcessServer(vertx, name, ServerOptions.DEFAULT);
    }

    /** {@link #inProcessServer(Vertx, String)} with options. */
    public static Server inProcessServer(Vertx vertx, String name, ServerOptions options) {
        Objects.requireNonNull(vertx, "vertx");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(options, "options");
        return provider().inProcessServer(vertx, name, options);
    }

    /**
     * A channel to the in-process server of {@code name} in the same {@code Vertx} (grpc-java's
     * {@code InProcessChannelBuilder.forName(name)}); see {@link #inProcessServer(Vertx, String)} for what is the same
     * as over HTTP/2 and what is not. Like every channel it owns one event loop and completes futures on the caller's
     * context; {@link Channel#target()} is {@code name}.
     *
     * <p>There is no connection: the name is looked up by each call. While a server of that name takes calls the
     * channel is {@link ChannelConnectivity#READY}; while none does (not started yet, stopped, or of another
     * {@code Vertx}) it is {@link ChannelConnectivity#TRANSIENT_FAILURE} and calls fail with
     * {@link StatusCode#UNAVAILABLE}, as on a refused connection, except calls with
     * {@link CallOptions#withWaitForReady wait-for-ready}, which wait (within their deadline) for such a server to
     * start, as does {@link Channel#channelReady()}. Options about connections (keepalive, reconnect backoff, idle
     * timeout, load balancing, TLS) do not apply; the call options, interceptors, service config (limits, retries,
     * hedging), compression, message limits and {@link ChannelOptions#withInitialWindowSize} (this channel's receive
     * window) do. Call credentials are sent, as over a local connection.
     *
     * <pre>{@code
     * Channel channel = RpcVertx.inProcessChannel(vertx, "greeter");
     * channel.unaryUnary(SAY_HELLO).call(request).response().onSuccess(reply -> ...);
     * channel.close();
     * }</pre>
     *
     * @throws IllegalArgumentException for a malformed service config in the options
     */
    public static Channel inProcessChannel(Vertx vertx, String name) {
        return inProcessChannel(vertx, name, ChannelOptions.DEFAULT);
    }

    /** {@link #inProcessChannel(Vertx, String)} with options. */
    public static Channel inProcessChannel(Vertx vertx, String name, ChannelOptions options) {
        Objects.requireNonNull(vertx, "vertx");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(options, "options");
        return provider().inProcessChannel(vertx, name, options);
    }

    /**
     * The event-bus address a server serves on ({@link Server#addEventBusPort(String)}) and an event-bus channel dials
     * when none is named: {@value}.
     */
    @Experimental
    public static final String DEFAULT_EVENT_BUS_ADDRESS = "rpcvertx.grpc";

    /**
     * A channel over {@code vertx}'s event bus to the servers serving {@link #DEFAULT_EVENT_BUS_ADDRESS} (the target
     * {@code eventbus:}). See {@link #eventBusChannel(Vertx, String, ChannelOptions)}.
     */
    @Experimental
    public static Channel eventBusChannel(Vertx vertx) {
        return eventBusChannel(vertx, DEFAULT_EVENT_BUS_ADDRESS, ChannelOptions.DEFAULT);
    }

    /** {@link #eventBusChannel(Vertx)} with options. */
    @Experimental
    public static Channel eventBusChannel(Vertx vertx, ChannelOptions options) {
        return eventBusChannel(vertx, DEFAULT_EVENT_BUS_ADDRESS, options);
    }

    /**
     * A channel over {@code vertx}'s event bus (the target {@code eventbus:<address>}): its calls open on
     * {@code address}, which servers consume with {@link Server#addEventBusPort(String)}, in this {@code Vertx} or, on
     * a clustered event bus, on any node. Several servers on one address share the calls (the event bus round-robins
     * each call's first message; the rest of the call stays with the server that took it). Every call semantic of a
     * TCP channel holds (metadata, deadlines, cancellation, status, size limits, flow control by message credit); a
     * server that leaves mid-call (its node left the cluster) fails the call with {@link StatusCode#UNAVAILABLE}
     * within seconds. The wire protocol is in {@code docs/eventbus-protocol.md}.
     *
     * <pre>{@code
     * Server server = RpcVertx.server(vertx);
     * server.addEventBusPort("greeter");
     * server.start();
     * Channel channel = RpcVertx.eventBusChannel(vertx, "greeter", ChannelOptions.DEFAULT);
     * }</pre>
     *
     * @throws IllegalArgumentException for an empty address, or a malformed service config in the options
     */
    @Experimental
    public static Channel eventBusChannel(Vertx vertx, String address, ChannelOptions options) {
        Objects.requireNonNull(vertx, "vertx");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(options, "options");
        if (address.isEmpty()) {
            throw new IllegalArgumentException("address: \"\" (expected: an event-bus address)");
        }
        return provider().eventBusChannel(vertx, address, options);
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
