package io.rpcvertx.impl.eventbus;

import static org.assertj.core.api.Assertions.assertThat;

import io.rpcvertx.Metadata;
import io.rpcvertx.StatusCode;
import io.rpcvertx.impl.codec.Encoding;
import io.rpcvertx.impl.codec.MessageFramer;
import io.rpcvertx.impl.transport.FakeMessageCarrier;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The event-bus server half, socket-free: client messages are played into {@link EventBusServerStream#onClientMessage}
 * and what it sends is recorded by a fake {@link EventBusServerStream.Sender}, with no event bus in between. Checks the
 * protocol of {@code docs/eventbus-protocol.md} as the server sends it: message kinds and their headers, message
 * credit in batches of half the window, the status after the last message.
 */
@ExtendWith(VertxExtension.class)
@Timeout(30)
class EventBusServerStreamTest {
    private static final String CLIENT = "client-address";
    private static final String CALL = "call-1";

    /** One event-bus message the stream sent. */
    private record Sent(String address, @Nullable Object body, MultiMap headers) {
        String kind() {
            return headers.get(EventBusWire.KIND);
        }
    }

    private ContextInternal context;
    private final List<Sent> sent = new CopyOnWriteArrayList<>();
    private final List<String> hostEvents = new CopyOnWriteArrayList<>();
    private final FakeMessageCarrier.ServerEvents listener = new FakeMessageCarrier.ServerEvents();
    private final List<String> events = listener.events;
    private EventBusServerStream stream;

    @BeforeEach
    void setUp(Vertx vertx) {
        context = ((VertxInternal) vertx).createEventLoopContext();
        EventBusServerStream.Host host = new EventBusServerStream.Host() {
            @Override
            public void removeOpen(EventBusServerStream s) {
                hostEvents.add("closed");
            }

            @Override
            public void onTerminated(EventBusServerStream s) {
                hostEvents.add("terminated");
            }
        };
        EventBusServerStream.Sender sender =
                (address, body, options) -> sent.add(new Sent(address, body, options.getHeaders()));
        stream = new EventBusServerStream(
                context,
                host,
                sender,
                CALL,
                CLIENT,
                "/test.Service/Method",
                MultiMap.caseInsensitiveMultiMap(),
                EventBusWire.WINDOW_MESSAGES);
        onLoop(s -> s.setListener(listener));
    }

    private void onLoop(Consumer<EventBusServerStream> step) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        context.runOnContext(v -> {
            try {
                step.accept(stream);
                done.complete(null);
            } catch (Throwable t) {
                done.completeExceptionally(t);
            }
        });
        try {
            done.get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static Buffer frame(String payload) {
        return MessageFramer.frame(Buffer.buffer(payload), false);
    }

    private static Message<Object> fromClient(String kind, @Nullable Object body, Map<String, String> extra) {
        MultiMap headers = MultiMap.caseInsensitiveMultiMap();
        headers.set(EventBusWire.KIND, kind);
        headers.set(EventBusWire.CALL, CALL);
        extra.forEach(headers::set);
        return new Message<>() {
            @Override
            public String address() {
                return "server-address";
            }

            @Override
            public MultiMap headers() {
                return headers;
            }

            @Override
            public @Nullable Object body() {
                return body;
            }

            @Override
            public @Nullable String replyAddress() {
                return null;
            }

            @Override
            public boolean isSend() {
                return true;
            }

            @Override
            public void reply(@Nullable Object message, DeliveryOptions options) {
                throw new UnsupportedOperationException("no reply in this protocol's call messages");
            }

            @Override
            public <R> Future<Message<R>> replyAndRequest(@Nullable Object message, DeliveryOptions options) {
                throw new UnsupportedOperationException("no reply in this protocol's call messages");
            }
        };
    }

    private List<String> kinds() {
        List<String> kinds = new ArrayList<>();
        for (Sent s : sent) {
            assertThat(s.address()).isEqualTo(CLIENT);
            assertThat(s.headers().get(EventBusWire.CALL)).isEqualTo(CALL);
            kinds.add(s.kind());
        }
        return kinds;
    }

    @Test
    void anOpenWithEnd_isTheFirstMessageAndTheHalfClose() {
        onLoop(s -> s.onClientMessage(fromClient(EventBusWire.OPEN, frame("a"), Map.of(EventBusWire.END, "1"))));
        assertThat(events).containsExactly("data 6", "half-close");
        assertThat(sent).isEmpty(); // one message read, and the client sends no more: no credit
        onLoop(s -> {
            assertThat(s.isOpen()).isTrue();
            s.writeTrailers(StatusCode.OK, "", Metadata.EMPTY);
            s.stopReading(); // the client half-closed: no reset after the status
        });
        assertThat(kinds()).containsExactly(EventBusWire.TRAILERS);
    }

    @Test
    void dataGrantsCredit_everyHalfWindowRead_notWhileReadingIsHeld() {
        int half = EventBusWire.WINDOW_MESSAGES / 2;
        onLoop(s -> {
            s.holdReading(true);
            for (int i = 0; i < half + 1; i++) {
                s.onClientMessage(fromClient(EventBusWire.DATA, frame("m"), Map.of()));
            }
        });
        assertThat(sent).isEmpty();
        assertThat(events).isEmpty();
        onLoop(s -> s.holdReading(false));
        assertThat(events).hasSize(half + 1);
        assertThat(kinds()).containsExactly(EventBusWire.CREDIT_KIND);
        assertThat(sent.get(0).headers().get(EventBusWire.CREDIT)).isEqualTo(Integer.toString(half));
        // the client half-closes: what is read after that grants nothing
        onLoop(s -> {
            s.onClientMessage(fromClient(EventBusWire.HALF_CLOSE, null, Map.of()));
            for (int i = 0; i < half; i++) {
                s.onClientMessage(fromClient(EventBusWire.DATA, frame("late"), Map.of())); // read, but no credit back
            }
        });
        assertThat(events).hasSize(half + 1 + 1 + half);
        assertThat(kinds()).containsExactly(EventBusWire.CREDIT_KIND);
    }

    @Test
    void responseCredit_exhaustsAfterTheWindow_andACreditMessageResumes() {
        onLoop(s -> {
            s.writeHeaders(Metadata.EMPTY, Encoding.IDENTITY, true);
            for (int i = 0; i < EventBusWire.WINDOW_MESSAGES; i++) {
                s.writeMessage(frame("r"));
            }
            assertThat(s.isReady()).isFalse();
            s.onClientMessage(fromClient(EventBusWire.CREDIT_KIND, null, Map.of(EventBusWire.CREDIT, "3")));
            assertThat(s.isReady()).isTrue();
        });
        assertThat(events).containsExactly("ready");
        List<String> kinds = kinds();
        assertThat(kinds.get(0)).isEqualTo(EventBusWire.HEADERS);
        assertThat(kinds.subList(1, kinds.size()))
                .hasSize(EventBusWire.WINDOW_MESSAGES)
                .containsOnly(EventBusWire.DATA);
    }

    @Test
    void theLastMessageAndTheStatusLeaveInOneTrailersMessage_afterTheHeaders() {
        onLoop(s -> {
            s.writeHeaders(Metadata.EMPTY, Encoding.IDENTITY, false);
            s.writeMessage(frame("one"));
            s.writeLastMessage(frame("two"), StatusCode.OK, "", Metadata.EMPTY);
            s.writeMessage(frame("dropped"));
        });
        assertThat(kinds()).containsExactly(EventBusWire.HEADERS, EventBusWire.DATA, EventBusWire.TRAILERS);
        Sent trailers = sent.get(2);
        assertThat(((Buffer) trailers.body()).length()).isEqualTo(8);
        assertThat(trailers.headers().get("grpc-status")).isEqualTo("0");
        assertThat(hostEvents).containsExactly("closed");
    }

    @Test
    void aStatusWithoutHeadersIsTrailersOnly() {
        onLoop(s -> s.writeTrailers(StatusCode.UNIMPLEMENTED, "no such method", Metadata.EMPTY));
        assertThat(kinds()).containsExactly(EventBusWire.TRAILERS);
        MultiMap h = sent.get(0).headers();
        assertThat(h.get("grpc-status")).isEqualTo("12");
        assertThat(h.get("content-type")).isEqualTo("application/grpc");
        assertThat(sent.get(0).body()).isNull();
    }

    @Test
    void aClientResetCancelsTheCallOnce_andLaterClientMessagesAreDropped() {
        onLoop(s -> {
            s.onClientMessage(fromClient(EventBusWire.RESET, null, Map.of()));
            s.onClientMessage(fromClient(EventBusWire.DATA, frame("x"), Map.of()));
            s.onClientMessage(fromClient(EventBusWire.RESET, null, Map.of()));
            s.writeTrailers(StatusCode.OK, "", Metadata.EMPTY);
        });
        assertThat(events).containsExactly("cancel PEER_RESET");
        assertThat(sent).isEmpty();
        assertThat(hostEvents).containsExactly("closed");
    }

    @Test
    void cancel_andCallTerminatedWhileOpen_sendOneResetCancel() {
        onLoop(s -> {
            s.cancel();
            s.callTerminated();
        });
        assertThat(kinds()).containsExactly(EventBusWire.RESET);
        assertThat(sent.get(0).headers().get(EventBusWire.CODE)).isEqualTo("8");
        assertThat(events).isEmpty();
        assertThat(hostEvents).containsExactly("closed", "terminated");
    }

    @Test
    void aLostClientIsAConnectionLost_andTheClientHearsGone() {
        onLoop(s -> s.connectionLost("the client fell silent"));
        assertThat(events).containsExactly("cancel CONNECTION_LOST");
        assertThat(kinds()).containsExactly(EventBusWire.GONE);
        assertThat(sent.get(0).headers().get("grpc-message")).isEqualTo("the client fell silent");
    }

    @Test
    void aGivenUpStreamClosesSilently() {
        onLoop(EventBusServerStream::giveUp);
        onLoop(EventBusServerStream::callTerminated);
        assertThat(sent).isEmpty();
        assertThat(events).isEmpty();
        assertThat(hostEvents).containsExactly("closed");
    }

    @Test
    void aMessageOfAnUnknownKindIsIgnored() {
        onLoop(s -> {
            s.onClientMessage(fromClient("a-later-kind", frame("x"), Map.of()));
            s.onClientMessage(fromClient(EventBusWire.DATA, frame("y"), Map.of()));
        });
        assertThat(events).containsExactly("data 6");
    }
}
