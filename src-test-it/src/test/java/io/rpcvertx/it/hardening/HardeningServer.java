package io.rpcvertx.it.hardening;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.concurrent.TimeUnit.SECONDS;

import io.rpcvertx.CallOptions;
import io.rpcvertx.Channel;
import io.rpcvertx.Marshaller;
import io.rpcvertx.MethodDescriptor;
import io.rpcvertx.MethodType;
import io.rpcvertx.RpcMethodHandler;
import io.rpcvertx.RpcVertx;
import io.rpcvertx.Server;
import io.rpcvertx.ServerOptions;
import io.rpcvertx.ServiceDefinition;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * A real rpc-vertx server for the hardening tests: an echo service with one method of each kind, and a record of every
 * exception the server side reported, in its log (java.util.logging, where Vert.x and Netty log here) or to Vert.x's
 * exception handler. A healthy server reports none, whatever a peer sends.
 */
final class HardeningServer implements AutoCloseable {
    static final String SERVICE = "hardening.Echo";
    static final Marshaller<String> UTF8 = Marshaller.of(s -> Buffer.buffer(s.getBytes(UTF_8)), b -> b.toString(UTF_8));
    static final MethodDescriptor<String, String> UNARY =
            MethodDescriptor.of(MethodType.UNARY_UNARY, SERVICE + "/Unary", UTF8, UTF8);
    static final MethodDescriptor<String, String> CLIENT_STREAM =
            MethodDescriptor.of(MethodType.STREAM_UNARY, SERVICE + "/Concat", UTF8, UTF8);
    static final MethodDescriptor<String, String> SERVER_STREAM =
            MethodDescriptor.of(MethodType.UNARY_STREAM, SERVICE + "/Repeat", UTF8, UTF8);
    static final MethodDescriptor<String, String> BIDI =
            MethodDescriptor.of(MethodType.STREAM_STREAM, SERVICE + "/Echo", UTF8, UTF8);
    static final List<String> PATHS = List.of(
            "/" + UNARY.fullMethodName(),
            "/" + CLIENT_STREAM.fullMethodName(),
            "/" + SERVER_STREAM.fullMethodName(),
            "/" + BIDI.fullMethodName());

    final Server server;
    final int port;
    private final List<String> problems = new CopyOnWriteArrayList<>();
    private final Handler logHandler = new Handler() {
        @Override
        public void publish(LogRecord record) {
            if (record.getLevel().intValue() >= Level.WARNING.intValue() || record.getThrown() != null) {
                problems.add(record.getLoggerName() + " " + record.getLevel() + ": " + record.getMessage()
                        + (record.getThrown() == null ? "" : " " + describe(record.getThrown())));
            }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };

    private HardeningServer(Server server, int port) {
        this.server = server;
        this.port = port;
    }

    static HardeningServer start(Vertx vertx, ServerOptions options) throws Exception {
        Server server = RpcVertx.server(vertx, options);
        server.addGenericRpcHandlers(service());
        int port = server.addInsecurePort("127.0.0.1:0").await(5, SECONDS);
        server.start().await(10, SECONDS);
        HardeningServer s = new HardeningServer(server, port);
        Logger.getLogger("").addHandler(s.logHandler);
        vertx.exceptionHandler(t -> s.problems.add("unhandled on an event loop: " + describe(t)));
        return s;
    }

    static ServiceDefinition service() {
        return ServiceDefinition.of(
                SERVICE,
                RpcMethodHandler.unaryUnary(UNARY, (request, ctx) -> Future.succeededFuture(request)),
                RpcMethodHandler.streamUnary(CLIENT_STREAM, (requests, ctx) -> {
                    Promise<String> done = Promise.promise();
                    StringBuilder all = new StringBuilder();
                    requests.exceptionHandler(done::tryFail)
                            .endHandler(v -> done.tryComplete(all.toString()))
                            .handler(all::append);
                    return done.future();
                }),
                RpcMethodHandler.unaryStream(SERVER_STREAM, (request, ctx) -> {
                    List<Future<Void>> writes = new ArrayList<>();
                    for (int i = 0; i < 3; i++) {
                        writes.add(ctx.write(request));
                    }
                    return Future.all(writes).mapEmpty();
                }),
                RpcMethodHandler.streamStream(BIDI, (requests, ctx) -> requests.pipeTo(ctx.responses())));
    }

    /** A unary call through a fresh rpc-vertx channel: the server still serves. */
    String controlCall(Vertx vertx, String text) throws Exception {
        Channel channel = RpcVertx.insecureChannel(vertx, "127.0.0.1:" + port);
        try {
            return channel.unaryUnary(UNARY)
                    .call(text, CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(5)))
                    .response()
                    .await(10, SECONDS);
        } finally {
            channel.close().await(5, SECONDS);
        }
    }

    /** What the server reported as a problem so far (warnings and exceptions in its log, unhandled exceptions). */
    List<String> problems() {
        return List.copyOf(problems);
    }

    static String describe(Throwable t) {
        StringBuilder b = new StringBuilder(t.toString());
        StackTraceElement[] trace = t.getStackTrace();
        for (int i = 0; i < Math.min(4, trace.length); i++) {
            b.append(" at ").append(trace[i]);
        }
        return b.toString();
    }

    @Override
    public void close() throws Exception {
        Logger.getLogger("").removeHandler(logHandler);
        server.stop(null).await(10, SECONDS);
    }
}
