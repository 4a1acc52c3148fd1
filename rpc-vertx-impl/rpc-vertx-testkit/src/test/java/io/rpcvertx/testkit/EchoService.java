package io.rpcvertx.testkit;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.rpcvertx.Marshaller;
import io.rpcvertx.Metadata;
import io.rpcvertx.MethodDescriptor;
import io.rpcvertx.MethodType;
import io.rpcvertx.RpcMethodHandler;
import io.rpcvertx.ServiceDefinition;
import io.rpcvertx.ServicerContext;
import io.rpcvertx.StatusCode;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;
import java.util.stream.Collectors;

/**
 * A servicer of all four shapes on strings, written against the API only (as a user's servicer would be): the
 * subject of the test kit's own tests. {@code "sleep"} never answers; {@code "fail"} aborts with
 * {@code INVALID_ARGUMENT}. Every call records its context in {@link #contexts} as it starts.
 */
final class EchoService {
    static final Marshaller<String> UTF8 = Marshaller.of(s -> Buffer.buffer(s.getBytes(UTF_8)), b -> b.toString(UTF_8));
    static final MethodDescriptor<String, String> UNARY =
            MethodDescriptor.of(MethodType.UNARY_UNARY, "testkit.Echo/Unary", UTF8, UTF8);
    static final MethodDescriptor<String, String> SPLIT =
            MethodDescriptor.of(MethodType.UNARY_STREAM, "testkit.Echo/Split", UTF8, UTF8);
    static final MethodDescriptor<String, String> JOIN =
            MethodDescriptor.of(MethodType.STREAM_UNARY, "testkit.Echo/Join", UTF8, UTF8);
    static final MethodDescriptor<String, String> CHAT =
            MethodDescriptor.of(MethodType.STREAM_STREAM, "testkit.Echo/Chat", UTF8, UTF8);

    /** Completed with each call's server context when its handler starts (the latest call wins). */
    final java.util.concurrent.BlockingQueue<ServicerContext<String, String>> contexts =
            new java.util.concurrent.LinkedBlockingQueue<>();

    ServiceDefinition definition() {
        return ServiceDefinition.of(
                "testkit.Echo",
                RpcMethodHandler.unaryUnary(UNARY, this::unary),
                RpcMethodHandler.unaryStream(SPLIT, this::split),
                RpcMethodHandler.streamUnary(JOIN, this::join),
                RpcMethodHandler.streamStream(CHAT, this::chat));
    }

    Future<String> unary(String request, ServicerContext<String, String> ctx) {
        contexts.add(ctx);
        switch (request) {
            case "sleep":
                return Promise.<String>promise().future();
            case "fail":
                return ctx.abort(StatusCode.INVALID_ARGUMENT, "no fail", Metadata.of("x-reason", "asked"));
            default:
                ctx.sendInitialMetadata(Metadata.of("x-greeted", request));
                ctx.setTrailingMetadata(Metadata.of("x-length", String.valueOf(request.length())));
                return Future.succeededFuture("hello " + request);
        }
    }

    /** One response per character; {@code "sleep"} writes its first character, then never ends. */
    Future<Void> split(String request, ServicerContext<String, String> ctx) {
        contexts.add(ctx);
        if (request.equals("sleep")) {
            ctx.write("s");
            return Promise.<Void>promise().future();
        }
        Future<Void> last = Future.succeededFuture();
        for (char c : request.toCharArray()) {
            last = ctx.write(String.valueOf(c));
        }
        return last;
    }

    Future<String> join(ReadStream<String> requests, ServicerContext<String, String> ctx) {
        contexts.add(ctx);
        return requests.collect(Collectors.toList()).map(all -> String.join(",", all));
    }

    /** Answers each request with {@code echo:<request>}; ends when the requests end. */
    Future<Void> chat(ReadStream<String> requests, ServicerContext<String, String> ctx) {
        contexts.add(ctx);
        Promise<Void> done = Promise.promise();
        requests.exceptionHandler(done::tryFail);
        requests.endHandler(v -> done.tryComplete());
        requests.handler(r -> ctx.write("echo:" + r));
        return done.future();
    }
}
