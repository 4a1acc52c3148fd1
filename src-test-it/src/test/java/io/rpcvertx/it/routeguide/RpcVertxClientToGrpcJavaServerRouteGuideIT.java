package io.rpcvertx.it.routeguide;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.rpcvertx.examples.routeguide.Feature;
import io.rpcvertx.examples.routeguide.RouteGuideClientVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The generated rpc-vertx stub, and the examples' client verticle, against grpc-java's route guide service. */
class RpcVertxClientToGrpcJavaServerRouteGuideIT extends RouteGuideContract {
    RpcVertxClientToGrpcJavaServerRouteGuideIT() {
        super(Side.GRPC_JAVA, Side.RPC_VERTX);
    }

    @Test
    void clientVerticle_againstGrpcJava_receivesEveryMethodsAnswer() throws Exception {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        RouteGuideClientVerticle verticle =
                new RouteGuideClientVerticle(new PrintStream(printed, true, StandardCharsets.UTF_8));
        String id = vertx.deployVerticle(
                        verticle,
                        new DeploymentOptions().setConfig(new JsonObject().put("target", "127.0.0.1:" + server.port())))
                .await(10, SECONDS);

        RouteGuideClientVerticle.Results results = verticle.results().await(10, SECONDS);
        vertx.undeploy(id).await(10, SECONDS);

        assertThat(results.found().getName()).isEqualTo("Ferrowen Harbour");
        assertThat(results.missing().getName()).isEmpty();
        assertThat(results.listed()).extracting(Feature::getName).hasSize(7).startsWith("Ferrowen Harbour");
        assertThat(results.summary().getPointCount()).isEqualTo(6);
        assertThat(results.summary().getFeatureCount()).isEqualTo(5);
        assertThat(results.summary().getDistance()).isEqualTo(2761);
        assertThat(results.chat())
                .containsExactly(
                        note("the lamp is out", LIGHTHOUSE),
                        note("nesting season", PUFFIN_STACK),
                        note("the lamp is out", LIGHTHOUSE),
                        note("lamp fixed", LIGHTHOUSE));
        assertThat(printed.toString(StandardCharsets.UTF_8).lines())
                .hasSize(16)
                .contains("RouteChat 5 notes -> 4 replies");
    }
}
