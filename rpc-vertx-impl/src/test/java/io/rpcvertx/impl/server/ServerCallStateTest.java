package io.rpcvertx.impl.server;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.rpcvertx.GenericRpcHandler;
import io.rpcvertx.Marshaller;
import io.rpcvertx.Metadata;
import io.rpcvertx.MethodDescriptor;
import io.rpcvertx.MethodType;
import io.rpcvertx.RpcException;
import io.rpcvertx.RpcMethodHandler;
import io.rpcvertx.ServerInterceptor;
import io.rpcvertx.ServerOptions;
import io.rpcvertx.ServiceDefinition;
import io.rpcvertx.ServicerContext;
import io.rpcvertx.StatusCode;
import io.rpcvertx.impl.codec.Encoding;
import io.rpcvertx.impl.codec.MessageFramer;
import io.rpcvertx.impl.server.RecordingServerStream.Event;
import io.rpcvertx.impl.server.ServerCallImpl.State;
import io.rpcvertx.impl.transport.ServerStreamListener.CancelCause;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.streams.ReadStream;
import io.vertx.core.streams.WriteStream;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The server call's state machine, driven through a {@link RecordingServerStream}: no sockets. One test per transition,
 * and the terminal events of a call each ending it alone.
 */
@ExtendWith(VertxExtension.class)
@Timeout(30)
class ServerCallStateTest {
    static final Marshaller<String> UTF8 = Marshaller.of(s -> Buffer.buffer(s.getBytes(UTF_8)), b -> b.toString(UTF_8));
    static final MethodDescriptor<String, String> UNARY =
            MethodDescriptor.of(MethodType.UNARY_UNARY, "test.State/Unary", UTF8, UTF8);
    static final MethodDescriptor<String, String> SERVER_STREAM =
            MethodDescriptor.of(MethodType.UNARY_STREAM, "test.State/ServerStream", UTF8, UTF8);
    static final MethodDescriptor<String, String> BIDI =
            MethodDescriptor.of(MethodType.STREAM_STREAM, "test.State/Bidi", UTF8, UTF8);

    /** A handler invocation: its context and the future it returned, for the test to complete. */
    record Handled(ServicerContext<String, String> ctx, Promise<Object> result, ReadStream<String> requests) {}

    final BlockingQueue<Handled> handled = new LinkedBlockingQueue<>();
    final AtomicInteger doneCallbacks = new AtomicInteger();
    Vertx vertx;
    ContextInternal loop;
    CallDispatcher dispatcher;

    @BeforeEach
    void setUp(Vertx vertx) {
        this.vertx = vertx;
        this.loop = ((VertxInternal) vertx).createEventLoopContext();
        this.dispatcher = dispatcher(ServerOptions.DEFAULT);
    }

    CallDispatcher dispatcher(ServerOptions options) {
        ServerImpl server = new ServerImpl((VertxInternal) vertx, options, loop);
        List<GenericRpcHandler> handlers = List.of(ServiceDefinition.of(
                "test.State",
                RpcMethodHandler.unaryUnary(UNARY, (req, ctx) -> this.<String>handle(ctx, null)),
                RpcMethodHandler.unaryStream(SERVER_STREAM, (req, ctx) -> this.<Void>handle(ctx, null)),
                RpcMethodHandler.streamStream(BIDI, (requests, ctx) -> this.<Void>handle(ctx, requests))));
        return new CallDispatcher(server, HandlerRegistry.of(handlers));
    }

    @SuppressWarnings("unchecked")
    <T> Future<T> handle(ServicerContext<String, String> ctx, ReadStream<String> requests) {
        Promise<Object> result = Promise.promise();
        ctx.addDoneCallback(v -> doneCallbacks.incrementAndGet());
        handled.add(new Handled(ctx, result, requests));
        return (Future<T>) result.future();
    }

    /** A call on its own duplicated context, started: what the dispatcher does after admission. */
    static final class Rig {
        final ContextInternal ctx;
        final RecordingServerStream stream;
        final ServerCallImpl<String, String> call;

        Rig(ContextInternal ctx, RecordingServerStream stream, ServerCallImpl<String, String> call) {
            this.ctx = ctx;
            this.stream = stream;
            this.call = call;
        }
    }

    Rig start(CallDispatcher d, MethodDescriptor<String, String> method, long timeoutNanos) {
        ContextInternal ctx = loop.duplicate();
        RecordingServerStream stream = new RecordingServerStream(ctx, method.path());
        ServerCallImpl<String, String> call = on(ctx, () -> {
            ServerCallImpl<String, String> c = new ServerCallImpl<>(d, stream, Encoding.IDENTITY, timeoutNanos);
            c.start();
            return c;
        });
        return new Rig(ctx, stream, call);
    }

    Rig start(MethodDescriptor<String, String> method) {
        return start(dispatcher, method, -1);
    }

    /** A unary call whose handler is running (its request read). */
    Rig handling() throws Exception {
        Rig r = start(UNARY);
        on(r.ctx, () -> {
            r.stream.data(MessageFramer.frame(Buffer.buffer("hi"), false));
            r.stream.halfClose();
            return null;
        });
        return r;
    }

    static <T> T on(ContextInternal ctx, Callable<T> step) {
        CompletableFuture<T> result = new CompletableFuture<>();
        ctx.runOnContext(v -> {
            try {
                result.complete(step.call());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        try {
            return result.get(5, SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** Waits until everything queued on the call's context so far has run. */
    static void settle(Rig r) {
        on(r.ctx, () -> null);
    }

    // ---------------------------------------------------------------- transitions

    @Test
    void unary_handlerFound_readingWithRequestDataFlowing() {
        Rig r = start(UNARY);

        assertThat(r.call.state()).isEqualTo(State.READING);
        assertThat(r.stream.holds).containsExactly(false);
        assertThat(handled).isEmpty();
    }

    @Test
    void unary_requestAndHalfClose_handling() throws Exception {
        Rig r = handling();

        assertThat(handled.poll(5, SECONDS)).isNotNull();
        assertThat(r.call.state()).isEqualTo(State.HANDLING);
        assertThat(r.stream.events).isEmpty();
    }

    @Test
    void unary_handlerCompletes_closedWithHeadersThenLastMessage() throws Exception {
        Rig r = handling();

        handled.poll(5, SECONDS).result().complete("hello");
        r.stream.terminated.get(5, SECONDS);

        assertThat(r.call.state()).isEqualTo(State.CLOSED);
        assertThat(r.stream.events).containsExactly(Event.of("headers"), new Event("last-message", StatusCode.OK, ""));
        assertThat(r.stream.terminations).hasValue(1);
        assertThat(r.call.isDone()).isTrue();
        assertThat(r.call.isCancelled()).isFalse();
    }

    @Test
    void resolving_interceptorPending_staysResolvingWithRequestDataHeld() {
        Promise<Optional<RpcMethodHandler<?, ?>>> gate = Promise.promise();
        ServerInterceptor slow = (continuation, details) -> gate.future();
        Rig r = start(dispatcher(ServerOptions.DEFAULT.withInterceptors(slow)), UNARY, -1);

        assertThat(r.call.state()).isEqualTo(State.RESOLVING);
        assertThat(r.stream.holds).containsExactly(true);
    }

    @Test
    void resolving_unknownMethod_closedTrailersOnlyUnimplemented() {
        MethodDescriptor<String, String> unknown =
                MethodDescriptor.of(MethodType.UNARY_UNARY, "test.State/Nope", UTF8, UTF8);
        Rig r = start(unknown);

        assertThat(r.call.state()).isEqualTo(State.CLOSED);
        assertThat(r.stream.events)
                .containsExactly(
                        new Event("trailers-only", StatusCode.UNIMPLEMENTED, "Method not found: test.State/Nope"));
        assertThat(r.stream.terminations).hasValue(1);
    }

    @Test
    void bidi_handlerFound_straightToHandling() throws Exception {
        Rig r = start(BIDI);

        assertThat(handled.poll(5, SECONDS)).isNotNull();
        assertThat(r.call.state()).isEqualTo(State.HANDLING);
    }

    @Test
    void serverStreaming_firstWrite_respondingWithHeadersBeforeTheMessage() throws Exception {
        Rig r = start(SERVER_STREAM);
        on(r.ctx, () -> {
            r.stream.data(MessageFramer.frame(Buffer.buffer("hi"), false));
            r.stream.halfClose();
            return null;
        });
        Handled h = handled.poll(5, SECONDS);

        h.ctx().write("one").toCompletionStage().toCompletableFuture().get(5, SECONDS);
        assertThat(r.call.state()).isEqualTo(State.RESPONDING);
        h.result().complete(null);
        r.stream.terminated.get(5, SECONDS);

        assertThat(r.stream.events)
                .containsExactly(Event.of("headers"), Event.of("message"), new Event("trailers", StatusCode.OK, ""));
    }

    /** A server-streaming call whose handler runs, its request read. */
    Rig serverStreaming() {
        Rig r = start(SERVER_STREAM);
        on(r.ctx, () -> {
            r.stream.data(MessageFramer.frame(Buffer.buffer("hi"), false));
            r.stream.halfClose();
            return null;
        });
        return r;
    }

    /** How {@code f} completed: "succeeded", or the failure's type (and code for an RpcException). */
    static String outcome(Future<?> f) throws Exception {
        return f.toCompletionStage()
                .handle((v, t) -> t == null
                        ? "succeeded"
                        : t instanceof RpcException
                                ? "RpcException " + ((RpcException) t).code()
                                : t.getClass().getSimpleName())
                .toCompletableFuture()
                .get(5, SECONDS);
    }

    @Test
    void serverStreaming_peerReset_writesAndResponsesEndFailCancelled() throws Exception {
        Rig r = serverStreaming();
        Handled h = handled.poll(5, SECONDS);
        WriteStream<String> responses = h.ctx().responses();
        outcome(h.ctx().write("one"));

        on(r.ctx, () -> {
            r.stream.lost(CancelCause.PEER_RESET);
            return null;
        });

        assertThat(outcome(h.ctx().write("late"))).isEqualTo("RpcException CANCELLED");
        assertThat(outcome(responses.write("late"))).isEqualTo("RpcException CANCELLED");
        assertThat(outcome(responses.end())).isEqualTo("RpcException CANCELLED");
        h.result().complete(null);
        r.stream.terminated.get(5, SECONDS);
        assertThat(r.stream.events)
                .containsExactly(Event.of("headers"), Event.of("message"), Event.of("lost:PEER_RESET"));
    }

    @Test
    void serverStreaming_afterAbort_writesAndResponsesEndFailIllegalState() throws Exception {
        Rig r = serverStreaming();
        Handled h = handled.poll(5, SECONDS);
        WriteStream<String> responses = h.ctx().responses();

        Future<Object> aborted = h.ctx().abort(StatusCode.ABORTED, "enough");

        assertThat(outcome(h.ctx().write("late"))).isEqualTo("IllegalStateException");
        assertThat(outcome(responses.write("late"))).isEqualTo("IllegalStateException");
        assertThat(outcome(responses.end())).isEqualTo("IllegalStateException");
        aborted.onComplete(h.result());
        r.stream.terminated.get(5, SECONDS);
        assertThat(r.stream.events).containsExactly(new Event("trailers-only", StatusCode.ABORTED, "enough"));
    }

    @Test
    void sendInitialMetadata_afterResponding_failsNamingTheState() throws Exception {
        Rig r = handling();
        Handled h = handled.poll(5, SECONDS);
        h.ctx()
                .sendInitialMetadata(Metadata.EMPTY)
                .toCompletionStage()
                .toCompletableFuture()
                .get(5, SECONDS);

        Future<Void> again = h.ctx().sendInitialMetadata(Metadata.EMPTY);

        assertThat(again.toCompletionStage().toCompletableFuture())
                .failsWithin(5, SECONDS)
                .withThrowableThat()
                .havingCause()
                .isInstanceOf(IllegalStateException.class)
                .withMessageContaining("(state: RESPONDING)");
        assertThat(r.stream.events).containsExactly(Event.of("headers+flush"));
    }

    @Test
    void handlerFails_withRpcException_closedWithItsStatus() throws Exception {
        Rig r = handling();

        handled.poll(5, SECONDS).result().fail(new RpcException(StatusCode.ABORTED, "no"));
        r.stream.terminated.get(5, SECONDS);

        assertThat(r.call.state()).isEqualTo(State.CLOSED);
        assertThat(r.stream.events).containsExactly(new Event("trailers-only", StatusCode.ABORTED, "no"));
    }

    // ---------------------------------------------------------------- terminal events, one at a time

    @Test
    void peerReset_handling_cancelledWithoutStatusAndStreamHeldUntilHandlerEnds() throws Exception {
        Rig r = handling();
        Handled h = handled.poll(5, SECONDS);

        on(r.ctx, () -> {
            r.stream.lost(CancelCause.PEER_RESET);
            return null;
        });

        assertThat(r.call.state()).isEqualTo(State.CANCELLED);
        assertThat(h.ctx().isCancelled()).isTrue();
        assertThat(r.stream.terminations).hasValue(0); // its handler still runs
        h.result().complete("too late");
        r.stream.terminated.get(5, SECONDS);
        assertThat(r.stream.events).containsExactly(Event.of("lost:PEER_RESET"));
        assertThat(r.stream.terminations).hasValue(1);
    }

    @Test
    void shutdownCancel_bidiHandling_requestStreamFailsCancelledAndNeverEndsCleanly() throws Exception {
        Rig r = start(BIDI);
        Handled h = handled.poll(5, SECONDS);
        CompletableFuture<Throwable> failed = new CompletableFuture<>();
        AtomicInteger ends = new AtomicInteger();
        on(r.ctx, () -> {
            h.requests().handler(m -> {});
            h.requests().endHandler(v -> ends.incrementAndGet());
            h.requests().exceptionHandler(failed::complete);
            return null;
        });

        on(r.ctx, () -> {
            r.stream.lost(CancelCause.SHUTDOWN);
            return null;
        });

        assertThat(failed.get(5, SECONDS)).isInstanceOf(RpcException.class);
        assertThat(((RpcException) failed.get()).code()).isEqualTo(StatusCode.CANCELLED);
        assertThat(ends).hasValue(0);
        assertThat(r.call.isCancelled()).isTrue();
    }

    @Test
    void deadline_handling_cancelledWithDeadlineExceededThenPeerStopped() throws Exception {
        Rig r = handling();
        Handled h = handled.poll(5, SECONDS);

        on(r.ctx, () -> {
            r.call.onDeadline();
            return null;
        });

        assertThat(r.call.state()).isEqualTo(State.CANCELLED);
        assertThat(r.stream.events)
                .containsExactly(
                        new Event("trailers-only", StatusCode.DEADLINE_EXCEEDED, "deadline exceeded"),
                        Event.of("stop-reading"));
        h.result().complete("late");
        r.stream.terminated.get(5, SECONDS);
        assertThat(r.stream.count("last-message")).isZero();
    }

    @Test
    void deadline_alreadyPassedAtStart_cancelledBeforeResolving() {
        Rig r = start(dispatcher, UNARY, 0);

        assertThat(r.call.state()).isEqualTo(State.CANCELLED);
        assertThat(r.stream.events.get(0))
                .isEqualTo(new Event("trailers-only", StatusCode.DEADLINE_EXCEEDED, "deadline exceeded"));
        assertThat(r.stream.terminations).hasValue(1);
        assertThat(handled).isEmpty();
    }

    @Test
    void cancel_fromAnotherThreadWhileTheLoopIsBusy_cancelledAtOnceWireWorkFollows() throws Exception {
        Rig r = handling();
        Handled h = handled.poll(5, SECONDS);
        CountDownLatch busy = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        r.ctx.runOnContext(v -> {
            busy.countDown();
            try {
                release.await(5, SECONDS); // holds the call's loop, so nothing of the cancel can run there yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertThat(busy.await(5, SECONDS)).isTrue();

        boolean won = h.ctx().cancel();
        boolean cancelledAtOnce = h.ctx().isCancelled();
        boolean doneAtOnce = h.ctx().isDone();
        boolean wireUntouched = r.stream.events.isEmpty();
        boolean second = h.ctx().cancel();
        release.countDown();
        settle(r);

        assertThat(won).isTrue();
        assertThat(cancelledAtOnce).isTrue();
        assertThat(doneAtOnce).isTrue();
        assertThat(wireUntouched).isTrue();
        assertThat(second).isFalse();
        assertThat(r.stream.events).containsExactly(Event.of("cancel"));
        assertThat(doneCallbacks).hasValue(1);
    }

    @Test
    void abort_fromAnotherThread_doneAtOnceStatusFollows() throws Exception {
        Rig r = handling();
        Handled h = handled.poll(5, SECONDS);

        Future<String> aborted = h.ctx().abort(StatusCode.FAILED_PRECONDITION, "nope");
        boolean doneAtOnce = h.ctx().isDone();
        h.result().fail(aborted.cause());
        r.stream.terminated.get(5, SECONDS);

        assertThat(doneAtOnce).isTrue();
        assertThat(h.ctx().isCancelled()).isFalse();
        assertThat(r.stream.events).containsExactly(new Event("trailers-only", StatusCode.FAILED_PRECONDITION, "nope"));
        assertThat(r.stream.terminations).hasValue(1);
    }

    @Test
    void handlerCompletesInsideTheCallsEnd_streamReleasedOnceAfterTheStatus() throws Exception {
        Rig r = start(BIDI);
        Handled h = handled.poll(5, SECONDS);
        // the handler's future completes from the request stream's end, which the call's end itself delivers
        on(r.ctx, () -> {
            h.requests().handler(m -> {});
            h.requests().endHandler(v -> h.result().complete(null));
            h.requests().exceptionHandler(t -> h.result().complete(null));
            return null;
        });

        on(r.ctx, () -> {
            r.call.abort(StatusCode.INVALID_ARGUMENT, "bad");
            return null;
        });

        r.stream.terminated.get(5, SECONDS);
        settle(r);
        assertThat(r.stream.events).containsExactly(new Event("trailers-only", StatusCode.INVALID_ARGUMENT, "bad"));
        assertThat(r.stream.terminations).hasValue(1);
    }
}
