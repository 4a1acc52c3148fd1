package io.rpcvertx.codegen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rpcvertx.CallOptions;
import io.rpcvertx.Channel;
import io.rpcvertx.Metadata;
import io.rpcvertx.RpcException;
import io.rpcvertx.RpcVertx;
import io.rpcvertx.Server;
import io.rpcvertx.ServicerContext;
import io.rpcvertx.StatusCode;
import io.rpcvertx.StreamStreamCall;
import io.rpcvertx.StreamUnaryCall;
import io.rpcvertx.codegen.test.comments.Note;
import io.rpcvertx.codegen.test.comments.PlainGrpc;
import io.rpcvertx.codegen.test.comments.PlainServicer;
import io.rpcvertx.codegen.test.routeguide.Feature;
import io.rpcvertx.codegen.test.routeguide.Point;
import io.rpcvertx.codegen.test.routeguide.Rectangle;
import io.rpcvertx.codegen.test.routeguide.RouteGuideGrpc;
import io.rpcvertx.codegen.test.routeguide.RouteGuideServicer;
import io.rpcvertx.codegen.test.routeguide.RouteGuideStub;
import io.rpcvertx.codegen.test.routeguide.RouteNote;
import io.rpcvertx.codegen.test.routeguide.RouteSummary;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.streams.ReadStream;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** The generated route guide stub against the generated servicer, over a real rpc-vertx server on loopback. */
@ExtendWith(VertxExtension.class)
@Timeout(30)
class RouteGuideRoundTripTest {
    /** A small route guide: the features of a rectangle are its corners; notes come back upper-cased. */
    static final class SmallRouteGuide implements RouteGuideServicer {
        @Override
        public Future<Feature> getFeature(Point request, ServicerContext<Point, Feature> context) {
            String name = context.invocationMetadata().get("x-name").orElse("feature");
            return Future.succeededFuture(
                    Feature.newBuilder().setName(name).setLocation(request).build());
        }

        @Override
        public Future<Void> listFeatures(Rectangle request, ServicerContext<Rectangle, Feature> context) {
            return context.write(feature("lo", request.getLo()))
                    .compose(v -> context.write(feature("hi", request.getHi())));
        }

        @Override
        public Future<RouteSummary> recordRoute(
                ReadStream<Point> requests, ServicerContext<Point, RouteSummary> context) {
            return requests.collect(Collectors.counting())
                    .map(n -> RouteSummary.newBuilder()
                            .setPointCount(n.intValue())
                            .build());
        }

        @Override
        public Future<Void> routeChat(ReadStream<RouteNote> requests, ServicerContext<RouteNote, RouteNote> context) {
            requests.handler(note -> context.write(note.toBuilder()
                    .setMessage(note.getMessage().toUpperCase(java.util.Locale.ROOT))
                    .build()));
            return Future.future(done -> requests.endHandler(v -> done.complete()));
        }

        private static Feature feature(String name, Point at) {
            return Feature.newBuilder().setName(name).setLocation(at).build();
        }
    }

    Vertx vertx;
    Server server;
    Channel channel;
    RouteGuideStub stub;

    @BeforeEach
    void setUp(Vertx vertx) throws Exception {
        this.vertx = vertx;
        server = RpcVertx.server(vertx);
        RouteGuideGrpc.addRouteGuideServicerToServer(new SmallRouteGuide(), server);
        PlainGrpc.addPlainServicerToServer(new PlainServicer() {}, server);
        int port = server.addInsecurePort("127.0.0.1:0").await(5, TimeUnit.SECONDS);
        server.start().await(5, TimeUnit.SECONDS);
        channel = RpcVertx.insecureChannel(vertx, "127.0.0.1:" + port);
        stub = RouteGuideGrpc.newStub(channel);
    }

    @AfterEach
    void tearDown() throws Exception {
        channel.close().await(5, TimeUnit.SECONDS);
        server.stop(null).await(5, TimeUnit.SECONDS);
    }

    @Test
    void unary_getFeature_returnsTheFeature() throws Exception {
        Feature feature = stub.getFeature(point(1, 2)).response().await(5, TimeUnit.SECONDS);

        assertThat(feature.getName()).isEqualTo("feature");
        assertThat(feature.getLocation()).isEqualTo(point(1, 2));
        assertThat(feature.hasDescription()).isFalse();
    }

    @Test
    void unary_stubCallOptions_applyToEveryCall() throws Exception {
        RouteGuideStub named = stub.withCallOptions(CallOptions.DEFAULT.withMetadata(Metadata.of("x-name", "named")));

        assertThat(named.getFeature(point(0, 0))
                        .response()
                        .await(5, TimeUnit.SECONDS)
                        .getName())
                .isEqualTo("named");
        assertThat(named.getFeature(point(0, 0), CallOptions.DEFAULT)
                        .response()
                        .await(5, TimeUnit.SECONDS)
                        .getName())
                .as("options passed to the method replace the stub's")
                .isEqualTo("feature");
        assertThat(stub.getFeature(point(0, 0))
                        .response()
                        .await(5, TimeUnit.SECONDS)
                        .getName())
                .as("the original stub is unchanged")
                .isEqualTo("feature");
    }

    @Test
    void serverStreaming_listFeatures_streamsThenEnds() throws Exception {
        Rectangle area =
                Rectangle.newBuilder().setLo(point(1, 1)).setHi(point(5, 5)).build();

        List<Feature> features =
                stub.listFeatures(area).responses().collect(Collectors.toList()).await(5, TimeUnit.SECONDS);

        assertThat(features).extracting(Feature::getName).containsExactly("lo", "hi");
    }

    @Test
    void clientStreaming_recordRoute_writtenThroughTheCall() throws Exception {
        StreamUnaryCall<Point, RouteSummary> call = stub.recordRoute();
        call.write(point(1, 1));
        call.write(point(2, 2));
        call.write(point(3, 3));
        call.doneWriting();

        assertThat(call.response().await(5, TimeUnit.SECONDS).getPointCount()).isEqualTo(3);
    }

    @Test
    void clientStreaming_recordRoute_pipedFromReadStream() throws Exception {
        List<Point> points = List.of(point(1, 1), point(2, 2), point(3, 3), point(4, 4));
        ReadStream<Point> source = new FakeReadStream<>(vertx.getOrCreateContext(), points);

        RouteSummary summary = stub.recordRoute(source).response().await(5, TimeUnit.SECONDS);

        assertThat(summary.getPointCount()).isEqualTo(4);
    }

    @Test
    void bidi_routeChat_writtenThroughTheCall() throws Exception {
        StreamStreamCall<RouteNote, RouteNote> call = stub.routeChat();
        call.write(note("a")).await(5, TimeUnit.SECONDS);
        call.write(note("b")).await(5, TimeUnit.SECONDS);
        call.doneWriting();

        List<RouteNote> replies = call.responses().collect(Collectors.toList()).await(5, TimeUnit.SECONDS);

        assertThat(replies).extracting(RouteNote::getMessage).containsExactly("A", "B");
        assertThat(call.code().await(5, TimeUnit.SECONDS)).isEqualTo(StatusCode.OK);
    }

    @Test
    void bidi_routeChat_pipedFromReadStream() throws Exception {
        ReadStream<RouteNote> source =
                new FakeReadStream<>(vertx.getOrCreateContext(), List.of(note("x"), note("y"), note("z")));

        List<RouteNote> replies = stub.routeChat(source, CallOptions.DEFAULT)
                .responses()
                .collect(Collectors.toList())
                .await(5, TimeUnit.SECONDS);

        assertThat(replies).extracting(RouteNote::getMessage).containsExactly("X", "Y", "Z");
    }

    @Test
    void servicerDefault_notOverridden_failsWithUnimplemented() {
        var call =
                PlainGrpc.newStub(channel).echo(Note.newBuilder().setText("hi").build());

        assertThatThrownBy(() -> call.response().await(5, TimeUnit.SECONDS))
                .isInstanceOfSatisfying(RpcException.class, e -> {
                    assertThat(e.code()).isEqualTo(StatusCode.UNIMPLEMENTED);
                    assertThat(e.details()).isEqualTo("Method comments.Plain/Echo is unimplemented");
                });
    }

    private static Point point(int lat, int lon) {
        return Point.newBuilder().setLatitude(lat).setLongitude(lon).build();
    }

    private static RouteNote note(String message) {
        return RouteNote.newBuilder()
                .setLocation(point(0, 0))
                .setMessage(message)
                .build();
    }
}
