package io.rpcvertx.it.calls;

import static java.util.concurrent.TimeUnit.SECONDS;

import io.rpcvertx.Metadata;
import io.rpcvertx.MethodDescriptor;
import io.rpcvertx.MethodType;
import io.rpcvertx.RpcException;
import io.rpcvertx.RpcMethodHandler;
import io.rpcvertx.RpcVertx;
import io.rpcvertx.Server;
import io.rpcvertx.ServerOptions;
import io.rpcvertx.ServiceDefinition;
import io.rpcvertx.ServicerContext;
import io.rpcvertx.StatusCode;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.streams.ReadStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * An rpc-vertx server that records every call it sees, for the client-side tests of this package.
 *
 * <p>Methods of {@value #SERVICE}: {@code Unary} answers {@code echo:<request>}, {@code Upper} the request in upper
 * case, {@code ServerStream} sends {@code <request>1..3}, {@code ClientStream} answers {@code count:<n>} at the end
 * of the requests, {@code Bidi} echoes each request.
 *
 * <p>Request metadata: {@value #X_HANG}{@code : 1} never answers; {@value #X_STATUS} aborts with that code;
 * {@value #X_KEY} with {@value #X_PLAN} ({@code hang,14,ok}) gives the attempts of one RPC, in arrival order, their
 * own behaviour: hang, fail with a code, or answer (suffixed with {@code #<attempt>}).
 */
final class EchoServer {
    static final String SERVICE = "calls.Echo";
    static final String X_HANG = "x-hang";
    static final String X_STATUS = "x-status";
    static final String X_KEY = "x-key";
    static final String X_PLAN = "x-plan";

    static final MethodDescriptor<String, String> UNARY = Utf8.method(MethodType.UNARY_UNARY, SERVICE + "/Unary");
    static final MethodDescriptor<String, String> UPPER = Utf8.method(MethodType.UNARY_UNARY, SERVICE + "/Upper");
    static final MethodDescriptor<String, String> SERVER_STREAM =
            Utf8.method(MethodType.UNARY_STREAM, SERVICE + "/ServerStream");
    static final MethodDescriptor<String, String> CLIENT_STREAM =
            Utf8.method(MethodType.STREAM_UNARY, SERVICE + "/ClientStream");
    static final MethodDescriptor<String, String> BIDI = Utf8.method(MethodType.STREAM_STREAM, SERVICE + "/Bidi");

    /** One call as the server saw it; {@code ended} completes with whether it was cancelled. */
    record Seen(
            String method,
            Metadata metadata,
            Optional<Duration> timeRemaining,
            int attempt,
            long arrivedNanos,
            CompletableFuture<Boolean> ended) {}

    private final Server server;
    private final LinkedBlockingQueue<Seen> seen = new LinkedBlockingQueue<>();
    private final Map<String, List<Seen>> byKey = new ConcurrentHashMap<>();
    private int port;

    private EchoServer(Vertx vertx) {
        server = RpcVertx.server(vertx, ServerOptions.DEFAULT);
        server.addGenericRpcHandlers(ServiceDefinition.of(
                SERVICE,
                RpcMethodHandler.unaryUnary(UNARY, (req, ctx) -> answer(ctx, () -> "echo:" + req)),
                RpcMethodHandler.unaryUnary(UPPER, (req, ctx) -> answer(ctx, req::toUpperCase)),
                RpcMethodHandler.unaryStream(SERVER_STREAM, (req, ctx) -> {
                    Behaviour b = begin(ctx);
                    Future<Void> outcome = b.outcome(ctx);
                    if (outcome != null) {
                        return outcome;
                    }
                    return ctx.write(req + "1" + b.suffix())
                            .compose(v -> ctx.write(req + "2" + b.suffix()))
                            .compose(v -> ctx.write(req + "3" + b.suffix()));
                }),
                RpcMethodHandler.streamUnary(CLIENT_STREAM, this::count),
                RpcMethodHandler.streamStream(BIDI, this::echo)));
    }

    static EchoServer start(Vertx vertx) throws TimeoutException {
        return start(vertx, "127.0.0.1:0");
    }

    static EchoServer start(Vertx vertx, String address) throws TimeoutException {
        EchoServer s = new EchoServer(vertx);
        s.port = s.server.addInsecurePort(address).await(5, SECONDS);
        s.server.start().await(5, SECONDS);
        return s;
    }

    int port() {
        return port;
    }

    String target() {
        return "127.0.0.1:" + port;
    }

    /** The next call the server sees. */
    Seen next() throws InterruptedException {
        Seen s = seen.poll(10, SECONDS);
        if (s == null) {
            throw new AssertionError("the server saw no call within 10 s");
        }
        return s;
    }

    /** The attempts of {@code key} so far, in arrival order. */
    List<Seen> attempts(String key) {
        return List.copyOf(byKey.getOrDefault(key, List.of()));
    }

    Future<Void> stop() {
        return server.stop(Duration.ZERO);
    }

    // ---------------------------------------------------------------- behaviour

    /** What one call does: answer (with a suffix), hang, or fail with a code. */
    private record Behaviour(
            String suffix, boolean hang, @Nullable StatusCode failure, int attempt) {
        /** Null to answer normally, otherwise the future the handler returns instead. */
        <T> @Nullable Future<T> outcome(ServicerContext<String, String> ctx) {
            if (hang) {
                // never answers, but ends when its call ends (cancelled, deadline, server stop), as a handler should:
                // a server stop waits for every handler's future
                Promise<T> never = Promise.promise();
                ctx.addDoneCallback(v -> never.tryFail(new RpcException(StatusCode.CANCELLED, "call ended")));
                return never.future();
            }
            StatusCode f = failure;
            return f == null ? null : ctx.abort(f, "attempt " + attempt + " fails");
        }
    }

    private Behaviour begin(ServicerContext<String, String> ctx) {
        Metadata md = ctx.invocationMetadata();
        CompletableFuture<Boolean> ended = new CompletableFuture<>();
        ctx.addDoneCallback(v -> ended.complete(ctx.isCancelled()));
        String key = md.get(X_KEY).orElse(null);
        int attempt = 0;
        if (key != null) {
            List<Seen> list = byKey.computeIfAbsent(key, k -> new CopyOnWriteArrayList<>());
            synchronized (list) {
                attempt = list.size() + 1;
                list.add(new Seen(ctx.method(), md, ctx.timeRemaining(), attempt, System.nanoTime(), ended));
            }
        }
        seen.add(new Seen(ctx.method(), md, ctx.timeRemaining(), attempt, System.nanoTime(), ended));
        String action = "ok";
        if (md.get(X_HANG).isPresent()) {
            action = "hang";
        } else if (md.get(X_STATUS).isPresent()) {
            action = md.get(X_STATUS).get();
        } else if (key != null && md.get(X_PLAN).isPresent()) {
            String[] plan = md.get(X_PLAN).get().split(",");
            action = attempt <= plan.length ? plan[attempt - 1] : "ok";
        }
        String suffix = key != null && md.get(X_PLAN).isPresent() ? "#" + attempt : "";
        switch (action) {
            case "ok":
                return new Behaviour(suffix, false, null, attempt);
            case "hang":
                return new Behaviour(suffix, true, null, attempt);
            default:
                return new Behaviour(suffix, false, StatusCode.fromValue(Integer.parseInt(action)), attempt);
        }
    }

    private Future<String> answer(ServicerContext<String, String> ctx, Supplier<String> ok) {
        Behaviour b = begin(ctx);
        Future<String> outcome = b.outcome(ctx);
        return outcome != null ? outcome : Future.succeededFuture(ok.get() + b.suffix());
    }

    /** Counts the requests; the behaviour (hang, abort) applies once they have all arrived. */
    private Future<String> count(ReadStream<String> requests, ServicerContext<String, String> ctx) {
        Behaviour b = begin(ctx);
        Promise<String> counted = Promise.promise();
        int[] n = {0};
        requests.exceptionHandler(counted::tryFail);
        requests.endHandler(v -> counted.tryComplete("count:" + n[0] + b.suffix()));
        requests.handler(m -> n[0]++);
        return counted.future().compose(answer -> {
            Future<String> outcome = b.outcome(ctx);
            return outcome != null ? outcome : Future.succeededFuture(answer);
        });
    }

    private Future<Void> echo(ReadStream<String> requests, ServicerContext<String, String> ctx) {
        Behaviour b = begin(ctx);
        Future<Void> outcome = b.outcome(ctx);
        if (outcome != null) {
            return outcome;
        }
        Promise<Void> done = Promise.promise();
        requests.exceptionHandler(done::tryFail);
        requests.endHandler(v -> done.tryComplete());
        requests.handler(m -> ctx.write(m + b.suffix()));
        return done.future();
    }
}
