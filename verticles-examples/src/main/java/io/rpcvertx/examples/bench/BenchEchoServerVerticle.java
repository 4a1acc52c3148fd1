package io.rpcvertx.examples.bench;

import io.rpcvertx.RpcVertx;
import io.rpcvertx.Server;
import io.rpcvertx.ServerOptions;
import io.rpcvertx.ServicerContext;
import io.rpcvertx.examples.GatewayBridgeServer;
import io.rpcvertx.examples.ServerConfig;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.streams.WriteStream;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Serves the bench contract {@code bench.Echo} through the generated {@link EchoServicer}: {@code UnaryEcho} echoes the
 * message, {@code StreamEcho} sends it back {@code count} times, paced by flow control. Config: {@code host} (default
 * 127.0.0.1), {@code port} (default 50200), {@code echoAsBytes} (default false) and the server settings of
 * {@link ServerConfig} ({@code grace}, {@code maxConcurrentRpcs}, {@code ioInstances}: default one per available CPU
 * here).
 *
 * <p>The handlers copy the message as the peers' handlers do, as a {@code String} ({@code setMessage(getMessage())}),
 * or with {@code echoAsBytes} as its UTF-8 bytes ({@code setMessageBytes(getMessageBytes())}): protobuf then writes
 * the bytes as they are, with no UTF-8 encoding or length count (docs/performance.md, "Protobuf strings and the
 * JIT").
 */
public final class BenchEchoServerVerticle extends VerticleBase implements EchoServicer {
    public static final int DEFAULT_PORT = 50200;

    private Server server;
    private @Nullable GatewayBridgeServer bridges;
    private int port = -1;
    private boolean echoAsBytes;

    /** The {@code echoAsBytes} setting named by {@code --echo} ({@code string}, the default, or {@code bytes}). */
    public static boolean echoAsBytes(@Nullable String flag) {
        if (flag == null || flag.equals("string")) {
            return false;
        }
        if (flag.equals("bytes")) {
            return true;
        }
        throw new IllegalArgumentException("--echo: \"" + flag + "\" (expected: string or bytes)");
    }

    /** The bound port, once started. */
    public int port() {
        if (port < 0) {
            throw new IllegalStateException("bench-echo server not started");
        }
        return port;
    }

    @Override
    public Future<EchoReply> unaryEcho(EchoRequest request, ServicerContext<EchoRequest, EchoReply> context) {
        EchoReply.Builder reply = EchoReply.newBuilder();
        return Future.succeededFuture(
                echoAsBytes
                        ? reply.setMessageBytes(request.getMessageBytes()).build()
                        : reply.setMessage(request.getMessage()).build());
    }

    /** Writes {@code count} replies, as fast as the stream's flow control allows. */
    @Override
    public Future<Void> streamEcho(StreamRequest request, ServicerContext<StreamRequest, EchoReply> ctx) {
        EchoReply reply = echoAsBytes
                ? EchoReply.newBuilder()
                        .setMessageBytes(request.getMessageBytes())
                        .build()
                : EchoReply.newBuilder().setMessage(request.getMessage()).build();
        WriteStream<EchoReply> out = ctx.responses();
        Promise<Void> done = Promise.promise();
        new Object() {
            int left = request.getCount();

            void pump() {
                while (left > 0 && !out.writeQueueFull() && !ctx.isDone()) {
                    left--;
                    out.write(reply);
                }
                if (left == 0 || ctx.isDone()) {
                    done.tryComplete();
                } else {
                    out.drainHandler(v -> pump());
                }
            }
        }.pump();
        return done.future();
    }

    @Override
    public Future<?> start() {
        String host = config().getString("host", "127.0.0.1");
        echoAsBytes = config().getBoolean("echoAsBytes", false);
        int wanted = config().getInteger("port", DEFAULT_PORT);
        // one IO instance per CPU the JVM may use, as the harness's raw Vert.x server deploys (bench.instances): on a
        // server pinned to one core, the library default (one per event loop, i.e. two) splits the connections over
        // two threads that take turns on that core, which measured 0.63 x raw Vert.x against 0.77 x with one
        ServerOptions defaults =
                ServerOptions.DEFAULT.withIoInstances(Runtime.getRuntime().availableProcessors());
        server = RpcVertx.server(vertx, ServerConfig.options(config(), defaults));
        EchoGrpc.addEchoServicerToServer(this, server);
        GatewayBridgeServer attached = GatewayBridgeServer.attach(vertx, server, config());
        bridges = attached;
        return ServerConfig.eventBus(config(), server)
                .compose(v -> server.addInsecurePort(host + ":" + wanted))
                .compose(p -> {
                    port = p;
                    return server.start();
                })
                .compose(v -> attached.listen(host));
    }

    @Override
    public Future<?> stop() {
        GatewayBridgeServer attached = bridges;
        Future<Void> stopped = server.stop(ServerConfig.grace(config()));
        return attached == null ? stopped : stopped.eventually(attached::close);
    }

    /** Where the bridges listen ({@link GatewayBridgeServer#describe()}); empty without bridge flags. */
    public List<String> bridges() {
        GatewayBridgeServer attached = bridges;
        return attached == null ? List.of() : attached.describe();
    }
}
