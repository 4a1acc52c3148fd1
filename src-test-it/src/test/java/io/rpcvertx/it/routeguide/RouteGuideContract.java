package io.rpcvertx.it.routeguide;

import static org.assertj.core.api.Assertions.assertThat;

import io.rpcvertx.examples.routeguide.Feature;
import io.rpcvertx.examples.routeguide.FeatureDatabase;
import io.rpcvertx.examples.routeguide.Point;
import io.rpcvertx.examples.routeguide.Rectangle;
import io.rpcvertx.examples.routeguide.RouteGuideClientVerticle;
import io.rpcvertx.examples.routeguide.RouteNote;
import io.rpcvertx.examples.routeguide.RouteSummary;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Each route guide method with exact answers, for one pairing of client and server implementation. The data set is
 * the examples' made-up island; the inputs are {@link RouteGuideClientVerticle}'s.
 */
@ExtendWith(VertxExtension.class)
@Timeout(60)
abstract class RouteGuideContract {
    /** Which implementation plays a side. */
    enum Side {
        RPC_VERTX,
        GRPC_JAVA
    }

    static final Point HARBOUR = point(100_120_000, -299_830_000);
    static final Point LIGHTHOUSE = point(100_210_000, -299_870_000);
    static final Point PUFFIN_STACK = point(100_990_000, -299_010_000);

    private final Side serverSide;
    private final Side clientSide;
    Vertx vertx;
    RouteGuideServer server;
    RouteGuideClient client;

    RouteGuideContract(Side serverSide, Side clientSide) {
        this.serverSide = serverSide;
        this.clientSide = clientSide;
    }

    @BeforeEach
    void setUp(Vertx vertx) throws Exception {
        this.vertx = vertx;
        server =
                serverSide == Side.RPC_VERTX ? RpcVertxRouteGuide.startServer(vertx) : GrpcJavaRouteGuide.startServer();
        client = clientSide == Side.RPC_VERTX
                ? RpcVertxRouteGuide.connect(vertx, server.port())
                : GrpcJavaRouteGuide.connect(server.port());
    }

    @AfterEach
    void tearDown() throws Exception {
        try {
            client.close();
        } finally {
            server.close();
        }
    }

    @Test
    void getFeature_featurePoint_returnsTheNamedFeature() throws Exception {
        assertThat(client.getFeature(RouteGuideClientVerticle.FEATURE_POINT))
                .isEqualTo(Feature.newBuilder()
                        .setName("Ferrowen Harbour")
                        .setLocation(HARBOUR)
                        .build());
    }

    @Test
    void getFeature_emptyPoint_returnsAnUnnamedFeatureAtThePoint() throws Exception {
        assertThat(client.getFeature(RouteGuideClientVerticle.EMPTY_POINT))
                .isEqualTo(Feature.newBuilder()
                        .setLocation(point(100_000_000, -299_000_000))
                        .build());
    }

    @Test
    void listFeatures_harbour_streamsItsSevenFeaturesInDataOrder() throws Exception {
        List<Feature> features = client.listFeatures(RouteGuideClientVerticle.HARBOUR);

        assertThat(features)
                .extracting(Feature::getName)
                .containsExactly(
                        "Ferrowen Harbour",
                        "North Pier Lighthouse",
                        "Saltmarsh Chapel",
                        "Old Rope Works",
                        "Ferrowen Village Green",
                        "Lantern Inn",
                        "Crofters' School");
        assertThat(features.get(6).getLocation()).isEqualTo(point(100_230_000, -299_740_000));
    }

    @Test
    void listFeatures_wholeIsland_streamsEveryFeature() throws Exception {
        Rectangle island = Rectangle.newBuilder()
                .setLo(point(101_000_000, -299_000_000))
                .setHi(point(100_000_000, -300_000_000))
                .build();

        assertThat(client.listFeatures(island))
                .isEqualTo(FeatureDatabase.loadDefault().features())
                .hasSize(25);
    }

    @Test
    void listFeatures_openSea_endsWithoutFeatures() throws Exception {
        Rectangle sea = Rectangle.newBuilder()
                .setLo(point(0, 0))
                .setHi(point(10_000_000, 10_000_000))
                .build();

        assertThat(client.listFeatures(sea)).isEmpty();
    }

    @Test
    void recordRoute_route_countsPointsAndFeaturesAndMeasuresTheDistance() throws Exception {
        RouteSummary summary = client.recordRoute(RouteGuideClientVerticle.ROUTE);

        assertThat(summary.getPointCount()).isEqualTo(6);
        assertThat(summary.getFeatureCount()).isEqualTo(5);
        assertThat(summary.getDistance()).isEqualTo(2761);
        assertThat(summary.getElapsedTime()).isBetween(0, 10);
    }

    @Test
    void recordRoute_noPoints_returnsAnEmptySummary() throws Exception {
        RouteSummary summary = client.recordRoute(List.of());

        assertThat(summary.getPointCount()).isZero();
        assertThat(summary.getFeatureCount()).isZero();
        assertThat(summary.getDistance()).isZero();
    }

    @Test
    void routeChat_notes_answeredWithTheEarlierNotesAtTheSamePoint() throws Exception {
        List<RouteNote> replies = client.routeChat(RouteGuideClientVerticle.NOTES);

        assertThat(replies)
                .containsExactly(
                        note("the lamp is out", LIGHTHOUSE),
                        note("nesting season", PUFFIN_STACK),
                        note("the lamp is out", LIGHTHOUSE),
                        note("lamp fixed", LIGHTHOUSE));
    }

    @Test
    void routeChat_burstOfLargeNotes_everyReplyArrivesInOrder() throws Exception {
        // 60 notes of 1 KiB at one point: 1770 replies, far beyond the HTTP/2 windows, so both flow controls work
        int count = 60;
        String padding = "x".repeat(1024);
        List<RouteNote> notes = new ArrayList<>();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            notes.add(note(i + padding, HARBOUR));
            for (int earlier = 0; earlier < i; earlier++) {
                expected.add(earlier + padding);
            }
        }

        List<RouteNote> replies = client.routeChat(notes);

        assertThat(replies.size()).as("replies").isEqualTo(count * (count - 1) / 2);
        assertThat(replies).extracting(RouteNote::getMessage).isEqualTo(expected);
        assertThat(replies).extracting(RouteNote::getLocation).containsOnly(HARBOUR);
    }

    static Point point(int latitude, int longitude) {
        return Point.newBuilder().setLatitude(latitude).setLongitude(longitude).build();
    }

    static RouteNote note(String message, Point at) {
        return RouteNote.newBuilder().setMessage(message).setLocation(at).build();
    }
}
