package io.rpcvertx.it.routeguide;

import static io.rpcvertx.it.routeguide.SameProto.as;

import io.grpc.stub.StreamObserver;
import io.rpcvertx.examples.routeguide.FeatureDatabase;
import io.rpcvertx.it.routeguide.grpcjava.Feature;
import io.rpcvertx.it.routeguide.grpcjava.Point;
import io.rpcvertx.it.routeguide.grpcjava.Rectangle;
import io.rpcvertx.it.routeguide.grpcjava.RouteGuideGrpc;
import io.rpcvertx.it.routeguide.grpcjava.RouteNote;
import io.rpcvertx.it.routeguide.grpcjava.RouteSummary;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The route guide as a grpc-java service on grpc-java's generated base class, with the same answers as the examples'
 * {@code RouteGuideServerVerticle} over the same data set; only the distance formula is written again here, so the
 * two implementations check each other.
 */
final class GrpcJavaRouteGuideService extends RouteGuideGrpc.RouteGuideImplBase {
    private static final double EARTH_RADIUS_METRES = 6_371_008.8;

    private final FeatureDatabase database = FeatureDatabase.loadDefault();

    @Override
    public void getFeature(Point request, StreamObserver<Feature> responseObserver) {
        responseObserver.onNext(featureAt(request)
                .orElseGet(() -> Feature.newBuilder().setLocation(request).build()));
        responseObserver.onCompleted();
    }

    @Override
    public void listFeatures(Rectangle request, StreamObserver<Feature> responseObserver) {
        for (io.rpcvertx.examples.routeguide.Feature feature :
                database.inside(as(io.rpcvertx.examples.routeguide.Rectangle.parser(), request))) {
            responseObserver.onNext(as(Feature.parser(), feature));
        }
        responseObserver.onCompleted();
    }

    @Override
    public StreamObserver<Point> recordRoute(StreamObserver<RouteSummary> responseObserver) {
        long startNanos = System.nanoTime();
        return new StreamObserver<>() {
            private int points;
            private int features;
            private double metres;
            private Point previous;

            @Override
            public void onNext(Point point) {
                points++;
                if (featureAt(point).isPresent()) {
                    features++;
                }
                if (previous != null) {
                    metres += haversineMetres(previous, point);
                }
                previous = point;
            }

            @Override
            public void onError(Throwable t) {
                // the client went away: grpc-java has already ended the call
            }

            @Override
            public void onCompleted() {
                responseObserver.onNext(RouteSummary.newBuilder()
                        .setPointCount(points)
                        .setFeatureCount(features)
                        .setDistance((int) Math.round(metres))
                        .setElapsedTime((int)
                                Duration.ofNanos(System.nanoTime() - startNanos).toSeconds())
                        .build());
                responseObserver.onCompleted();
            }
        };
    }

    @Override
    public StreamObserver<RouteNote> routeChat(StreamObserver<RouteNote> responseObserver) {
        return new StreamObserver<>() {
            private final Map<Point, List<RouteNote>> notesByPoint = new HashMap<>();

            @Override
            public void onNext(RouteNote note) {
                List<RouteNote> here = notesByPoint.computeIfAbsent(note.getLocation(), p -> new ArrayList<>());
                here.forEach(responseObserver::onNext);
                here.add(note);
            }

            @Override
            public void onError(Throwable t) {
                // the client went away: grpc-java has already ended the call
            }

            @Override
            public void onCompleted() {
                responseObserver.onCompleted();
            }
        };
    }

    private Optional<Feature> featureAt(Point point) {
        return database.at(as(io.rpcvertx.examples.routeguide.Point.parser(), point))
                .map(f -> as(Feature.parser(), f));
    }

    private static double haversineMetres(Point from, Point to) {
        double lat1 = Math.toRadians(from.getLatitude() / 1e7);
        double lat2 = Math.toRadians(to.getLatitude() / 1e7);
        double sinHalfDLat = Math.sin((lat2 - lat1) / 2);
        double sinHalfDLon = Math.sin(Math.toRadians((to.getLongitude() - from.getLongitude()) / 1e7) / 2);
        double h = sinHalfDLat * sinHalfDLat + Math.cos(lat1) * Math.cos(lat2) * sinHalfDLon * sinHalfDLon;
        return 2 * EARTH_RADIUS_METRES * Math.atan2(Math.sqrt(h), Math.sqrt(1 - h));
    }
}
