package io.rpcvertx.impl.transport;

import static io.rpcvertx.impl.transport.LoopSteps.contextOnAnotherLoop;
import static io.rpcvertx.impl.transport.LoopSteps.onLoop;
import static io.rpcvertx.impl.transport.LoopSteps.onLoopGet;
import static io.rpcvertx.impl.transport.OutboundWrites.HARD_LIMIT_BYTES;
import static io.rpcvertx.impl.transport.OutboundWrites.REPLAY_LIMIT_BYTES;
import static io.rpcvertx.impl.transport.OutboundWrites.SOFT_LIMIT_BYTES;
import static org.assertj.core.api.Assertions.assertThat;

import io.rpcvertx.RpcException;
import io.rpcvertx.StatusCode;
import io.rpcvertx.impl.codec.WireException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.streams.ReadStream;
import io.vertx.core.streams.WriteStream;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
@Timeout(10)
class OutboundWritesTest {
    /**
     * The HTTP/2 side: records frames ("payload", "payload+last") and "end" in order; the test decides when its write
     * queue is full and whether the call has ended.
     */
    static final class RecordingSink implements OutboundWrites.Sink {
        final List<String> events = new CopyOnWriteArrayList<>();
        final List<WireException> writeErrors = new CopyOnWriteArrayList<>();
        volatile boolean full;
        /** Payloads longer than this fail to frame, like a message over the send limit. */
        volatile int maxPayload = Integer.MAX_VALUE;
        /** Whether a write error ends the call, as the real calls do. */
        volatile boolean endOnWriteError = true;

        volatile @Nullable Throwable terminal;

        @Override
        public Buffer frame(Buffer payload) {
            if (payload.length() > maxPayload) {
                throw new WireException(
                        StatusCode.RESOURCE_EXHAUSTED,
                        "Sent message larger than max (" + payload.length() + " vs. " + maxPayload + ")");
            }
            return payload;
        }

        @Override
        public void send(Buffer frame, boolean last) {
            String text = frame.length() <= 32 ? frame.toString() : "<" + frame.length() + " bytes>";
            events.add(last ? text + "+last" : text);
        }

        @Override
        public void sendEnd() {
            events.add("end");
        }

        @Override
        public boolean writeQueueFull() {
            return full;
        }

        @Override
        public void onWriteError(WireException e) {
            writeErrors.add(e);
            if (endOnWriteError) {
                terminal = new RpcException(e.code(), e.getMessage());
            }
        }

        @Override
        public @Nullable Throwable terminalError() {
            return terminal;
        }
    }

    /**
     * A source that starts paused and emits its items on demand, recording "pause", "resume" and each emitted item.
     */
    static final class FakeReadStream implements ReadStream<String> {
        final List<String> flow = new CopyOnWriteArrayList<>();
        private final ArrayDeque<String> items;
        private @Nullable Handler<String> handler;
        private @Nullable Handler<Void> endHandler;
        private long demand;
        private boolean emitting;
        private boolean ended;

        FakeReadStream(String... items) {
            this.items = new ArrayDeque<>(List.of(items));
        }

        @Override
        public ReadStream<String> exceptionHandler(@Nullable Handler<Throwable> handler) {
            return this;
        }

        @Override
        public ReadStream<String> handler(@Nullable Handler<String> handler) {
            this.handler = handler;
            emit();
            return this;
        }

        @Override
        public ReadStream<String> pause() {
            flow.add("pause");
            demand = 0;
            return this;
        }

        @Override
        public ReadStream<String> resume() {
            flow.add("resume");
            return fetch(Long.MAX_VALUE);
        }

        @Override
        public ReadStream<String> fetch(long amount) {
            demand = demand + amount < 0 ? Long.MAX_VALUE : demand + amount;
            emit();
            return this;
        }

        @Override
        public ReadStream<String> endHandler(@Nullable Handler<Void> endHandler) {
            this.endHandler = endHandler;
            return this;
        }

        private void emit() {
            if (emitting) {
                return;
            }
            emitting = true;
            try {
                Handler<String> h;
                while ((h = handler) != null && demand > 0 && !items.isEmpty()) {
                    if (demand != Long.MAX_VALUE) {
                        demand--;
                    }
                    String item = items.poll();
                    flow.add(item);
                    h.handle(item);
                }
                Handler<Void> e = endHandler;
                if (items.isEmpty() && handler != null && e != null && !ended) {
                    ended = true;
                    e.handle(null);
                }
            } finally {
                emitting = false;
            }
        }
    }

    private static final RpcException GONE = new RpcException(StatusCode.UNAVAILABLE, "gone");

    private final RecordingSink sink = new RecordingSink();
    private ContextInternal owner;
    private OutboundWrites<String> writes;

    @BeforeEach
    void setUp(Vertx vertx) {
        owner = ((VertxInternal) vertx).createEventLoopContext();
        writes = new OutboundWrites<>(owner, owner, sink, true);
    }

    private Future<Void> write(String message) {
        return write(Buffer.buffer(message));
    }

    private Future<Void> write(Buffer payload) {
        return onLoopGet(owner, () -> {
            Promise<Void> promise = owner.promise();
            writes.write(payload, promise);
            return promise.future();
        });
    }

    private static Buffer bytes(long size) {
        return Buffer.buffer(new byte[Math.toIntExact(size)]);
    }

    /** The view as a call builds it: writes and the end hop to the owner. */
    private WriteStream<String> view() {
        return writes.view(
                message -> {
                    Promise<Void> promise = owner.promise();
                    owner.execute(() -> writes.write(Buffer.buffer(message), promise));
                    return promise.future();
                },
                () -> {
                    Promise<Void> promise = owner.promise();
                    owner.execute(() -> {
                        writes.halfClose();
                        promise.complete();
                    });
                    return promise.future();
                });
    }

    private void open() {
        onLoop(owner, () -> writes.open(false));
    }

    private void drain() {
        onLoop(owner, () -> {
            sink.full = false;
            writes.onDrain();
        });
    }

    // ---------------------------------------------------------------- before the stream opens

    /** A server call's writes (no replay), open: what {@link OutboundWrites#sentDirect} is for. */
    private OutboundWrites<String> openServerWrites() {
        OutboundWrites<String> server = new OutboundWrites<>(owner, owner, sink, false);
        onLoop(owner, () -> server.open(false));
        return server;
    }

    @Test
    void acceptsDirect_onlyOnceOpen_andNeverWhenReplayable() {
        OutboundWrites<String> server = new OutboundWrites<>(owner, owner, sink, false);
        assertThat(onLoopGet(owner, server::acceptsDirect)).isFalse();
        onLoop(owner, () -> server.open(false));
        assertThat(onLoopGet(owner, server::acceptsDirect)).isTrue();

        open();
        assertThat(onLoopGet(owner, writes::acceptsDirect)).as("replayable").isFalse();
    }

    @Test
    void sentDirect_streamTakesMore_returnsTheSharedFuture() {
        OutboundWrites<String> server = openServerWrites();
        Future<Void> accepted = owner.succeededFuture();

        Future<Void> first = onLoopGet(owner, () -> server.sentDirect(10, accepted, owner));
        Future<Void> second = onLoopGet(owner, () -> server.sentDirect(10, accepted, owner));

        assertThat(first).isSameAs(accepted);
        assertThat(second).isSameAs(accepted);
        assertThat(server.view(m -> accepted, () -> accepted).writeQueueFull()).isFalse();
    }

    @Test
    void sentDirect_streamFull_writeWaitsForTheDrain_andLaterMessagesQueueUntilThen() throws Exception {
        OutboundWrites<String> server = openServerWrites();
        WriteStream<String> view = server.view(m -> owner.succeededFuture(), owner::succeededFuture);
        Future<Void> accepted = owner.succeededFuture();
        sink.full = true;

        Future<Void> waiting = onLoopGet(owner, () -> server.sentDirect(10, accepted, owner));

        assertThat(waiting.isComplete()).isFalse();
        assertThat(view.writeQueueFull()).isTrue();
        assertThat(onLoopGet(owner, server::acceptsDirect))
                .as("a write waits for the drain")
                .isFalse();
        onLoop(owner, () -> {
            sink.full = false;
            server.onDrain();
        });
        waiting.await(5, TimeUnit.SECONDS);
        assertThat(view.writeQueueFull()).isFalse();
        assertThat(onLoopGet(owner, server::acceptsDirect)).isTrue();
    }

    @Test
    void write_beforeOpen_isBufferedAndNotCompleted() {
        Future<Void> a = write("a");

        assertThat(sink.events).isEmpty();
        assertThat(a.isComplete()).isFalse();
    }

    @Test
    void open_afterBufferedWrites_flushesInOrderAndCompletesThem() {
        Future<Void> a = write("a");
        Future<Void> b = write("b");

        open();

        assertThat(sink.events).containsExactly("a", "b");
        assertThat(a.succeeded()).isTrue();
        assertThat(b.succeeded()).isTrue();
    }

    @Test
    void open_halfClosedAtOpen_endsTheStreamWithTheLastMessage() {
        write("a");
        write("b");

        onLoop(owner, () -> writes.open(true));

        assertThat(sink.events).containsExactly("a", "b+last");
    }

    @Test
    void open_halfClosedAtOpenWithoutMessages_sendsEnd() {
        onLoop(owner, () -> writes.open(true));

        assertThat(sink.events).containsExactly("end");
    }

    @Test
    void halfClose_beforeOpen_endsTheStreamWithTheLastMessageAtOpen() {
        write("a");
        onLoop(owner, writes::halfClose);
        assertThat(sink.events).isEmpty();

        open();

        assertThat(sink.events).containsExactly("a+last");
    }

    @Test
    void open_twice_sendsOnce() {
        write("a");
        open();

        open();

        assertThat(sink.events).containsExactly("a");
    }

    @Test
    void open_whileSinkFull_flushedWritesWaitForDrain() {
        Future<Void> a = write("a");
        Future<Void> b = write("b");
        sink.full = true;

        open();
        assertThat(sink.events).containsExactly("a", "b");
        assertThat(a.isComplete()).isFalse();
        assertThat(b.isComplete()).isFalse();

        drain();
        assertThat(a.succeeded()).isTrue();
        assertThat(b.succeeded()).isTrue();
    }

    // ---------------------------------------------------------------- streaming and flow control

    @Test
    void write_whileStreamingAndNotFull_completesAtOnce() {
        open();

        Future<Void> a = write("a");

        assertThat(sink.events).containsExactly("a");
        assertThat(a.succeeded()).isTrue();
    }

    @Test
    void write_whileStreamingAndFull_completesOnlyAtDrain() {
        open();
        sink.full = true;

        Future<Void> a = write("a");
        assertThat(sink.events).containsExactly("a");
        assertThat(a.isComplete()).isFalse();

        drain();
        assertThat(a.succeeded()).isTrue();
    }

    @Test
    void onDrain_aWriterThatWritesAgainFromItsCompletionAndRefillsTheStream_waitsForTheNextDrain() {
        open();
        sink.full = true;
        AtomicInteger completed = new AtomicInteger();
        List<Future<Void>> writesMade = new CopyOnWriteArrayList<>();
        onLoop(owner, () -> {
            Promise<Void> first = owner.promise();
            writesMade.add(first.future());
            first.future().onSuccess(v -> {
                completed.incrementAndGet();
                // the writer's next message fills the stream again (sink.full stays true): it must wait
                Promise<Void> next = owner.promise();
                writesMade.add(next.future());
                next.future().onSuccess(w -> completed.incrementAndGet());
                writes.write(Buffer.buffer("b"), next);
            });
            writes.write(Buffer.buffer("a"), first);
        });

        onLoop(owner, writes::onDrain); // the stream drained, and the refill makes it full again at once

        assertThat(completed.get()).isEqualTo(1);
        assertThat(writesMade).hasSize(2);
        assertThat(writesMade.get(1).isComplete()).as("the refilling write").isFalse();
        drain();
        assertThat(completed.get()).isEqualTo(2);
    }

    @Test
    void halfClose_whileStreaming_sendsEndOnce() {
        open();
        write("a");

        onLoop(owner, writes::halfClose);
        onLoop(owner, writes::halfClose);

        assertThat(sink.events).containsExactly("a", "end");
    }

    @Test
    void write_afterHalfClose_failsWithIllegalStateNamingTheState() {
        open();
        onLoop(owner, writes::halfClose);

        Future<Void> late = write("late");

        assertThat(late.cause()).isInstanceOf(IllegalStateException.class).hasMessageContaining("HALF_CLOSED");
        assertThat(sink.events).containsExactly("end");
    }

    @Test
    void write_afterHalfCloseBeforeOpen_failsWithIllegalStateNamingTheState() {
        onLoop(owner, writes::halfClose);

        Future<Void> late = write("late");

        assertThat(late.cause()).isInstanceOf(IllegalStateException.class).hasMessageContaining("HALF_CLOSED");
    }

    // ---------------------------------------------------------------- the hard limit

    @Test
    void write_pastHardLimitBeforeOpen_failsWithIllegalState() {
        Future<Void> first = write(bytes(HARD_LIMIT_BYTES / 2));
        Future<Void> second = write(bytes(HARD_LIMIT_BYTES / 2));

        Future<Void> third = write(bytes(1));

        assertThat(third.cause()).isInstanceOf(IllegalStateException.class).hasMessageContaining("write buffer full");
        assertThat(first.isComplete()).isFalse();
        assertThat(second.isComplete()).isFalse();
        open();
        assertThat(sink.events).hasSize(2);
        assertThat(first.succeeded()).isTrue();
        assertThat(second.succeeded()).isTrue();
    }

    @Test
    void write_pastHardLimitWhileWaitingForDrain_failsWithIllegalState() {
        open();
        sink.full = true;
        Future<Void> waiting = write(bytes(HARD_LIMIT_BYTES));

        Future<Void> refused = write(bytes(1));

        assertThat(refused.cause()).isInstanceOf(IllegalStateException.class).hasMessageContaining("write buffer full");
        assertThat(sink.events).hasSize(1);
        assertThat(waiting.isComplete()).isFalse();
        drain();
        assertThat(waiting.succeeded()).isTrue();
    }

    @Test
    void write_afterDrainFollowingRefusal_isAcceptedAgain() {
        open();
        sink.full = true;
        write(bytes(HARD_LIMIT_BYTES));
        write(bytes(1));
        drain();

        Future<Void> next = write("next");

        assertThat(next.succeeded()).isTrue();
        assertThat(sink.events).endsWith("next");
    }

    @Test
    void write_singleMessageOverHardLimitBeforeOpen_isAccepted() {
        Future<Void> big = write(bytes(HARD_LIMIT_BYTES + 1));
        assertThat(big.isComplete()).isFalse();

        open();

        assertThat(big.succeeded()).isTrue();
        assertThat(sink.events).containsExactly("<" + (HARD_LIMIT_BYTES + 1) + " bytes>");
    }

    @Test
    void write_singleMessageOverHardLimitWhenNothingWaitsForDrain_isAccepted() {
        open();
        sink.full = true;

        Future<Void> big = write(bytes(HARD_LIMIT_BYTES + 1));

        assertThat(big.failed()).isFalse();
        assertThat(sink.events).hasSize(1);
        drain();
        assertThat(big.succeeded()).isTrue();
    }

    // ---------------------------------------------------------------- the end of the call

    @Test
    void close_withError_failsBufferedWritesWithIt() {
        Future<Void> a = write("a");
        Future<Void> b = write("b");

        onLoop(owner, () -> writes.close(GONE));

        assertThat(a.cause()).isSameAs(GONE);
        assertThat(b.cause()).isSameAs(GONE);
        assertThat(sink.events).isEmpty();
    }

    @Test
    void close_withError_failsWritesWaitingForDrainWithIt() {
        open();
        sink.full = true;
        Future<Void> a = write("a");

        onLoop(owner, () -> writes.close(GONE));

        assertThat(a.cause()).isSameAs(GONE);
    }

    @Test
    void close_withoutError_completesWritesAlreadyHandedToTheStream() {
        open();
        sink.full = true;
        Future<Void> a = write("a");

        onLoop(owner, () -> writes.close(null));

        assertThat(a.succeeded()).isTrue();
    }

    @Test
    void close_withoutError_failsWritesNeverHandedToTheStream() {
        Future<Void> a = write("a");

        onLoop(owner, () -> writes.close(null));

        assertThat(a.cause()).isInstanceOf(IllegalStateException.class);
        assertThat(sink.events).isEmpty();
    }

    @Test
    void write_afterClose_failsWithIllegalState() {
        open();
        onLoop(owner, () -> writes.close(null));

        Future<Void> late = write("late");

        assertThat(late.cause()).isInstanceOf(IllegalStateException.class);
        assertThat(sink.events).isEmpty();
    }

    @Test
    void write_whenTheCallHasEnded_failsWithTheCallsError() {
        open();
        sink.terminal = GONE;

        Future<Void> late = write("late");

        assertThat(late.cause()).isSameAs(GONE);
        assertThat(sink.events).isEmpty();
    }

    @Test
    void write_frameThrowsWireException_reportsItAndFailsThatWriteWithTheCallsError() {
        open();
        sink.maxPayload = 3;

        Future<Void> tooBig = write("too big");

        assertThat(sink.writeErrors)
                .singleElement()
                .satisfies(e -> assertThat(e.code()).isEqualTo(StatusCode.RESOURCE_EXHAUSTED));
        assertThat(tooBig.cause()).isSameAs(sink.terminal);
        assertThat(sink.events).isEmpty();
    }

    @Test
    void write_frameThrowsWireExceptionAndCallStaysLive_failsThatWriteWithTheWireException() {
        open();
        sink.maxPayload = 3;
        sink.endOnWriteError = false;

        Future<Void> tooBig = write("too big");
        Future<Void> small = write("ok");

        assertThat(tooBig.cause()).isSameAs(sink.writeErrors.get(0));
        assertThat(small.succeeded()).isTrue();
        assertThat(sink.events).containsExactly("ok");
    }

    @Test
    void open_bufferedMessageFailsToFrame_reportsItAndFailsThatWrite() {
        sink.maxPayload = 3;
        Future<Void> tooBig = write("too big");

        open();

        assertThat(sink.writeErrors).hasSize(1);
        assertThat(tooBig.cause()).isSameAs(sink.terminal);
        assertThat(sink.events).isEmpty();
    }

    // ---------------------------------------------------------------- replay (transparent retry)

    @Test
    void rewind_afterSends_resendsThemInOrderBeforeNewWrites() {
        open();
        write("a");
        write("b");

        onLoop(owner, writes::rewind);
        Future<Void> c = write("c");
        assertThat(sink.events).containsExactly("a", "b");
        assertThat(c.isComplete()).isFalse();

        open();
        assertThat(sink.events).containsExactly("a", "b", "a", "b", "c");
        assertThat(c.succeeded()).isTrue();
    }

    @Test
    void rewind_afterHalfClosedSend_resendsEndingWithTheLastMessage() {
        write("a");
        onLoop(owner, writes::halfClose);
        onLoop(owner, () -> writes.open(true));

        onLoop(owner, writes::rewind);
        onLoop(owner, () -> writes.open(true));

        assertThat(sink.events).containsExactly("a+last", "a+last");
    }

    @Test
    void rewind_completesWritesWaitingForDrain() {
        open();
        sink.full = true;
        Future<Void> a = write("a");

        onLoop(owner, writes::rewind);

        assertThat(a.succeeded()).isTrue();
    }

    @Test
    void replayable_withinReplayLimit_isTrue() {
        open();

        write(bytes(REPLAY_LIMIT_BYTES));

        assertThat(onLoopGet(owner, writes::replayable)).isTrue();
    }

    @Test
    void replayable_notReplayable_keepsNothing() {
        writes = new OutboundWrites<>(owner, owner, sink, false);
        open();

        write(bytes(1));

        assertThat(onLoopGet(owner, writes::replayable)).isFalse();
    }

    @Test
    void replayable_pastReplayLimit_isFalse() {
        open();
        write(bytes(REPLAY_LIMIT_BYTES));

        write(bytes(1));

        assertThat(onLoopGet(owner, writes::replayable)).isFalse();
    }

    // ---------------------------------------------------------------- the WriteStream view

    @Test
    void view_writeQueueFullBeforeOpen_followsTheSoftLimit() {
        WriteStream<String> view = view();
        write(bytes(SOFT_LIMIT_BYTES - 1));
        assertThat(view.writeQueueFull()).isFalse();

        write(bytes(1));
        assertThat(view.writeQueueFull()).isTrue();

        open();
        assertThat(view.writeQueueFull()).isFalse();
    }

    @Test
    void view_writeQueueFullWhileStreaming_followsTheSinkUntilDrain() {
        WriteStream<String> view = view();
        open();
        sink.full = true;
        write("a");
        assertThat(view.writeQueueFull()).isTrue();

        drain();

        assertThat(view.writeQueueFull()).isFalse();
    }

    @Test
    void view_drainHandler_calledOnTheCallerContextAfterDrain(Vertx vertx) throws Exception {
        ContextInternal caller = contextOnAnotherLoop(vertx, owner);
        writes = new OutboundWrites<>(owner, caller, sink, true);
        CompletableFuture<Context> drainedOn = new CompletableFuture<>();
        view().drainHandler(v -> drainedOn.complete(Vertx.currentContext()));
        open();
        sink.full = true;
        write("a");

        drain();

        assertThat(drainedOn.get(5, TimeUnit.SECONDS)).isSameAs(caller);
    }

    @Test
    void view_drainHandlerSetOffTheOwnerAfterTheDrainAlreadyHappened_stillCalled() throws Exception {
        WriteStream<String> view = view();
        open();
        sink.full = true;
        write("a");
        assertThat(view.writeQueueFull()).isTrue();
        drain(); // on the owner, between the writer seeing full and setting its handler

        CompletableFuture<Void> drained = new CompletableFuture<>();
        view.drainHandler(v -> drained.complete(null));

        drained.get(5, TimeUnit.SECONDS);
    }

    @Test
    void view_drainHandler_notCalledWhileTheSinkIsStillFull() {
        AtomicInteger drains = new AtomicInteger();
        view().drainHandler(v -> drains.incrementAndGet());
        open();
        sink.full = true;
        write("a");

        onLoop(owner, writes::onDrain);
        onLoop(owner, () -> {});
        assertThat(drains).hasValue(0);

        drain();
        onLoop(owner, () -> {});
        assertThat(drains).hasValue(1);
    }

    @Test
    void view_openAfterReportingFull_callsTheDrainHandler() {
        AtomicInteger drains = new AtomicInteger();
        WriteStream<String> view = view().drainHandler(v -> drains.incrementAndGet());
        write(bytes(SOFT_LIMIT_BYTES));
        assertThat(view.writeQueueFull()).isTrue();

        open();
        onLoop(owner, () -> {});

        assertThat(view.writeQueueFull()).isFalse();
        assertThat(drains).as("drainHandler calls after open() made room").hasValue(1);
    }

    @Test
    void view_close_wakesTheDrainHandler() throws Exception {
        CompletableFuture<Void> woken = new CompletableFuture<>();
        view().drainHandler(v -> woken.complete(null));
        open();
        sink.full = true;
        write("a");

        onLoop(owner, () -> writes.close(GONE));

        woken.get(5, TimeUnit.SECONDS);
    }

    @Test
    void view_writeFailure_reachesTheExceptionHandler() throws Exception {
        CompletableFuture<Throwable> failure = new CompletableFuture<>();
        WriteStream<String> view = view().exceptionHandler(failure::complete);
        onLoop(owner, writes::halfClose);

        view.write("late");

        assertThat(failure.get(5, TimeUnit.SECONDS)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void view_sameInstanceOnEveryCall() {
        assertThat(view()).isSameAs(view());
    }

    @Test
    void pipeTo_sinkFull_pausesTheSourceUntilDrain() throws Exception {
        FakeReadStream source = new FakeReadStream("a", "b", "c");
        open();

        Future<Void> piped = onLoopGet(owner, () -> {
            sink.full = true;
            return source.pipeTo(view());
        });
        assertThat(sink.events).containsExactly("a");
        assertThat(source.flow).endsWith("a", "pause");
        assertThat(piped.isComplete()).isFalse();

        drain();

        piped.await(5, TimeUnit.SECONDS);
        assertThat(sink.events).containsExactly("a", "b", "c", "end");
        assertThat(source.flow).endsWith("a", "pause", "resume", "b", "c");
    }

    @Test
    void pipeTo_sinkNeverFull_writesEverythingWithoutPausing() throws Exception {
        FakeReadStream source = new FakeReadStream("a", "b", "c");
        open();

        Future<Void> piped = onLoopGet(owner, () -> source.pipeTo(view()));

        piped.await(5, TimeUnit.SECONDS);
        assertThat(sink.events).containsExactly("a", "b", "c", "end");
        assertThat(source.flow).endsWith("resume", "a", "b", "c");
    }

    @Test
    void pipeTo_beforeOpen_pausesAtTheSoftLimitAndResumesAfterOpen() throws Exception {
        int messageSize = 16 * 1024;
        int count = Math.toIntExact(2 * SOFT_LIMIT_BYTES / messageSize);
        String[] items = new String[count];
        String body = "x".repeat(messageSize);
        for (int i = 0; i < count; i++) {
            items[i] = body;
        }
        FakeReadStream source = new FakeReadStream(items);

        Future<Void> piped = onLoopGet(owner, () -> source.pipeTo(view()));
        assertThat(sink.events).isEmpty();
        assertThat(source.flow).last().isEqualTo("pause");
        assertThat(source.flow.stream().filter(body::equals).count()).isEqualTo(SOFT_LIMIT_BYTES / messageSize);

        open();

        piped.await(5, TimeUnit.SECONDS);
        assertThat(sink.events).hasSize(count + 1).endsWith("end");
    }
}
