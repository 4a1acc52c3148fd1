package io.rpcvertx.examples.routeguide;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.rpcvertx.CallOptions;
import io.rpcvertx.StatusCode;
import io.rpcvertx.StreamStreamCall;
import io.rpcvertx.StreamUnaryCall;
import io.rpcvertx.testkit.FakeServicerContext;
import io.rpcvertx.testkit.RpcVertxExtension;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The route guide servicer without sockets: all four methods through the test kit's in-process extension (a
 * deadline and a cancellation included), and {@code GetFeature} and {@code RecordRoute} on a fake context.
 */
@Timeout(30)
class RouteGuideServicerTest {
    static final FeatureDatabase DATABASE = FeatureDatabase.loadDefault();
    static final Point HARBOUR = point(100_120_000, -299_830_000);

    @RegisterExtension
    final RpcVertxExtension rpc =
            RpcVertxExtension.withServices(RouteGuideGrpc.bindService(new RouteGuideServerVerticle(DATABASE)));

    RouteGuideStub stub() {
        return RouteGuideGrpc.newStub(rpc.channel());
    }

    @Test
    void getFeature_inProcess_namesTheHarbour() throws Exception {
        Feature feature = stub().getFeature(HARBOUR).response().await(5, SECONDS);

        assertThat(feature.getName()).isEqualTo("Ferrowen Harbour");
    }

    @Test
    void listFeatures_inProcess_streamsTheWholeIsland() throws Exception {
        Rectangle island = Rectangle.newBuilder()
                .setLo(point(100_000_000, -300_000_000))
                .setHi(point(101_000_000, -299_000_000))
                .build();

        List<Feature> features = stub().listFeatures(island)
                .responses()
                .collect(Collectors.toList())
                .await(5, SECONDS);

        assertThat(features).isEqualTo(DATABASE.features());
    }

    @Test
    void recordRoute_inProcess_countsPointsAndFeatures() throws Exception {
        StreamUnaryCall<Point, RouteSummary> call = stub().recordRoute();
        call.write(HARBOUR);
        call.write(point(0, 0));
        call.doneWriting();

        RouteSummary summary = call.response().await(5, SECONDS);

        assertThat(summary.getPointCount()).isEqualTo(2);
        assertThat(summary.getFeatureCount()).isEqualTo(1);
    }

    @Test
    void routeChat_inProcess_answersWithEarlierNotesAtThePoint() throws Exception {
        StreamStreamCall<RouteNote, RouteNote> call = stub().routeChat();
        call.write(note("first", HARBOUR));
        call.write(note("second", HARBOUR));
        call.doneWriting();

        assertThat(call.responses().collect(Collectors.toList()).await(5, SECONDS))
                .containsExactly(note("first", HARBOUR));
    }

    @Test
    void recordRoute_requestsNeverEnd_deadlineExceeded() throws Exception {
        StreamUnaryCall<Point, RouteSummary> call =
                stub().recordRoute(CallOptions.DEFAULT.withTimeout(Duration.ofMillis(200)));
        call.write(HARBOUR);

        assertThat(call.code().await(5, SECONDS)).isEqualTo(StatusCode.DEADLINE_EXCEEDED);
    }

    @Test
    void routeChat_clientCancels_cancelled() throws Exception {
        StreamStreamCall<RouteNote, RouteNote> call = stub().routeChat();
        call.write(note("first", HARBOUR)).await(5, SECONDS);

        assertThat(call.cancel()).isTrue();

        assertThat(call.code().await(5, SECONDS)).isEqualTo(StatusCode.CANCELLED);
    }

    @Test
    void getFeature_fakeContext_unknownPointIsAnUnnamedFeature() throws Exception {
        FakeServicerContext<Point, Feature> ctx = FakeServicerContext.create();
        Point sea = point(0, 0);

        StatusCode code = ctx.finish(new RouteGuideServerVerticle(DATABASE).getFeature(sea, ctx))
                .await(5, SECONDS);

        assertThat(code).isEqualTo(StatusCode.OK);
        assertThat(ctx.writtenResponses())
                .containsExactly(Feature.newBuilder().setLocation(sea).build());
    }

    @Test
    void recordRoute_fakeContext_summarizesTheFedPoints() throws Exception {
        FakeServicerContext<Point, RouteSummary> ctx = FakeServicerContext.create();
        var result = new RouteGuideServerVerticle(DATABASE).recordRoute(ctx.requestStream(), ctx);

        ctx.addRequests(HARBOUR, HARBOUR).endRequests();

        assertThat(ctx.finish(result).await(5, SECONDS)).isEqualTo(StatusCode.OK);
        RouteSummary summary = ctx.writtenResponses().get(0);
        assertThat(summary.getPointCount()).isEqualTo(2);
        assertThat(summary.getFeatureCount()).isEqualTo(2);
        assertThat(summary.getDistance()).isZero();
    }

    static Point point(int latitude, int longitude) {
        return Point.newBuilder().setLatitude(latitude).setLongitude(longitude).build();
    }

    static RouteNote note(String message, Point at) {
        return RouteNote.newBuilder().setMessage(message).setLocation(at).build();
    }
}
