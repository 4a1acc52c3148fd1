package io.rpcvertx.it.server;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rpcvertx.Channel;
import io.rpcvertx.RpcMethodHandler;
import io.rpcvertx.RpcVertx;
import io.rpcvertx.Server;
import io.rpcvertx.ServerOptions;
import io.rpcvertx.ServerSetup;
import io.rpcvertx.ServerVerticle;
import io.rpcvertx.ServiceDefinition;
import io.rpcvertx.StatusCode;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * How a server spreads over event loops and how it is deployed: IO instances sharing one port, and a server deployed as
 * the user's own verticle.
 */
@ExtendWith(VertxExtension.class)
@Timeout(60)
class ServerDeploymentIT {
    /** Replies with the name of the thread its handler ran on. */
    static final ServiceDefinition THREAD_NAME = ServiceDefinition.of(
            StopLoad.SERVICE,
            RpcMethodHandler.unaryUnary(
                    StopLoad.UNARY,
                    (request, ctx) ->
                            Future.succeededFuture(Thread.currentThread().getName())));

    Vertx vertx;
    /** The port each server deployed through a {@link ServerSetup} bound, as the setup saw it. */
    final Map<Server, Integer> ports = new ConcurrentHashMap<>();

    final List<Channel> channels = new ArrayList<>();
    final List<Server> servers = new ArrayList<>();

    @BeforeEach
    void setUp(Vertx vertx) {
        this.vertx = vertx;
    }

    @AfterEach
    void tearDown() throws Exception {
        for (Channel c : channels) {
            c.close().await(5, SECONDS);
        }
        for (Server s : servers) {
            s.stop(null).await(5, SECONDS);
        }
    }

    Channel channel(int port) {
        Channel channel = RpcVertx.insecureChannel(vertx, "127.0.0.1:" + port);
        channels.add(channel);
        return channel;
    }

    @Test
    void fourIoInstances_connectionsOnOnePortLandOnFourEventLoops() throws Exception {
        Server server = RpcVertx.server(vertx, ServerOptions.DEFAULT.withIoInstances(4));
        servers.add(server);
        server.addGenericRpcHandlers(THREAD_NAME);
        int port = server.addInsecurePort("127.0.0.1:0").await(5, SECONDS);
        server.start().await(5, SECONDS);

        // one connection per channel, all to the single port; Vert.x hands them to the instances in turn
        Set<String> threads = ConcurrentHashMap.newKeySet();
        for (int i = 0; i < 8; i++) {
            threads.add(channel(port)
                    .unaryUnary(StopLoad.UNARY)
                    .call("x")
                    .response()
                    .await(5, SECONDS));
        }

        assertThat(threads).hasSize(4).allMatch(name -> name.startsWith("vert.x-eventloop-thread-"));
    }

    @Test
    void defaultIoInstances_oneInstancePerEventLoop() throws Exception {
        Server server = RpcVertx.server(vertx);
        servers.add(server);
        server.addGenericRpcHandlers(THREAD_NAME);
        int port = server.addInsecurePort("127.0.0.1:0").await(5, SECONDS);
        server.start().await(5, SECONDS);
        int eventLoops = 2 * Runtime.getRuntime().availableProcessors(); // VertxOptions' default pool size

        Set<String> threads = ConcurrentHashMap.newKeySet();
        for (int i = 0; i < 2 * eventLoops; i++) {
            threads.add(channel(port)
                    .unaryUnary(StopLoad.UNARY)
                    .call("x")
                    .response()
                    .await(5, SECONDS));
        }

        assertThat(threads).hasSize(eventLoops);
    }

    @Test
    void serverVerticle_deployServesUndeployStopsGracefully() throws Exception {
        Promise<String> held = Promise.promise();
        CompletableFuture<Void> handlerStarted = new CompletableFuture<>();
        ServerSetup setup = (server, config) -> {
            server.addGenericRpcHandlers(ServiceDefinition.of(
                    StopLoad.SERVICE, RpcMethodHandler.unaryUnary(StopLoad.UNARY, (request, ctx) -> {
                        handlerStarted.complete(null);
                        return held.future();
                    })));
            return server.addInsecurePort(config.getString("host") + ":0").onSuccess(p -> ports.put(server, p));
        };
        ServerVerticle verticle = RpcVertx.serverVerticle(ServerOptions.DEFAULT, Duration.ofSeconds(30), setup);
        String deployment = vertx.deployVerticle(
                        verticle, new DeploymentOptions().setConfig(new JsonObject().put("host", "127.0.0.1")))
                .await(5, SECONDS);
        Server server = verticle.server();
        int port = ports.get(server);
        var call = channel(port).unaryUnary(StopLoad.UNARY).call("x");
        handlerStarted.get(5, SECONDS);

        Future<Void> undeployed = vertx.undeploy(deployment);

        // the undeploy is the server's graceful stop: the call in flight completes, then the server is stopped
        assertThat(server.waitForTermination(Duration.ofMillis(200)).await(5, SECONDS))
                .isFalse();
        vertx.runOnContext(v -> held.complete("finished"));
        assertThat(call.response().await(5, SECONDS)).isEqualTo("finished");
        undeployed.await(5, SECONDS);
        assertThat(server.waitForTermination().await(5, SECONDS)).isTrue();
    }

    @Test
    void serverVerticle_instances2_twoIndependentServers() throws Exception {
        List<ServerVerticle> made = new CopyOnWriteArrayList<>();
        ServerSetup setup = (server, config) -> {
            server.addGenericRpcHandlers(THREAD_NAME);
            return server.addInsecurePort("127.0.0.1:0").onSuccess(p -> ports.put(server, p));
        };
        String deployment = vertx.deployVerticle(
                        () -> {
                            ServerVerticle v =
                                    RpcVertx.serverVerticle(ServerOptions.DEFAULT.withIoInstances(1), null, setup);
                            made.add(v);
                            return v;
                        },
                        new DeploymentOptions().setInstances(2))
                .await(5, SECONDS);

        assertThat(made).hasSize(2);
        assertThat(made.get(0).server().id()).isNotEqualTo(made.get(1).server().id());
        for (ServerVerticle v : made) {
            int port = ports.get(v.server());
            assertThat(channel(port).unaryUnary(StopLoad.UNARY).call("x").code().await(5, SECONDS))
                    .isEqualTo(StatusCode.OK);
        }
        vertx.undeploy(deployment).await(5, SECONDS);
        for (ServerVerticle v : made) {
            assertThat(v.server().waitForTermination(Duration.ZERO).await(5, SECONDS))
                    .isTrue();
        }
    }

    @Test
    void serverVerticle_setupFails_deploymentFailsAndPortIsReleased() throws Exception {
        ServerVerticle verticle = RpcVertx.serverVerticle(
                ServerOptions.DEFAULT,
                null,
                (server, config) -> server.addInsecurePort("127.0.0.1:0").compose(port -> {
                    ports.put(server, port);
                    return Future.failedFuture(new IllegalStateException("setup failed on port " + port));
                }));

        assertThatThrownBy(() -> vertx.deployVerticle(verticle).await(5, SECONDS))
                .hasMessageContaining("setup failed");
        assertThat(verticle.server().waitForTermination(Duration.ofSeconds(5)).await(5, SECONDS))
                .isTrue();
        int port = ports.get(verticle.server());
        Server again = RpcVertx.server(vertx);
        servers.add(again);
        assertThat(again.addInsecurePort("127.0.0.1:" + port).await(5, SECONDS))
                .as("the failed deployment released its port")
                .isEqualTo(port);
    }

    @Test
    void serverVerticle_deployedTwice_fails() throws Exception {
        ServerVerticle verticle = RpcVertx.serverVerticle(
                ServerOptions.DEFAULT.withIoInstances(1),
                null,
                (server, config) -> server.addInsecurePort("127.0.0.1:0"));
        String deployment = vertx.deployVerticle(verticle).await(5, SECONDS);

        assertThatThrownBy(() -> vertx.deployVerticle(verticle).await(5, SECONDS))
                .hasMessageContaining("deploys once");
        vertx.undeploy(deployment).await(5, SECONDS);
    }
}
