package io.rpcvertx.examples.helloworld;

import io.rpcvertx.RpcVertx;
import io.rpcvertx.Server;
import io.rpcvertx.ServerOptions;
import io.rpcvertx.ServicerContext;
import io.rpcvertx.examples.GatewayBridgeServer;
import io.rpcvertx.examples.ServerConfig;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Serves {@code helloworld.Greeter} on one plaintext port: the verticle is the generated {@link GreeterServicer}, and
 * registers itself with {@link GreeterGrpc#addGreeterServicerToServer}.
 *
 * <p>Config: {@code host} (default {@value #DEFAULT_HOST}), {@code port} (default {@value #DEFAULT_PORT}; 0 picks a
 * free port, read it back with {@link #port()}), and the server settings of {@link ServerConfig} ({@code grace},
 * {@code maxConcurrentRpcs}, {@code ioInstances}).
 */
public final class GreeterServerVerticle extends VerticleBase implements GreeterServicer {
    public static final String DEFAULT_HOST = "0.0.0.0";
    public static final int DEFAULT_PORT = 50051;
    /** Replies sent by {@code SayHelloStreamReply}. */
    public static final int STREAM_REPLIES = 3;

    private Server server;
    private @Nullable GatewayBridgeServer bridges;
    private Duration grace = Duration.ofSeconds(ServerConfig.DEFAULT_GRACE_SECONDS);
    private volatile int port = -1;

    /**
     * The bound port.
     *
     * @throws IllegalStateException before the verticle has started
     */
    public int port() {
        int bound = port;
        if (bound < 0) {
            throw new IllegalStateException("port: not bound yet (the verticle has not started)");
        }
        return bound;
    }

    @Override
    public Future<?> start() {
        JsonObject config = config();
        String host = config.getString("host", DEFAULT_HOST);
        int requestedPort = config.getInteger("port", DEFAULT_PORT);
        grace = ServerConfig.grace(config);
        server = RpcVertx.server(vertx, ServerConfig.options(config, ServerOptions.DEFAULT));
        GreeterGrpc.addGreeterServicerToServer(this, server);
        GatewayBridgeServer attached = GatewayBridgeServer.attach(vertx, server, config);
        bridges = attached;
        return ServerConfig.eventBus(config, server)
                .compose(v -> server.addInsecurePort(address(host, requestedPort)))
                .compose(bound -> {
                    port = bound;
                    return server.start();
                })
                .compose(v -> attached.listen(host));
    }

    @Override
    public Future<?> stop() {
        GatewayBridgeServer attached = bridges;
        Future<Void> stopped = server == null ? Future.succeededFuture() : server.stop(grace);
        return attached == null ? stopped : stopped.eventually(attached::close);
    }

    /** Where the bridges listen ({@link GatewayBridgeServer#describe()}); empty without bridge flags. */
    public List<String> bridges() {
        GatewayBridgeServer attached = bridges;
        return attached == null ? List.of() : attached.describe();
    }

    @Override
    public Future<HelloReply> sayHello(HelloRequest request, ServicerContext<HelloRequest, HelloReply> context) {
        return Future.succeededFuture(reply("Hello " + request.getName()));
    }

    /** Writes each reply once the previous one was accepted under flow control. */
    @Override
    public Future<Void> sayHelloStreamReply(HelloRequest request, ServicerContext<HelloRequest, HelloReply> context) {
        Future<Void> written = Future.succeededFuture();
        for (int i = 1; i <= STREAM_REPLIES; i++) {
            HelloReply reply = reply("Hello " + request.getName() + " #" + i);
            written = written.compose(v -> context.write(reply));
        }
        return written;
    }

    private static HelloReply reply(String message) {
        return HelloReply.newBuilder().setMessage(message).build();
    }

    /** {@code host:port}, bracketing an IPv6 literal. */
    static String address(String host, int port) {
        boolean ipv6 = host.indexOf(':') >= 0 && !host.startsWith("[");
        return (ipv6 ? "[" + host + "]" : host) + ":" + port;
    }
}
