package io.rpcvertx.examples.bench;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.rpcvertx.Channel;
import io.rpcvertx.RpcVertx;
import io.rpcvertx.StatusCode;
import io.rpcvertx.UnaryStreamCall;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The bench.Echo server verticle on 127.0.0.1, called through the generated stub. */
@ExtendWith(VertxExtension.class)
@Timeout(30)
class BenchEchoServerVerticleTest {
    private Vertx vertx;
    private String serverId;
    private Channel channel;
    private EchoStub stub;

    @BeforeEach
    void setUp(Vertx vertx) throws Exception {
        this.vertx = vertx;
        BenchEchoServerVerticle server = new BenchEchoServerVerticle();
        serverId = deploy(server, new JsonObject());
        channel = RpcVertx.insecureChannel(vertx, "127.0.0.1:" + server.port());
        stub = EchoGrpc.newStub(channel);
    }

    /** Deploys {@code server} on 127.0.0.1, port 0, with {@code config} besides; returns the deployment id. */
    private String deploy(BenchEchoServerVerticle server, JsonObject config) throws Exception {
        JsonObject full = config.copy().put("host", "127.0.0.1").put("port", 0);
        return vertx.deployVerticle(server, new DeploymentOptions().setConfig(full))
                .await(10, SECONDS);
    }

    @AfterEach
    void tearDown() throws Exception {
        channel.close().await(10, SECONDS);
        vertx.undeploy(serverId).await(10, SECONDS);
    }

    @Test
    void unaryEcho_message_echoesIt() throws Exception {
        EchoReply reply = stub.unaryEcho(
                        EchoRequest.newBuilder().setMessage("ping").build())
                .response()
                .await(10, SECONDS);

        assertThat(reply.getMessage()).isEqualTo("ping");
    }

    @Test
    void streamEcho_moreRepliesThanTheWriteQueueHolds_sendsExactlyCount() throws Exception {
        int count = 20_000;
        UnaryStreamCall<StreamRequest, EchoReply> call = stub.streamEcho(StreamRequest.newBuilder()
                .setMessage("x".repeat(100))
                .setCount(count)
                .build());

        List<EchoReply> replies = call.responses().collect(Collectors.toList()).await(20, SECONDS);

        assertThat(replies).hasSize(count).allMatch(r -> r.getMessage().equals("x".repeat(100)));
        assertThat(call.code().await(10, SECONDS)).isEqualTo(StatusCode.OK);
    }

    @Test
    void streamEcho_countZero_endsOkWithoutReplies() throws Exception {
        UnaryStreamCall<StreamRequest, EchoReply> call = stub.streamEcho(
                StreamRequest.newBuilder().setMessage("x").setCount(0).build());

        assertThat(call.responses().collect(Collectors.toList()).await(10, SECONDS))
                .isEmpty();
        assertThat(call.code().await(10, SECONDS)).isEqualTo(StatusCode.OK);
    }

    /** Both ways the server copies the message (--echo=string|bytes) echo it unchanged, non-ASCII text included. */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void echoAsStringOrBytes_nonAsciiText_echoedUnchanged(boolean echoAsBytes) throws Exception {
        String text = "h\u00e9llo w\u00f6rld \u2713 \uD83D\uDE00 " + "x".repeat(20_000);
        BenchEchoServerVerticle server = new BenchEchoServerVerticle();
        String id = deploy(server, new JsonObject().put("echoAsBytes", echoAsBytes));
        Channel other = RpcVertx.insecureChannel(vertx, "127.0.0.1:" + server.port());
        try {
            EchoStub echo = EchoGrpc.newStub(other);

            EchoReply reply = echo.unaryEcho(
                            EchoRequest.newBuilder().setMessage(text).build())
                    .response()
                    .await(10, SECONDS);
            UnaryStreamCall<StreamRequest, EchoReply> stream = echo.streamEcho(
                    StreamRequest.newBuilder().setMessage(text).setCount(3).build());
            List<String> streamed = new java.util.ArrayList<>();
            for (Optional<EchoReply> next; (next = stream.read().await(10, SECONDS)).isPresent(); ) {
                streamed.add(next.get().getMessage());
            }

            assertThat(reply.getMessage()).isEqualTo(text);
            assertThat(streamed).containsExactly(text, text, text);
        } finally {
            other.close().await(10, SECONDS);
            vertx.undeploy(id).await(10, SECONDS);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"string", "bytes"})
    void echoFlag_namesTheSetting(String flag) {
        assertThat(BenchEchoServerVerticle.echoAsBytes(flag)).isEqualTo(flag.equals("bytes"));
        assertThat(BenchEchoServerVerticle.echoAsBytes(null)).isFalse();
    }
}
