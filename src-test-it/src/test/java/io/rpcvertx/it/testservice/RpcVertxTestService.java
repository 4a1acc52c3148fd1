package io.rpcvertx.it.testservice;

import static io.rpcvertx.it.testservice.TestServiceContract.FULL_DUPLEX_CALL;
import static io.rpcvertx.it.testservice.TestServiceContract.SERVICE;
import static io.rpcvertx.it.testservice.TestServiceContract.STREAMING_INPUT_CALL;
import static io.rpcvertx.it.testservice.TestServiceContract.STREAMING_OUTPUT_CALL;
import static io.rpcvertx.it.testservice.TestServiceContract.UNARY_CALL;
import static java.nio.charset.StandardCharsets.UTF_8;

import io.rpcvertx.RpcMethodHandler;
import io.rpcvertx.ServiceDefinition;
import io.rpcvertx.ServicerContext;
import io.rpcvertx.StatusCode;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.streams.ReadStream;
import java.util.Optional;
import java.util.function.Supplier;

/** {@link TestServiceContract} on the rpc-vertx server API. */
final class RpcVertxTestService {
    private final TestServiceEvents events;

    private RpcVertxTestService(TestServiceEvents events) {
        this.events = events;
    }

    static ServiceDefinition create(TestServiceEvents events) {
        RpcVertxTestService service = new RpcVertxTestService(events);
        return ServiceDefinition.of(
                SERVICE,
                RpcMethodHandler.unaryUnary(UNARY_CALL, service::unaryCall),
                RpcMethodHandler.unaryStream(STREAMING_OUTPUT_CALL, service::streamingOutputCall),
                RpcMethodHandler.streamUnary(STREAMING_INPUT_CALL, service::streamingInputCall),
                RpcMethodHandler.streamStream(FULL_DUPLEX_CALL, service::fullDuplexCall));
    }

    private Future<byte[]> unaryCall(byte[] request, ServicerContext<byte[], byte[]> context) {
        return begin(context)
                .compose(b -> b.hang() ? untilDone(context) : end(context, b, () -> Future.succeededFuture(request)));
    }

    private Future<Void> streamingOutputCall(byte[] request, ServicerContext<byte[], byte[]> context) {
        return begin(context).compose(b -> {
            if (b.hang()) {
                return untilDone(context);
            }
            return new WriteLoop(context, request, b.count())
                    .start()
                    .compose(v -> end(context, b, Future::succeededFuture));
        });
    }

    private Future<byte[]> streamingInputCall(ReadStream<byte[]> requests, ServicerContext<byte[], byte[]> context) {
        return begin(context).compose(b -> {
            if (b.hang()) {
                return untilDone(context);
            }
            Promise<byte[]> tally = Promise.promise();
            long[] messagesAndBytes = new long[2];
            requests.exceptionHandler(tally::tryFail);
            requests.endHandler(
                    v -> tally.tryComplete((messagesAndBytes[0] + ":" + messagesAndBytes[1]).getBytes(UTF_8)));
            requests.handler(message -> {
                messagesAndBytes[0]++;
                messagesAndBytes[1] += message.length;
            });
            return tally.future().compose(response -> end(context, b, () -> Future.succeededFuture(response)));
        });
    }

    private Future<Void> fullDuplexCall(ReadStream<byte[]> requests, ServicerContext<byte[], byte[]> context) {
        return begin(context).compose(b -> {
            if (b.hang()) {
                return untilDone(context);
            }
            return new Echo(requests, context).start().compose(v -> end(context, b, Future::succeededFuture));
        });
    }

    /**
     * Applies the behaviour common to every method: records the call (after registering for its cancellation, so a
     * test may cancel as soon as it sees the call), sets compression and trailers, and sends echoed headers at once.
     */
    private Future<Behaviour> begin(ServicerContext<byte[], byte[]> context) {
        Behaviour behaviour = Behaviour.of(context.invocationMetadata());
        context.addDoneCallback(v -> {
            if (context.isCancelled()) {
                events.recordCancelled();
            }
        });
        events.recordCallStarted(behaviour.requestMetadata());
        behaviour.responseCompression().ifPresent(context::setCompression);
        if (!behaviour.echoTrailing().isEmpty()) {
            context.setTrailingMetadata(behaviour.echoTrailing());
        }
        if (behaviour.echoInitial().isEmpty()) {
            return Future.succeededFuture(behaviour);
        }
        return context.sendInitialMetadata(behaviour.echoInitial()).map(behaviour);
    }

    /** Ends with {@code x-status} if asked, otherwise with {@code ok}. */
    private static <T> Future<T> end(
            ServicerContext<byte[], byte[]> context, Behaviour behaviour, Supplier<Future<T>> ok) {
        Optional<StatusCode> status = behaviour.status();
        if (status.isPresent()) {
            // Without a trailing-metadata argument: the echo was already set with setTrailingMetadata.
            return context.abort(status.get(), behaviour.details());
        }
        return ok.get();
    }

    /** No response; the future completes once the call has ended (cancelled, deadline), as server stop expects. */
    private static <T> Future<T> untilDone(ServicerContext<byte[], byte[]> context) {
        Promise<T> terminated = Promise.promise();
        context.addDoneCallback(v -> terminated.tryFail("the call has ended"));
        return terminated.future();
    }

    /**
     * Writes one message {@code count} times, each write awaited before the next. Loops instead of recursing while
     * writes complete at once, so a long run does not grow the stack.
     */
    private final class WriteLoop {
        private final ServicerContext<byte[], byte[]> context;
        private final byte[] message;
        private final Promise<Void> done = Promise.promise();
        private int remaining;

        WriteLoop(ServicerContext<byte[], byte[]> context, byte[] message, int count) {
            this.context = context;
            this.message = message;
            this.remaining = count;
        }

        Future<Void> start() {
            writeNext();
            return done.future();
        }

        private void writeNext() {
            while (remaining > 0) {
                Future<Void> write = context.write(message);
                if (!write.isComplete()) {
                    write.onComplete(ar -> {
                        if (written(write)) {
                            writeNext();
                        }
                    });
                    return;
                }
                if (!written(write)) {
                    return;
                }
            }
            done.tryComplete();
        }

        private boolean written(Future<Void> write) {
            if (write.failed()) {
                done.tryFail(write.cause());
                return false;
            }
            remaining--;
            events.recordMessageSent();
            return true;
        }
    }

    /** Echoes each request as it arrives; reading pauses while a write is outstanding. */
    private final class Echo {
        private final ReadStream<byte[]> requests;
        private final ServicerContext<byte[], byte[]> context;
        private final Promise<Void> done = Promise.promise();
        private Future<Void> lastWrite = Future.succeededFuture();

        Echo(ReadStream<byte[]> requests, ServicerContext<byte[], byte[]> context) {
            this.requests = requests;
            this.context = context;
        }

        Future<Void> start() {
            requests.exceptionHandler(done::tryFail);
            // The end may be reported while the last echo is still being written: finish after it.
            requests.endHandler(v -> lastWrite.onComplete(ar -> done.tryComplete()));
            requests.handler(this::echo);
            return done.future();
        }

        private void echo(byte[] message) {
            requests.pause();
            lastWrite = context.write(message);
            lastWrite.onComplete(ar -> {
                if (ar.failed()) {
                    done.tryFail(ar.cause());
                    return;
                }
                events.recordMessageSent();
                requests.resume();
            });
        }
    }
}
