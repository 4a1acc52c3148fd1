package io.rpcvertx.examples.routeguide;

import io.rpcvertx.RpcVertx;
import io.rpcvertx.Server;
import io.rpcvertx.ServerOptions;
import io.rpcvertx.ServicerContext;
import io.rpcvertx.examples.GatewayBridgeServer;
import io.rpcvertx.examples.ServerConfig;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import io.vertx.core.streams.ReadStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Serves {@code routeguide.RouteGuide} on one plaintext port: the verticle is the generated {@link RouteGuideServicer}
 * over the features of {@link FeatureDatabase#loadDefault()}.
 *
 * <ul>
 *   <li>{@code GetFeature}: the feature at the point, or a feature with an empty name and the point.
 *   <li>{@code ListFeatures}: the features inside the rectangle, in data set order, each written once the previous one
 *       was accepted under flow control.
 *   <li>{@code RecordRoute}: how many points arrived, how many of them are features, the great-circle distance along
 *       them in metres, and the whole seconds from the start of the call to the end of the points.
 *   <li>{@code RouteChat}: answers each note with the notes sent earlier in the same call at the same point (grpc.aio's
 *       route guide keeps them per call too); it reads the next note only after those replies were accepted.
 * </ul>
 *
 * <p>Config: {@code host} (default {@value #DEFAULT_HOST}), {@code port} (default {@value #DEFAULT_PORT}; 0 picks a
 * free port, read it back with {@link #port()}), {@code grace} (seconds in-flight RPCs may finish on undeploy, default
 * {@value #DEFAULT_GRACE_SECONDS}). The servicer methods run on the event loop of each call, not the verticle's; they
 * share only the immutable {@link FeatureDatabase}.
 */
public final class RouteGuideServerVerticle extends VerticleBase implements RouteGuideServicer {
    public static final String DEFAULT_HOST = "0.0.0.0";
    public static final int DEFAULT_PORT = 50052;
    public static final int DEFAULT_GRACE_SECONDS = 5;

    /** The mean Earth radius in metres (IUGG). */
    private static final double EARTH_RADIUS_METRES = 6_371_008.8;

    private @Nullable Server server;
    private @Nullable GatewayBridgeServer bridges;
    private Duration grace = Duration.ofSeconds(DEFAULT_GRACE_SECONDS);
    private volatile int port = -1;
    // set by the constructor or once in start() before the server starts, then only read by the calls, on their own
    // event loops
    private volatile @Nullable FeatureDatabase database;

    /** A verticle that loads the default data set ({@link FeatureDatabase#loadDefault()}) when it starts. */
    public RouteGuideServerVerticle() {}

    /**
     * A servicer on {@code database}: usable at once without deploying (e.g. bound to a test server with
     * {@link RouteGuideGrpc#bindService}); deployed, it serves this data set instead of loading the default one.
     */
    public RouteGuideServerVerticle(FeatureDatabase database) {
        this.database = Objects.requireNonNull(database, "database");
    }

    /**
     * The bound port.
     *
     * @throws IllegalStateException before the verticle has started
     */
    public int port() {
        int bound = port;
        if (bound < 0) {
            throw new IllegalStateException("port: not bound yet (the verticle has not started)");
        }
        return bound;
    }

    @Override
    public Future<?> start() {
        JsonObject config = config();
        String host = config.getString("host", DEFAULT_HOST);
        int requestedPort = config.getInteger("port", DEFAULT_PORT);
        grace = ServerConfig.grace(config);
        FeatureDatabase given = database;
        // reading the class path blocks, so it runs on a worker
        Future<FeatureDatabase> data =
                given != null ? Future.succeededFuture(given) : vertx.executeBlocking(FeatureDatabase::loadDefault);
        return data.compose(loaded -> {
            database = loaded;
            Server started = RpcVertx.server(vertx, ServerConfig.options(config, ServerOptions.DEFAULT));
            server = started;
            RouteGuideGrpc.addRouteGuideServicerToServer(this, started);
            GatewayBridgeServer attached = GatewayBridgeServer.attach(vertx, started, config);
            bridges = attached;
            return ServerConfig.eventBus(config, started)
                    .compose(v -> started.addInsecurePort(address(host, requestedPort)))
                    .compose(bound -> {
                        port = bound;
                        return started.start();
                    })
                    .compose(v -> attached.listen(host));
        });
    }

    @Override
    public Future<?> stop() {
        Server started = server;
        GatewayBridgeServer attached = bridges;
        Future<Void> stopped = started == null ? Future.succeededFuture() : started.stop(grace);
        return attached == null ? stopped : stopped.eventually(attached::close);
    }

    /** Where the bridges listen ({@link GatewayBridgeServer#describe()}); empty without bridge flags. */
    public List<String> bridges() {
        GatewayBridgeServer attached = bridges;
        return attached == null ? List.of() : attached.describe();
    }

    @Override
    public Future<Feature> getFeature(Point request, ServicerContext<Point, Feature> context) {
        return Future.succeededFuture(database()
                .at(request)
                .orElseGet(() -> Feature.newBuilder().setLocation(request).build()));
    }

    @Override
    public Future<Void> listFeatures(Rectangle request, ServicerContext<Rectangle, Feature> context) {
        return writeEach(database().inside(request).iterator(), context);
    }

    @Override
    public Future<RouteSummary> recordRoute(ReadStream<Point> requests, ServicerContext<Point, RouteSummary> context) {
        Trip trip = new Trip(database());
        Promise<RouteSummary> summary = Promise.promise();
        requests.exceptionHandler(summary::tryFail);
        requests.endHandler(v -> summary.tryComplete(trip.summary()));
        requests.handler(trip::add);
        return summary.future();
    }

    @Override
    public Future<Void> routeChat(ReadStream<RouteNote> requests, ServicerContext<RouteNote, RouteNote> context) {
        return new Chat(requests, context).run();
    }

    /**
     * The great-circle distance between two points in metres, by the haversine formula on a sphere of the mean Earth
     * radius.
     */
    static double distanceMetres(Point from, Point to) {
        double lat1 = Math.toRadians(from.getLatitude() / FeatureDatabase.DEGREE);
        double lat2 = Math.toRadians(to.getLatitude() / FeatureDatabase.DEGREE);
        double dLat = lat2 - lat1;
        double dLon = Math.toRadians((to.getLongitude() - from.getLongitude()) / FeatureDatabase.DEGREE);
        double h = Math.pow(Math.sin(dLat / 2), 2) + Math.cos(lat1) * Math.cos(lat2) * Math.pow(Math.sin(dLon / 2), 2);
        return 2 * EARTH_RADIUS_METRES * Math.asin(Math.min(1, Math.sqrt(h)));
    }

    /** Writes the messages one at a time, each once the previous one was accepted under flow control. */
    private static <T> Future<Void> writeEach(Iterator<T> messages, ServicerContext<?, T> context) {
        if (!messages.hasNext()) {
            return Future.succeededFuture();
        }
        return context.write(messages.next()).compose(v -> writeEach(messages, context));
    }

    /** The running totals of one {@code RecordRoute} call; touched only on the call's event loop. */
    private static final class Trip {
        private final FeatureDatabase features;
        private final long startNanos = System.nanoTime();
        private int points;
        private int featurePoints;
        private double metres;
        private @Nullable Point previous;

        Trip(FeatureDatabase features) {
            this.features = features;
        }

        void add(Point point) {
            points++;
            if (features.at(point).isPresent()) {
                featurePoints++;
            }
            if (previous != null) {
                metres += distanceMetres(previous, point);
            }
            previous = point;
        }

        RouteSummary summary() {
            return RouteSummary.newBuilder()
                    .setPointCount(points)
                    .setFeatureCount(featurePoints)
                    .setDistance((int) Math.round(metres))
                    .setElapsedTime((int)
                            Duration.ofNanos(System.nanoTime() - startNanos).toSeconds())
                    .build();
        }
    }

    /** One {@code RouteChat} call: its notes by point; touched only on the call's event loop. */
    private static final class Chat {
        private final ReadStream<RouteNote> requests;
        private final ServicerContext<RouteNote, RouteNote> context;
        private final Map<Point, List<RouteNote>> notesByPoint = new HashMap<>();
        private final Promise<Void> done = Promise.promise();
        private Future<Void> replies = Future.succeededFuture();

        Chat(ReadStream<RouteNote> requests, ServicerContext<RouteNote, RouteNote> context) {
            this.requests = requests;
            this.context = context;
        }

        Future<Void> run() {
            requests.exceptionHandler(done::tryFail);
            // the end is delivered even while paused, so it may overtake the replies to the last note
            requests.endHandler(v -> replies.onSuccess(written -> done.tryComplete()));
            requests.handler(this::onNote);
            return done.future();
        }

        private void onNote(RouteNote note) {
            List<RouteNote> here = notesByPoint.computeIfAbsent(note.getLocation(), p -> new ArrayList<>());
            List<RouteNote> earlier = List.copyOf(here);
            here.add(note);
            // a fast sender is paced by the replies: no next note until they were accepted under flow control
            requests.pause();
            replies = writeEach(earlier.iterator(), context).onComplete(written -> {
                if (written.succeeded()) {
                    requests.resume();
                } else {
                    done.tryFail(written.cause());
                }
            });
        }
    }

    private FeatureDatabase database() {
        FeatureDatabase loaded = database;
        if (loaded == null) {
            throw new IllegalStateException("database: not loaded (the verticle has not started)");
        }
        return loaded;
    }

    /** {@code host:port}, bracketing an IPv6 literal. */
    private static String address(String host, int port) {
        boolean ipv6 = host.indexOf(':') >= 0 && !host.startsWith("[");
        return (ipv6 ? "[" + host + "]" : host) + ":" + port;
    }
}
