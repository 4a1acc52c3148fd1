package io.rpcvertx.it.observability;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.rpcvertx.Channel;
import io.rpcvertx.Marshaller;
import io.rpcvertx.MethodDescriptor;
import io.rpcvertx.MethodType;
import io.rpcvertx.RpcMethodHandler;
import io.rpcvertx.ServiceDefinition;
import io.rpcvertx.StatusCode;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * A small string service in all four shapes, for spans and metrics: {@code Unary} echoes ({@code "fail"} aborts with
 * INVALID_ARGUMENT, {@code "hang"} never answers), {@code Relay} makes a call of its own through a channel (the
 * downstream hop of a trace), {@code Flaky} fails UNAVAILABLE until its third attempt.
 */
final class ObservedService {
    static final String SERVICE = "it.Observed";
    static final Marshaller<String> UTF8 = Marshaller.of(s -> Buffer.buffer(s.getBytes(UTF_8)), b -> b.toString(UTF_8));
    static final MethodDescriptor<String, String> UNARY = method(MethodType.UNARY_UNARY, "Unary");
    static final MethodDescriptor<String, String> SERVER_STREAM = method(MethodType.UNARY_STREAM, "ServerStream");
    static final MethodDescriptor<String, String> CLIENT_STREAM = method(MethodType.STREAM_UNARY, "ClientStream");
    static final MethodDescriptor<String, String> BIDI = method(MethodType.STREAM_STREAM, "Bidi");
    static final MethodDescriptor<String, String> RELAY = method(MethodType.UNARY_UNARY, "Relay");
    static final MethodDescriptor<String, String> FLAKY = method(MethodType.UNARY_UNARY, "Flaky");

    /** Completed when a {@code "hang"} call's server side is done (cancelled or past its deadline). */
    volatile Promise<Void> hangDone = Promise.promise();

    /** Completed when a {@code "hang"} call's handler runs. */
    final Promise<Void> hangStarted = Promise.promise();

    final AtomicInteger flakyAttempts = new AtomicInteger();

    private static MethodDescriptor<String, String> method(MethodType type, String name) {
        return MethodDescriptor.of(type, SERVICE + "/" + name, UTF8, UTF8);
    }

    /** The service; {@code Relay} calls {@code Unary} through {@code downstream}. */
    ServiceDefinition definition(Supplier<Channel> downstream) {
        return ServiceDefinition.of(
                SERVICE,
                RpcMethodHandler.unaryUnary(UNARY, (request, ctx) -> {
                    if (request.equals("fail")) {
                        return ctx.abort(StatusCode.INVALID_ARGUMENT, "asked to fail");
                    }
                    if (request.equals("hang")) {
                        Promise<Void> done = hangDone;
                        ctx.addDoneCallback(v -> done.tryComplete());
                        hangStarted.tryComplete();
                        return Promise.<String>promise().future();
                    }
                    return Future.succeededFuture(request);
                }),
                RpcMethodHandler.unaryStream(
                        SERVER_STREAM,
                        (request, ctx) -> ctx.write(request + "1")
                                .compose(v -> ctx.write(request + "2"))
                                .compose(v -> ctx.write(request + "3"))),
                RpcMethodHandler.streamUnary(CLIENT_STREAM, (requests, ctx) -> {
                    StringBuilder all = new StringBuilder();
                    Promise<String> done = Promise.promise();
                    requests.handler(all::append).endHandler(v -> done.complete(all.toString()));
                    return done.future();
                }),
                RpcMethodHandler.streamStream(BIDI, (requests, ctx) -> {
                    Promise<Void> done = Promise.promise();
                    requests.handler(m -> ctx.write(m)).endHandler(v -> done.complete());
                    return done.future();
                }),
                RpcMethodHandler.unaryUnary(
                        RELAY,
                        (request, ctx) -> downstream
                                .get()
                                .unaryUnary(UNARY)
                                .call("relayed " + request)
                                .response()),
                RpcMethodHandler.unaryUnary(
                        FLAKY,
                        (request, ctx) -> flakyAttempts.incrementAndGet() < 3
                                ? ctx.abort(StatusCode.UNAVAILABLE, "not yet")
                                : Future.succeededFuture(request)));
    }

    /** A service config retrying {@code Flaky} on UNAVAILABLE, three attempts, short backoff. */
    static final String RETRY_CONFIG = "{\"methodConfig\": [{\"name\": [{\"service\": \"" + SERVICE
            + "\", \"method\": \"Flaky\"}], \"retryPolicy\": {\"maxAttempts\": 3, \"initialBackoff\": \"0.01s\","
            + " \"maxBackoff\": \"0.01s\", \"backoffMultiplier\": 1, \"retryableStatusCodes\": [\"UNAVAILABLE\"]}}]}";
}
