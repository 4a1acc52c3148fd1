package io.rpcvertx.it.containers;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.rpcvertx.CallOptions;
import io.rpcvertx.Channel;
import io.rpcvertx.ChannelConnectivity;
import io.rpcvertx.ChannelOptions;
import io.rpcvertx.RpcException;
import io.rpcvertx.RpcVertx;
import io.rpcvertx.StatusCode;
import io.rpcvertx.StreamStreamCall;
import io.rpcvertx.UnaryUnaryCall;
import io.rpcvertx.examples.routeguide.Feature;
import io.rpcvertx.examples.routeguide.Point;
import io.rpcvertx.examples.routeguide.RouteGuideStub;
import io.rpcvertx.examples.routeguide.RouteNote;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testcontainers.containers.Network;
import org.testcontainers.junit.jupiter.Testcontainers;

/**
 * Network faults that a process peer cannot produce, against the channel's keepalive and reconnect logic: the peer is
 * the examples' {@code route-guide-server} in a container ({@link PeerContainer}) that is paused, taken off its network
 * (behind Docker's port proxy, and reached at its own address: a partition), or killed and started again while a
 * bidi-streaming call is open.
 *
 * <p>Needs a Docker engine; without one the class is skipped at once, and {@link ReportMissingDocker} says so on the
 * console. An engine that cannot pull images needs {@code -Dlocal-docker} (README, Testing).
 */
@ExtendWith(ReportMissingDocker.class)
@Testcontainers(disabledWithoutDocker = true)
@ExtendWith(VertxExtension.class)
@Timeout(90)
class NetworkFaultsIT {
    static final Duration KEEPALIVE_TIME = Duration.ofSeconds(1);
    /** Short, yet long enough for a peer JVM that a busy 2-core host starves for a moment. */
    static final Duration KEEPALIVE_TIMEOUT = Duration.ofSeconds(2);
    /** Bounds an attempt whose TCP connect succeeds but whose HTTP/2 handshake never ends (a paused peer). */
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);

    static final Duration MAX_BACKOFF = Duration.ofSeconds(1);
    static final int WARM_UP_CALLS = 200;

    Vertx vertx;
    /** The channel's event loop, where its state changes are watched. */
    Context loop;

    String image;
    PeerContainer peer;
    Network network;
    Channel channel;
    RouteGuideStub stub;

    /** The first test's setup may build the peer image (about 30 s, mostly jlink); later ones reuse it. */
    @BeforeEach
    @Timeout(360)
    void setUp(Vertx vertx) throws Exception {
        this.vertx = vertx;
        this.loop = vertx.getOrCreateContext();
        image = PeerImage.name();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (channel != null) {
            channel.close().await(5, SECONDS);
        }
        if (peer != null) {
            peer.stop();
        }
        if (network != null) {
            network.close();
        }
    }

    /** Starts {@code container} as the peer and a channel to {@code target} (the default: its published port). */
    void start(PeerContainer container, Function<PeerContainer, String> target) throws Exception {
        peer = container;
        peer.start();
        String address = target.apply(peer);
        ChannelOptions options = ChannelOptions.DEFAULT
                .withKeepaliveTime(KEEPALIVE_TIME)
                .withKeepaliveTimeout(KEEPALIVE_TIMEOUT)
                .withConnectTimeout(CONNECT_TIMEOUT)
                .withInitialReconnectBackoff(Duration.ofMillis(200))
                .withMaxReconnectBackoff(MAX_BACKOFF);
        CompletableFuture<Channel> created = new CompletableFuture<>();
        loop.runOnContext(v -> created.complete(RpcVertx.insecureChannel(vertx, address, options)));
        channel = created.get(5, SECONDS);
        stub = new RouteGuideStub(channel, CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(30)));
    }

    void startPublished() throws Exception {
        start(new PeerContainer(image, freePort()), PeerContainer::target);
    }

    @Test
    void paused_callInFlightFailsUnavailableByKeepalive_unpaused_waitingCallAndNewCallSucceed() throws Exception {
        startPublished();
        StreamStreamCall<RouteNote, RouteNote> chat = chatInFlight();

        // timed from before the request: the process freezes at some point while Docker handles it
        long paused = System.nanoTime();
        peer.pause();
        StatusCode code = await("code() of the call in flight", chat.code(), 10);
        Duration detected = Duration.ofNanos(System.nanoTime() - paused);

        // the connection stays open (the kernel and Docker's proxy still take the bytes): only keepalive finds it dead
        assertThat(code).isEqualTo(StatusCode.UNAVAILABLE);
        assertThat(await("details() of the call in flight", chat.details(), 1)).contains("Keepalive failed");
        // a ping goes out at most keepaliveTime after the previous answer and fails keepaliveTimeout later (no lower
        // bound: on a busy host a ping sent just before the freeze may have waited for its answer for a while already)
        assertThat(detected).isLessThan(KEEPALIVE_TIME.plus(KEEPALIVE_TIMEOUT).plusMillis(1500));
        assertThat(channel.getState()).isNotEqualTo(ChannelConnectivity.READY);
        report("paused: the call in flight failed UNAVAILABLE (keepalive) after", detected);

        // reconnecting reaches the frozen server's kernel, but no HTTP/2 settings come back: the attempt times out
        CompletableFuture<Void> failing = reached(ChannelConnectivity.TRANSIENT_FAILURE);
        UnaryUnaryCall<Point, Feature> waiting = stub.getFeature(
                point(1), CallOptions.DEFAULT.withWaitForReady(true).withTimeout(Duration.ofSeconds(60)));
        failing.get(10, SECONDS);
        assertFailsFastUnavailable();
        assertThat(waiting.isDone()).isFalse();

        peer.unpause();
        long unpaused = System.nanoTime();
        assertThat(await("the wait-for-ready call", waiting.response(), 20).getLocation())
                .isEqualTo(point(1));
        report("unpaused: the wait-for-ready call succeeded after", Duration.ofNanos(System.nanoTime() - unpaused));
        assertThat(channel.getState()).isEqualTo(ChannelConnectivity.READY);
        assertThat(await("a call after recovery", stub.getFeature(point(2)).response(), 5)
                        .getLocation())
                .isEqualTo(point(2));
    }

    @Test
    void disconnected_callInFlightFailsUnavailable_waitingCallSucceedsOnceReconnected() throws Exception {
        startPublished();
        StreamStreamCall<RouteNote, RouteNote> chat = chatInFlight();

        peer.disconnect();
        long disconnected = System.nanoTime();
        assertThat(await("code() of the call in flight", chat.code(), 10)).isEqualTo(StatusCode.UNAVAILABLE);
        report(
                "disconnected: the call in flight failed UNAVAILABLE (" + await("details()", chat.details(), 1)
                        + ") after",
                Duration.ofNanos(System.nanoTime() - disconnected));
        assertThat(channel.getState()).isNotEqualTo(ChannelConnectivity.READY);

        CompletableFuture<Void> failing = reached(ChannelConnectivity.TRANSIENT_FAILURE);
        UnaryUnaryCall<Point, Feature> waiting = stub.getFeature(
                point(1), CallOptions.DEFAULT.withWaitForReady(true).withTimeout(Duration.ofSeconds(60)));
        failing.get(10, SECONDS);
        assertFailsFastUnavailable();
        assertThat(waiting.isDone()).isFalse();

        peer.reconnect();
        long reconnected = System.nanoTime();
        assertThat(await("the wait-for-ready call", waiting.response(), 20).getLocation())
                .isEqualTo(point(1));
        report(
                "reconnected: the wait-for-ready call succeeded after",
                Duration.ofNanos(System.nanoTime() - reconnected));
        assertThat(await("a call after recovery", stub.getFeature(point(2)).response(), 5)
                        .getLocation())
                .isEqualTo(point(2));
    }

    @Test
    void killed_callInFlightFailsUnavailable_waitingCallSucceedsOnceRestarted() throws Exception {
        startPublished();
        StreamStreamCall<RouteNote, RouteNote> chat = chatInFlight();

        peer.kill();
        long killed = System.nanoTime();
        assertThat(await("code() of the call in flight", chat.code(), 10)).isEqualTo(StatusCode.UNAVAILABLE);
        report(
                "killed: the call in flight failed UNAVAILABLE (" + await("details()", chat.details(), 1) + ") after",
                Duration.ofNanos(System.nanoTime() - killed));

        CompletableFuture<Void> failing = reached(ChannelConnectivity.TRANSIENT_FAILURE);
        UnaryUnaryCall<Point, Feature> waiting = stub.getFeature(
                point(1), CallOptions.DEFAULT.withWaitForReady(true).withTimeout(Duration.ofSeconds(60)));
        failing.get(10, SECONDS);
        assertFailsFastUnavailable();
        assertThat(waiting.isDone()).isFalse();

        peer.restart();
        long restarted = System.nanoTime();
        // the JVM starts again in the container: a few seconds of refused or closed attempts, then READY
        assertThat(await("the wait-for-ready call", waiting.response(), 40).getLocation())
                .isEqualTo(point(1));
        report("restarted: the wait-for-ready call succeeded after", Duration.ofNanos(System.nanoTime() - restarted));
        assertThat(await("a call after recovery", stub.getFeature(point(2)).response(), 5)
                        .getLocation())
                .isEqualTo(point(2));
    }

    /**
     * A real partition: the channel talks to the container's own address (no proxy in between), so taking the container
     * off its network drops the packets of the open connection instead of closing it. Needs a local Linux engine,
     * whose container addresses this host routes to.
     */
    @Test
    void partitioned_callInFlightFailsUnavailableByKeepalive_waitingCallSucceedsOnceReconnected() throws Exception {
        network = networkWithSubnet();
        start(new PeerContainer(image, 0).withNetwork(network), p -> p.address() + ":" + PeerContainer.PORT);
        try (Socket probe = new Socket()) {
            probe.connect(new InetSocketAddress(peer.address(), PeerContainer.PORT), 2_000);
        } catch (IOException e) {
            PeerImage.skip("the container's address " + peer.address() + " is not reachable from here (" + e
                    + "): a partition test needs a local Linux Docker engine");
        }
        StreamStreamCall<RouteNote, RouteNote> chat = chatInFlight();

        long cut = System.nanoTime();
        peer.disconnect();
        StatusCode code = await("code() of the call in flight", chat.code(), 10);
        Duration detected = Duration.ofNanos(System.nanoTime() - cut);

        assertThat(code).isEqualTo(StatusCode.UNAVAILABLE);
        assertThat(await("details() of the call in flight", chat.details(), 1)).contains("Keepalive failed");
        assertThat(detected).isLessThan(KEEPALIVE_TIME.plus(KEEPALIVE_TIMEOUT).plusMillis(1500));
        report("partitioned: the call in flight failed UNAVAILABLE (keepalive) after", detected);

        // the address does not answer at all now: attempts time out, or fail once the neighbour lookup gives up
        CompletableFuture<Void> failing = reached(ChannelConnectivity.TRANSIENT_FAILURE);
        UnaryUnaryCall<Point, Feature> waiting = stub.getFeature(
                point(1), CallOptions.DEFAULT.withWaitForReady(true).withTimeout(Duration.ofSeconds(60)));
        failing.get(15, SECONDS);
        assertFailsFastUnavailable();
        assertThat(waiting.isDone()).isFalse();

        peer.reconnect();
        long reconnected = System.nanoTime();
        assertThat(await("the wait-for-ready call", waiting.response(), 20).getLocation())
                .isEqualTo(point(1));
        report(
                "partition healed: the wait-for-ready call succeeded after",
                Duration.ofNanos(System.nanoTime() - reconnected));
        assertThat(await("a call after recovery", stub.getFeature(point(2)).response(), 5)
                        .getLocation())
                .isEqualTo(point(2));
    }

    /**
     * A bridge network with a subnet of our choice, so that the container can rejoin it with the same address. A random
     * 10.x.y.0/24 that overlaps no other network; a few tries.
     */
    static Network networkWithSubnet() {
        RuntimeException last = null;
        for (int i = 0; i < 5; i++) {
            String subnet = "10." + ThreadLocalRandom.current().nextInt(200, 255) + "."
                    + ThreadLocalRandom.current().nextInt(0, 256) + ".0/24";
            Network network = Network.builder()
                    .createNetworkCmdModifier(cmd -> cmd.withIpam(new com.github.dockerjava.api.model.Network.Ipam()
                            .withConfig(new com.github.dockerjava.api.model.Network.Ipam.Config().withSubnet(subnet))))
                    .build();
            try {
                network.getId(); // creates it
                return network;
            } catch (RuntimeException e) {
                network.close();
                last = e;
            }
        }
        throw new IllegalStateException("could not create a network with a free 10.x.y.0/24 subnet", last);
    }

    /**
     * A READY channel and an open {@code RouteChat} call, idle after a round trip: the peer answered the second note at
     * a place with the first one. The peer's JVM has just started: a few hundred calls first warm it up, so that it
     * answers keepalive pings in time on a busy host.
     */
    StreamStreamCall<RouteNote, RouteNote> chatInFlight() throws Exception {
        CallOptions patient = CallOptions.DEFAULT.withWaitForReady(true).withTimeout(Duration.ofSeconds(30));
        assertThat(await("the first call", stub.getFeature(point(0), patient).response(), 30)
                        .getLocation())
                .isEqualTo(point(0));
        for (int i = 0; i < WARM_UP_CALLS; i++) {
            await("warm-up call " + i, stub.getFeature(point(i)).response(), 10);
        }
        assertThat(channel.getState()).isEqualTo(ChannelConnectivity.READY);
        StreamStreamCall<RouteNote, RouteNote> chat =
                stub.routeChat(CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(60)));
        await("the first note", chat.write(note("first")), 10);
        await("the second note", chat.write(note("second")), 10);
        assertThat(await("the reply to the second note", chat.read(), 10))
                .hasValueSatisfying(n -> assertThat(n.getMessage()).isEqualTo("first"));
        assertThat(chat.isDone()).isFalse();
        return chat;
    }

    /**
     * A call without wait-for-ready, made while the channel cannot connect, fails UNAVAILABLE at once in
     * TRANSIENT_FAILURE, or at the end of the connection attempt under way (a paused peer lets it run into its timeout).
     */
    void assertFailsFastUnavailable() {
        long start = System.nanoTime();
        RpcException e = catchThrowableOfType(
                RpcException.class, () -> stub.getFeature(point(3)).response().await(10, SECONDS));
        assertThat(e.code()).isEqualTo(StatusCode.UNAVAILABLE);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(CONNECT_TIMEOUT.plusSeconds(1));
    }

    /**
     * Completes when the channel next reports {@code target} (or is in it now). The waits are registered on the
     * channel's own event loop, so no state between two changes is missed.
     */
    CompletableFuture<Void> reached(ChannelConnectivity target) throws Exception {
        CompletableFuture<Void> done = new CompletableFuture<>();
        CompletableFuture<Void> registered = new CompletableFuture<>();
        loop.runOnContext(v -> {
            watch(target, channel.getState(), done);
            registered.complete(null);
        });
        registered.get(5, SECONDS);
        return done;
    }

    private void watch(ChannelConnectivity target, ChannelConnectivity current, CompletableFuture<Void> done) {
        if (current == target) {
            done.complete(null);
        } else if (current == ChannelConnectivity.SHUTDOWN) {
            done.completeExceptionally(new IllegalStateException("channel shut down before " + target));
        } else {
            channel.waitForStateChange(current).onSuccess(next -> watch(target, next, done));
        }
    }

    static void report(String what, Duration took) {
        System.out.println("NetworkFaultsIT: " + what + " " + took.toMillis() + " ms");
    }

    /** The result of {@code future}, or an assertion error that says which step failed and how. */
    static <T> T await(String what, Future<T> future, int seconds) throws Exception {
        try {
            return future.await(seconds, SECONDS);
        } catch (RpcException e) {
            throw new AssertionError(what + " failed: " + e.code() + ": " + e.details(), e);
        } catch (TimeoutException e) {
            throw new AssertionError(what + ": no result within " + seconds + " s", e);
        }
    }

    static Point point(int i) {
        return Point.newBuilder()
                .setLatitude(400_000_000 + i)
                .setLongitude(-740_000_000)
                .build();
    }

    static RouteNote note(String message) {
        return RouteNote.newBuilder().setLocation(point(0)).setMessage(message).build();
    }

    /** A port nothing listens on now: bound once to 127.0.0.1:0, then released for the container to publish. */
    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }
}
