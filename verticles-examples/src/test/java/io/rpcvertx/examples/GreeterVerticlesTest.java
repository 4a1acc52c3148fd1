package io.rpcvertx.examples;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.rpcvertx.examples.helloworld.GreeterClientVerticle;
import io.rpcvertx.examples.helloworld.GreeterServerVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
@Timeout(30)
class GreeterVerticlesTest {

    @Test
    void greeterClient_againstGreeterServer_receivesUnaryThenStreamedReplies(Vertx vertx) throws Exception {
        GreeterServerVerticle server = new GreeterServerVerticle();
        String serverId = vertx.deployVerticle(
                        server,
                        new DeploymentOptions()
                                .setConfig(new JsonObject()
                                        .put("host", "127.0.0.1")
                                        .put("port", 0)))
                .await(10, SECONDS);
        assertThat(server.port()).isPositive();

        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        GreeterClientVerticle client =
                new GreeterClientVerticle(new PrintStream(printed, true, StandardCharsets.UTF_8));
        String clientId = vertx.deployVerticle(
                        client,
                        new DeploymentOptions()
                                .setConfig(new JsonObject()
                                        .put("target", "127.0.0.1:" + server.port())
                                        .put("name", "vert.x")))
                .await(10, SECONDS);

        assertThat(client.results().await(10, SECONDS))
                .containsExactly("Hello vert.x", "Hello vert.x #1", "Hello vert.x #2", "Hello vert.x #3");
        assertThat(printed.toString(StandardCharsets.UTF_8).lines())
                .containsExactly(
                        "SayHello -> Hello vert.x",
                        "SayHelloStreamReply -> [Hello vert.x #1, Hello vert.x #2, Hello vert.x #3]");

        vertx.undeploy(clientId).await(10, SECONDS);
        vertx.undeploy(serverId).await(10, SECONDS);
    }
}
