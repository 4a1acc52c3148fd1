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
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

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
        serverId = vertx.deployVerticle(
                        server,
                        new DeploymentOptions()
                                .setConfig(new JsonObject()
                                        .put("host", "127.0.0.1")
                                        .put("port", 0)))
                .await(10, SECONDS);
        channel = RpcVertx.insecureChannel(vertx, "127.0.0.1:" + server.port());
        stub = EchoGrpc.newStub(channel);
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
}
