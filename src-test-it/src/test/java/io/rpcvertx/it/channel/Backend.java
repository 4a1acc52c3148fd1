package io.rpcvertx.it.channel;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.concurrent.TimeUnit.SECONDS;

import io.rpcvertx.Marshaller;
import io.rpcvertx.MethodDescriptor;
import io.rpcvertx.MethodType;
import io.rpcvertx.RpcException;
import io.rpcvertx.RpcMethodHandler;
import io.rpcvertx.RpcVertx;
import io.rpcvertx.Server;
import io.rpcvertx.ServerOptions;
import io.rpcvertx.ServiceDefinition;
import io.rpcvertx.StatusCode;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A named rpc-vertx server for channel tests, service {@code test.Channel}: {@code Who} answers with the server's name
 * and records the caller's peer address (which names its connection); {@code Hold} answers only when the test
 * completes the promise it finds in {@link #held}.
 */
final class Backend {
    static final Marshaller<String> UTF8 = Marshaller.of(s -> Buffer.buffer(s.getBytes(UTF_8)), b -> b.toString(UTF_8));
    static final MethodDescriptor<String, String> WHO =
            MethodDescriptor.of(MethodType.UNARY_UNARY, "test.Channel/Who", UTF8, UTF8);
    static final MethodDescriptor<String, String> HOLD =
            MethodDescriptor.of(MethodType.UNARY_UNARY, "test.Channel/Hold", UTF8, UTF8);

    final String name;
    final Server server;
    /** The peer of every {@code Who} call, in order. */
    final List<String> peers = new CopyOnWriteArrayList<>();
    /** One promise per {@code Hold} call, in arrival order; completing it answers the call. */
    final BlockingQueue<Promise<String>> held = new LinkedBlockingQueue<>();

    private int port;

    private Backend(Vertx vertx, String name) {
        this.name = name;
        // the channel tests ping often (keepalive): permit it, or the server's ping policy answers too_many_pings
        this.server = RpcVertx.server(
                vertx,
                ServerOptions.DEFAULT.withPermitKeepAliveTime(Duration.ZERO).withPermitKeepAliveWithoutCalls(true));
        server.addGenericRpcHandlers(ServiceDefinition.of(
                "test.Channel",
                RpcMethodHandler.unaryUnary(WHO, (request, ctx) -> {
                    peers.add(ctx.peer());
                    return Future.succeededFuture(name);
                }),
                RpcMethodHandler.unaryUnary(HOLD, (request, ctx) -> {
                    Promise<String> p = Promise.promise();
                    // held until the test completes it, or until the call ends: a server stop waits for handlers
                    ctx.addDoneCallback(v -> p.tryFail(new RpcException(StatusCode.CANCELLED, "call ended")));
                    held.add(p);
                    return p.future();
                })));
    }

    /** Starts a backend on {@code 127.0.0.1:port} (0 picks a free port). */
    static Backend start(Vertx vertx, String name, int port) throws Exception {
        Backend backend = new Backend(vertx, name);
        backend.port = backend.server.addInsecurePort("127.0.0.1:" + port).await(5, SECONDS);
        backend.server.start().await(5, SECONDS);
        return backend;
    }

    int port() {
        return port;
    }

    String address() {
        return "127.0.0.1:" + port;
    }

    /** The next {@code Hold} call to arrive, waiting up to 5 s. */
    Promise<String> nextHeld() throws InterruptedException {
        Promise<String> p = held.poll(5, SECONDS);
        if (p == null) {
            throw new AssertionError(name + ": no Hold call arrived within 5 s");
        }
        return p;
    }

    /** Stops with grace zero (idempotent). */
    void stop() throws Exception {
        server.stop(Duration.ZERO).await(5, SECONDS);
    }
}
