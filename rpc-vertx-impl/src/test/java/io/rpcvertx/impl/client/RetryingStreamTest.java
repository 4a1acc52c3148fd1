package io.rpcvertx.impl.client;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rpcvertx.CallOptions;
import io.rpcvertx.ChannelOptions;
import io.rpcvertx.Compression;
import io.rpcvertx.Metadata;
import io.rpcvertx.RpcException;
import io.rpcvertx.StatusCode;
import io.rpcvertx.impl.security.ChannelSecurity;
import io.rpcvertx.impl.telemetry.CallCounter;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Retries and hedging as a stream under one call, on a fake transport: no sockets. The channel only supplies the
 * retry throttle and buffer settings; every attempt is a {@link RecordingClientStream} the test plays.
 */
@Timeout(60)
class RetryingStreamTest {
    static final String RETRY = "{'methodConfig': [{'name': [{}], 'retryPolicy': {'maxAttempts': 3,"
            + " 'initialBackoff': '0.001s', 'maxBackoff': '0.001s', 'backoffMultiplier': 1,"
            + " 'retryableStatusCodes': ['UNAVAILABLE']}}]}";
    static final String HEDGE = "{'methodConfig': [{'name': [{}], 'hedgingPolicy': {'maxAttempts': 2,"
            + " 'hedgingDelay': '0s', 'nonFatalStatusCodes': ['UNAVAILABLE']}}]}";

    Vertx vertx;
    ContextInternal owner;
    FakeClientTransport transport;
    ChannelImpl channel;

    @BeforeEach
    void setUp() {
        vertx = Vertx.vertx();
        owner = ((VertxInternal) vertx).createEventLoopContext();
        transport = new FakeClientTransport();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (channel != null) {
            channel.close(java.time.Duration.ZERO).await(5, SECONDS);
        }
        vertx.close().await(5, SECONDS);
    }

    /** A unary call with {@code serviceConfig}'s policy, on the fake transport, started. */
    ClientCallImpl<String, String> call(String serviceConfig) {
        ChannelOptions options = ChannelOptions.DEFAULT.withServiceConfig(serviceConfig.replace('\'', '"'));
        // never connects: only its retry settings and throttle are used
        channel = new ChannelImpl((VertxInternal) vertx, "127.0.0.1:1", options);
        ServiceConfig config = ServiceConfig.parse(serviceConfig.replace('\'', '"'));
        MultiCallables callables = new MultiCallables(channel, config);
        RetryingTransport policy = new RetryingTransport(transport, callables, owner, config.lookup("test.Fake/Unary"));
        CallSetup setup = new CallSetup(
                owner,
                policy,
                ChannelSecurity.of((VertxInternal) vertx, null, options, "fake:1"),
                Compression.NO_COMPRESSION,
                -1,
                -1,
                true,
                null,
                new CallCounter());
        ClientCallImpl<String, String> call =
                new ClientCallImpl<>(setup, ClientCallImplTest.UNARY, CallOptions.DEFAULT, owner);
        call.start("req");
        return call;
    }

    <T> T onOwner(Supplier<T> step) throws Exception {
        CompletableFuture<T> done = new CompletableFuture<>();
        owner.runOnContext(v -> done.complete(step.get()));
        return done.get(5, SECONDS);
    }

    void onOwnerRun(Runnable step) throws Exception {
        onOwner(() -> {
            step.run();
            return null;
        });
    }

    RecordingClientStream nextAttempt() throws Exception {
        RecordingClientStream s = transport.created.poll(5, SECONDS);
        assertThat(s).as("a new attempt").isNotNull();
        return s;
    }

    static <T> T await(Future<T> f) throws Exception {
        return f.await(5, SECONDS);
    }

    @Test
    void retry_unavailableThenOk_replaysTheRequestOnANumberedAttempt() throws Exception {
        ClientCallImpl<String, String> call = call(RETRY);
        RecordingClientStream first = nextAttempt();
        assertThat(first.head.previousAttempts()).isZero();
        onOwnerRun(() -> {
            first.open();
            first.trailers(StatusCode.UNAVAILABLE, "try again", Metadata.EMPTY);
        });
        RecordingClientStream second = nextAttempt(); // after the backoff
        assertThat(second.head.previousAttempts()).isEqualTo(1);
        onOwnerRun(() -> {
            second.open();
            second.headers(Metadata.EMPTY);
            second.message("ok");
            second.trailers(StatusCode.OK, "", Metadata.EMPTY);
        });
        assertThat(await(call.response())).isEqualTo("ok");
        assertThat(onOwner(() -> List.copyOf(first.events))).containsExactly("start", "message:req:end");
        assertThat(onOwner(() -> List.copyOf(second.events))).containsExactly("start", "message:req:end");
    }

    @Test
    void retry_fatalStatus_endsAtOnceWithIt() throws Exception {
        ClientCallImpl<String, String> call = call(RETRY);
        RecordingClientStream first = nextAttempt();
        onOwnerRun(() -> {
            first.open();
            first.trailers(StatusCode.PERMISSION_DENIED, "no", Metadata.EMPTY);
        });
        assertThatThrownBy(() -> await(call.response())).isInstanceOf(RpcException.class);
        assertThat(await(call.code())).isEqualTo(StatusCode.PERMISSION_DENIED);
        assertThat(onOwner(() -> transport.streams.size())).isEqualTo(1);
    }

    @Test
    void retry_outOfAttempts_endsWithTheLastStatus() throws Exception {
        ClientCallImpl<String, String> call = call(RETRY);
        for (int i = 0; i < 3; i++) {
            RecordingClientStream s = nextAttempt();
            String details = "down " + i;
            onOwnerRun(() -> s.closed(StatusCode.UNAVAILABLE, details, false));
        }
        assertThat(await(call.code())).isEqualTo(StatusCode.UNAVAILABLE);
        assertThat(await(call.details())).isEqualTo("down 2");
    }

    @Test
    void retry_headersCommit_laterFailureIsNotRetried() throws Exception {
        ClientCallImpl<String, String> call = call(RETRY);
        RecordingClientStream first = nextAttempt();
        onOwnerRun(() -> {
            first.open();
            first.headers(Metadata.of("h", "1"));
            first.trailers(StatusCode.UNAVAILABLE, "after headers", Metadata.EMPTY);
        });
        assertThat(await(call.code())).isEqualTo(StatusCode.UNAVAILABLE);
        assertThat(await(call.initialMetadata()).get("h")).contains("1");
        assertThat(onOwner(() -> transport.streams.size())).isEqualTo(1);
    }

    @Test
    void retry_refusedAttempt_isReplayedTransparentlyWithoutCountingAsAnAttempt() throws Exception {
        ClientCallImpl<String, String> call = call(RETRY);
        RecordingClientStream first = nextAttempt();
        onOwnerRun(() -> first.reset(7)); // REFUSED_STREAM
        RecordingClientStream replay = nextAttempt();
        assertThat(replay.retry).isTrue();
        assertThat(replay.head.previousAttempts()).isZero();
        onOwnerRun(() -> {
            replay.open();
            replay.headers(Metadata.EMPTY);
            replay.message("ok");
            replay.trailers(StatusCode.OK, "", Metadata.EMPTY);
        });
        assertThat(await(call.response())).isEqualTo("ok");
    }

    @Test
    void retry_cancel_cancelsTheRunningAttempt() throws Exception {
        ClientCallImpl<String, String> call = call(RETRY);
        RecordingClientStream first = nextAttempt();
        onOwnerRun(first::open);
        assertThat(call.cancel()).isTrue();
        assertThat(call.isDone()).isTrue();
        assertThat(await(call.code())).isEqualTo(StatusCode.CANCELLED);
        assertThat(onOwner(() -> first.resets)).isEqualTo(1);
    }

    @Test
    void hedging_firstHeadersWin_theOtherAttemptIsCancelled() throws Exception {
        ClientCallImpl<String, String> call = call(HEDGE);
        RecordingClientStream a = nextAttempt();
        RecordingClientStream b = nextAttempt(); // zero delay: both at once
        assertThat(b.head.previousAttempts()).isEqualTo(1);
        onOwnerRun(() -> {
            a.open();
            b.open();
            b.headers(Metadata.EMPTY);
        });
        assertThat(onOwner(() -> a.resets)).isEqualTo(1);
        onOwnerRun(() -> {
            b.message("from b");
            b.trailers(StatusCode.OK, "", Metadata.EMPTY);
        });
        assertThat(await(call.response())).isEqualTo("from b");
        assertThat(onOwner(() -> b.resets)).isZero();
    }
}
