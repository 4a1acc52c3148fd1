package io.rpcvertx.it.calls;

import static io.rpcvertx.it.calls.EchoServer.SERVICE;
import static io.rpcvertx.it.calls.EchoServer.UNARY;
import static io.rpcvertx.it.calls.EchoServer.UPPER;
import static io.rpcvertx.it.calls.EchoServer.X_HANG;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rpcvertx.CallOptions;
import io.rpcvertx.Channel;
import io.rpcvertx.ChannelOptions;
import io.rpcvertx.Metadata;
import io.rpcvertx.RpcException;
import io.rpcvertx.RpcVertx;
import io.rpcvertx.StatusCode;
import io.rpcvertx.UnaryUnaryCall;
import io.rpcvertx.it.calls.EchoServer.Seen;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** Per-method service config settings applied to calls: timeout, waitForReady, message limits. */
@ExtendWith(VertxExtension.class)
@Timeout(60)
class ServiceConfigIT {
    private static final Metadata HANG = Metadata.of(X_HANG, "1");

    private final List<Channel> channels = new ArrayList<>();
    private final List<EchoServer> servers = new ArrayList<>();
    private Vertx vertx;

    @BeforeEach
    void setUp(Vertx vertx) {
        this.vertx = vertx;
    }

    @AfterEach
    void tearDown() throws Exception {
        for (Channel c : channels) {
            c.close().await(5, SECONDS);
        }
        for (EchoServer s : servers) {
            s.stop().await(5, SECONDS);
        }
    }

    @Test
    void timeout_fromConfig_appliesWhenTheCallHasNone() throws Exception {
        EchoServer server = server();
        Channel channel = channel(server.target(), config(method("Unary").put("timeout", "0.2s")));

        UnaryUnaryCall<String, String> call =
                channel.unaryUnary(UNARY).call("x", CallOptions.DEFAULT.withMetadata(HANG));

        assertThat(failure(call.response()).code()).isEqualTo(StatusCode.DEADLINE_EXCEEDED);
        assertThat(server.next().timeRemaining())
                .hasValueSatisfying(d -> assertThat(d).isLessThanOrEqualTo(Duration.ofMillis(200)));
    }

    @Test
    void timeout_smallerOfCallAndConfigWins() throws Exception {
        EchoServer server = server();
        Channel channel = channel(server.target(), config(method("Unary").put("timeout", "0.2s")));

        UnaryUnaryCall<String, String> longer = channel.unaryUnary(UNARY)
                .call("x", CallOptions.DEFAULT.withMetadata(HANG).withTimeout(Duration.ofSeconds(30)));
        assertThat(failure(longer.response()).code()).isEqualTo(StatusCode.DEADLINE_EXCEEDED);
        assertThat(server.next().timeRemaining())
                .hasValueSatisfying(d -> assertThat(d).isLessThanOrEqualTo(Duration.ofMillis(200)));

        UnaryUnaryCall<String, String> shorter = channel.unaryUnary(UNARY)
                .call("x", CallOptions.DEFAULT.withMetadata(HANG).withTimeout(Duration.ofMillis(50)));
        assertThat(failure(shorter.response()).code()).isEqualTo(StatusCode.DEADLINE_EXCEEDED);
        assertThat(server.next().timeRemaining())
                .hasValueSatisfying(d -> assertThat(d).isLessThanOrEqualTo(Duration.ofMillis(50)));
    }

    @Test
    void timeout_serviceWideEntry_appliesToOtherMethodsOfTheService() throws Exception {
        EchoServer server = server();
        JsonObject serviceWide = new JsonObject()
                .put("name", new JsonArray().add(new JsonObject().put("service", SERVICE)))
                .put("timeout", "0.1s");
        Channel channel = channel(server.target(), config(method("Unary").put("timeout", "30s"), serviceWide));

        channel.unaryUnary(UPPER).call("x", CallOptions.DEFAULT.withMetadata(HANG));
        Seen upper = server.next();
        channel.unaryUnary(UNARY).call("x", CallOptions.DEFAULT.withMetadata(HANG));
        Seen unary = server.next();

        assertThat(upper.timeRemaining())
                .hasValueSatisfying(d -> assertThat(d).isLessThanOrEqualTo(Duration.ofMillis(100)));
        assertThat(unary.timeRemaining()).hasValueSatisfying(d -> assertThat(d).isGreaterThan(Duration.ofSeconds(20)));
    }

    @Test
    void waitForReady_fromConfig_waitsForTheServerWhileOtherMethodsFailFast() throws Exception {
        int port = freePort();
        Channel channel = channel("127.0.0.1:" + port, config(method("Unary").put("waitForReady", true)));

        UnaryUnaryCall<String, String> waiting =
                channel.unaryUnary(UNARY).call("w", CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(20)));
        UnaryUnaryCall<String, String> failFast =
                channel.unaryUnary(UPPER).call("f", CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(20)));
        assertThat(failure(failFast.response()).code()).isEqualTo(StatusCode.UNAVAILABLE);
        assertThat(waiting.isDone()).isFalse();

        servers.add(EchoServer.start(vertx, "127.0.0.1:" + port));

        assertThat(waiting.response().await(20, SECONDS)).isEqualTo("echo:w");
    }

    @Test
    void waitForReady_explicitFalseOnTheCall_beatsTheConfig() throws Exception {
        int port = freePort();
        Channel channel = channel("127.0.0.1:" + port, config(method("Unary").put("waitForReady", true)));

        UnaryUnaryCall<String, String> call = channel.unaryUnary(UNARY)
                .call("w", CallOptions.DEFAULT.withWaitForReady(false).withTimeout(Duration.ofSeconds(20)));

        assertThat(failure(call.response()).code()).isEqualTo(StatusCode.UNAVAILABLE);
    }

    @Test
    void maxRequestMessageBytes_fromConfig_limitsSentMessagesOfThatMethod() throws Exception {
        EchoServer server = server();
        Channel channel = channel(server.target(), config(method("Upper").put("maxRequestMessageBytes", 3)));

        assertThat(failure(channel.unaryUnary(UPPER).call("abcd").response()).code())
                .isEqualTo(StatusCode.RESOURCE_EXHAUSTED);
        assertThat(await(channel.unaryUnary(UPPER).call("abc").response())).isEqualTo("ABC");
        assertThat(await(channel.unaryUnary(UNARY).call("abcd").response())).isEqualTo("echo:abcd");
    }

    @Test
    void maxResponseMessageBytes_fromConfig_limitsReceivedMessagesOfThatMethod() throws Exception {
        EchoServer server = server();
        Channel channel = channel(server.target(), config(method("Unary").put("maxResponseMessageBytes", 6)));

        RpcException e = failure(channel.unaryUnary(UNARY).call("abc").response());
        assertThat(e.code()).isEqualTo(StatusCode.RESOURCE_EXHAUSTED);
        assertThat(await(channel.unaryUnary(UNARY).call("a").response())).isEqualTo("echo:a");
        assertThat(await(channel.unaryUnary(UPPER).call("abcdefgh").response())).isEqualTo("ABCDEFGH");
    }

    @Test
    void invalidServiceConfig_channelCreationFails() {
        assertThatThrownBy(() -> RpcVertx.insecureChannel(
                        vertx,
                        "127.0.0.1:1",
                        ChannelOptions.DEFAULT.withServiceConfig(
                                "{\"methodConfig\": [{\"name\": [{}]," + " \"timeout\": \"5 seconds\"}]}")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("serviceConfig.methodConfig[0].timeout: \"5 seconds\" (expected: a duration like"
                        + " \"1.5s\" (seconds with up to 9 decimals and an s))");
    }

    // ---------------------------------------------------------------- helpers

    private EchoServer server() throws TimeoutException {
        EchoServer s = EchoServer.start(vertx);
        servers.add(s);
        return s;
    }

    private Channel channel(String target, JsonObject config) {
        Channel c = RpcVertx.insecureChannel(vertx, target, ChannelOptions.DEFAULT.withServiceConfig(config.encode()));
        channels.add(c);
        return c;
    }

    private static JsonObject method(String name) {
        return new JsonObject()
                .put(
                        "name",
                        new JsonArray()
                                .add(new JsonObject().put("service", SERVICE).put("method", name)));
    }

    private static JsonObject config(JsonObject... methodConfigs) {
        JsonArray list = new JsonArray();
        for (JsonObject mc : methodConfigs) {
            list.add(mc);
        }
        return new JsonObject().put("methodConfig", list);
    }

    /** A loopback port nothing listens on (bound by the OS, then released). */
    private static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return socket.getLocalPort();
        }
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
