package io.rpcvertx.impl.transport;

import static io.rpcvertx.impl.transport.InboundMessages.HIGH_WATER;
import static io.rpcvertx.impl.transport.InboundMessages.LOW_WATER;
import static io.rpcvertx.impl.transport.LoopSteps.contextOnAnotherLoop;
import static io.rpcvertx.impl.transport.LoopSteps.onLoop;
import static io.rpcvertx.impl.transport.LoopSteps.onLoopGet;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import io.rpcvertx.RpcException;
import io.rpcvertx.StatusCode;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
@Timeout(10)
class InboundMessagesTest {
    /** Records what the transport was told, in order. */
    static final class RecordingTransport implements InboundMessages.Transport {
        final List<String> calls = new CopyOnWriteArrayList<>();

        @Override
        public void pauseTransport() {
            calls.add("pause");
        }

        @Override
        public void resumeTransport() {
            calls.add("resume");
        }

        long pauses() {
            return calls.stream().filter("pause"::equals).count();
        }

        long resumes() {
            return calls.stream().filter("resume"::equals).count();
        }
    }

    private static final RpcException GONE = new RpcException(StatusCode.UNAVAILABLE, "gone");

    private final RecordingTransport transport = new RecordingTransport();
    /** Messages, "end" and "error:<message>" in the order the reader saw them. */
    private final List<String> events = new CopyOnWriteArrayList<>();

    private ContextInternal owner;
    private InboundMessages<String> inbound;

    @BeforeEach
    void setUp(Vertx vertx) {
        owner = ((VertxInternal) vertx).createEventLoopContext();
        inbound = new InboundMessages<>(owner, owner, transport);
    }

    private void offer(String... messages) {
        onLoop(owner, () -> {
            for (String m : messages) {
                inbound.offer(m);
            }
        });
    }

    private void offer(List<String> messages) {
        offer(messages.toArray(new String[0]));
    }

    private void end(RpcException error) {
        onLoop(owner, () -> inbound.end(error));
    }

    private void endCleanly() {
        onLoop(owner, () -> inbound.end(null));
    }

    private void recordEvents(InboundMessages<String> stream) {
        stream.handler(events::add)
                .endHandler(v -> events.add("end"))
                .exceptionHandler(t -> events.add("error:" + t.getMessage()));
    }

    private static List<String> messages(int count) {
        List<String> list = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            list.add("m" + i);
        }
        return list;
    }

    /** Runs nothing on the owner loop: every hop queued before it has then been handled. */
    private void settle() {
        onLoop(owner, () -> {});
    }

    // ---------------------------------------------------------------- push delivery

    @Test
    void offer_withHandler_deliversInOrder() {
        onLoop(owner, () -> recordEvents(inbound));

        offer("a", "b", "c");

        assertThat(events).containsExactly("a", "b", "c");
    }

    @Test
    void handler_setAfterOffers_receivesBufferedMessagesInOrder() {
        offer("a", "b");

        onLoop(owner, () -> recordEvents(inbound));
        offer("c");

        assertThat(events).containsExactly("a", "b", "c");
    }

    @Test
    void pause_thenOffer_deliversNothing() {
        onLoop(owner, () -> {
            recordEvents(inbound);
            inbound.pause();
        });

        offer("a", "b");

        assertThat(events).isEmpty();
    }

    @Test
    void fetch_twoOfThree_deliversExactlyTwo() {
        onLoop(owner, () -> {
            recordEvents(inbound);
            inbound.pause();
        });
        offer("a", "b", "c");

        onLoop(owner, () -> inbound.fetch(2));

        assertThat(events).containsExactly("a", "b");
    }

    @Test
    void fetch_beforeMessagesArrive_deliversThemAsTheyArrive() {
        onLoop(owner, () -> {
            recordEvents(inbound);
            inbound.pause();
            inbound.fetch(1);
        });

        offer("a", "b");

        assertThat(events).containsExactly("a");
    }

    @Test
    void resume_afterFetch_deliversTheRest() {
        onLoop(owner, () -> {
            recordEvents(inbound);
            inbound.pause();
        });
        offer("a", "b", "c");
        onLoop(owner, () -> inbound.fetch(1));

        onLoop(owner, () -> inbound.resume());
        offer("d");

        assertThat(events).containsExactly("a", "b", "c", "d");
    }

    @Test
    void fetch_negative_throwsIllegalArgument() {
        assertThatIllegalArgumentException().isThrownBy(() -> inbound.fetch(-1)).withMessageContaining("-1");
    }

    @Test
    void handler_pausesFromInsideDelivery_stopsFurtherDelivery() {
        offer("a", "b", "c");

        onLoop(
                owner,
                () -> inbound.handler(m -> {
                    events.add(m);
                    inbound.pause();
                }));

        assertThat(events).containsExactly("a");
    }

    @Test
    void handler_fetchesFromInsideDelivery_getsOneMore() {
        onLoop(owner, () -> inbound.pause());
        offer("a", "b", "c");

        onLoop(owner, () -> {
            inbound.handler(m -> {
                events.add(m);
                if (m.equals("a")) {
                    inbound.fetch(1);
                }
            });
            inbound.fetch(1);
        });

        assertThat(events).containsExactly("a", "b");
    }

    // ---------------------------------------------------------------- terminal signal, push

    @Test
    void end_withQueuedMessages_endHandlerRunsAfterThem() {
        onLoop(owner, () -> {
            recordEvents(inbound);
            inbound.pause();
        });
        offer("a", "b");
        endCleanly();
        assertThat(events).isEmpty();

        onLoop(owner, () -> inbound.resume());

        assertThat(events).containsExactly("a", "b", "end");
    }

    @Test
    void end_withError_exceptionHandlerRunsAfterQueuedMessages() {
        onLoop(owner, () -> {
            recordEvents(inbound);
            inbound.pause();
        });
        offer("a", "b");
        end(GONE);

        onLoop(owner, () -> inbound.resume());

        assertThat(events).containsExactly("a", "b", "error:" + GONE.getMessage());
    }

    @Test
    void end_withError_exceptionHandlerReceivesTheSameException() {
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        onLoop(owner, () -> inbound.handler(events::add).exceptionHandler(failures::add));

        end(GONE);

        assertThat(failures).containsExactly(GONE);
    }

    @Test
    void end_beforeEndHandlerSet_deliveredWhenItIsSet() {
        onLoop(owner, () -> inbound.handler(events::add));
        offer("a");
        endCleanly();
        assertThat(events).containsExactly("a");

        onLoop(owner, () -> inbound.endHandler(v -> events.add("end")));

        assertThat(events).containsExactly("a", "end");
        assertThat(inbound.isDone()).isTrue();
    }

    @Test
    void end_errorBeforeExceptionHandlerSet_deliveredWhenItIsSet() {
        onLoop(owner, () -> inbound.handler(events::add));
        offer("a");
        end(GONE);

        onLoop(owner, () -> inbound.exceptionHandler(t -> events.add("error:" + t.getMessage())));

        assertThat(events).containsExactly("a", "error:" + GONE.getMessage());
    }

    @Test
    void isDone_beforeTheEndIsDelivered_isFalse() {
        onLoop(owner, () -> inbound.handler(events::add).pause());
        offer("a");
        endCleanly();

        onLoop(owner, () -> inbound.endHandler(v -> events.add("end")));

        assertThat(inbound.isDone()).isFalse();
        assertThat(events).isEmpty();
    }

    @Test
    void end_twice_firstWins() {
        onLoop(owner, () -> recordEvents(inbound));

        endCleanly();
        end(GONE);
        endCleanly();

        assertThat(events).containsExactly("end");
    }

    @Test
    void end_errorThenClean_onlyTheErrorIsDelivered() {
        onLoop(owner, () -> {
            recordEvents(inbound);
            inbound.pause();
        });
        end(GONE);
        endCleanly();

        onLoop(owner, () -> inbound.resume());

        assertThat(events).containsExactly("error:" + GONE.getMessage());
    }

    @Test
    void offer_afterEnd_isIgnored() {
        onLoop(owner, () -> {
            recordEvents(inbound);
            inbound.pause();
        });
        offer("a");
        endCleanly();
        offer("late");

        onLoop(owner, () -> inbound.resume());

        assertThat(events).containsExactly("a", "end");
    }

    @Test
    void discardQueued_dropsQueuedMessages() {
        onLoop(owner, () -> {
            recordEvents(inbound);
            inbound.pause();
        });
        offer("a", "b");

        onLoop(owner, () -> {
            inbound.discardQueued();
            inbound.end(GONE);
            inbound.resume();
        });

        assertThat(events).containsExactly("error:" + GONE.getMessage());
    }

    // ---------------------------------------------------------------- pull

    @Test
    void read_returnsMessagesInOrderThenEmpty() throws Exception {
        offer("a", "b");
        endCleanly();

        assertThat(inbound.read().await(5, TimeUnit.SECONDS)).contains("a");
        assertThat(inbound.read().await(5, TimeUnit.SECONDS)).contains("b");
        assertThat(inbound.read().await(5, TimeUnit.SECONDS)).isEmpty();
        assertThat(inbound.isDone()).isTrue();
    }

    @Test
    void read_beforeAMessageArrives_completesWhenItArrives() {
        Future<Optional<String>> read = onLoopGet(owner, inbound::read);
        assertThat(read.isComplete()).isFalse();

        offer("a");

        assertThat(read.result()).contains("a");
    }

    @Test
    void read_afterEndWithError_failsWithTheError() throws Exception {
        offer("a");
        end(GONE);

        assertThat(inbound.read().await(5, TimeUnit.SECONDS)).contains("a");
        Future<Optional<String>> last = onLoopGet(owner, inbound::read);

        assertThat(last.failed()).isTrue();
        assertThat(last.cause()).isSameAs(GONE);
    }

    @Test
    void read_whileAnotherReadIsPending_failsWithIllegalState() {
        Future<Optional<String>> first = onLoopGet(owner, inbound::read);

        Future<Optional<String>> second = onLoopGet(owner, inbound::read);

        assertThat(second.failed()).isTrue();
        assertThat(second.cause()).isInstanceOf(IllegalStateException.class);
        assertThat(first.isComplete()).isFalse();
        offer("a");
        assertThat(first.result()).contains("a");
    }

    @Test
    void read_afterCleanEndWasRead_returnsEmptyAgain() {
        endCleanly();
        assertThat(onLoopGet(owner, inbound::read).result()).isEmpty();

        Future<Optional<String>> again = onLoopGet(owner, inbound::read);

        assertThat(again.isComplete()).as("read() after the end completes").isTrue();
        assertThat(again.result()).isEmpty();
    }

    @Test
    void read_afterErrorWasRead_failsAgainWithTheError() {
        end(GONE);
        assertThat(onLoopGet(owner, inbound::read).cause()).isSameAs(GONE);

        Future<Optional<String>> again = onLoopGet(owner, inbound::read);

        assertThat(again.isComplete()).as("read() after the end completes").isTrue();
        assertThat(again.cause()).isSameAs(GONE);
    }

    // ---------------------------------------------------------------- push and pull do not mix

    @Test
    void handler_afterRead_throwsIllegalStateSynchronously() {
        inbound.read();

        assertThatIllegalStateException().isThrownBy(() -> inbound.handler(events::add));
    }

    @Test
    void read_afterHandler_throwsIllegalStateSynchronously() {
        inbound.handler(events::add);

        assertThatIllegalStateException().isThrownBy(() -> inbound.read()).withMessageContaining("read()");
    }

    @Test
    void read_afterPause_throwsIllegalState() {
        inbound.pause();

        assertThatIllegalStateException().isThrownBy(() -> inbound.read());
    }

    @Test
    void pause_afterRead_throwsIllegalState() {
        inbound.read();

        assertThatIllegalStateException().isThrownBy(() -> inbound.pause());
    }

    @Test
    void fetch_afterRead_throwsIllegalState() {
        inbound.read();

        assertThatIllegalStateException().isThrownBy(() -> inbound.fetch(1));
    }

    @Test
    void resume_afterRead_throwsIllegalState() {
        inbound.read();

        assertThatIllegalStateException().isThrownBy(() -> inbound.resume());
    }

    @Test
    void mixing_refused_leavesTheChosenStyleWorking() throws Exception {
        Future<Optional<String>> read = inbound.read();
        assertThatIllegalStateException().isThrownBy(() -> inbound.handler(events::add));

        offer("a");

        assertThat(read.await(5, TimeUnit.SECONDS)).contains("a");
        assertThat(events).isEmpty();
    }

    // ---------------------------------------------------------------- flow control

    @Test
    void offer_belowHighWaterWithoutDemand_doesNotPauseTransport() {
        offer(messages(HIGH_WATER - 1));

        assertThat(transport.calls).isEmpty();
    }

    @Test
    void offer_highWaterWithoutDemand_pausesTransportOnce() {
        offer(messages(HIGH_WATER));
        assertThat(transport.calls).containsExactly("pause");

        offer(messages(10));

        assertThat(transport.calls).containsExactly("pause");
    }

    @Test
    void offer_withHandlerAndNoPause_neverPausesTransport() {
        onLoop(owner, () -> recordEvents(inbound));

        offer(messages(4 * HIGH_WATER));

        assertThat(transport.calls).isEmpty();
        assertThat(events).hasSize(4 * HIGH_WATER);
    }

    @Test
    void fetch_downToLowWater_resumesTransportOnce() {
        onLoop(owner, () -> {
            recordEvents(inbound);
            inbound.pause();
        });
        offer(messages(HIGH_WATER));

        onLoop(owner, () -> inbound.fetch(HIGH_WATER - LOW_WATER - 1));
        assertThat(transport.calls).containsExactly("pause");

        onLoop(owner, () -> inbound.fetch(1));
        assertThat(transport.calls).containsExactly("pause", "resume");

        onLoop(owner, () -> inbound.resume());
        assertThat(transport.calls).containsExactly("pause", "resume");
        assertThat(events).containsExactlyElementsOf(messages(HIGH_WATER));
    }

    @Test
    void read_downToLowWater_resumesTransportOnce() {
        offer(messages(HIGH_WATER));

        for (int i = 0; i < HIGH_WATER - LOW_WATER - 1; i++) {
            onLoop(owner, inbound::read);
        }
        assertThat(transport.resumes()).isZero();

        onLoop(owner, inbound::read);
        assertThat(transport.calls).containsExactly("pause", "resume");

        for (int i = 0; i < LOW_WATER; i++) {
            onLoop(owner, inbound::read);
        }
        assertThat(transport.calls).containsExactly("pause", "resume");
    }

    @Test
    void offer_highWaterAgainAfterResume_pausesAgain() {
        onLoop(owner, () -> {
            recordEvents(inbound);
            inbound.pause();
        });
        offer(messages(HIGH_WATER));
        onLoop(owner, () -> inbound.fetch(HIGH_WATER - LOW_WATER));

        offer(messages(HIGH_WATER - LOW_WATER));

        assertThat(transport.calls).containsExactly("pause", "resume", "pause");
    }

    @Test
    void end_whileTransportPaused_doesNotResumeIt() {
        onLoop(owner, () -> {
            recordEvents(inbound);
            inbound.pause();
        });
        offer(messages(HIGH_WATER));
        endCleanly();

        onLoop(owner, () -> inbound.resume());

        assertThat(transport.calls).containsExactly("pause");
        assertThat(events).endsWith("end").hasSize(HIGH_WATER + 1);
    }

    // ---------------------------------------------------------------- threads and contexts

    @Test
    void consumerMethods_fromNonOwnerThread_hopToTheOwner() {
        List<Context> seen = new CopyOnWriteArrayList<>();
        inbound.pause();
        inbound.handler(m -> {
            events.add(m);
            seen.add(Vertx.currentContext());
        });
        inbound.endHandler(v -> events.add("end"));
        offer("a", "b", "c");

        inbound.fetch(2);
        settle();
        assertThat(events).containsExactly("a", "b");

        inbound.resume();
        endCleanly();
        assertThat(events).containsExactly("a", "b", "c", "end");
        assertThat(seen).hasSize(3).allMatch(c -> c == owner);
    }

    @Test
    void read_fromNonOwnerThread_completes() throws Exception {
        Future<Optional<String>> read = inbound.read();

        offer("a");

        assertThat(read.await(5, TimeUnit.SECONDS)).contains("a");
    }

    @Test
    void delivery_onAnotherLoop_preservesOrder(Vertx vertx) throws Exception {
        ContextInternal delivery = contextOnAnotherLoop(vertx, owner);
        InboundMessages<String> crossLoop = new InboundMessages<>(owner, delivery, transport);
        CompletableFuture<Void> ended = new CompletableFuture<>();
        onLoop(owner, () -> {
            crossLoop.offer("early0");
            crossLoop.offer("early1");
        });

        crossLoop.handler(events::add).endHandler(v -> ended.complete(null));
        onLoop(owner, () -> {
            for (String m : messages(200)) {
                crossLoop.offer(m);
            }
            crossLoop.end(null);
        });

        ended.get(5, TimeUnit.SECONDS);
        List<String> expected = new ArrayList<>(List.of("early0", "early1"));
        expected.addAll(messages(200));
        assertThat(events).containsExactlyElementsOf(expected);
    }

    @Test
    void delivery_onAnotherLoop_handlersRunOnTheDeliveryContext(Vertx vertx) throws Exception {
        ContextInternal delivery = contextOnAnotherLoop(vertx, owner);
        InboundMessages<String> crossLoop = new InboundMessages<>(owner, delivery, transport);
        CompletableFuture<Context> messageContext = new CompletableFuture<>();
        CompletableFuture<Context> endContext = new CompletableFuture<>();
        crossLoop.handler(m -> messageContext.complete(Vertx.currentContext()));
        crossLoop.endHandler(v -> endContext.complete(Vertx.currentContext()));

        onLoop(owner, () -> {
            crossLoop.offer("a");
            crossLoop.end(null);
        });

        assertThat(messageContext.get(5, TimeUnit.SECONDS)).isSameAs(delivery);
        assertThat(endContext.get(5, TimeUnit.SECONDS)).isSameAs(delivery);
    }

    @Test
    void delivery_onAnotherLoop_pauseInHandler_stopsFurtherDelivery(Vertx vertx) {
        ContextInternal delivery = contextOnAnotherLoop(vertx, owner);
        InboundMessages<String> crossLoop = new InboundMessages<>(owner, delivery, transport);
        crossLoop.handler(m -> {
            events.add(m);
            crossLoop.pause();
        });
        settle();

        onLoop(owner, () -> {
            crossLoop.offer("a");
            crossLoop.offer("b");
            crossLoop.offer("c");
        });
        onLoop(delivery, () -> {});
        settle();

        assertThat(events).containsExactly("a");
    }

    @Test
    void read_withDeliveryOnAnotherLoop_completesOnTheDeliveryContext(Vertx vertx) throws Exception {
        ContextInternal delivery = contextOnAnotherLoop(vertx, owner);
        InboundMessages<String> crossLoop = new InboundMessages<>(owner, delivery, transport);
        CompletableFuture<Context> completedOn = new CompletableFuture<>();
        crossLoop.read().onComplete(ar -> completedOn.complete(Vertx.currentContext()));

        onLoop(owner, () -> crossLoop.offer("a"));

        assertThat(completedOn.get(5, TimeUnit.SECONDS)).isSameAs(delivery);
    }
}
