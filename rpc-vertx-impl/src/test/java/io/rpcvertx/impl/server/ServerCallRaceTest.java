package io.rpcvertx.impl.server;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.rpcvertx.StatusCode;
import io.rpcvertx.impl.server.RecordingServerStream.Event;
import io.rpcvertx.impl.server.ServerCallImpl.State;
import io.rpcvertx.impl.server.ServerCallStateTest.Handled;
import io.rpcvertx.impl.server.ServerCallStateTest.Rig;
import io.rpcvertx.impl.transport.ServerStreamListener.CancelCause;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every pair of terminal events of a server call, fired from two threads at once, many times over: exactly one wins,
 * the wire shows exactly that one, the state agrees with it, done callbacks run once and the stream is released once.
 */
@ExtendWith(VertxExtension.class)
@Timeout(120)
class ServerCallRaceTest {
    static final int ITERATIONS = 1000;

    /** A terminal event, as it reaches the call: transport events on the call's context, the others from anywhere. */
    enum Racer {
        PEER_RESET,
        CONNECTION_LOST,
        STOP_CANCEL,
        DEADLINE,
        HANDLER_DONE,
        CANCEL;

        /** Fires the event from the calling thread; for CANCEL, returns what cancel() answered. */
        boolean fire(Rig r, Handled h) {
            switch (this) {
                case PEER_RESET:
                    r.ctx.runOnContext(v -> r.stream.lost(CancelCause.PEER_RESET));
                    return false;
                case CONNECTION_LOST:
                    r.ctx.runOnContext(v -> r.stream.lost(CancelCause.CONNECTION_LOST));
                    return false;
                case STOP_CANCEL:
                    r.ctx.runOnContext(v -> r.stream.lost(CancelCause.SHUTDOWN));
                    return false;
                case DEADLINE:
                    r.ctx.runOnContext(v -> r.call.onDeadline());
                    return false;
                case HANDLER_DONE:
                    h.result().complete("done"); // on this thread: the call hops to its context
                    return false;
                case CANCEL:
                    return h.ctx().cancel();
                default:
                    throw new AssertionError(this);
            }
        }

        /** The event on the wire when this racer won. */
        Event wire() {
            switch (this) {
                case PEER_RESET:
                    return Event.of("lost:PEER_RESET");
                case CONNECTION_LOST:
                    return Event.of("lost:CONNECTION_LOST");
                case STOP_CANCEL:
                    return Event.of("lost:SHUTDOWN");
                case DEADLINE:
                    return new Event("trailers-only", StatusCode.DEADLINE_EXCEEDED, "deadline exceeded");
                case HANDLER_DONE:
                    return new Event("last-message", StatusCode.OK, "");
                case CANCEL:
                    return Event.of("cancel");
                default:
                    throw new AssertionError(this);
            }
        }
    }

    static Stream<Arguments> pairs() {
        List<Arguments> pairs = new ArrayList<>();
        Racer[] all = Racer.values();
        for (int i = 0; i < all.length; i++) {
            for (int j = i + 1; j < all.length; j++) {
                pairs.add(Arguments.of(all[i], all[j]));
            }
        }
        return pairs.stream();
    }

    final ServerCallStateTest calls = new ServerCallStateTest();
    ExecutorService threads;

    @BeforeEach
    void setUp(Vertx vertx) {
        calls.setUp(vertx);
        threads = Executors.newFixedThreadPool(2);
    }

    @AfterEach
    void tearDown() throws Exception {
        threads.shutdownNow();
        assertThat(threads.awaitTermination(5, SECONDS)).isTrue();
    }

    @ParameterizedTest(name = "{0} vs {1}")
    @MethodSource("pairs")
    void terminalEvents_racedFromTwoThreads_exactlyOneWins(Racer a, Racer b) throws Exception {
        int[] wins = new int[2];
        for (int i = 0; i < ITERATIONS; i++) {
            Rig r = calls.handling();
            Handled h = calls.handled.poll(5, SECONDS);
            assertThat(h).isNotNull();
            int doneBefore = calls.doneCallbacks.get();
            CyclicBarrier start = new CyclicBarrier(2);
            Future<Boolean> firedA = threads.submit(() -> {
                start.await(5, SECONDS);
                return a.fire(r, h);
            });
            Future<Boolean> firedB = threads.submit(() -> {
                start.await(5, SECONDS);
                return b.fire(r, h);
            });
            boolean cancelAnswer = firedA.get(5, SECONDS) | firedB.get(5, SECONDS);
            h.result().tryComplete("after the race"); // a handler that did not race still ends, to release the stream
            r.stream.terminated.get(5, SECONDS);
            ServerCallStateTest.settle(r);

            List<Event> wire = new ArrayList<>(r.stream.events);
            wire.remove(Event.of("headers")); // the unary response's headers precede its last message
            wire.remove(Event.of("stop-reading")); // follows the deadline's status
            assertThat(wire)
                    .as("iteration %d: one terminal event on the wire", i)
                    .hasSize(1);
            Event winner = wire.get(0);
            assertThat(winner).isIn(a.wire(), b.wire());
            wins[winner.equals(a.wire()) ? 0 : 1]++;
            State expected = winner.equals(Racer.HANDLER_DONE.wire()) ? State.CLOSED : State.CANCELLED;
            assertThat(r.call.state()).isEqualTo(expected);
            assertThat(r.call.isDone()).isTrue();
            assertThat(r.call.isCancelled()).isEqualTo(expected == State.CANCELLED);
            assertThat(r.stream.terminations).hasValue(1);
            assertThat(calls.doneCallbacks.get() - doneBefore).isEqualTo(1);
            if (winner.equals(Racer.CANCEL.wire())) {
                assertThat(cancelAnswer)
                        .as("only the winning cancel() resets the stream")
                        .isTrue();
            } else if (expected == State.CLOSED || winner.equals(Racer.DEADLINE.wire())) {
                assertThat(cancelAnswer)
                        .as("cancel() after another end answers false")
                        .isFalse();
            }
            // a peer reset or a lost connection closes the stream on its own: a cancel() that won the call at the
            // same moment has nothing left to reset, so the wire shows the transport's event either way
        }
        assertThat(wins[0] + wins[1]).isEqualTo(ITERATIONS);
    }
}
