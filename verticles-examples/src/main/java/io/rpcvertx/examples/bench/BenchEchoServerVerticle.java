package io.rpcvertx.examples.bench;

import com.google.protobuf.InvalidProtocolBufferException;
import io.rpcvertx.Marshaller;
import io.rpcvertx.MethodDescriptor;
import io.rpcvertx.MethodType;
import io.rpcvertx.RpcMethodHandler;
import io.rpcvertx.RpcVertx;
import io.rpcvertx.Server;
import io.rpcvertx.ServerOptions;
import io.rpcvertx.ServiceDefinition;
import io.rpcvertx.ServicerContext;
import io.rpcvertx.examples.ServerConfig;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.WriteStream;

/**
 * Serves the bench contract {@code bench.Echo}: {@code UnaryEcho} echoes the message, {@code StreamEcho} sends it back
 * {@code count} times, paced by flow control. Config: {@code host} (default 127.0.0.1), {@code port} (default 50200),
 * and the server settings of {@link ServerConfig} ({@code grace}, {@code maxConcurrentRpcs}, {@code ioInstances}).
 */
public final class BenchEchoServerVerticle extends VerticleBase {
    public static final int DEFAULT_PORT = 50200;

    static final MethodDescriptor<EchoRequest, EchoReply> UNARY_ECHO = MethodDescriptor.of(
            MethodType.UNARY_UNARY,
            "bench.Echo/UnaryEcho",
            Marshaller.of(m -> Buffer.buffer(m.toByteArray()), b -> parse(b, EchoRequest::parseFrom)),
            Marshaller.of(m -> Buffer.buffer(m.toByteArray()), b -> parse(b, EchoReply::parseFrom)));
    static final MethodDescriptor<StreamRequest, EchoReply> STREAM_ECHO = MethodDescriptor.of(
            MethodType.UNARY_STREAM,
            "bench.Echo/StreamEcho",
            Marshaller.of(m -> Buffer.buffer(m.toByteArray()), b -> parse(b, StreamRequest::parseFrom)),
            Marshaller.of(m -> Buffer.buffer(m.toByteArray()), b -> parse(b, EchoReply::parseFrom)));

    private interface Parser<T> {
        T parse(byte[] bytes) throws InvalidProtocolBufferException;
    }

    private static <T> T parse(Buffer buffer, Parser<T> parser) {
        try {
            return parser.parse(buffer.getBytes());
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private Server server;
    private int port = -1;

    /** The bound port, once started. */
    public int port() {
        if (port < 0) {
            throw new IllegalStateException("bench-echo server not started");
        }
        return port;
    }

    static ServiceDefinition service() {
        return ServiceDefinition.of(
                "bench.Echo",
                RpcMethodHandler.unaryUnary(
                        UNARY_ECHO,
                        (request, context) -> Future.succeededFuture(EchoReply.newBuilder()
                                .setMessage(request.getMessage())
                                .build())),
                RpcMethodHandler.unaryStream(STREAM_ECHO, BenchEchoServerVerticle::streamEcho));
    }

    /** Writes {@code count} replies, as fast as the stream's flow control allows. */
    private static Future<Void> streamEcho(StreamRequest request, ServicerContext<StreamRequest, EchoReply> ctx) {
        EchoReply reply =
                EchoReply.newBuilder().setMessage(request.getMessage()).build();
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
        int wanted = config().getInteger("port", DEFAULT_PORT);
        server = RpcVertx.server(vertx, ServerConfig.options(config(), ServerOptions.DEFAULT))
                .addGenericRpcHandlers(service());
        return server.addInsecurePort(host + ":" + wanted).compose(p -> {
            port = p;
            return server.start();
        });
    }

    @Override
    public Future<?> stop() {
        return server.stop(ServerConfig.grace(config()));
    }
}
