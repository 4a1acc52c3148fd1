package io.rpcvertx.it.routeguide;

import static java.util.concurrent.TimeUnit.SECONDS;

import io.rpcvertx.CallOptions;
import io.rpcvertx.Channel;
import io.rpcvertx.RpcVertx;
import io.rpcvertx.StreamStreamCall;
import io.rpcvertx.StreamUnaryCall;
import io.rpcvertx.examples.routeguide.Feature;
import io.rpcvertx.examples.routeguide.Point;
import io.rpcvertx.examples.routeguide.Rectangle;
import io.rpcvertx.examples.routeguide.RouteGuideGrpc;
import io.rpcvertx.examples.routeguide.RouteGuideServerVerticle;
import io.rpcvertx.examples.routeguide.RouteGuideStub;
import io.rpcvertx.examples.routeguide.RouteNote;
import io.rpcvertx.examples.routeguide.RouteSummary;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

/** The rpc-vertx side: the examples' server verticle (a generated servicer) and the generated stub. */
final class RpcVertxRouteGuide {
    static final Duration DEADLINE = Duration.ofSeconds(10);

    private RpcVertxRouteGuide() {}

    /** Deploys {@link RouteGuideServerVerticle} on 127.0.0.1:0. */
    static RouteGuideServer startServer(Vertx vertx) throws Exception {
        RouteGuideServerVerticle verticle = new RouteGuideServerVerticle();
        String id = vertx.deployVerticle(
                        verticle,
                        new DeploymentOptions()
                                .setConfig(new JsonObject()
                                        .put("host", "127.0.0.1")
                                        .put("port", 0)
                                        .put("grace", 0)))
                .await(10, SECONDS);
        return new RouteGuideServer() {
            @Override
            public int port() {
                return verticle.port();
            }

            @Override
            public void close() throws Exception {
                vertx.undeploy(id).await(10, SECONDS);
            }
        };
    }

    /** A client calling through the generated {@link RouteGuideStub}, with a deadline on every call. */
    static RouteGuideClient connect(Vertx vertx, int port) {
        Channel channel = RpcVertx.insecureChannel(vertx, "127.0.0.1:" + port);
        RouteGuideStub stub =
                RouteGuideGrpc.newStub(channel).withCallOptions(CallOptions.DEFAULT.withTimeout(DEADLINE));
        return new RouteGuideClient() {
            @Override
            public Feature getFeature(Point point) throws Exception {
                return stub.getFeature(point).response().await(10, SECONDS);
            }

            @Override
            public List<Feature> listFeatures(Rectangle area) throws Exception {
                return stub.listFeatures(area)
                        .responses()
                        .collect(Collectors.toList())
                        .await(10, SECONDS);
            }

            @Override
            public RouteSummary recordRoute(List<Point> points) throws Exception {
                StreamUnaryCall<Point, RouteSummary> call = stub.recordRoute();
                for (Point point : points) {
                    call.write(point).await(10, SECONDS);
                }
                call.doneWriting();
                return call.response().await(10, SECONDS);
            }

            @Override
            public List<RouteNote> routeChat(List<RouteNote> notes) throws Exception {
                StreamStreamCall<RouteNote, RouteNote> call = stub.routeChat();
                Future<List<RouteNote>> replies = call.responses().collect(Collectors.toList());
                for (RouteNote note : notes) {
                    call.write(note);
                }
                call.doneWriting();
                return replies.await(10, SECONDS);
            }

            @Override
            public void close() throws Exception {
                channel.close().await(10, SECONDS);
            }
        };
    }
}
