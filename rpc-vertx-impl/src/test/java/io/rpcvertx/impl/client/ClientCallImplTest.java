package io.rpcvertx.impl.client;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rpcvertx.CallCounts;
import io.rpcvertx.CallOptions;
import io.rpcvertx.ChannelOptions;
import io.rpcvertx.Compression;
import io.rpcvertx.Marshaller;
import io.rpcvertx.Metadata;
import io.rpcvertx.MethodDescriptor;
import io.rpcvertx.MethodType;
import io.rpcvertx.RpcException;
import io.rpcvertx.StatusCode;
import io.rpcvertx.impl.security.ChannelSecurity;
import io.rpcvertx.impl.telemetry.CallCounter;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The client call state machine, driven through a {@link RecordingClientStream}: no sockets. Every step that touches
 * the call's owner state runs on the owner loop ({@link #onOwner}); the public API is called from the test thread, as
 * an application on another thread would.
 */
@Timeout(60)
class ClientCallImplTest {
    static final Marshaller<String> UTF8 =
            Marshaller.of(s -> Buffer.buffer(s, "UTF-8"), b -> b.toString(StandardCharsets.UTF_8));
    static final MethodDescriptor<String, String> UNARY =
            MethodDescriptor.of(MethodType.UNARY_UNARY, "test.Fake/Unary", UTF8, UTF8);
    static final MethodDescriptor<String, String> SERVER_STREAM =
            MethodDescriptor.of(MethodType.UNARY_STREAM, "test.Fake/ServerStream", UTF8, UTF8);
    static final MethodDescriptor<String, String> BIDI =
            MethodDescriptor.of(MethodType.STREAM_STREAM, "test.Fake/Bidi", UTF8, UTF8);

    Vertx vertx;
    ContextInternal owner;
    FakeClientTransport transport;
    CallSetup setup;

    @BeforeEach
    void setUp() {
        vertx = Vertx.vertx();
        VertxInternal vi = (VertxInternal) vertx;
        owner = vi.createEventLoopContext();
        transport = new FakeClientTransport();
        setup = new CallSetup(
                owner,
                transport,
                ChannelSecurity.of(vi, null, ChannelOptions.DEFAULT, "fake:1"),
                Compression.NO_COMPRESSION,
                -1,
                4 * 1024 * 1024,
                true,
                null,
                new CallCounter());
    }

    @AfterEach
    void tearDown() throws Exception {
        vertx.close().await(5, SECONDS);
    }

    // ---------------------------------------------------------------- helpers

    <T> T onOwner(Supplier<T> step) {
        CompletableFuture<T> done = new CompletableFuture<>();
        owner.runOnContext(v -> {
            try {
                done.complete(step.get());
            } catch (Throwable t) {
                done.completeExceptionally(t);
            }
        });
        try {
            return done.get(5, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new AssertionError(e.getCause());
        } catch (InterruptedException | TimeoutException e) {
            throw new AssertionError(e);
        }
    }

    void onOwnerRun(Runnable step) {
        onOwner(() -> {
            step.run();
            return null;
        });
    }

    ClientCallImpl<String, String> call(MethodDescriptor<String, String> method, CallOptions options) {
        return new ClientCallImpl<>(setup, method, options, owner);
    }

    /** A unary call, started (its stream exists and was started), not yet opened. */
    ClientCallImpl<String, String> startedUnary(CallOptions options) {
        ClientCallImpl<String, String> call = call(UNARY, options);
        call.start("req");
        onOwnerRun(() -> {}); // the start ran: it was queued on the owner before this step
        return call;
    }

    RecordingClientStream stream() {
        return onOwner(transport::last);
    }

    static <T> T await(Future<T> f) throws Exception {
        return f.await(5, SECONDS);
    }

    static StatusCode failureCode(Future<?> f) {
        assertThatThrownBy(() -> f.await(5, SECONDS)).isInstanceOf(RpcException.class);
        return ((RpcException) f.cause()).code();
    }

    // ---------------------------------------------------------------- transitions

    @Test
    void unary_start_opensOneStreamWithTheRequestAndEnd() throws Exception {
        ClientCallImpl<String, String> call = startedUnary(CallOptions.DEFAULT);
        RecordingClientStream s = stream();
        assertThat(s.head.path()).isEqualTo("/test.Fake/Unary");
        assertThat(s.events).containsExactly("start");
        onOwnerRun(s::open);
        await(call.waitForConnection());
        // the request leaves with the headers in one go: no separate headers, no separate half-close
        assertThat(onOwner(() -> List.copyOf(s.events))).containsExactly("start", "message:req:end");
        assertThat(call.toString()).contains("HALF_CLOSED");
    }

    @Test
    void unary_headersMessageTrailers_completesEveryOutcome() throws Exception {
        ClientCallImpl<String, String> call = startedUnary(CallOptions.DEFAULT);
        RecordingClientStream s = stream();
        AtomicInteger done = new AtomicInteger();
        CompletableFuture<Void> fired = new CompletableFuture<>();
        call.addDoneCallback(v -> {
            done.incrementAndGet();
            fired.complete(null);
        });
        onOwnerRun(() -> {
            s.open();
            s.headers(Metadata.of("h", "1"));
            s.message("resp");
            s.trailers(StatusCode.OK, "", Metadata.of("t", "2"));
        });
        assertThat(await(call.response())).isEqualTo("resp");
        assertThat(await(call.code())).isEqualTo(StatusCode.OK);
        assertThat(await(call.initialMetadata()).get("h")).contains("1");
        assertThat(await(call.trailingMetadata()).get("t")).contains("2");
        assertThat(call.isDone()).isTrue();
        assertThat(call.isCancelled()).isFalse();
        assertThat(call.cancel()).isFalse();
        fired.get(5, SECONDS); // on the registrar's context (this thread's sticky one), not the owner's
        assertThat(done).hasValue(1);
        assertThat(s.resets).isZero();
    }

    @Test
    void callCounts_okCancelledAndRefusedTwice_countedOnceEachByOutcome() throws Exception {
        ClientCallImpl<String, String> ok = startedUnary(CallOptions.DEFAULT);
        RecordingClientStream s = stream();
        onOwnerRun(() -> {
            s.open();
            s.message("resp");
            s.trailers(StatusCode.OK, "", Metadata.EMPTY);
        });
        assertThat(await(ok.response())).isEqualTo("resp");
        ClientCallImpl<String, String> cancelled = startedUnary(CallOptions.DEFAULT);
        assertThat(cancelled.cancel()).isTrue();
        assertThat(cancelled.cancel()).isFalse();
        assertThat(failureCode(cancelled.response())).isEqualTo(StatusCode.CANCELLED);
        ClientCallImpl<String, String> refused = startedUnary(CallOptions.DEFAULT);
        onOwnerRun(() -> transport.last().closed(StatusCode.UNAVAILABLE, "refused", true)); // replayed: one call
        onOwnerRun(() -> transport.last().closed(StatusCode.UNAVAILABLE, "refused", true));
        assertThat(failureCode(refused.response())).isEqualTo(StatusCode.UNAVAILABLE);

        CallCounts counts = onOwner(setup.calls()::snapshot); // after the owner ran every ending
        assertThat(counts.started()).isEqualTo(3);
        assertThat(counts.succeeded()).isEqualTo(1);
        assertThat(counts.failed()).isEqualTo(2);
    }

    @Test
    void unary_okWithoutMessage_failsInternal() throws Exception {
        ClientCallImpl<String, String> call = startedUnary(CallOptions.DEFAULT);
        RecordingClientStream s = stream();
        onOwnerRun(() -> {
            s.open();
            s.trailers(StatusCode.OK, "", Metadata.EMPTY);
        });
        assertThat(failureCode(call.response())).isEqualTo(StatusCode.INTERNAL);
        assertThat(await(call.details())).isEqualTo("No value received for unary call");
    }

    @Test
    void unary_secondMessage_failsInternalAndResetsTheStream() throws Exception {
        ClientCallImpl<String, String> call = startedUnary(CallOptions.DEFAULT);
        RecordingClientStream s = stream();
        onOwnerRun(() -> {
            s.open();
            s.headers(Metadata.EMPTY);
            s.message("one");
            s.message("two");
        });
        assertThat(failureCode(call.response())).isEqualTo(StatusCode.INTERNAL);
        assertThat(s.resets).isEqualTo(1);
    }

    @Test
    void unary_undecodableMessage_failsInternal() throws Exception {
        MethodDescriptor<String, String> picky = MethodDescriptor.of(
                MethodType.UNARY_UNARY, "test.Fake/Picky", UTF8, Marshaller.of(Buffer::buffer, b -> {
                    throw new IllegalArgumentException("no");
                }));
        ClientCallImpl<String, String> call = call(picky, CallOptions.DEFAULT);
        call.start("req");
        RecordingClientStream s = stream();
        onOwnerRun(() -> {
            s.open();
            s.headers(Metadata.EMPTY);
            s.message("x");
        });
        assertThat(failureCode(call.response())).isEqualTo(StatusCode.INTERNAL);
        assertThat(await(call.details())).startsWith("Failed to read message");
    }

    @Test
    void bidi_writesBeforeOpen_areBufferedThenSentAfterTheHeaders() throws Exception {
        ClientCallImpl<String, String> call = call(BIDI, CallOptions.DEFAULT);
        call.start(null);
        Future<Void> w1 = call.write("a");
        Future<Void> w2 = call.write("b");
        Future<Void> end = call.doneWriting();
        await(end);
        RecordingClientStream s = stream();
        assertThat(w1.isComplete()).isFalse(); // accepted once the stream takes it
        onOwnerRun(s::open);
        await(w1);
        await(w2);
        assertThat(onOwner(() -> List.copyOf(s.events))).containsExactly("start", "message:a", "message:b:end");
    }

    @Test
    void bidi_openBeforeWrites_sendsHeadersAtOnceAndHalfClosesLater() throws Exception {
        ClientCallImpl<String, String> call = call(BIDI, CallOptions.DEFAULT);
        call.start(null);
        RecordingClientStream s = stream();
        onOwnerRun(s::open);
        await(call.write("a"));
        await(call.doneWriting());
        assertThat(onOwner(() -> List.copyOf(s.events))).containsExactly("start", "headers", "message:a", "halfClose");
        assertThat(call.toString()).contains("HALF_CLOSED");
    }

    @Test
    void bidi_streamNotReady_writeWaitsForOnReady() throws Exception {
        ClientCallImpl<String, String> call = call(BIDI, CallOptions.DEFAULT);
        call.start(null);
        RecordingClientStream s = stream();
        onOwnerRun(() -> {
            s.open();
            s.ready = false;
        });
        Future<Void> w = call.write("a");
        onOwnerRun(() -> {}); // the write reached the stream
        assertThat(w.isComplete()).isFalse();
        assertThat(call.requests().writeQueueFull()).isTrue();
        onOwnerRun(s::drain);
        await(w);
        assertThat(call.requests().writeQueueFull()).isFalse();
    }

    @Test
    void writeAfterDoneWriting_fails() throws Exception {
        ClientCallImpl<String, String> call = call(BIDI, CallOptions.DEFAULT);
        call.start(null);
        await(call.doneWriting());
        assertThatThrownBy(() -> await(call.write("late")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("HALF_CLOSED");
    }

    @Test
    void shapeChecks_throwIllegalState() {
        ClientCallImpl<String, String> unary = call(UNARY, CallOptions.DEFAULT);
        assertThatThrownBy(() -> unary.write("x")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(unary::read).isInstanceOf(IllegalStateException.class);
        ClientCallImpl<String, String> streaming = call(SERVER_STREAM, CallOptions.DEFAULT);
        assertThatThrownBy(streaming::response).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void serverStream_messagesThenTrailers_readInOrderThenEnd() throws Exception {
        ClientCallImpl<String, String> call = call(SERVER_STREAM, CallOptions.DEFAULT);
        call.start("req");
        RecordingClientStream s = stream();
        onOwnerRun(() -> {
            s.open();
            s.headers(Metadata.EMPTY);
            s.message("1");
            s.message("2");
            s.trailers(StatusCode.OK, "", Metadata.EMPTY);
        });
        assertThat(await(call.read())).contains("1");
        assertThat(await(call.read())).contains("2");
        assertThat(await(call.read())).isEmpty();
        assertThat(await(call.code())).isEqualTo(StatusCode.OK);
    }

    @Test
    void serverStream_readerFallsBehind_pausesAndResumesTheStream() throws Exception {
        ClientCallImpl<String, String> call = call(SERVER_STREAM, CallOptions.DEFAULT);
        call.start("req");
        RecordingClientStream s = stream();
        onOwnerRun(() -> {
            s.open();
            s.headers(Metadata.EMPTY);
            for (int i = 0; i < 20; i++) {
                s.message("m" + i);
            }
        });
        assertThat(onOwner(() -> s.events.contains("pause"))).isTrue();
        for (int i = 0; i < 12; i++) {
            assertThat(await(call.read())).contains("m" + i);
        }
        assertThat(onOwner(() -> s.events.contains("resume"))).isTrue();
    }

    @Test
    void refusedBeforeHeaders_isReplayedOnceOnAStreamAheadOfNewCalls() throws Exception {
        ClientCallImpl<String, String> call = startedUnary(CallOptions.DEFAULT);
        RecordingClientStream first = stream();
        onOwnerRun(() -> {
            first.open();
            first.reset(7); // REFUSED_STREAM
        });
        RecordingClientStream second = stream();
        assertThat(second).isNotSameAs(first);
        assertThat(second.retry).isTrue();
        onOwnerRun(() -> {
            second.open();
            second.headers(Metadata.EMPTY);
            second.message("late");
            second.trailers(StatusCode.OK, "", Metadata.EMPTY);
        });
        assertThat(await(call.response())).isEqualTo("late");
        assertThat(second.events).containsExactly("start", "message:req:end");
    }

    @Test
    void refusedTwice_failsUnavailable() throws Exception {
        ClientCallImpl<String, String> call = startedUnary(CallOptions.DEFAULT);
        onOwnerRun(() -> transport.last().closed(StatusCode.UNAVAILABLE, "gone", true));
        onOwnerRun(() -> transport.last().closed(StatusCode.UNAVAILABLE, "gone again", true));
        assertThat(failureCode(call.response())).isEqualTo(StatusCode.UNAVAILABLE);
        assertThat(await(call.details())).isEqualTo("gone again");
        assertThat(onOwner(() -> transport.streams.size())).isEqualTo(2);
    }

    @Test
    void refusedAfterHeaders_isNotReplayed() throws Exception {
        ClientCallImpl<String, String> call = startedUnary(CallOptions.DEFAULT);
        RecordingClientStream s = stream();
        onOwnerRun(() -> {
            s.open();
            s.headers(Metadata.EMPTY);
            s.reset(7);
        });
        assertThat(failureCode(call.response())).isEqualTo(StatusCode.UNAVAILABLE);
        assertThat(onOwner(() -> transport.streams.size())).isEqualTo(1);
    }

    @Test
    void peerResetCancel_endsCancelled() throws Exception {
        ClientCallImpl<String, String> call = startedUnary(CallOptions.DEFAULT);
        onOwnerRun(() -> {
            transport.last().open();
            transport.last().reset(8);
        });
        assertThat(failureCode(call.response())).isEqualTo(StatusCode.CANCELLED);
        assertThat(call.isCancelled()).isTrue();
        assertThat(call.cancel()).isFalse();
    }

    @Test
    void peerResetCancelAtOurDeadline_isDeadlineExceeded() throws Exception {
        ClientCallImpl<String, String> call = startedUnary(CallOptions.DEFAULT.withTimeout(Duration.ofMillis(10)));
        // the server enforced the grpc-timeout a hair before our timer: within the slack it is our deadline
        onOwnerRun(() -> {
            transport.last().open();
            transport.last().reset(8);
        });
        assertThat(failureCode(call.response())).isEqualTo(StatusCode.DEADLINE_EXCEEDED);
    }

    @Test
    void connectionLost_failsUnavailable() throws Exception {
        ClientCallImpl<String, String> call = startedUnary(CallOptions.DEFAULT);
        onOwnerRun(() -> {
            transport.last().open();
            transport.last().closed(StatusCode.UNAVAILABLE, "Connection closed", false);
        });
        assertThat(failureCode(call.response())).isEqualTo(StatusCode.UNAVAILABLE);
        assertThat(call.isCancelled()).isFalse();
        assertThat(call.isDone()).isTrue();
    }

    @Test
    void deadline_expires_failsDeadlineExceededAndResetsTheStream() throws Exception {
        ClientCallImpl<String, String> call = startedUnary(CallOptions.DEFAULT.withTimeout(Duration.ofMillis(20)));
        RecordingClientStream s = stream();
        onOwnerRun(s::open);
        assertThat(failureCode(call.response())).isEqualTo(StatusCode.DEADLINE_EXCEEDED);
        assertThat(await(call.details())).startsWith("deadline exceeded after 0.020s");
        assertThat(onOwner(() -> s.resets)).isEqualTo(1);
        assertThat(call.timeRemaining().orElseThrow()).isNegative();
    }

    @Test
    void deadlineAlreadyPast_endsWithoutAStream() throws Exception {
        ClientCallImpl<String, String> call = startedUnary(CallOptions.DEFAULT.withTimeout(Duration.ZERO));
        assertThat(failureCode(call.response())).isEqualTo(StatusCode.DEADLINE_EXCEEDED);
        assertThat(onOwner(() -> transport.streams.size())).isZero();
    }

    @Test
    void cancel_beforeOpen_resetsTheStreamAndIgnoresLaterEvents() throws Exception {
        ClientCallImpl<String, String> call = startedUnary(CallOptions.DEFAULT);
        RecordingClientStream s = stream();
        assertThat(call.cancel()).isTrue();
        assertThat(call.isCancelled()).isTrue();
        assertThat(call.isDone()).isTrue();
        assertThat(call.cancel()).isFalse();
        assertThat(failureCode(call.response())).isEqualTo(StatusCode.CANCELLED);
        assertThat(onOwner(() -> s.resets)).isEqualTo(1);
        onOwnerRun(() -> {
            s.listener.onOpen(); // a late open is ignored
            s.listener.onTrailers(StatusCode.OK, "", Metadata.EMPTY);
        });
        assertThat(await(call.code())).isEqualTo(StatusCode.CANCELLED);
        assertThat(call.toString()).contains("CANCELLED");
    }

    @Test
    void cancel_serverStreamWithQueuedMessages_discardsThemAndFailsTheReader() throws Exception {
        ClientCallImpl<String, String> call = call(SERVER_STREAM, CallOptions.DEFAULT);
        call.start("req");
        onOwnerRun(() -> {
            transport.last().open();
            transport.last().headers(Metadata.EMPTY);
            transport.last().message("queued");
        });
        assertThat(call.cancel()).isTrue();
        assertThat(failureCode(call.read())).isEqualTo(StatusCode.CANCELLED);
    }

    @Test
    void trailersAfterTerminal_areIgnored() throws Exception {
        ClientCallImpl<String, String> call = startedUnary(CallOptions.DEFAULT);
        RecordingClientStream s = stream();
        onOwnerRun(() -> {
            s.open();
            s.closed(StatusCode.UNAVAILABLE, "lost", false);
            s.listener.onTrailers(StatusCode.OK, "", Metadata.EMPTY);
            s.listener.onMessage(Buffer.buffer("late"));
        });
        assertThat(await(call.code())).isEqualTo(StatusCode.UNAVAILABLE);
    }

    @Test
    void timeRemaining_withoutDeadline_isEmpty() {
        assertThat(call(UNARY, CallOptions.DEFAULT).timeRemaining()).isEqualTo(Optional.empty());
    }

    // ---------------------------------------------------------------- terminal races, two threads each

    /** How the owner loop ends a call in a race against a cancel() from the test thread. */
    interface Ending {
        void end(ClientCallImpl<String, String> call, RecordingClientStream stream);
    }

    static final int RACES = 2000;

    /**
     * Races {@code cancel()} on the test thread against {@code ending} on the owner loop, {@link #RACES} times: both
     * start from one barrier. Exactly one wins; cancel() reports whether it did, and the outcome agrees.
     */
    void raceCancelAgainst(Ending ending, StatusCode otherCode, boolean otherResets) throws Exception {
        int cancelWon = 0;
        for (int i = 0; i < RACES; i++) {
            ClientCallImpl<String, String> call = call(UNARY, CallOptions.DEFAULT.withTimeout(Duration.ofMinutes(1)));
            AtomicInteger doneCallbacks = new AtomicInteger();
            java.util.concurrent.CyclicBarrier barrier = new java.util.concurrent.CyclicBarrier(2);
            CompletableFuture<RecordingClientStream> opened = new CompletableFuture<>();
            owner.runOnContext(v -> {
                call.start("req"); // on the owner: the stream exists when this returns
                call.addDoneCallback(x -> doneCallbacks.incrementAndGet());
                RecordingClientStream s = transport.last();
                s.open();
                s.headers(Metadata.EMPTY);
                s.message("resp");
                opened.complete(s);
                await(barrier);
                ending.end(call, s);
            });
            await(barrier);
            boolean cancelled = call.cancel();
            if (cancelled) {
                // the regression: these held only after the owner loop had run the cancel
                assertThat(call.isCancelled()).isTrue();
                assertThat(call.isDone()).isTrue();
                cancelWon++;
            }
            assertThat(call.cancel()).isFalse();
            StatusCode code = call.code().await(5, SECONDS);
            assertThat(code).isEqualTo(cancelled ? StatusCode.CANCELLED : otherCode);
            assertThat(call.isDone()).isTrue();
            assertThat(call.isCancelled()).isEqualTo(code == StatusCode.CANCELLED);
            RecordingClientStream s = opened.get(5, SECONDS);
            onOwnerRun(() -> {}); // done callbacks are emitted on the owner loop
            assertThat(doneCallbacks).hasValue(1);
            // the RST_STREAM goes out for a local ending (cancel, deadline) that found the stream still live
            assertThat(onOwner(() -> s.resets)).isEqualTo((cancelled || otherResets) && !s.peerEnded ? 1 : 0);
        }
        // both orders happen over this many iterations; a loop that never let cancel() win would prove nothing
        assertThat(cancelWon).isPositive();
    }

    static void await(java.util.concurrent.CyclicBarrier barrier) {
        try {
            barrier.await(5, SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void race_cancelVsTrailers_oneTerminalEvent() throws Exception {
        raceCancelAgainst((call, s) -> s.trailers(StatusCode.OK, "", Metadata.EMPTY), StatusCode.OK, false);
    }

    @Test
    void race_cancelVsDeadline_oneTerminalEvent() throws Exception {
        raceCancelAgainst((call, s) -> call.onDeadline(), StatusCode.DEADLINE_EXCEEDED, true);
    }

    @Test
    void race_cancelVsPeerReset_oneTerminalEvent() throws Exception {
        raceCancelAgainst((call, s) -> s.reset(2), StatusCode.INTERNAL, false); // INTERNAL_ERROR
    }

    @Test
    void race_cancelVsConnectionLost_oneTerminalEvent() throws Exception {
        raceCancelAgainst(
                (call, s) -> s.closed(StatusCode.UNAVAILABLE, "Connection closed", false),
                StatusCode.UNAVAILABLE,
                false);
    }

    @Test
    void race_cancelVsCancel_exactlyOneReturnsTrue() throws Exception {
        for (int i = 0; i < RACES; i++) {
            ClientCallImpl<String, String> call = startedUnary(CallOptions.DEFAULT);
            java.util.concurrent.CyclicBarrier barrier = new java.util.concurrent.CyclicBarrier(2);
            CompletableFuture<Boolean> other = new CompletableFuture<>();
            Thread t = new Thread(() -> {
                await(barrier);
                other.complete(call.cancel());
            });
            t.start();
            await(barrier);
            boolean mine = call.cancel();
            boolean theirs = other.get(5, SECONDS);
            t.join();
            assertThat(mine ^ theirs).as("exactly one cancel() wins").isTrue();
            assertThat(call.isCancelled()).isTrue();
            assertThat(failureCode(call.response())).isEqualTo(StatusCode.CANCELLED);
        }
    }

    // ---------------------------------------------------------------- the cross-thread cancel regression

    /** 100 live unary calls, as the bug report had them. */
    List<ClientCallImpl<String, String>> liveCalls() {
        List<ClientCallImpl<String, String>> calls = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            calls.add(call(UNARY, CallOptions.DEFAULT));
        }
        onOwnerRun(() -> {
            for (ClientCallImpl<String, String> c : calls) {
                c.start("req");
                transport.last().open();
            }
        });
        return calls;
    }

    static void cancelEach(List<ClientCallImpl<String, String>> calls) {
        for (ClientCallImpl<String, String> c : calls) {
            assertThat(c.cancel()).isTrue();
            assertThat(c.isCancelled()).isTrue();
            assertThat(c.isDone()).isTrue();
            assertThat(c.cancel()).isFalse();
        }
    }

    @Test
    void cancel_fromAnotherThread_isTrueOnceAndDoneAtOnce() throws Exception {
        List<ClientCallImpl<String, String>> calls = liveCalls();
        cancelEach(calls);
        for (ClientCallImpl<String, String> c : calls) {
            assertThat(failureCode(c.response())).isEqualTo(StatusCode.CANCELLED);
        }
        assertThat(onOwner(() -> transport.streams.stream().allMatch(s -> s.resets == 1)))
                .isTrue();
    }

    @Test
    void cancel_fromAnotherEventLoop_isTrueOnceAndDoneAtOnce() throws Exception {
        List<ClientCallImpl<String, String>> calls = liveCalls();
        ContextInternal other = ((VertxInternal) vertx).createEventLoopContext();
        for (int i = 0; other.nettyEventLoop() == owner.nettyEventLoop() && i < 64; i++) {
            other = ((VertxInternal) vertx).createEventLoopContext();
        }
        assertThat(other.nettyEventLoop()).isNotSameAs(owner.nettyEventLoop());
        CompletableFuture<Void> done = new CompletableFuture<>();
        other.runOnContext(v -> {
            try {
                cancelEach(calls);
                done.complete(null);
            } catch (Throwable t) {
                done.completeExceptionally(t);
            }
        });
        done.get(5, SECONDS);
        for (ClientCallImpl<String, String> c : calls) {
            assertThat(failureCode(c.response())).isEqualTo(StatusCode.CANCELLED);
        }
    }
}
