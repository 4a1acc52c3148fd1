package io.rpcvertx.examples.bench;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.rpcvertx.Channel;
import io.rpcvertx.RpcVertx;
import io.rpcvertx.UnaryStreamCall;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Both ways the bench server copies the message echo it unchanged, non-ASCII text included. */
@Timeout(30)
class BenchEchoServerVerticleTest {
    private static final String TEXT = "h\u00e9llo w\u00f6rld \u2713 \uD83D\uDE00 " + "x".repeat(20_000);

    private final Vertx vertx = Vertx.vertx();

    @AfterEach
    void tearDown() throws Exception {
        vertx.close().await(20, SECONDS);
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void unaryAndStream_echoTheMessage(boolean echoAsBytes) throws Exception {
        BenchEchoServerVerticle server = new BenchEchoServerVerticle();
        vertx.deployVerticle(
                        server,
                        new DeploymentOptions()
                                .setConfig(new JsonObject()
                                        .put("host", "127.0.0.1")
                                        .put("port", 0)
                                        .put("echoAsBytes", echoAsBytes)))
                .await(10, SECONDS);
        Channel channel = RpcVertx.insecureChannel(vertx, "127.0.0.1:" + server.port());
        try {
            EchoStub stub = EchoGrpc.newStub(channel);

            EchoReply reply = stub.unaryEcho(
                            EchoRequest.newBuilder().setMessage(TEXT).build())
                    .response()
                    .await(10, SECONDS);
            UnaryStreamCall<StreamRequest, EchoReply> stream = stub.streamEcho(
                    StreamRequest.newBuilder().setMessage(TEXT).setCount(3).build());
            List<String> streamed = new ArrayList<>();
            for (Optional<EchoReply> next; (next = stream.read().await(10, SECONDS)).isPresent(); ) {
                streamed.add(next.get().getMessage());
            }

            assertThat(reply.getMessage()).isEqualTo(TEXT);
            assertThat(streamed).containsExactly(TEXT, TEXT, TEXT);
        } finally {
            channel.close().await(10, SECONDS);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"string", "bytes"})
    void echoFlag_namesTheSetting(String flag) {
        assertThat(BenchEchoServerVerticle.echoAsBytes(flag)).isEqualTo(flag.equals("bytes"));
        assertThat(BenchEchoServerVerticle.echoAsBytes(null)).isFalse();
    }
}
