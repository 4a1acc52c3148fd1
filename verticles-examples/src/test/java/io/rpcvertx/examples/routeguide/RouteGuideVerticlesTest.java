package io.rpcvertx.examples.routeguide;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.rpcvertx.CallOptions;
import io.rpcvertx.Channel;
import io.rpcvertx.RpcVertx;
import io.rpcvertx.StatusCode;
import io.rpcvertx.StreamStreamCall;
import io.rpcvertx.StreamUnaryCall;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** The route guide server verticle on 127.0.0.1, called by the client verticle and directly through the stub. */
@ExtendWith(VertxExtension.class)
@Timeout(30)
class RouteGuideVerticlesTest {
    private static final Point HARBOUR = point(100_120_000, -299_830_000);
    private static final Point LIGHTHOUSE = point(100_210_000, -299_870_000);
    private static final Point PUFFIN_STACK = point(100_990_000, -299_010_000);

    private Vertx vertx;
    private RouteGuideServerVerticle server;
    private String serverId;
    private Channel channel;
    private RouteGuideStub stub;

    @BeforeEach
    void setUp(Vertx vertx) throws Exception {
        this.vertx = vertx;
        server = new RouteGuideServerVerticle();
        serverId = vertx.deployVerticle(
                        server,
                        new DeploymentOptions()
                                .setConfig(new JsonObject()
                                        .put("host", "127.0.0.1")
                                        .put("port", 0)))
                .await(10, SECONDS);
        channel = RpcVertx.insecureChannel(vertx, "127.0.0.1:" + server.port());
        stub = RouteGuideGrpc.newStub(channel).withCallOptions(CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(10)));
    }

    @AfterEach
    void tearDown() throws Exception {
        channel.close().await(10, SECONDS);
        vertx.undeploy(serverId).await(10, SECONDS);
    }

    @Test
    void clientVerticle_againstServerVerticle_receivesEveryShapeAndPrintsIt() throws Exception {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        RouteGuideClientVerticle client =
                new RouteGuideClientVerticle(new PrintStream(printed, true, StandardCharsets.UTF_8));
        String clientId = vertx.deployVerticle(
                        client,
                        new DeploymentOptions().setConfig(new JsonObject().put("target", "127.0.0.1:" + server.port())))
                .await(10, SECONDS);

        RouteGuideClientVerticle.Results results = client.results().await(10, SECONDS);
        vertx.undeploy(clientId).await(10, SECONDS);

        assertThat(results.found())
                .isEqualTo(Feature.newBuilder()
                        .setName("Ferrowen Harbour")
                        .setLocation(HARBOUR)
                        .build());
        assertThat(results.missing())
                .isEqualTo(Feature.newBuilder()
                        .setLocation(RouteGuideClientVerticle.EMPTY_POINT)
                        .build());
        assertThat(results.listed())
                .extracting(Feature::getName)
                .containsExactly(
                        "Ferrowen Harbour",
                        "North Pier Lighthouse",
                        "Saltmarsh Chapel",
                        "Old Rope Works",
                        "Ferrowen Village Green",
                        "Lantern Inn",
                        "Crofters' School");
        assertThat(results.summary().getPointCount()).isEqualTo(6);
        assertThat(results.summary().getFeatureCount()).isEqualTo(5);
        assertThat(results.summary().getDistance()).isEqualTo(2761);
        assertThat(results.summary().getElapsedTime()).isBetween(0, 10);
        assertThat(results.chat())
                .containsExactly(
                        note("the lamp is out", LIGHTHOUSE),
                        note("nesting season", PUFFIN_STACK),
                        note("the lamp is out", LIGHTHOUSE),
                        note("lamp fixed", LIGHTHOUSE));
        assertThat(printed.toString(StandardCharsets.UTF_8).lines().toList())
                .hasSize(16)
                .startsWith(
                        "GetFeature (10.0120000, -29.9830000) -> \"Ferrowen Harbour\"",
                        "GetFeature (10.0000000, -29.9000000) -> no feature",
                        "ListFeatures (10.0000000, -29.9900000)..(10.0250000, -29.9700000) -> 7 features",
                        "  \"Ferrowen Harbour\" at (10.0120000, -29.9830000)")
                .contains("  \"Crofters' School\" at (10.0230000, -29.9740000)")
                .anyMatch(line -> line.matches("RecordRoute 6 points -> 6 points, 5 features, 2761 m, \\d+ s"))
                .endsWith(
                        "RouteChat 5 notes -> 4 replies",
                        "  \"the lamp is out\" at (10.0210000, -29.9870000)",
                        "  \"nesting season\" at (10.0990000, -29.9010000)",
                        "  \"the lamp is out\" at (10.0210000, -29.9870000)",
                        "  \"lamp fixed\" at (10.0210000, -29.9870000)");
    }

    @Test
    void getFeature_knownPoint_returnsItsFeature() throws Exception {
        Feature feature =
                stub.getFeature(point(100_990_000, -299_010_000)).response().await(10, SECONDS);

        assertThat(feature.getName()).isEqualTo("Puffin Stack");
        assertThat(feature.getLocation()).isEqualTo(PUFFIN_STACK);
    }

    @Test
    void getFeature_oneE7OffAFeature_returnsUnnamedFeatureAtThePoint() throws Exception {
        Point nearby = point(100_990_001, -299_010_000);

        Feature feature = stub.getFeature(nearby).response().await(10, SECONDS);

        assertThat(feature).isEqualTo(Feature.newBuilder().setLocation(nearby).build());
    }

    @Test
    void listFeatures_wholeIsland_streamsAll25InDataOrder() throws Exception {
        Rectangle island = Rectangle.newBuilder()
                .setLo(point(100_000_000, -300_000_000))
                .setHi(point(101_000_000, -299_000_000))
                .build();

        List<Feature> features = stub.listFeatures(island)
                .responses()
                .collect(Collectors.toList())
                .await(10, SECONDS);

        assertThat(features).isEqualTo(FeatureDatabase.loadDefault().features());
    }

    @Test
    void listFeatures_openSea_endsOkWithoutFeatures() throws Exception {
        Rectangle sea = Rectangle.newBuilder()
                .setLo(point(0, 0))
                .setHi(point(10_000_000, 10_000_000))
                .build();
        var call = stub.listFeatures(sea);

        assertThat(call.responses().collect(Collectors.toList()).await(10, SECONDS))
                .isEmpty();
        assertThat(call.code().await(10, SECONDS)).isEqualTo(StatusCode.OK);
    }

    @Test
    void recordRoute_noPoints_returnsZeroSummary() throws Exception {
        StreamUnaryCall<Point, RouteSummary> call = stub.recordRoute();
        call.doneWriting();

        RouteSummary summary = call.response().await(10, SECONDS);

        assertThat(summary.getPointCount()).isZero();
        assertThat(summary.getFeatureCount()).isZero();
        assertThat(summary.getDistance()).isZero();
    }

    @Test
    void recordRoute_oneDegreeNorthInTenSteps_measuresTheWholeDistance() throws Exception {
        List<Point> steps = new ArrayList<>();
        for (int i = 0; i <= 10; i++) {
            steps.add(point(100_000_000 + i * 1_000_000, -290_000_000));
        }
        StreamUnaryCall<Point, RouteSummary> call = stub.recordRoute();
        for (Point step : steps) {
            call.write(step).await(10, SECONDS);
        }
        call.doneWriting();

        RouteSummary summary = call.response().await(10, SECONDS);

        assertThat(summary.getPointCount()).isEqualTo(11);
        assertThat(summary.getFeatureCount()).isZero();
        // one degree of latitude on the mean Earth radius (6371.0088 km) is 111.195 km
        assertThat(summary.getDistance()).isEqualTo(111_195);
    }

    @Test
    void routeChat_burstOfLargeNotesAtOnePoint_eachAnsweredWithAllEarlierOnes() throws Exception {
        int notes = 60;
        // 1770 replies of 1 KiB are far more than the HTTP/2 windows, so the replies wait for flow control
        String padding = "x".repeat(1024);
        StreamStreamCall<RouteNote, RouteNote> call = stub.routeChat();
        Future<List<RouteNote>> replies = call.responses().collect(Collectors.toList());
        // no waiting between writes: the end of the requests reaches the server while it still answers the last notes
        for (int i = 0; i < notes; i++) {
            call.write(note(i + padding, HARBOUR));
        }
        call.doneWriting();

        List<RouteNote> received = replies.await(10, SECONDS);

        List<String> expected = new ArrayList<>();
        for (int i = 1; i < notes; i++) {
            for (int earlier = 0; earlier < i; earlier++) {
                expected.add(earlier + padding);
            }
        }
        assertThat(received.size()).as("replies").isEqualTo(notes * (notes - 1) / 2);
        assertThat(received).extracting(RouteNote::getMessage).isEqualTo(expected);
        assertThat(call.code().await(10, SECONDS)).isEqualTo(StatusCode.OK);
    }

    @Test
    void routeChat_secondCall_doesNotSeeTheFirstCallsNotes() throws Exception {
        StreamStreamCall<RouteNote, RouteNote> first = stub.routeChat();
        first.write(note("first call", HARBOUR)).await(10, SECONDS);
        first.doneWriting();
        assertThat(first.responses().collect(Collectors.toList()).await(10, SECONDS))
                .isEmpty();

        StreamStreamCall<RouteNote, RouteNote> second = stub.routeChat();
        second.write(note("second call", HARBOUR)).await(10, SECONDS);
        second.write(note("again", HARBOUR)).await(10, SECONDS);
        second.doneWriting();

        assertThat(second.responses().collect(Collectors.toList()).await(10, SECONDS))
                .containsExactly(note("second call", HARBOUR));
    }

    @Test
    void distanceMetres_quarterOfTheEquator_isAQuarterOfItsLength() {
        double metres = RouteGuideServerVerticle.distanceMetres(point(0, 0), point(0, 900_000_000));

        assertThat(metres).isCloseTo(2 * Math.PI * 6_371_008.8 / 4, within(0.001));
    }

    private static Point point(int latitude, int longitude) {
        return Point.newBuilder().setLatitude(latitude).setLongitude(longitude).build();
    }

    private static RouteNote note(String message, Point at) {
        return RouteNote.newBuilder().setMessage(message).setLocation(at).build();
    }
}
