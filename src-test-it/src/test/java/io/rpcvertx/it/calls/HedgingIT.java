package io.rpcvertx.it.calls;

import static io.rpcvertx.it.calls.EchoServer.CLIENT_STREAM;
import static io.rpcvertx.it.calls.EchoServer.SERVICE;
import static io.rpcvertx.it.calls.EchoServer.UNARY;
import static io.rpcvertx.it.calls.EchoServer.X_KEY;
import static io.rpcvertx.it.calls.EchoServer.X_PLAN;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.rpcvertx.CallOptions;
import io.rpcvertx.Channel;
import io.rpcvertx.ChannelOptions;
import io.rpcvertx.Metadata;
import io.rpcvertx.RpcException;
import io.rpcvertx.RpcVertx;
import io.rpcvertx.StatusCode;
import io.rpcvertx.StreamUnaryCall;
import io.rpcvertx.UnaryUnaryCall;
import io.rpcvertx.it.calls.EchoServer.Seen;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Hedging policies (gRFC A6; grpc.aio has none): parallel attempts, the first response commits, the others are
 * cancelled, against our server whose attempts follow a per-RPC plan.
 */
@ExtendWith(VertxExtension.class)
@Timeout(60)
class HedgingIT {
    private final List<Channel> channels = new ArrayList<>();
    private Vertx vertx;
    private EchoServer server;

    @BeforeEach
    void setUp(Vertx vertx) throws Exception {
        this.vertx = vertx;
        server = EchoServer.start(vertx);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (Channel c : channels) {
            c.close().await(5, SECONDS);
        }
        server.stop().await(5, SECONDS);
    }

    @Test
    void hedging_zeroDelay_sendsAllAttemptsFirstAnswerWinsLosersCancelled() throws Exception {
        Channel channel = channel(hedgingConfig(3, "0s", "UNAVAILABLE"));
        String key = key();

        UnaryUnaryCall<String, String> call = channel.unaryUnary(UNARY).call("x", options(key, "hang,hang,ok"));

        assertThat(await(call.response())).isEqualTo("echo:x#3");
        List<Seen> attempts = server.attempts(key);
        assertThat(attempts).hasSize(3);
        assertThat(attempts.get(0).ended().get(10, SECONDS))
                .as("loser 1 cancelled")
                .isTrue();
        assertThat(attempts.get(1).ended().get(10, SECONDS))
                .as("loser 2 cancelled")
                .isTrue();
        assertThat(attempts.get(2).ended().get(10, SECONDS))
                .as("winner not cancelled")
                .isFalse();
    }

    @Test
    void hedging_delay_nextAttemptAfterTheDelayOnly() throws Exception {
        Channel channel = channel(hedgingConfig(3, "0.3s", "UNAVAILABLE"));
        String key = key();
        long start = System.nanoTime();

        UnaryUnaryCall<String, String> call = channel.unaryUnary(UNARY).call("x", options(key, "hang,ok,hang"));

        assertThat(await(call.response())).isEqualTo("echo:x#2");
        List<Seen> attempts = server.attempts(key);
        assertThat(attempts.get(0).ended().get(10, SECONDS))
                .as("first attempt cancelled")
                .isTrue();
        // the hedging timer starts after the call was made: the second attempt cannot arrive before 0.3 s
        assertThat(Duration.ofNanos(attempts.get(1).arrivedNanos() - start))
                .as("the hedge waited for the delay")
                .isGreaterThanOrEqualTo(Duration.ofMillis(300));
        assertThat(server.attempts(key))
                .as("committed before a third hedge was due")
                .hasSize(2);
    }

    @Test
    void hedging_nonFatalFailure_sendsNextAttemptAtOnce() throws Exception {
        Channel channel = channel(hedgingConfig(3, "100s", "UNAVAILABLE"));
        String key = key();

        UnaryUnaryCall<String, String> call = channel.unaryUnary(UNARY).call("x", options(key, "14,ok"));

        assertThat(await(call.response())).as("not after the 100 s delay").isEqualTo("echo:x#2");
        assertThat(server.attempts(key)).hasSize(2);
    }

    @Test
    void hedging_fatalStatus_endsTheCallAndCancelsTheOthers() throws Exception {
        Channel channel = channel(hedgingConfig(3, "0s", "UNAVAILABLE"));
        String key = key();

        UnaryUnaryCall<String, String> call = channel.unaryUnary(UNARY).call("x", options(key, "hang,3,hang"));

        RpcException e = failure(call.response());
        assertThat(e.code()).isEqualTo(StatusCode.INVALID_ARGUMENT);
        assertThat(e.details()).isEqualTo("attempt 2 fails");
        List<Seen> attempts = server.attempts(key);
        assertThat(attempts).hasSize(3);
        assertThat(attempts.get(0).ended().get(10, SECONDS)).isTrue();
        assertThat(attempts.get(2).ended().get(10, SECONDS)).isTrue();
    }

    @Test
    void hedging_allAttemptsFailNonFatal_endsWithTheLastStatus() throws Exception {
        Channel channel = channel(hedgingConfig(3, "0s", "UNAVAILABLE"));
        String key = key();

        UnaryUnaryCall<String, String> call = channel.unaryUnary(UNARY).call("x", options(key, "14,14,14"));

        assertThat(failure(call.response()).code()).isEqualTo(StatusCode.UNAVAILABLE);
        assertThat(server.attempts(key)).hasSize(3);
    }

    @Test
    void hedging_throttled_sendsOnlyTheFirstAttempt() throws Exception {
        JsonObject config = hedgingConfig(3, "0s", "UNAVAILABLE")
                .put("retryThrottling", new JsonObject().put("maxTokens", 2).put("tokenRatio", 0.1));
        Channel channel = channel(config);
        String first = key();
        String second = key();

        // three failed attempts take the bucket from 2 to 0 (at most half: no more hedges)
        assertThat(failure(channel.unaryUnary(UNARY)
                                .call("a", options(first, "14,14,14"))
                                .response())
                        .code())
                .isEqualTo(StatusCode.UNAVAILABLE);
        assertThat(failure(channel.unaryUnary(UNARY)
                                .call("b", options(second, "14,ok"))
                                .response())
                        .code())
                .isEqualTo(StatusCode.UNAVAILABLE);

        assertThat(server.attempts(first)).hasSize(3);
        assertThat(server.attempts(second)).hasSize(1);
    }

    @Test
    void hedging_clientStreaming_everyAttemptGetsEveryMessage() throws Exception {
        Channel channel = channel(hedgingConfig(2, "0s", "UNAVAILABLE"));
        String key = key();

        StreamUnaryCall<String, String> call =
                channel.streamUnary(CLIENT_STREAM).call(options(key, "hang,ok"));
        for (String m : List.of("a", "b", "c")) {
            await(call.write(m));
        }
        await(call.doneWriting());

        assertThat(await(call.response())).isEqualTo("count:3#2");
        assertThat(server.attempts(key).get(0).ended().get(10, SECONDS)).isTrue();
    }

    @Test
    void hedging_cancel_cancelsEveryAttempt() throws Exception {
        Channel channel = channel(hedgingConfig(2, "0s", "UNAVAILABLE"));
        String key = key();

        UnaryUnaryCall<String, String> call = channel.unaryUnary(UNARY).call("x", options(key, "hang,hang"));
        server.next();
        server.next();
        call.cancel();

        assertThat(await(call.code())).isEqualTo(StatusCode.CANCELLED);
        for (Seen attempt : server.attempts(key)) {
            assertThat(attempt.ended().get(10, SECONDS)).isTrue();
        }
    }

    // ---------------------------------------------------------------- helpers

    static JsonObject hedgingConfig(int maxAttempts, String delay, String... nonFatal) {
        JsonObject policy = new JsonObject()
                .put("maxAttempts", maxAttempts)
                .put("hedgingDelay", delay)
                .put("nonFatalStatusCodes", new JsonArray(Arrays.asList((Object[]) nonFatal)));
        JsonObject methodConfig = new JsonObject()
                .put("name", new JsonArray().add(new JsonObject().put("service", SERVICE)))
                .put("hedgingPolicy", policy);
        return new JsonObject().put("methodConfig", new JsonArray().add(methodConfig));
    }

    private Channel channel(JsonObject serviceConfig) {
        Channel c = RpcVertx.insecureChannel(
                vertx, server.target(), ChannelOptions.DEFAULT.withServiceConfig(serviceConfig.encode()));
        channels.add(c);
        return c;
    }

    private static String key() {
        return UUID.randomUUID().toString();
    }

    private static CallOptions options(String key, String plan) {
        // longer than every wait of these tests: a loser must end by cancellation, not by its deadline
        return CallOptions.DEFAULT
                .withTimeout(Duration.ofSeconds(30))
                .withMetadata(Metadata.of(X_KEY, key, X_PLAN, plan));
    }

    private static <T> T await(Future<T> future) throws TimeoutException {
        return future.await(10, SECONDS);
    }

    private static RpcException failure(Future<?> future) throws TimeoutException {
        Throwable cause = future.map(v -> (Throwable) null).otherwise(t -> t).await(10, SECONDS);
        assertThat(cause).as("failure of the call").isInstanceOf(RpcException.class);
        return (RpcException) cause;
    }
}
