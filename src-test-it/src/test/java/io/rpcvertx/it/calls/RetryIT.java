package io.rpcvertx.it.calls;

import static io.rpcvertx.it.calls.FlakyGrpcJavaServer.CLIENT_STREAM;
import static io.rpcvertx.it.calls.FlakyGrpcJavaServer.SERVER_STREAM;
import static io.rpcvertx.it.calls.FlakyGrpcJavaServer.SERVICE;
import static io.rpcvertx.it.calls.FlakyGrpcJavaServer.UNARY;
import static io.rpcvertx.it.calls.FlakyGrpcJavaServer.X_CODE;
import static io.rpcvertx.it.calls.FlakyGrpcJavaServer.X_FAIL;
import static io.rpcvertx.it.calls.FlakyGrpcJavaServer.X_FAIL_AT;
import static io.rpcvertx.it.calls.FlakyGrpcJavaServer.X_KEY;
import static io.rpcvertx.it.calls.FlakyGrpcJavaServer.X_PUSHBACK;
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
import io.rpcvertx.UnaryStreamCall;
import io.rpcvertx.UnaryUnaryCall;
import io.rpcvertx.it.calls.FlakyGrpcJavaServer.Attempt;
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

/** Retry policies (gRFC A6) of the rpc-vertx client against a grpc-java server that fails attempts on request. */
@ExtendWith(VertxExtension.class)
@Timeout(60)
class RetryIT {
    private final List<Channel> channels = new ArrayList<>();
    private Vertx vertx;
    private FlakyGrpcJavaServer server;

    @BeforeEach
    void setUp(Vertx vertx) throws Exception {
        this.vertx = vertx;
        server = new FlakyGrpcJavaServer();
    }

    @AfterEach
    void tearDown() throws Exception {
        for (Channel c : channels) {
            c.close().await(5, SECONDS);
        }
        server.close();
    }

    @Test
    void retry_firstTwoAttemptsUnavailable_thirdSucceedsWithPreviousAttemptsHeader() throws Exception {
        Channel channel = channel(retryConfig(5, "UNAVAILABLE"));
        String key = key();

        UnaryUnaryCall<String, String> call = channel.unaryUnary(UNARY).call("hi", options(key, 2, 14));

        assertThat(await(call.response())).isEqualTo("echo:hi");
        assertThat(await(call.code())).isEqualTo(StatusCode.OK);
        assertThat(server.attempts(key))
                .as("attempts with their grpc-previous-rpc-attempts header")
                .containsExactly(new Attempt(1, null), new Attempt(2, "1"), new Attempt(3, "2"));
    }

    @Test
    void retry_enableRetriesZero_oneAttemptOnly() throws Exception {
        // grpc.aio: options=[("grpc.enable_retries", 0)] switches the service config's retry policy off
        Channel channel = channel(
                retryConfig(5, "UNAVAILABLE"), ChannelOptions.fromMap(java.util.Map.of("grpc.enable_retries", 0)));
        String key = key();

        UnaryUnaryCall<String, String> call = channel.unaryUnary(UNARY).call("hi", options(key, 2, 14));

        RpcException e = failure(call.response());
        assertThat(e.code()).isEqualTo(StatusCode.UNAVAILABLE);
        assertThat(e.details()).isEqualTo("attempt 1 fails");
        assertThat(server.attempts(key)).hasSize(1);
    }

    @Test
    void retry_nonRetryableCode_failsAtOnce() throws Exception {
        Channel channel = channel(retryConfig(5, "UNAVAILABLE"));
        String key = key();

        UnaryUnaryCall<String, String> call = channel.unaryUnary(UNARY).call("hi", options(key, 2, 13));

        assertThat(failure(call.response()).code()).isEqualTo(StatusCode.INTERNAL);
        assertThat(server.attempts(key)).hasSize(1);
    }

    @Test
    void retry_alwaysFailing_stopsAtMaxAttempts() throws Exception {
        Channel channel = channel(retryConfig(3, "UNAVAILABLE"));
        String key = key();

        UnaryUnaryCall<String, String> call = channel.unaryUnary(UNARY).call("hi", options(key, 100, 14));

        RpcException e = failure(call.response());
        assertThat(e.code()).isEqualTo(StatusCode.UNAVAILABLE);
        assertThat(e.details()).isEqualTo("attempt 3 fails");
        assertThat(server.attempts(key)).hasSize(3);
    }

    @Test
    void retry_maxAttemptsAboveFive_cappedAtFive() throws Exception {
        Channel channel = channel(retryConfig(9, "UNAVAILABLE"));
        String key = key();

        UnaryUnaryCall<String, String> call = channel.unaryUnary(UNARY).call("hi", options(key, 100, 14));

        assertThat(failure(call.response()).details()).isEqualTo("attempt 5 fails");
        assertThat(server.attempts(key)).hasSize(5);
    }

    @Test
    void retry_afterAResponseMessage_notRetried() throws Exception {
        Channel channel = channel(retryConfig(5, "UNAVAILABLE"));
        String key = key();
        CallOptions options = options(key, 1, 14, X_FAIL_AT, "after-message");

        UnaryStreamCall<String, String> call =
                channel.unaryStream(SERVER_STREAM).call("m", options);

        assertThat(await(call.read())).hasValue("m1");
        assertThat(failure(call.read()).code()).isEqualTo(StatusCode.UNAVAILABLE);
        assertThat(server.attempts(key)).as("committed at the response headers").hasSize(1);
    }

    @Test
    void retry_serverStreamFailingBeforeHeaders_retriedAndStreamsOnce() throws Exception {
        Channel channel = channel(retryConfig(5, "UNAVAILABLE"));
        String key = key();

        UnaryStreamCall<String, String> call =
                channel.unaryStream(SERVER_STREAM).call("m", options(key, 1, 14));

        assertThat(await(call.read())).hasValue("m1");
        assertThat(await(call.read())).hasValue("m2");
        assertThat(await(call.read())).isEmpty();
        assertThat(server.attempts(key)).hasSize(2);
    }

    @Test
    void retry_clientStreaming_replaysEveryMessageToTheNextAttempt() throws Exception {
        Channel channel = channel(retryConfig(5, "UNAVAILABLE"));
        String key = key();

        StreamUnaryCall<String, String> call =
                channel.streamUnary(CLIENT_STREAM).call(options(key, 1, 14, X_FAIL_AT, "end"));
        for (String m : List.of("a", "b", "c")) {
            await(call.write(m));
        }
        await(call.doneWriting());

        assertThat(await(call.response())).isEqualTo("count:3");
        assertThat(server.attempts(key)).hasSize(2);
    }

    @Test
    void retry_bufferLimitExceeded_commitsAndDoesNotRetry() throws Exception {
        Channel channel = channel(retryConfig(5, "UNAVAILABLE"), ChannelOptions.DEFAULT.withPerRpcRetryBufferSize(10));
        String key = key();

        StreamUnaryCall<String, String> call =
                channel.streamUnary(CLIENT_STREAM).call(options(key, 1, 14, X_FAIL_AT, "end"));
        for (String m : List.of("12345678", "12345678", "12345678")) {
            await(call.write(m));
        }
        await(call.doneWriting());

        assertThat(failure(call.response()).code()).isEqualTo(StatusCode.UNAVAILABLE);
        assertThat(server.attempts(key)).hasSize(1);
    }

    @Test
    void retry_pushbackNegative_notRetried() throws Exception {
        Channel channel = channel(retryConfig(5, "UNAVAILABLE"));
        String key = key();

        UnaryUnaryCall<String, String> call =
                channel.unaryUnary(UNARY).call("hi", options(key, 1, 14, X_PUSHBACK, "-1"));

        assertThat(failure(call.response()).code()).isEqualTo(StatusCode.UNAVAILABLE);
        assertThat(server.attempts(key)).hasSize(1);
    }

    @Test
    void retry_pushbackZero_retriedAtOnceDespiteLongBackoff() throws Exception {
        Channel channel = channel(retryConfigWithBackoff(5, "100s", "100s", "UNAVAILABLE"));
        String key = key();

        UnaryUnaryCall<String, String> call =
                channel.unaryUnary(UNARY).call("hi", options(key, 1, 14, X_PUSHBACK, "0"));

        assertThat(await(call.response())).isEqualTo("echo:hi");
        assertThat(server.attempts(key)).hasSize(2);
    }

    @Test
    void retry_throttled_stopsRetryingOnceTokensAreAtHalf() throws Exception {
        JsonObject config = retryConfig(5, "UNAVAILABLE")
                .put("retryThrottling", new JsonObject().put("maxTokens", 3).put("tokenRatio", 0.1));
        Channel channel = channel(config);
        String first = key();
        String second = key();

        // tokens 3 -> 2 (above 1.5: retried) -> 1 (at most half: no more retries)
        UnaryUnaryCall<String, String> a = channel.unaryUnary(UNARY).call("a", options(first, 100, 14));
        assertThat(failure(a.response()).code()).isEqualTo(StatusCode.UNAVAILABLE);
        UnaryUnaryCall<String, String> b = channel.unaryUnary(UNARY).call("b", options(second, 100, 14));
        assertThat(failure(b.response()).code()).isEqualTo(StatusCode.UNAVAILABLE);

        assertThat(server.attempts(first)).hasSize(2);
        assertThat(server.attempts(second)).hasSize(1);
    }

    @Test
    void retry_deadlineCoversAllAttempts() throws Exception {
        Channel channel = channel(retryConfigWithBackoff(5, "10s", "10s", "UNAVAILABLE"));
        String key = key();
        long start = System.nanoTime();

        UnaryUnaryCall<String, String> call =
                channel.unaryUnary(UNARY).call("hi", options(key, 100, 14).withTimeout(Duration.ofMillis(300)));

        assertThat(failure(call.response()).code()).isEqualTo(StatusCode.DEADLINE_EXCEEDED);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        assertThat(call.timeRemaining()).hasValueSatisfying(d -> assertThat(d).isLessThanOrEqualTo(Duration.ZERO));
    }

    @Test
    void retry_otherMethodWithoutPolicy_notRetried() throws Exception {
        JsonObject config = new JsonObject()
                .put(
                        "methodConfig",
                        new JsonArray()
                                .add(retryConfig(5, "UNAVAILABLE")
                                        .getJsonArray("methodConfig")
                                        .getJsonObject(0)
                                        .put(
                                                "name",
                                                new JsonArray()
                                                        .add(new JsonObject()
                                                                .put("service", SERVICE)
                                                                .put("method", "ServerStream")))));
        Channel channel = channel(config);
        String key = key();

        UnaryUnaryCall<String, String> call = channel.unaryUnary(UNARY).call("hi", options(key, 1, 14));

        assertThat(failure(call.response()).code()).isEqualTo(StatusCode.UNAVAILABLE);
        assertThat(server.attempts(key)).hasSize(1);
    }

    @Test
    void retry_cancelDuringBackoff_endsCancelledWithoutAnotherAttempt() throws Exception {
        Channel channel = channel(retryConfigWithBackoff(5, "100s", "100s", "UNAVAILABLE"));
        String key = key();

        UnaryUnaryCall<String, String> call = channel.unaryUnary(UNARY).call("hi", options(key, 100, 14));
        // the first attempt has been refused; its retry waits for a random part of 100 s
        server.attemptArrived(key, 1).get(10, SECONDS);
        assertThat(call.cancel()).isTrue();

        assertThat(failure(call.response()).code()).isEqualTo(StatusCode.CANCELLED);
        assertThat(call.isCancelled()).isTrue();
        // a later RPC on the same channel completes: the cancelled one sent nothing more
        String other = key();
        assertThat(await(channel.unaryUnary(UNARY)
                        .call("x", options(other, 0, 14))
                        .response()))
                .isEqualTo("echo:x");
        assertThat(server.attempts(key)).hasSize(1);
    }

    // ---------------------------------------------------------------- helpers

    static JsonObject retryConfig(int maxAttempts, String... codes) {
        return retryConfigWithBackoff(maxAttempts, "0.01s", "0.05s", codes);
    }

    static JsonObject retryConfigWithBackoff(int maxAttempts, String initial, String max, String... codes) {
        JsonObject policy = new JsonObject()
                .put("maxAttempts", maxAttempts)
                .put("initialBackoff", initial)
                .put("maxBackoff", max)
                .put("backoffMultiplier", 2)
                .put("retryableStatusCodes", new JsonArray(Arrays.asList((Object[]) codes)));
        JsonObject methodConfig = new JsonObject()
                .put("name", new JsonArray().add(new JsonObject().put("service", SERVICE)))
                .put("retryPolicy", policy);
        return new JsonObject().put("methodConfig", new JsonArray().add(methodConfig));
    }

    private Channel channel(JsonObject serviceConfig) {
        return channel(serviceConfig, ChannelOptions.DEFAULT);
    }

    private Channel channel(JsonObject serviceConfig, ChannelOptions options) {
        Channel c = RpcVertx.insecureChannel(
                vertx, "127.0.0.1:" + server.port(), options.withServiceConfig(serviceConfig.encode()));
        channels.add(c);
        return c;
    }

    private static String key() {
        return UUID.randomUUID().toString();
    }

    private static CallOptions options(String key, int fail, int code, String... more) {
        Metadata.Builder md = Metadata.builder()
                .add(X_KEY, key)
                .add(X_FAIL, Integer.toString(fail))
                .add(X_CODE, Integer.toString(code));
        for (int i = 0; i < more.length; i += 2) {
            md.add(more[i], more[i + 1]);
        }
        return CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(10)).withMetadata(md.build());
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
