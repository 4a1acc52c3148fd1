package io.rpcvertx.it.server;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.rpcvertx.Marshaller;
import io.rpcvertx.MethodDescriptor;
import io.rpcvertx.MethodType;
import io.rpcvertx.RpcMethodHandler;
import io.rpcvertx.ServiceDefinition;
import io.rpcvertx.ServicerContext;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small service whose calls take a while, for stop-under-load tests. Every handler terminates (completes its future)
 * when its call ends, so a server stop can complete.
 *
 * <ul>
 *   <li>{@code it.Stop/Unary}: request "delayMs" → the same text after that delay;
 *   <li>{@code it.Stop/Count}: request "n:intervalMs" → "0" … "n-1", one per interval;
 *   <li>{@code it.Stop/Echo}: each request message back, ends when the requests end.
 * </ul>
 */
final class StopLoad {
    static final String SERVICE = "it.Stop";
    static final Marshaller<String> UTF8 = Marshaller.of(s -> Buffer.buffer(s.getBytes(UTF_8)), b -> b.toString(UTF_8));
    static final MethodDescriptor<String, String> UNARY =
            MethodDescriptor.of(MethodType.UNARY_UNARY, SERVICE + "/Unary", UTF8, UTF8);
    static final MethodDescriptor<String, String> COUNT =
            MethodDescriptor.of(MethodType.UNARY_STREAM, SERVICE + "/Count", UTF8, UTF8);
    static final MethodDescriptor<String, String> ECHO =
            MethodDescriptor.of(MethodType.STREAM_STREAM, SERVICE + "/Echo", UTF8, UTF8);

    private StopLoad() {}

    static ServiceDefinition service(Vertx vertx, AtomicInteger handlersRunning) {
        return ServiceDefinition.of(
                SERVICE,
                RpcMethodHandler.unaryUnary(
                        UNARY, (request, ctx) -> tracked(handlersRunning, unary(vertx, request, ctx))),
                RpcMethodHandler.unaryStream(
                        COUNT, (request, ctx) -> tracked(handlersRunning, count(vertx, request, ctx))),
                RpcMethodHandler.streamStream(ECHO, (requests, ctx) -> {
                    Promise<Void> done = Promise.promise();
                    ctx.addDoneCallback(v -> done.tryFail("the call has ended"));
                    requests.exceptionHandler(done::tryFail);
                    requests.endHandler(v -> done.tryComplete());
                    requests.handler(message -> ctx.write(message));
                    return tracked(handlersRunning, done.future());
                }));
    }

    private static <T> Future<T> tracked(AtomicInteger handlersRunning, Future<T> handler) {
        handlersRunning.incrementAndGet();
        return handler.andThen(ar -> handlersRunning.decrementAndGet());
    }

    private static Future<String> unary(Vertx vertx, String request, ServicerContext<String, String> ctx) {
        Promise<String> reply = Promise.promise();
        long timer = vertx.setTimer(Math.max(1, Long.parseLong(request)), id -> reply.tryComplete(request));
        ctx.addDoneCallback(v -> {
            vertx.cancelTimer(timer);
            reply.tryFail("the call has ended");
        });
        return reply.future();
    }

    private static Future<Void> count(Vertx vertx, String request, ServicerContext<String, String> ctx) {
        String[] parts = request.split(":");
        int n = Integer.parseInt(parts[0]);
        long interval = Math.max(1, Long.parseLong(parts[1]));
        Promise<Void> done = Promise.promise();
        ctx.addDoneCallback(v -> done.tryFail("the call has ended"));
        new Object() {
            int next;

            void send() {
                if (next == n) {
                    done.tryComplete();
                    return;
                }
                vertx.setTimer(interval, id -> {
                    if (ctx.isDone()) {
                        return;
                    }
                    ctx.write(String.valueOf(next++)).onComplete(ar -> {
                        if (ar.failed()) {
                            done.tryFail(ar.cause());
                        } else {
                            send();
                        }
                    });
                });
            }
        }.send();
        return done.future();
    }
}
