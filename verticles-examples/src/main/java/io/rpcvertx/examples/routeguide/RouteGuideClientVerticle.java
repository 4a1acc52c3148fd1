package io.rpcvertx.examples.routeguide;

import io.rpcvertx.Call;
import io.rpcvertx.Channel;
import io.rpcvertx.RequestStream;
import io.rpcvertx.RpcVertx;
import io.rpcvertx.StreamStreamCall;
import io.rpcvertx.StreamUnaryCall;
import io.rpcvertx.examples.ClientConfig;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * Calls every rpc of {@code routeguide.RouteGuide} once, one after the other, through the generated
 * {@link RouteGuideStub}, and prints what came back.
 *
 * <ol>
 *   <li>{@code GetFeature} at {@link #FEATURE_POINT} (Ferrowen Harbour in the default data set) and at
 *       {@link #EMPTY_POINT} (open sea).
 *   <li>{@code ListFeatures} in {@link #HARBOUR}.
 *   <li>{@code RecordRoute} along {@link #ROUTE}, each point written once the previous one was accepted under flow
 *       control.
 *   <li>{@code RouteChat} with {@link #NOTES}, reading the replies while it writes.
 * </ol>
 *
 * <p>Config: {@code target} (default {@value #DEFAULT_TARGET}). Starting the verticle starts the RPCs; {@link #results()}
 * completes with everything received, or fails with the first {@link io.rpcvertx.RpcException}. Undeploying closes the
 * channel.
 */
public final class RouteGuideClientVerticle extends VerticleBase {
    public static final String DEFAULT_TARGET = "localhost:" + RouteGuideServerVerticle.DEFAULT_PORT;
    /** Deadline of each RPC, so an unreachable server ends in an error status instead of a hang. */
    public static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);

    /** Where {@code GetFeature} should find a feature. */
    public static final Point FEATURE_POINT = point(100_120_000, -299_830_000);
    /** Where {@code GetFeature} should find nothing. */
    public static final Point EMPTY_POINT = point(100_000_000, -299_000_000);
    /** The area around the harbour, for {@code ListFeatures}. */
    public static final Rectangle HARBOUR = Rectangle.newBuilder()
            .setLo(point(100_000_000, -299_900_000))
            .setHi(point(100_250_000, -299_700_000))
            .build();
    /** A walk from the harbour through the village, ending at a point with no feature, for {@code RecordRoute}. */
    public static final List<Point> ROUTE = List.of(
            point(100_120_000, -299_830_000),
            point(100_140_000, -299_820_000),
            point(100_180_000, -299_800_000),
            point(100_150_000, -299_760_000),
            point(100_230_000, -299_740_000),
            point(100_200_000, -299_700_000));
    /** Notes left at the lighthouse and at the puffin stack, some of them twice, for {@code RouteChat}. */
    public static final List<RouteNote> NOTES = List.of(
            note("the lamp is out", 100_210_000, -299_870_000),
            note("nesting season", 100_990_000, -299_010_000),
            note("lamp fixed", 100_210_000, -299_870_000),
            note("chicks hatched", 100_990_000, -299_010_000),
            note("fog tonight", 100_210_000, -299_870_000));

    /**
     * What the client received.
     *
     * @param found {@code GetFeature} at {@link #FEATURE_POINT}
     * @param missing {@code GetFeature} at {@link #EMPTY_POINT}
     * @param listed {@code ListFeatures} in {@link #HARBOUR}, in the order received
     * @param summary {@code RecordRoute} along {@link #ROUTE}
     * @param chat {@code RouteChat}'s replies to {@link #NOTES}, in the order received
     */
    public record Results(
            Feature found, Feature missing, List<Feature> listed, RouteSummary summary, List<RouteNote> chat) {
        public Results {
            listed = List.copyOf(listed);
            chat = List.copyOf(chat);
        }
    }

    private final PrintStream out;
    private final Promise<Results> results = Promise.promise();
    private @Nullable Channel channel;

    /** A client printing to {@code System.out}. */
    public RouteGuideClientVerticle() {
        this(System.out);
    }

    /** A client printing to {@code out}. */
    public RouteGuideClientVerticle(PrintStream out) {
        this.out = Objects.requireNonNull(out, "out");
    }

    /** Everything the RPCs returned, or the failure of the first RPC that failed. */
    public Future<Results> results() {
        return results.future();
    }

    @Override
    public Future<?> start() {
        Channel opened = RpcVertx.insecureChannel(
                vertx, config().getString("target", DEFAULT_TARGET), ClientConfig.channelOptions(config()));
        channel = opened;
        RouteGuideStub stub =
                RouteGuideGrpc.newStub(opened).withCallOptions(ClientConfig.callOptions(config(), CALL_TIMEOUT));
        getFeature(stub, FEATURE_POINT)
                .compose(found -> getFeature(stub, EMPTY_POINT)
                        .compose(missing -> listFeatures(stub, HARBOUR)
                                .compose(listed -> recordRoute(stub, ROUTE)
                                        .compose(summary -> routeChat(stub, NOTES)
                                                .map(chat -> new Results(found, missing, listed, summary, chat))))))
                .onComplete(results);
        return Future.succeededFuture();
    }

    @Override
    public Future<?> stop() {
        Channel opened = channel;
        return opened == null ? Future.succeededFuture() : opened.close();
    }

    private Future<Feature> getFeature(RouteGuideStub stub, Point point) {
        return stub.getFeature(point)
                .response()
                .onSuccess(feature -> out.println("GetFeature " + describe(point) + " -> "
                        + (feature.getName().isEmpty() ? "no feature" : "\"" + feature.getName() + "\"")));
    }

    private Future<List<Feature>> listFeatures(RouteGuideStub stub, Rectangle area) {
        return stub.listFeatures(area).responses().collect(Collectors.toList()).onSuccess(features -> {
            out.println("ListFeatures " + describe(area.getLo()) + ".." + describe(area.getHi()) + " -> "
                    + features.size() + " features");
            features.forEach(f -> out.println("  \"" + f.getName() + "\" at " + describe(f.getLocation())));
        });
    }

    private Future<RouteSummary> recordRoute(RouteGuideStub stub, List<Point> route) {
        StreamUnaryCall<Point, RouteSummary> call = stub.recordRoute();
        return writeEach(route.iterator(), call)
                .compose(v -> call.doneWriting())
                .transform(written -> settle(call, written.failed(), call.response()))
                .onSuccess(s -> out.println("RecordRoute " + route.size() + " points -> " + s.getPointCount()
                        + " points, " + s.getFeatureCount() + " features, " + s.getDistance() + " m, "
                        + s.getElapsedTime() + " s"));
    }

    private Future<List<RouteNote>> routeChat(RouteGuideStub stub, List<RouteNote> notes) {
        StreamStreamCall<RouteNote, RouteNote> call = stub.routeChat();
        Future<List<RouteNote>> replies = call.responses().collect(Collectors.toList());
        return writeEach(notes.iterator(), call)
                .compose(v -> call.doneWriting())
                .transform(written -> settle(call, written.failed(), replies))
                .onSuccess(received -> {
                    out.println("RouteChat " + notes.size() + " notes -> " + received.size() + " replies");
                    received.forEach(n -> out.println("  \"" + n.getMessage() + "\" at " + describe(n.getLocation())));
                });
    }

    /**
     * The call's own outcome, which carries the server's status. Awaited writes fail only once the call has ended; should
     * one fail while the call is still open, the call is cancelled, so the outcome does not wait for the deadline.
     */
    private static <T> Future<T> settle(Call call, boolean writeFailed, Future<T> outcome) {
        if (writeFailed) {
            call.cancel();
        }
        return outcome;
    }

    /** Writes the messages one at a time, each once the previous one was accepted under flow control. */
    private static <T> Future<Void> writeEach(Iterator<T> messages, RequestStream<T> call) {
        if (!messages.hasNext()) {
            return Future.succeededFuture();
        }
        return call.write(messages.next()).compose(v -> writeEach(messages, call));
    }

    private static String describe(Point point) {
        return FeatureDatabase.describe(point);
    }

    private static Point point(int latitude, int longitude) {
        return Point.newBuilder().setLatitude(latitude).setLongitude(longitude).build();
    }

    private static RouteNote note(String message, int latitude, int longitude) {
        return RouteNote.newBuilder()
                .setMessage(message)
                .setLocation(point(latitude, longitude))
                .build();
    }
}
