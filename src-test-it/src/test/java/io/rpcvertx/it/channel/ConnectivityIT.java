package io.rpcvertx.it.channel;

import static io.rpcvertx.it.channel.Backend.WHO;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.rpcvertx.CallOptions;
import io.rpcvertx.Channel;
import io.rpcvertx.ChannelConnectivity;
import io.rpcvertx.ChannelOptions;
import io.rpcvertx.ConnectRequest;
import io.rpcvertx.Http2Transport;
import io.rpcvertx.RpcException;
import io.rpcvertx.RpcVertx;
import io.rpcvertx.StatusCode;
import io.rpcvertx.UnaryUnaryCall;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Channel connectivity through the public API (DESIGN.md section 6): the states seen by {@link
 * Channel#waitForStateChange}, reconnect backoff within the spec's jitter bounds, and wait-for-ready against a server
 * that does not exist yet.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(Http2Transport.class)
@ExtendWith(VertxExtension.class)
@Timeout(60)
class ConnectivityIT {
    /** The HTTP/2 implementation of the channel under test. */
    @Parameter
    Http2Transport transport;

    static final Duration INITIAL = Duration.ofMillis(200);
    static final double MULTIPLIER = 1.6;
    static final double JITTER = 0.2;
    static final Duration MAX = Duration.ofMillis(600);

    Vertx vertx;
    /** The event loop of every channel here and of its state recording. */
    Context loop;

    final List<Channel> channels = new ArrayList<>();
    final List<Backend> backends = new ArrayList<>();

    @BeforeEach
    void setUp(Vertx vertx) {
        this.vertx = vertx;
        this.loop = vertx.getOrCreateContext();
    }

    @AfterEach
    void tearDown() throws Exception {
        for (Channel c : channels) {
            c.close().await(5, SECONDS);
        }
        for (Backend b : backends) {
            b.stop();
        }
    }

    Channel channel(String target, ChannelOptions options) throws Exception {
        Channel c = RecordingConnectivity.createOn(
                loop, () -> RpcVertx.insecureChannel(vertx, target, options.withHttp2Transport(transport)));
        channels.add(c);
        return c;
    }

    RecordingConnectivity record(Channel channel) throws Exception {
        return RecordingConnectivity.of(channel, loop);
    }

    Backend backend(int port) throws Exception {
        Backend b = Backend.start(vertx, "backend", port);
        backends.add(b);
        return b;
    }

    /** A port nothing listens on now: bound once to 127.0.0.1:0, then released for a server started later. */
    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }

    static ChannelOptions fastBackoff() {
        return ChannelOptions.DEFAULT
                .withInitialReconnectBackoff(INITIAL)
                .withReconnectBackoffMultiplier(MULTIPLIER)
                .withReconnectBackoffJitter(JITTER)
                .withMaxReconnectBackoff(MAX);
    }

    @Test
    void firstRpc_idleToConnectingToReady_closeToShutdown() throws Exception {
        Backend backend = backend(0);
        Channel channel = channel(backend.address(), ChannelOptions.DEFAULT);
        assertThat(channel.getState()).isEqualTo(ChannelConnectivity.IDLE);
        RecordingConnectivity recording = record(channel);

        assertThat(channel.unaryUnary(WHO).call("x").response().await(5, SECONDS))
                .isEqualTo("backend");
        recording.seen(ChannelConnectivity.READY, 1).get(5, SECONDS);
        channel.close().await(5, SECONDS);
        recording.seen(ChannelConnectivity.SHUTDOWN, 1).get(5, SECONDS);

        assertThat(recording.states())
                .containsExactly(
                        ChannelConnectivity.CONNECTING, ChannelConnectivity.READY, ChannelConnectivity.SHUTDOWN);
        assertThat(channel.getState()).isEqualTo(ChannelConnectivity.SHUTDOWN);
    }

    @Test
    void tryToConnect_withoutRpc_idleToConnectingToReady() throws Exception {
        Backend backend = backend(0);
        Channel channel = channel(backend.address(), ChannelOptions.DEFAULT);
        RecordingConnectivity recording = record(channel);

        channel.getState(ConnectRequest.TRY_TO_CONNECT);

        recording.seen(ChannelConnectivity.READY, 1).get(5, SECONDS);
        assertThat(recording.states()).containsExactly(ChannelConnectivity.CONNECTING, ChannelConnectivity.READY);
        assertThat(backend.peers).isEmpty();
    }

    @Test
    void serverDown_transientFailureWithBackoffInJitterBounds_serverBack_ready() throws Exception {
        int port = freePort();
        Channel channel = channel("127.0.0.1:" + port, fastBackoff());
        RecordingConnectivity recording = record(channel);
        channel.getState(ConnectRequest.TRY_TO_CONNECT);

        List<RecordingConnectivity.Change> changes =
                recording.seen(ChannelConnectivity.CONNECTING, 6).get(20, SECONDS);
        backend(port);
        channel.channelReady().await(10, SECONDS);

        // CONNECTING, TRANSIENT_FAILURE, CONNECTING, ...: one failed attempt per backoff delay
        List<Long> attempts = new ArrayList<>();
        for (int i = 0; i < changes.size(); i++) {
            ChannelConnectivity expected =
                    i % 2 == 0 ? ChannelConnectivity.CONNECTING : ChannelConnectivity.TRANSIENT_FAILURE;
            assertThat(changes.get(i).state()).as("change %d", i).isEqualTo(expected);
            if (expected == ChannelConnectivity.CONNECTING) {
                attempts.add(changes.get(i).nanos());
            }
        }
        double base = INITIAL.toMillis();
        for (int i = 1; i < attempts.size(); i++) {
            double measuredMs = (attempts.get(i) - attempts.get(i - 1)) / 1e6;
            double expectedBase = Math.min(base, MAX.toMillis());
            // jitter bounds, widened only by timer granularity below and scheduling delays above
            assertThat(measuredMs)
                    .as("delay before attempt %d (base %.0f ms)", i + 1, expectedBase)
                    .isBetween(expectedBase * (1 - JITTER) - 15, expectedBase * (1 + JITTER) + 400);
            base *= MULTIPLIER;
        }
        recording.seen(ChannelConnectivity.READY, 1).get(5, SECONDS);
        assertThat(channel.unaryUnary(WHO).call("x").response().await(5, SECONDS))
                .isEqualTo("backend");
        channel.close().await(5, SECONDS);
        assertThat(recording.seen(ChannelConnectivity.SHUTDOWN, 1).get(5, SECONDS))
                .last()
                .extracting(RecordingConnectivity.Change::state)
                .isEqualTo(ChannelConnectivity.SHUTDOWN);
    }

    @Test
    void waitForReady_callMadeWhileServerDown_succeedsOnceItStarts() throws Exception {
        int port = freePort();
        Channel channel = channel("127.0.0.1:" + port, fastBackoff());
        RecordingConnectivity recording = record(channel);

        UnaryUnaryCall<String, String> call = channel.unaryUnary(WHO)
                .call("x", CallOptions.DEFAULT.withWaitForReady(true).withTimeout(Duration.ofSeconds(30)));
        recording.seen(ChannelConnectivity.TRANSIENT_FAILURE, 2).get(10, SECONDS);
        assertThat(call.isDone()).isFalse();
        backend(port);

        assertThat(call.response().await(10, SECONDS)).isEqualTo("backend");
        assertThat(call.code().await(5, SECONDS)).isEqualTo(StatusCode.OK);
    }

    @Test
    void withoutWaitForReady_inTransientFailure_failsUnavailableAtOnce() throws Exception {
        int port = freePort();
        // a long backoff: the channel stays in TRANSIENT_FAILURE for the whole test
        Channel channel = channel(
                "127.0.0.1:" + port, ChannelOptions.DEFAULT.withInitialReconnectBackoff(Duration.ofSeconds(30)));
        RecordingConnectivity recording = record(channel);
        RpcException first = catchThrowableOfType(
                RpcException.class,
                () -> channel.unaryUnary(WHO).call("x").response().await(10, SECONDS));
        recording.seen(ChannelConnectivity.TRANSIENT_FAILURE, 1).get(5, SECONDS);
        long start = System.nanoTime();

        RpcException second = catchThrowableOfType(
                RpcException.class,
                () -> channel.unaryUnary(WHO).call("x").response().await(10, SECONDS));

        assertThat(first.code()).isEqualTo(StatusCode.UNAVAILABLE);
        assertThat(first.details()).contains("127.0.0.1:" + port);
        assertThat(second.code()).isEqualTo(StatusCode.UNAVAILABLE);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        assertThat(channel.getState()).isEqualTo(ChannelConnectivity.TRANSIENT_FAILURE);
        assertThat(recording.states())
                .containsExactly(ChannelConnectivity.CONNECTING, ChannelConnectivity.TRANSIENT_FAILURE);
    }

    @Test
    void channelReady_waitsThroughFailures_completesWhenServerStarts() throws Exception {
        int port = freePort();
        Channel channel = channel("127.0.0.1:" + port, fastBackoff());
        RecordingConnectivity recording = record(channel);

        var ready = channel.channelReady();
        recording.seen(ChannelConnectivity.TRANSIENT_FAILURE, 2).get(10, SECONDS);
        assertThat(ready.isComplete()).isFalse();
        backend(port);

        ready.await(10, SECONDS);
        assertThat(channel.getState()).isEqualTo(ChannelConnectivity.READY);
    }

    @Test
    void serverStops_readyChannelGoesIdle_nextRpcUnavailable() throws Exception {
        Backend backend = backend(0);
        Channel channel = channel(backend.address(), fastBackoff());
        channel.channelReady().await(5, SECONDS);
        RecordingConnectivity recording = record(channel);

        backend.stop();

        recording.seen(ChannelConnectivity.IDLE, 1).get(5, SECONDS);
        RpcException e = catchThrowableOfType(
                RpcException.class,
                () -> channel.unaryUnary(WHO).call("x").response().await(10, SECONDS));
        assertThat(e.code()).isEqualTo(StatusCode.UNAVAILABLE);
        recording.seen(ChannelConnectivity.TRANSIENT_FAILURE, 1).get(5, SECONDS);
        assertThat(recording.states())
                .startsWith(
                        ChannelConnectivity.IDLE,
                        ChannelConnectivity.CONNECTING,
                        ChannelConnectivity.TRANSIENT_FAILURE);
    }
}
