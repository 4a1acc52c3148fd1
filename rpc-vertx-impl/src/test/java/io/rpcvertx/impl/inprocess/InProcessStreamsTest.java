package io.rpcvertx.impl.inprocess;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.rpcvertx.ChannelOptions;
import io.rpcvertx.Metadata;
import io.rpcvertx.ServerOptions;
import io.rpcvertx.StatusCode;
import io.rpcvertx.impl.codec.Encoding;
import io.rpcvertx.impl.codec.MessageFramer;
import io.rpcvertx.impl.transport.ClientStream;
import io.rpcvertx.impl.transport.ClientStreamListener;
import io.rpcvertx.impl.transport.RequestHead;
import io.rpcvertx.impl.transport.ServerStream;
import io.rpcvertx.impl.transport.ServerStreamListener;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.junit5.VertxExtension;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The two halves of in-process streams driven directly, without the call layer: what the contract suite cannot reach
 * through the public API (a stream racing the drain, credit to the byte, the drain deadline, leaked handlers).
 */
@ExtendWith(VertxExtension.class)
@Timeout(10)
class InProcessStreamsTest {
    private static final int WINDOW = 65_535;

    private VertxInternal vertx;
    private String name;
    private InProcessEndpoint endpoint;
    private InProcessAcceptor acceptor;
    private ContextInternal ioLoop;
    private InProcessChannel channel;
    private final LinkedBlockingQueue<ServerStream> accepted = new LinkedBlockingQueue<>();
    private final LinkedBlockingQueue<String> serverEvents = new LinkedBlockingQueue<>();
    private final LinkedBlockingQueue<String> clientEvents = new LinkedBlockingQueue<>();
    private final AtomicInteger idle = new AtomicInteger();
    private final AtomicBoolean accepting = new AtomicBoolean(true);

    @BeforeEach
    void setUp(Vertx v) {
        vertx = (VertxInternal) v;
        name = "streams-test-" + UUID.randomUUID();
        endpoint = InProcessRegistry.claim(
                name, vertx, ServerOptions.DEFAULT.withInitialWindowSize(WINDOW), accepting::get);
        ioLoop = vertx.createEventLoopContext();
        acceptor = endpoint.attach(
                ioLoop,
                stream -> {
                    stream.setListener(new RecordingServerListener(serverEvents));
                    accepted.add(stream);
                },
                idle::incrementAndGet);
        endpoint.publish();
        channel = new InProcessChannel(vertx, name, ChannelOptions.DEFAULT.withInitialWindowSize(WINDOW));
    }

    @AfterEach
    void tearDown() throws Exception {
        channel.close().await(5, SECONDS);
        InProcessRegistry.release(endpoint);
    }

    // ---------------------------------------------------------------- helpers

    private static <T> T on(ContextInternal context, Supplier<T> step) throws Exception {
        CompletableFuture<T> result = new CompletableFuture<>();
        context.runOnContext(v -> {
            try {
                result.complete(step.get());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        return result.get(5, SECONDS);
    }

    private static void run(ContextInternal context, Runnable step) throws Exception {
        on(context, () -> {
            step.run();
            return null;
        });
    }

    /** A started client stream whose headers went out; events recorded in {@link #clientEvents}. */
    private ClientStream openStream() throws Exception {
        ClientStream stream = on(channel.owner, () -> {
            ClientStream s = channel.newStream(new Head());
            s.start(new RecordingClientListener(clientEvents));
            s.sendHeaders();
            return s;
        });
        assertThat(clientEvents.poll(5, SECONDS)).isEqualTo("open");
        return stream;
    }

    private static Buffer frame(int payloadBytes) {
        return MessageFramer.frame(Buffer.buffer(new byte[payloadBytes]), false);
    }

    // ---------------------------------------------------------------- tests

    @Test
    void stream_arrivingOnceTheDrainBegan_isRefused_andNeverReachesTheCallLayer() throws Exception {
        run(ioLoop, () -> acceptor.drain(Long.MAX_VALUE));

        openStream();

        assertThat(clientEvents.poll(5, SECONDS)).isEqualTo("reset 7");
        assertThat(accepted).isEmpty();
        assertThat(acceptor.isIdle()).isTrue();
    }

    @Test
    void serverWrites_pastTheClientsWindow_notReady_untilThePausedClientReads() throws Exception {
        ClientStream client = openStream();
        run(channel.owner, client::pause);
        ServerStream server = accepted.poll(5, SECONDS);
        assertThat(server).isNotNull();

        boolean[] ready = on(server.context(), () -> {
            server.writeHeaders(Metadata.EMPTY, Encoding.IDENTITY, true);
            boolean[] r = new boolean[3];
            for (int i = 0; i < 3; i++) {
                server.writeMessage(frame(30_000));
                r[i] = server.isReady();
            }
            return r;
        });
        assertThat(ready).containsExactly(true, true, false); // 90 015 bytes unread > 65 535
        assertThat(clientEvents.poll(5, SECONDS)).isEqualTo("headers");
        // a later event on both loops: the paused client still returned no credit
        assertThat(on(channel.owner, () -> clientEvents.isEmpty())).isTrue();
        assertThat(on(server.context(), server::isReady)).isFalse();

        run(channel.owner, client::resume);

        assertThat(clientEvents.poll(5, SECONDS)).isEqualTo("message 30000");
        assertThat(clientEvents.poll(5, SECONDS)).isEqualTo("message 30000");
        assertThat(clientEvents.poll(5, SECONDS)).isEqualTo("message 30000");
        assertThat(serverEvents.poll(5, SECONDS)).isEqualTo("ready");
        assertThat(on(server.context(), server::isReady)).isTrue();
    }

    @Test
    void clientWrites_pastTheServersWindow_notReady_untilTheHeldServerReads() throws Exception {
        ClientStream client = openStream();
        ServerStream server = accepted.poll(5, SECONDS);
        assertThat(server).isNotNull();
        run(server.context(), () -> server.holdReading(true));

        boolean[] ready = on(channel.owner, () -> {
            boolean[] r = new boolean[3];
            for (int i = 0; i < 3; i++) {
                client.writeMessage(Buffer.buffer(new byte[30_000]), false);
                r[i] = client.isReady();
            }
            return r;
        });
        assertThat(ready).containsExactly(true, true, false);
        assertThat(on(server.context(), () -> serverEvents.isEmpty())).isTrue();

        run(server.context(), () -> server.holdReading(false));

        assertThat(serverEvents.poll(5, SECONDS)).isEqualTo("data 30005");
        assertThat(serverEvents.poll(5, SECONDS)).isEqualTo("data 30005");
        assertThat(serverEvents.poll(5, SECONDS)).isEqualTo("data 30005");
        assertThat(clientEvents.poll(5, SECONDS)).isEqualTo("ready");
    }

    @Test
    void drainDeadline_cancelsOpenStreams_serverSeesShutdown_clientSeesCancel_thenIdleAfterTermination()
            throws Exception {
        openStream();
        ServerStream server = accepted.poll(5, SECONDS);
        assertThat(server).isNotNull();

        run(ioLoop, () -> acceptor.drain(System.nanoTime()));

        assertThat(serverEvents.poll(5, SECONDS)).isEqualTo("cancel SHUTDOWN");
        assertThat(clientEvents.poll(5, SECONDS)).isEqualTo("reset 8");
        assertThat(on(ioLoop, acceptor::isIdle))
                .as("the handler has not terminated yet")
                .isFalse();
        run(server.context(), server::callTerminated);
        assertThat(on(ioLoop, acceptor::isIdle)).isTrue();
        assertThat(idle.get()).isEqualTo(1);
    }

    @Test
    void giveUpOnLeaked_forgetsStreamsWhoseHandlerNeverTerminates_thenIdle() throws Exception {
        openStream();
        ServerStream server = accepted.poll(5, SECONDS);
        assertThat(server).isNotNull();
        run(ioLoop, () -> acceptor.drain(System.nanoTime()));

        run(ioLoop, acceptor::giveUpOnLeaked);

        assertThat(on(ioLoop, acceptor::isIdle)).isTrue();
        assertThat(idle.get()).isEqualTo(1);
        run(server.context(), server::callTerminated); // the handler completes after all: no second idle
        assertThat(idle.get()).isEqualTo(1);
    }

    @Test
    void statusAfterMessages_clientReadsThemThenTheTrailers_trailersOnlyWithoutHeaders() throws Exception {
        openStream();
        ServerStream server = accepted.poll(5, SECONDS);
        assertThat(server).isNotNull();
        openStream();
        ServerStream trailersOnly = accepted.poll(5, SECONDS);
        assertThat(trailersOnly).isNotNull();

        run(server.context(), () -> {
            server.writeHeaders(Metadata.of("x-h", "1"), Encoding.IDENTITY, false);
            server.writeLastMessage(frame(3), StatusCode.OK, "", Metadata.of("x-t", "2"));
        });
        run(
                trailersOnly.context(),
                () -> trailersOnly.writeTrailers(StatusCode.NOT_FOUND, "100% gone", Metadata.EMPTY));

        assertThat(clientEvents.poll(5, SECONDS)).isEqualTo("headers");
        assertThat(clientEvents.poll(5, SECONDS)).isEqualTo("message 3");
        assertThat(clientEvents.poll(5, SECONDS)).isEqualTo("trailers OK  [x-t]");
        assertThat(clientEvents.poll(5, SECONDS)).isEqualTo("trailers NOT_FOUND 100% gone []");
    }

    // ---------------------------------------------------------------- fixtures

    private static final class Head implements RequestHead {
        @Override
        public String path() {
            return "/test.Service/Method";
        }

        @Override
        public Metadata metadata() {
            return Metadata.EMPTY;
        }

        @Override
        public Metadata credentialsMetadata() {
            return Metadata.EMPTY;
        }

        @Override
        public long deadlineNanos() {
            return NO_DEADLINE;
        }

        @Override
        public Encoding encoding() {
            return Encoding.IDENTITY;
        }

        @Override
        public int maxReceiveBytes() {
            return 4 * 1024 * 1024;
        }

        @Override
        public int previousAttempts() {
            return 0;
        }

        @Override
        public boolean waitForReady() {
            return false;
        }
    }

    private record RecordingClientListener(LinkedBlockingQueue<String> events) implements ClientStreamListener {
        @Override
        public void onOpen() {
            events.add("open");
        }

        @Override
        public void onReady() {
            events.add("ready");
        }

        @Override
        public void onHeaders(Metadata headers) {
            events.add("headers");
        }

        @Override
        public void onMessage(Buffer payload) {
            events.add("message " + payload.length());
        }

        @Override
        public void onTrailers(StatusCode code, String details, Metadata trailers) {
            events.add("trailers " + code + " " + details + " " + trailers.keys());
        }

        @Override
        public void onReset(long http2ErrorCode) {
            events.add("reset " + http2ErrorCode);
        }

        @Override
        public void onClosed(StatusCode code, String details, boolean refused) {
            events.add("closed " + code + " " + refused);
        }
    }

    private record RecordingServerListener(LinkedBlockingQueue<String> events) implements ServerStreamListener {
        @Override
        public void onData(Buffer data) {
            events.add("data " + data.length());
        }

        @Override
        public void onHalfClose() {
            events.add("half-close");
        }

        @Override
        public void onReady() {
            events.add("ready");
        }

        @Override
        public void onCancel(CancelCause cause) {
            events.add("cancel " + cause);
        }
    }
}
