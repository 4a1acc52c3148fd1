package io.rpcvertx.it.contract;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.concurrent.TimeUnit.SECONDS;

import io.rpcvertx.Call;
import io.rpcvertx.CallOptions;
import io.rpcvertx.Channel;
import io.rpcvertx.Metadata;
import io.rpcvertx.MethodDescriptor;
import io.rpcvertx.RequestStream;
import io.rpcvertx.StatusCode;
import io.rpcvertx.StreamStreamCall;
import io.rpcvertx.StreamUnaryCall;
import io.rpcvertx.UnaryStreamCall;
import io.rpcvertx.UnaryUnaryCall;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.streams.ReadStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Runs one call of any shape with UTF-8 text messages and records what its client saw. Client-streaming calls write
 * every request (each write awaited) and then half-close; a unary request is the first of {@code requests}.
 */
final class Exchange {
    /** A started call and its responses (those received before an error too). */
    record Started(Call call, Future<List<String>> responses, Future<Optional<Throwable>> failure) {}

    /** What the client saw of a finished call. */
    record Seen(
            Metadata initial,
            List<String> responses,
            StatusCode code,
            String details,
            Metadata trailing,
            Optional<Throwable> failure) {}

    private Exchange() {}

    static Seen run(
            Channel channel,
            Shape shape,
            MethodDescriptor<byte[], byte[]> method,
            List<String> requests,
            CallOptions options)
            throws Exception {
        return finish(start(channel, shape, method, requests, options));
    }

    static Started start(
            Channel channel,
            Shape shape,
            MethodDescriptor<byte[], byte[]> method,
            List<String> requests,
            CallOptions options) {
        switch (shape) {
            case UNARY_UNARY: {
                UnaryUnaryCall<byte[], byte[]> call = channel.unaryUnary(method).call(bytes(requests.get(0)), options);
                return single(call, call.response());
            }
            case UNARY_STREAM: {
                UnaryStreamCall<byte[], byte[]> call =
                        channel.unaryStream(method).call(bytes(requests.get(0)), options);
                return streamed(call, call.responses());
            }
            case STREAM_UNARY: {
                StreamUnaryCall<byte[], byte[]> call =
                        channel.streamUnary(method).call(options);
                writeAll(call, requests);
                return single(call, call.response());
            }
            case STREAM_STREAM: {
                StreamStreamCall<byte[], byte[]> call =
                        channel.streamStream(method).call(options);
                writeAll(call, requests);
                return streamed(call, call.responses());
            }
            default:
                throw new AssertionError(shape);
        }
    }

    static Seen finish(Started started) throws Exception {
        Call call = started.call();
        return new Seen(
                call.initialMetadata().await(10, SECONDS),
                started.responses().await(10, SECONDS),
                call.code().await(10, SECONDS),
                call.details().await(10, SECONDS),
                call.trailingMetadata().await(10, SECONDS),
                started.failure().await(10, SECONDS));
    }

    static byte[] bytes(String text) {
        return text.getBytes(UTF_8);
    }

    static String text(byte[] bytes) {
        return new String(bytes, UTF_8);
    }

    /** Writes each request after the previous write completed, then half-closes; failures show in the status. */
    static void writeAll(RequestStream<byte[]> call, List<String> requests) {
        Future<Void> chain = Future.succeededFuture();
        for (String r : requests) {
            chain = chain.compose(v -> call.write(bytes(r)));
        }
        chain.compose(v -> call.doneWriting());
    }

    private static Started single(Call call, Future<byte[]> response) {
        Future<List<String>> responses = response.map(r -> List.of(text(r))).otherwise(List.of());
        Future<Optional<Throwable>> failure =
                response.map(r -> Optional.<Throwable>empty()).otherwise(Optional::of);
        return new Started(call, responses, failure);
    }

    private static Started streamed(Call call, ReadStream<byte[]> stream) {
        Promise<List<String>> responses = Promise.promise();
        Promise<Optional<Throwable>> failure = Promise.promise();
        List<String> received = new ArrayList<>();
        stream.exceptionHandler(t -> {
            failure.tryComplete(Optional.of(t));
            responses.tryComplete(List.copyOf(received));
        });
        stream.endHandler(v -> {
            failure.tryComplete(Optional.empty());
            responses.tryComplete(List.copyOf(received));
        });
        stream.handler(m -> received.add(text(m)));
        return new Started(call, responses.future(), failure.future());
    }
}
