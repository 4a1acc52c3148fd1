package io.rpcvertx.it.routeguide;

import static io.rpcvertx.it.routeguide.SameProto.allAs;
import static io.rpcvertx.it.routeguide.SameProto.as;
import static java.util.concurrent.TimeUnit.SECONDS;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.rpcvertx.examples.routeguide.Feature;
import io.rpcvertx.examples.routeguide.Point;
import io.rpcvertx.examples.routeguide.Rectangle;
import io.rpcvertx.examples.routeguide.RouteNote;
import io.rpcvertx.examples.routeguide.RouteSummary;
import io.rpcvertx.it.routeguide.grpcjava.RouteGuideGrpc;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** The grpc-java side: {@link GrpcJavaRouteGuideService} on a Netty server, and grpc-java's generated stubs. */
final class GrpcJavaRouteGuide {
    private GrpcJavaRouteGuide() {}

    /** Starts {@link GrpcJavaRouteGuideService} on 127.0.0.1:0. */
    static RouteGuideServer startServer() throws Exception {
        io.grpc.Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(new GrpcJavaRouteGuideService())
                .build()
                .start();
        return new RouteGuideServer() {
            @Override
            public int port() {
                return server.getPort();
            }

            @Override
            public void close() throws Exception {
                server.shutdownNow();
                if (!server.awaitTermination(10, SECONDS)) {
                    throw new IllegalStateException("grpc-java server did not terminate within 10 s");
                }
            }
        };
    }

    /** A client on grpc-java's generated blocking stub (unary, server streaming) and async stub (the others). */
    static RouteGuideClient connect(int port) {
        ManagedChannel channel =
                NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        return new RouteGuideClient() {
            @Override
            public Feature getFeature(Point point) {
                return as(
                        Feature.parser(),
                        RouteGuideGrpc.newBlockingStub(channel)
                                .withDeadlineAfter(10, SECONDS)
                                .getFeature(as(io.rpcvertx.it.routeguide.grpcjava.Point.parser(), point)));
            }

            @Override
            public List<Feature> listFeatures(Rectangle area) {
                List<Feature> features = new ArrayList<>();
                RouteGuideGrpc.newBlockingStub(channel)
                        .withDeadlineAfter(10, SECONDS)
                        .listFeatures(as(io.rpcvertx.it.routeguide.grpcjava.Rectangle.parser(), area))
                        .forEachRemaining(f -> features.add(as(Feature.parser(), f)));
                return features;
            }

            @Override
            public RouteSummary recordRoute(List<Point> points) throws Exception {
                Collected<io.rpcvertx.it.routeguide.grpcjava.RouteSummary> summary = new Collected<>();
                StreamObserver<io.rpcvertx.it.routeguide.grpcjava.Point> requests = RouteGuideGrpc.newStub(channel)
                        .withDeadlineAfter(10, SECONDS)
                        .recordRoute(summary);
                for (Point point : points) {
                    requests.onNext(as(io.rpcvertx.it.routeguide.grpcjava.Point.parser(), point));
                }
                requests.onCompleted();
                List<io.rpcvertx.it.routeguide.grpcjava.RouteSummary> received = summary.await();
                if (received.size() != 1) {
                    throw new AssertionError("RecordRoute: " + received.size() + " responses (expected: 1)");
                }
                return as(RouteSummary.parser(), received.get(0));
            }

            @Override
            public List<RouteNote> routeChat(List<RouteNote> notes) throws Exception {
                Collected<io.rpcvertx.it.routeguide.grpcjava.RouteNote> replies = new Collected<>();
                StreamObserver<io.rpcvertx.it.routeguide.grpcjava.RouteNote> requests = RouteGuideGrpc.newStub(channel)
                        .withDeadlineAfter(10, SECONDS)
                        .routeChat(replies);
                for (RouteNote note : notes) {
                    requests.onNext(as(io.rpcvertx.it.routeguide.grpcjava.RouteNote.parser(), note));
                }
                requests.onCompleted();
                return allAs(RouteNote.parser(), replies.await());
            }

            @Override
            public void close() throws Exception {
                channel.shutdownNow();
                if (!channel.awaitTermination(10, SECONDS)) {
                    throw new IllegalStateException("grpc-java channel did not terminate within 10 s");
                }
            }
        };
    }

    /** Every message of a grpc-java response stream; {@link #await()} returns them at a clean end. */
    private static final class Collected<T> implements StreamObserver<T> {
        // grpc-java calls an observer serially, but from its executor threads
        private final List<T> messages = new ArrayList<>();
        private final CompletableFuture<List<T>> done = new CompletableFuture<>();

        @Override
        public synchronized void onNext(T value) {
            messages.add(value);
        }

        @Override
        public void onError(Throwable t) {
            done.completeExceptionally(t);
        }

        @Override
        public synchronized void onCompleted() {
            done.complete(List.copyOf(messages));
        }

        List<T> await() throws Exception {
            return done.get(10, SECONDS);
        }
    }
}
