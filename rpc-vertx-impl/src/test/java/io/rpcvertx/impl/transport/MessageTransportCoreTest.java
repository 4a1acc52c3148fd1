package io.rpcvertx.impl.transport;

import static io.rpcvertx.impl.transport.LoopSteps.onLoop;
import static io.rpcvertx.impl.transport.LoopSteps.onLoopGet;
import static org.assertj.core.api.Assertions.assertThat;

import io.rpcvertx.Metadata;
import io.rpcvertx.StatusCode;
import io.rpcvertx.impl.codec.Encoding;
import io.rpcvertx.impl.codec.MessageFramer;
import io.rpcvertx.impl.transport.FakeMessageCarrier.Client;
import io.rpcvertx.impl.transport.FakeMessageCarrier.ClientEvents;
import io.rpcvertx.impl.transport.FakeMessageCarrier.Server;
import io.rpcvertx.impl.transport.FakeMessageCarrier.ServerEvents;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The message-transport core ({@link AbstractMessageServerStream}, {@link AbstractMessageClientStream},
 * {@link Credit}) driven through a fake carrier: no event bus, no socket. Server halves run on an event-loop context
 * (their state-machine methods assert it); client halves alone run on the test thread.
 */
@ExtendWith(VertxExtension.class)
@Timeout(60)
class MessageTransportCoreTest {
    private static final int RACE_ITERATIONS = 3_000;

    private ContextInternal serverContext;
    private ContextInternal clientContext;
    private ExecutorService threads;

    @BeforeEach
    void setUp(Vertx vertx) {
        serverContext = ((VertxInternal) vertx).createEventLoopContext();
        clientContext = LoopSteps.contextOnAnotherLoop(vertx, serverContext);
        threads = Executors.newFixedThreadPool(2);
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        threads.shutdownNow();
        assertThat(threads.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
    }

    private static Buffer frame(String payload) {
        return MessageFramer.frame(Buffer.buffer(payload), false);
    }

    private Server openServer(Credit credit, ServerEvents listener) {
        Server s = new Server(serverContext, credit);
        onLoop(serverContext, () -> {
            s.open();
            s.setListener(listener);
        });
        return s;
    }

    private static Client openClient(Credit credit, ClientEvents listener) {
        Client c = new Client(null, FakeMessageCarrier.head(RequestHead.NO_DEADLINE), credit);
        c.start(listener);
        return c;
    }

    // ---------------------------------------------------------------- Credit

    @Test
    void credit_countsInItsUnit_andTurnsReadyOnlyOnTheGrantThatEndsExhaustion() {
        Credit bytes = new Credit(Credit.Unit.BYTES, 10, 1);
        bytes.take(frame("a")); // 6 bytes
        assertThat(bytes.isReady()).isTrue();
        bytes.take(frame("b"));
        assertThat(bytes.isReady()).isFalse();
        assertThat(bytes.grant(1)).isFalse(); // -2 + 1: still exhausted
        assertThat(bytes.grant(6)).isTrue();
        assertThat(bytes.grant(6)).isFalse(); // already ready

        Credit messages = new Credit(Credit.Unit.MESSAGES, 1, 2);
        messages.take(frame("a large message, one unit all the same"));
        assertThat(messages.isReady()).isFalse();
        assertThat(messages.read(frame("x"))).isFalse();
        assertThat(messages.read(frame("y"))).isTrue();
        assertThat(messages.drain()).isEqualTo(2);
        assertThat(messages.isDue()).isFalse();
        assertThat(messages.drain()).isZero();
    }

    // ---------------------------------------------------------------- server half

    @Test
    void server_creditExhausts_andAGrantResumesWithOneOnReady() {
        ServerEvents events = new ServerEvents();
        Server s = openServer(new Credit(Credit.Unit.MESSAGES, 2, 8), events);
        onLoop(serverContext, () -> {
            s.writeHeaders(Metadata.EMPTY, Encoding.IDENTITY, true);
            s.writeMessage(frame("a"));
            assertThat(s.isReady()).isTrue();
            s.writeMessage(frame("b"));
            assertThat(s.isReady()).isFalse();
            s.writeMessage(frame("c")); // past the credit: not cut off
            s.onCredit(1);
            assertThat(s.isReady()).isFalse();
            assertThat(events.events).isEmpty();
            s.onCredit(1);
            assertThat(s.isReady()).isTrue();
            s.onCredit(5);
        });
        assertThat(events.events).containsExactly("ready");
        assertThat(s.sent).containsExactly("headers", "message 6", "message 6", "message 6");
    }

    @Test
    void server_readsGrantCreditInBatches_andAHeldReaderGrantsNone() {
        ServerEvents events = new ServerEvents();
        Server s = openServer(new Credit(Credit.Unit.MESSAGES, 16, 8), events);
        onLoop(serverContext, () -> {
            s.holdReading(true);
            for (int i = 0; i < 10; i++) {
                s.onClientData(frame("m"));
            }
        });
        assertThat(events.events).isEmpty();
        assertThat(s.sent).isEmpty();
        onLoop(serverContext, () -> s.holdReading(false));
        assertThat(events.events).hasSize(10);
        assertThat(s.sent).containsExactly("credit 8");
        onLoop(serverContext, () -> {
            for (int i = 0; i < 6; i++) {
                s.onClientData(frame("m"));
            }
        });
        assertThat(s.sent).containsExactly("credit 8", "credit 8");
    }

    @Test
    void server_byteCreditGoesBackFrameByFrame() {
        Server s = openServer(new Credit(Credit.Unit.BYTES, 100, 1), new ServerEvents());
        onLoop(serverContext, () -> {
            s.onClientData(frame("ab"));
            s.onClientData(frame("abcd"));
        });
        assertThat(s.sent).containsExactly("credit 7", "credit 9");
    }

    @Test
    void server_halfCloseComesAfterTheDataSentBeforeIt_evenWhenReadingWasHeld() {
        ServerEvents events = new ServerEvents();
        Server s = openServer(new Credit(Credit.Unit.MESSAGES, 16, 8), events);
        onLoop(serverContext, () -> {
            s.holdReading(true);
            s.onClientData(frame("a"));
            s.onClientData(frame("bb"));
            s.onClientHalfClose();
            s.holdReading(false);
        });
        assertThat(events.events).containsExactly("data 6", "data 7", "half-close");
    }

    @Test
    void server_headersLeaveWithTheFirstMessage_andTheStatusComesLast() {
        Server s = openServer(new Credit(Credit.Unit.MESSAGES, 16, 8), new ServerEvents());
        onLoop(serverContext, () -> {
            s.writeHeaders(Metadata.EMPTY, Encoding.IDENTITY, false);
            assertThat(s.sent).isEmpty();
            s.writeMessage(frame("a"));
            s.writeMessage(frame("b"));
            s.writeTrailers(StatusCode.OK, "", Metadata.EMPTY);
            // after the status: all dropped
            s.writeMessage(frame("c"));
            s.writeTrailers(StatusCode.INTERNAL, "again", Metadata.EMPTY);
            s.cancel();
        });
        assertThat(s.sent).containsExactly("headers", "message 6", "message 6", "status 0");
        assertThat(s.closings).hasValue(1);
    }

    @Test
    void server_aStatusWithoutHeadersIsTrailersOnly_andTheLastMessageTravelsWithTheStatus() {
        Server only = openServer(new Credit(Credit.Unit.MESSAGES, 16, 8), new ServerEvents());
        onLoop(serverContext, () -> only.writeTrailers(StatusCode.NOT_FOUND, "no", Metadata.EMPTY));
        assertThat(only.sent).containsExactly("status 5 trailers-only");

        Server last = openServer(new Credit(Credit.Unit.MESSAGES, 1, 8), new ServerEvents());
        onLoop(serverContext, () -> {
            last.writeHeaders(Metadata.EMPTY, Encoding.IDENTITY, false);
            last.writeLastMessage(frame("abc"), StatusCode.OK, "", Metadata.EMPTY);
            assertThat(last.isReady()).isTrue(); // the last message spends no credit
        });
        assertThat(last.sent).containsExactly("headers", "status 0 with 8");
    }

    @Test
    void server_clientResetCancelsOnce_andWhatFollowsIsDropped() {
        ServerEvents events = new ServerEvents();
        Server s = openServer(new Credit(Credit.Unit.MESSAGES, 16, 8), events);
        onLoop(serverContext, () -> {
            s.onClientData(frame("a"));
            s.onClientReset();
            s.onClientReset();
            s.onClientData(frame("b"));
            s.onClientHalfClose();
            s.onCredit(100);
            s.writeMessage(frame("c"));
            s.writeTrailers(StatusCode.OK, "", Metadata.EMPTY);
        });
        assertThat(events.events).containsExactly("data 6", "cancel PEER_RESET");
        assertThat(s.sent).isEmpty();
        assertThat(s.closings).hasValue(1);
    }

    @Test
    void server_cancelResetsTheClient_withoutAListenerEvent() {
        ServerEvents events = new ServerEvents();
        Server s = openServer(new Credit(Credit.Unit.MESSAGES, 16, 8), events);
        onLoop(serverContext, () -> {
            s.cancel();
            s.cancel();
            s.onClientData(frame("a"));
        });
        assertThat(s.sent).containsExactly("reset 8");
        assertThat(events.events).isEmpty();
    }

    @Test
    void server_theDrainDeadlineCancelsWithShutdown_andALostPeerWithConnectionLost() {
        ServerEvents drained = new ServerEvents();
        Server s = openServer(new Credit(Credit.Unit.MESSAGES, 16, 8), drained);
        onLoop(serverContext, () -> {
            s.cancelForShutdown();
            s.connectionLost("late");
        });
        assertThat(drained.events).containsExactly("cancel SHUTDOWN");
        assertThat(s.sent).containsExactly("reset 8");

        ServerEvents lost = new ServerEvents();
        Server l = openServer(new Credit(Credit.Unit.MESSAGES, 16, 8), lost);
        onLoop(serverContext, () -> {
            l.connectionLost("the client fell silent");
            l.cancelForShutdown();
        });
        assertThat(lost.events).containsExactly("cancel CONNECTION_LOST");
        assertThat(l.sent).containsExactly("gone the client fell silent");
    }

    @Test
    void server_stopReadingResetsWithNoErrorOnlyWhileTheClientStillSends() {
        Server sending = openServer(new Credit(Credit.Unit.MESSAGES, 16, 8), new ServerEvents());
        onLoop(serverContext, () -> {
            sending.writeTrailers(StatusCode.OK, "", Metadata.EMPTY);
            sending.stopReading();
        });
        assertThat(sending.sent).containsExactly("status 0 trailers-only", "reset 0");

        Server done = openServer(new Credit(Credit.Unit.MESSAGES, 16, 8), new ServerEvents());
        onLoop(serverContext, () -> {
            done.onClientHalfClose();
            done.writeTrailers(StatusCode.OK, "", Metadata.EMPTY);
            done.stopReading();
        });
        assertThat(done.sent).containsExactly("status 0 trailers-only");
    }

    @Test
    void server_callTerminatedWhileOpenResetsTheClient_andTerminatesOnce() {
        Server s = openServer(new Credit(Credit.Unit.MESSAGES, 16, 8), new ServerEvents());
        onLoop(serverContext, () -> {
            s.callTerminated();
            s.callTerminated();
        });
        assertThat(s.sent).containsExactly("reset 8");
        assertThat(s.terminations).hasValue(1);
        assertThat(s.closings).hasValue(1);

        Server given = openServer(new Credit(Credit.Unit.MESSAGES, 16, 8), new ServerEvents());
        onLoop(serverContext, () -> {
            given.giveUp();
            given.callTerminated(); // its handler completed after all: nothing more
        });
        assertThat(given.sent).isEmpty();
        assertThat(given.terminations).hasValue(0);
        assertThat(given.closings).hasValue(1);
    }

    @Test
    void server_aRefusedStreamTellsTheClient_andTakesNoData() {
        ServerEvents events = new ServerEvents();
        Server s = new Server(serverContext, new Credit(Credit.Unit.MESSAGES, 16, 8));
        onLoop(serverContext, () -> {
            s.refused();
            s.setListener(events);
            s.onClientData(frame("a"));
            s.writeTrailers(StatusCode.OK, "", Metadata.EMPTY);
        });
        assertThat(s.sent).containsExactly("reset 7");
        assertThat(events.events).isEmpty();
        assertThat(s.isOpen()).isFalse();
    }

    // ---------------------------------------------------------------- client half

    @Test
    void client_aDeadlinePassedBeforeTheStreamOpenedEndsItWithDeadlineExceeded() {
        ClientEvents events = new ClientEvents();
        Client c = new Client(
                null, FakeMessageCarrier.head(System.nanoTime() - 1), new Credit(Credit.Unit.MESSAGES, 16, 8));
        c.start(events);
        assertThat(events.events)
                .containsExactly("closed DEADLINE_EXCEEDED deadline exceeded before the stream opened");
        assertThat(c.closings).hasValue(1);
        c.writeMessage(Buffer.buffer("x"), true);
        assertThat(c.sent).isEmpty();
    }

    @Test
    void client_thePausedReaderGetsMessagesThenTrailers_inOrder_onResume() {
        ClientEvents events = new ClientEvents();
        Client c = openClient(new Credit(Credit.Unit.MESSAGES, 16, 8), events);
        c.onHeaders(MultiMap.caseInsensitiveMultiMap());
        c.pause();
        c.onFrame(frame("a"));
        c.onFrame(frame("b"));
        c.onTrailers(
                StatusHeaders.put(MultiMap.caseInsensitiveMultiMap(), StatusCode.OK, "", Metadata.EMPTY), frame("c"));
        assertThat(events.events).containsExactly("open", "headers");
        c.resume();
        assertThat(events.events)
                .containsExactly("open", "headers", "message a", "message b", "message c", "trailers OK");
        assertThat(c.closings).hasValue(1);
        c.onFrame(frame("d"));
        c.onReset(8);
        assertThat(events.events).hasSize(6);
    }

    @Test
    void client_readsGrantCreditInBatches_andAPausedReaderGrantsNone() {
        ClientEvents events = new ClientEvents();
        Client c = openClient(new Credit(Credit.Unit.MESSAGES, 16, 8), events);
        c.onHeaders(MultiMap.caseInsensitiveMultiMap());
        c.pause();
        for (int i = 0; i < 12; i++) {
            c.onFrame(frame("m"));
        }
        assertThat(c.sent).isEmpty();
        c.resume();
        assertThat(c.sent).containsExactly("credit 8");
        for (int i = 0; i < 4; i++) {
            c.onFrame(frame("m"));
        }
        assertThat(c.sent).containsExactly("credit 8", "credit 8");
    }

    @Test
    void client_creditExhausts_andAGrantResumesWithOneOnReady() {
        ClientEvents events = new ClientEvents();
        Client c = openClient(new Credit(Credit.Unit.BYTES, 0, 1), events);
        assertThat(c.isReady()).isFalse(); // open with no window: the fake channel granted none
        c.onCredit(12);
        assertThat(events.events).containsExactly("open", "ready");
        c.writeMessage(Buffer.buffer("a"), false); // 6 bytes
        c.writeMessage(Buffer.buffer("b"), false);
        c.writeMessage(Buffer.buffer("c"), false); // past the credit: not cut off
        assertThat(c.isReady()).isFalse();
        c.onCredit(6);
        assertThat(c.isReady()).isFalse();
        assertThat(events.events).containsExactly("open", "ready");
        c.onCredit(1);
        assertThat(c.isReady()).isTrue();
        assertThat(events.events).containsExactly("open", "ready", "ready");
    }

    @Test
    void client_cancelResetsTheServerOnce_andNothingIsHeardAfter() {
        ClientEvents events = new ClientEvents();
        Client c = openClient(new Credit(Credit.Unit.MESSAGES, 16, 8), events);
        c.cancel();
        c.cancel();
        c.onHeaders(MultiMap.caseInsensitiveMultiMap());
        c.onTrailers(StatusHeaders.put(MultiMap.caseInsensitiveMultiMap(), StatusCode.OK, "", Metadata.EMPTY), null);
        c.fail(StatusCode.UNAVAILABLE, "closed", true);
        assertThat(c.sent).containsExactly("reset");
        assertThat(events.events).containsExactly("open");
        assertThat(c.closings).hasValue(1);
    }

    @Test
    void client_aServerResetOrLostServerEndsTheCall_withoutAResetBack() {
        ClientEvents reset = new ClientEvents();
        Client r = openClient(new Credit(Credit.Unit.MESSAGES, 16, 8), reset);
        r.onReset(8);
        r.onConnectionLost("gone");
        assertThat(reset.events).containsExactly("open", "reset 8");
        assertThat(r.sent).isEmpty();

        ClientEvents lost = new ClientEvents();
        Client l = openClient(new Credit(Credit.Unit.MESSAGES, 16, 8), lost);
        l.onConnectionLost("the server went away");
        assertThat(lost.events).containsExactly("open", "closed UNAVAILABLE the server went away");
    }

    @Test
    void client_aResponseItCannotReadResetsTheServer_andEndsInternal() {
        ClientEvents early = new ClientEvents();
        Client e = openClient(new Credit(Credit.Unit.MESSAGES, 16, 8), early);
        e.onFrame(frame("a"));
        assertThat(early.events).containsExactly("open", "closed INTERNAL a message before the response headers");
        assertThat(e.sent).containsExactly("reset");

        ClientEvents cut = new ClientEvents();
        Client m = openClient(new Credit(Credit.Unit.MESSAGES, 16, 8), cut);
        m.onHeaders(MultiMap.caseInsensitiveMultiMap());
        m.onFrame(frame("abcdef").slice(0, 7));
        m.onTrailers(StatusHeaders.put(MultiMap.caseInsensitiveMultiMap(), StatusCode.OK, "", Metadata.EMPTY), null);
        assertThat(cut.events).containsExactly("open", "headers", "trailers INTERNAL");
    }

    // ---------------------------------------------------------------- races, two loops, two threads

    /**
     * The client cancels on its loop while the server ends the call on its own, started from two threads at once: each
     * half closes exactly once, and the two agree. The client hears the status (and the last message before it) only
     * if it came before its cancel; the server hears the client's reset only if its status was not written first.
     */
    @Test
    void race_clientCancelVsServerEnd_eachHalfEndsOnce_andTheyAgree() throws Exception {
        int statusFirst = 0;
        int cancelFirst = 0;
        for (int i = 0; i < RACE_ITERATIONS; i++) {
            boolean withLastMessage = i % 2 == 1;
            ServerEvents serverEvents = new ServerEvents();
            ClientEvents clientEvents = new ClientEvents();
            Server s = openServer(new Credit(Credit.Unit.MESSAGES, 16, 8), serverEvents);
            Client c = new Client(
                    clientContext,
                    FakeMessageCarrier.head(RequestHead.NO_DEADLINE),
                    new Credit(Credit.Unit.MESSAGES, 16, 8));
            s.client = c;
            c.server = s;
            onLoop(clientContext, () -> c.start(clientEvents));
            if (withLastMessage) {
                onLoop(serverContext, () -> s.writeHeaders(Metadata.EMPTY, Encoding.IDENTITY, true));
                onLoop(clientContext, () -> {}); // the headers are in
            }
            CountDownLatch go = new CountDownLatch(1);
            CompletableFuture<Void> cancelled = new CompletableFuture<>();
            CompletableFuture<Void> ended = new CompletableFuture<>();
            threads.execute(() -> {
                await(go);
                clientContext.runOnContext(v -> {
                    c.cancel();
                    cancelled.complete(null);
                });
            });
            threads.execute(() -> {
                await(go);
                serverContext.runOnContext(v -> {
                    if (withLastMessage) {
                        s.writeLastMessage(frame("last"), StatusCode.OK, "", Metadata.EMPTY);
                    } else {
                        s.writeTrailers(StatusCode.OK, "", Metadata.EMPTY);
                    }
                    ended.complete(null);
                });
            });
            go.countDown();
            CompletableFuture.allOf(cancelled, ended).get(5, TimeUnit.SECONDS);
            // each hop makes at most one more, queued before these steps: two rounds on both loops settle it
            for (int round = 0; round < 2; round++) {
                onLoop(serverContext, () -> {});
                onLoop(clientContext, () -> {});
            }

            assertThat(s.closings).as("iteration %d", i).hasValue(1);
            assertThat(c.closings).as("iteration %d", i).hasValue(1);
            List<String> heard = onLoopGet(clientContext, () -> List.copyOf(clientEvents.events));
            boolean clientHeardStatus = heard.contains("trailers OK");
            boolean serverHeardReset = serverEvents.events.contains("cancel PEER_RESET");
            List<String> expectedClient = withLastMessage
                    ? (clientHeardStatus
                            ? List.of("open", "headers", "message last", "trailers OK")
                            : List.of("open", "headers"))
                    : (clientHeardStatus ? List.of("open", "trailers OK") : List.of("open"));
            assertThat(heard).as("iteration %d", i).isEqualTo(expectedClient);
            // the client resets the server exactly when its cancel came before the status
            assertThat(c.sent).as("iteration %d", i).isEqualTo(clientHeardStatus ? List.of() : List.of("reset"));
            // the server wrote its status exactly when the reset did not reach it first
            assertThat(serverEvents.events)
                    .as("iteration %d", i)
                    .isEqualTo(serverHeardReset ? List.of("cancel PEER_RESET") : List.of());
            assertThat(s.sent.stream().anyMatch(e -> e.startsWith("status")))
                    .as("iteration %d", i)
                    .isEqualTo(!serverHeardReset);
            // the client can have heard the status only if the server wrote it
            assertThat(!clientHeardStatus || !serverHeardReset)
                    .as("iteration %d", i)
                    .isTrue();
            if (clientHeardStatus) {
                statusFirst++;
            } else {
                cancelFirst++;
            }
        }
        assertThat(statusFirst + cancelFirst).isEqualTo(RACE_ITERATIONS);
    }

    /**
     * The server cancels on its loop while the client sends its last message and half-closes on its own, started from
     * two threads at once: the server resets once and its listener hears at most the data sent before the reset, in
     * order; the client ends once, with the reset, whether its last message left before it or not.
     */
    @Test
    void race_serverCancelVsClientEnd_eachHalfEndsOnce_andTheyAgree() throws Exception {
        for (int i = 0; i < RACE_ITERATIONS; i++) {
            ServerEvents serverEvents = new ServerEvents();
            ClientEvents clientEvents = new ClientEvents();
            Server s = openServer(new Credit(Credit.Unit.MESSAGES, 16, 8), serverEvents);
            Client c = new Client(
                    clientContext,
                    FakeMessageCarrier.head(RequestHead.NO_DEADLINE),
                    new Credit(Credit.Unit.MESSAGES, 16, 8));
            s.client = c;
            c.server = s;
            onLoop(clientContext, () -> c.start(clientEvents));
            CountDownLatch go = new CountDownLatch(1);
            CompletableFuture<Void> cancelled = new CompletableFuture<>();
            CompletableFuture<Void> ended = new CompletableFuture<>();
            threads.execute(() -> {
                await(go);
                serverContext.runOnContext(v -> {
                    s.cancel();
                    cancelled.complete(null);
                });
            });
            threads.execute(() -> {
                await(go);
                clientContext.runOnContext(v -> {
                    c.writeMessage(Buffer.buffer("x"), true);
                    ended.complete(null);
                });
            });
            go.countDown();
            CompletableFuture.allOf(cancelled, ended).get(5, TimeUnit.SECONDS);
            for (int round = 0; round < 2; round++) {
                onLoop(serverContext, () -> {});
                onLoop(clientContext, () -> {});
            }

            assertThat(s.closings).as("iteration %d", i).hasValue(1);
            assertThat(c.closings).as("iteration %d", i).hasValue(1);
            assertThat(s.sent).as("iteration %d", i).containsExactly("reset 8");
            List<String> heard = List.copyOf(serverEvents.events);
            assertThat(List.of(List.of(), List.of("data 6"), List.of("data 6", "half-close")))
                    .as("iteration %d: %s", i, heard)
                    .contains(heard);
            assertThat(onLoopGet(clientContext, () -> List.copyOf(clientEvents.events)))
                    .as("iteration %d", i)
                    .containsExactly("open", "reset 8");
            if (c.sent.isEmpty()) {
                // the reset came first: the client wrote nothing, so the server read nothing
                assertThat(heard).as("iteration %d", i).isEmpty();
            } else {
                assertThat(c.sent).as("iteration %d", i).containsExactly("message 6 end");
            }
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
