package io.rpcvertx.impl.client;

import static io.rpcvertx.impl.client.ClientWireRulesTest.UNARY;
import static io.rpcvertx.impl.client.ClientWireRulesTest.afterBody;
import static io.rpcvertx.impl.client.ClientWireRulesTest.frame;
import static io.rpcvertx.impl.client.ClientWireRulesTest.reply;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.rpcvertx.CallOptions;
import io.rpcvertx.Channel;
import io.rpcvertx.ChannelConnectivity;
import io.rpcvertx.ChannelOptions;
import io.rpcvertx.ConnectRequest;
import io.rpcvertx.RpcException;
import io.rpcvertx.StatusCode;
import io.rpcvertx.UnaryUnaryCall;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.net.NetServer;
import io.vertx.junit5.VertxExtension;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Connection management of {@link ChannelImpl} against a raw Vert.x HTTP/2 server whose behaviour is scripted per
 * test: keepalive pings, GOAWAY (transparent retry and draining), idle timeout, the stream cap, handshake timeout and
 * DNS resolution through a fake lookup.
 */
@ExtendWith(VertxExtension.class)
@Timeout(30)
class ChannelConnectionTest {
    Vertx vertx;
    HttpServer rawServer;
    int port;
    final List<HttpServerRequest> requests = new CopyOnWriteArrayList<>();
    final Set<HttpConnection> serverConnections = ConcurrentHashMap.newKeySet();
    final AtomicInteger serverConnectionsClosed = new AtomicInteger();
    final CompletableFuture<Void> aServerConnectionClosed = new CompletableFuture<>();
    final AtomicInteger pings = new AtomicInteger();
    final List<Channel> channels = new ArrayList<>();
    final List<Throwable> unhandled = new CopyOnWriteArrayList<>();
    volatile Handler<HttpServerRequest> script = ChannelConnectionTest::ok;
    volatile Runnable onPing = () -> {};

    @BeforeEach
    void setUp(Vertx vertx) throws Exception {
        this.vertx = vertx;
        vertx.exceptionHandler(unhandled::add);
        rawServer = vertx.createHttpServer()
                .connectionHandler(conn -> {
                    serverConnections.add(conn);
                    conn.closeHandler(v -> {
                        serverConnectionsClosed.incrementAndGet();
                        aServerConnectionClosed.complete(null);
                    });
                    conn.pingHandler(data -> {
                        pings.incrementAndGet();
                        onPing.run();
                    });
                })
                .requestHandler(req -> {
                    requests.add(req);
                    script.handle(req);
                });
        port = rawServer.listen(0, "127.0.0.1").await(5, SECONDS).actualPort();
    }

    @AfterEach
    void tearDown() throws Exception {
        for (Channel c : channels) {
            c.close().await(5, SECONDS);
        }
        rawServer.close().await(5, SECONDS);
        assertThat(unhandled).isEmpty();
    }

    static void ok(HttpServerRequest req) {
        afterBody(req, (body, resp) -> reply(resp, frame("ok"), "0"));
    }

    Channel channel(ChannelOptions options) {
        return channel("127.0.0.1:" + port, options);
    }

    Channel channel(String target, ChannelOptions options) {
        return channel(target, options, NameResolver.JDK);
    }

    Channel channel(String target, ChannelOptions options, NameResolver.Lookup lookup) {
        Channel c = new ChannelImpl((VertxInternal) vertx, target, options, lookup);
        channels.add(c);
        return c;
    }

    static UnaryUnaryCall<String, String> call(Channel channel) {
        return channel.unaryUnary(UNARY).call("hi");
    }

    static UnaryUnaryCall<String, String> call(Channel channel, CallOptions options) {
        return channel.unaryUnary(UNARY).call("hi", options);
    }

    static RpcException failure(UnaryUnaryCall<String, String> call) {
        return catchThrowableOfType(RpcException.class, () -> call.response().await(10, SECONDS));
    }

    /** A request the test completes later: {@code held.get().run()} answers it OK. */
    CompletableFuture<Runnable> holdFirstRequest() {
        CompletableFuture<Runnable> held = new CompletableFuture<>();
        script = req -> {
            if (held.isDone()) {
                ok(req);
            } else {
                held.complete(() -> vertx.runOnContext(v -> reply(req.response(), frame("held"), "0")));
            }
        };
        return held;
    }

    // ---------------------------------------------------------------- keepalive

    @Test
    void keepalive_callInFlight_pingsAcknowledgedAndCallSurvives() throws Exception {
        CompletableFuture<Void> threePings = new CompletableFuture<>();
        onPing = () -> {
            if (pings.get() >= 3) {
                threePings.complete(null);
            }
        };
        CompletableFuture<Runnable> held = holdFirstRequest();
        Channel channel = channel(ChannelOptions.DEFAULT
                .withKeepaliveTime(Duration.ofMillis(50))
                .withKeepaliveTimeout(Duration.ofSeconds(5)));

        UnaryUnaryCall<String, String> call = call(channel);
        held.get(5, SECONDS);
        threePings.get(10, SECONDS);
        held.get().run();

        assertThat(call.response().await(5, SECONDS)).isEqualTo("held");
        assertThat(serverConnections).hasSize(1);
        assertThat(channel.getState()).isEqualTo(ChannelConnectivity.READY);
    }

    @Test
    void keepalive_permitWithoutCalls_idleConnectionIsPinged() throws Exception {
        CompletableFuture<Void> threePings = new CompletableFuture<>();
        onPing = () -> {
            if (pings.get() >= 3) {
                threePings.complete(null);
            }
        };
        Channel channel = channel(
                ChannelOptions.DEFAULT.withKeepaliveTime(Duration.ofMillis(50)).withKeepalivePermitWithoutCalls(true));

        channel.channelReady().await(5, SECONDS);
        threePings.get(10, SECONDS);

        assertThat(channel.getState()).isEqualTo(ChannelConnectivity.READY);
        assertThat(call(channel).response().await(5, SECONDS)).isEqualTo("ok");
        assertThat(serverConnections).hasSize(1);
    }

    @Test
    void keepalive_withoutCallsNotPermitted_idleConnectionIsNotPinged() throws Exception {
        Channel channel = channel(ChannelOptions.DEFAULT
                .withKeepaliveTime(Duration.ofMillis(50))
                .withIdleTimeout(Duration.ofMillis(400)));
        channel.channelReady().await(5, SECONDS);

        // the idle timeout is the later event: eight keepalive periods without a call have passed by then
        assertThat(channel.waitForStateChange(ChannelConnectivity.READY).await(5, SECONDS))
                .isEqualTo(ChannelConnectivity.IDLE);

        assertThat(pings.get()).isZero();
        aServerConnectionClosed.get(5, SECONDS);
        assertThat(serverConnectionsClosed.get()).isEqualTo(1);
    }

    // ---------------------------------------------------------------- GOAWAY

    @Test
    void goAway_streamAboveLastStreamId_retriedTransparentlyOnANewConnection() throws Exception {
        CompletableFuture<Runnable> firstHeld = new CompletableFuture<>();
        script = req -> {
            switch (requests.size()) {
                case 1:
                    firstHeld.complete(() -> vertx.runOnContext(v -> reply(req.response(), frame("first"), "0")));
                    break;
                case 2:
                    // the server never processes the second stream: GOAWAY says it stopped after the first (stream 1
                    // on Vert.x's client; 3 on Netty's, which keeps 1 for an HTTP/1.1 upgrade)
                    req.connection().goAway(0, requests.get(0).streamId());
                    break;
                default:
                    ok(req);
            }
        };
        Channel channel = channel(ChannelOptions.DEFAULT);
        UnaryUnaryCall<String, String> first = call(channel);
        firstHeld.get(5, SECONDS);

        UnaryUnaryCall<String, String> second = call(channel);

        assertThat(second.response().await(5, SECONDS)).isEqualTo("ok");
        assertThat(requests).hasSize(3);
        assertThat(requests.get(2).connection()).isNotSameAs(requests.get(0).connection());
        firstHeld.get().run();
        assertThat(first.response().await(5, SECONDS)).isEqualTo("first");
        assertThat(serverConnections).hasSize(2);
    }

    @Test
    void goAway_callInFlight_newCallsUseANewConnection_oldStreamFinishes() throws Exception {
        CompletableFuture<Runnable> held = holdFirstRequest();
        Channel channel = channel(ChannelOptions.DEFAULT);
        UnaryUnaryCall<String, String> inFlight = call(channel);
        held.get(5, SECONDS);
        HttpConnection first = requests.get(0).connection();
        assertThat(channel.getState()).isEqualTo(ChannelConnectivity.READY);

        vertx.runOnContext(v -> first.goAway(0));
        assertThat(channel.waitForStateChange(ChannelConnectivity.READY).await(5, SECONDS))
                .isEqualTo(ChannelConnectivity.IDLE);
        UnaryUnaryCall<String, String> fresh = call(channel);

        assertThat(fresh.response().await(5, SECONDS)).isEqualTo("ok");
        assertThat(requests.get(1).connection()).isNotSameAs(first);
        assertThat(inFlight.isDone()).isFalse();
        held.get().run();
        assertThat(inFlight.response().await(5, SECONDS)).isEqualTo("held");
        assertThat(channel.getState()).isEqualTo(ChannelConnectivity.READY);
    }

    // ---------------------------------------------------------------- idleness, stream cap, handshake timeout

    @Test
    void idleTimeout_noCalls_goesIdleClosingTheConnection_nextCallReconnects() throws Exception {
        Channel channel = channel(ChannelOptions.DEFAULT.withIdleTimeout(Duration.ofMillis(100)));
        assertThat(call(channel).response().await(5, SECONDS)).isEqualTo("ok");
        assertThat(channel.getState()).isEqualTo(ChannelConnectivity.READY);

        assertThat(channel.waitForStateChange(ChannelConnectivity.READY).await(5, SECONDS))
                .isEqualTo(ChannelConnectivity.IDLE);
        assertThat(call(channel).response().await(5, SECONDS)).isEqualTo("ok");

        assertThat(serverConnections).hasSize(2);
        aServerConnectionClosed.get(5, SECONDS);
        assertThat(serverConnectionsClosed.get()).isEqualTo(1);
    }

    @Test
    void idleTimeout_callRunningLongerThanIt_stillReady() throws Exception {
        CompletableFuture<Runnable> held = holdFirstRequest();
        Channel channel = channel(ChannelOptions.DEFAULT.withIdleTimeout(Duration.ofMillis(50)));
        UnaryUnaryCall<String, String> call = call(channel);
        held.get(5, SECONDS);
        // several idle periods pass while the call runs: a second channel's round trips mark the time
        Channel other = channel(ChannelOptions.DEFAULT);
        long until = System.nanoTime() + Duration.ofMillis(300).toNanos();
        while (System.nanoTime() < until) {
            call(other).response().await(5, SECONDS);
        }

        assertThat(channel.getState()).isEqualTo(ChannelConnectivity.READY);
        held.get().run();
        assertThat(call.response().await(5, SECONDS)).isEqualTo("held");
    }

    @Test
    void maxConcurrentStreams_capOfOne_secondCallWaitsForTheFirst() throws Exception {
        AtomicReference<UnaryUnaryCall<String, String>> first = new AtomicReference<>();
        CompletableFuture<Boolean> firstDoneWhenSecondArrived = new CompletableFuture<>();
        CompletableFuture<Runnable> held = new CompletableFuture<>();
        script = req -> {
            if (requests.size() == 1) {
                held.complete(() -> vertx.runOnContext(v -> reply(req.response(), frame("first"), "0")));
            } else {
                // the first call is CLOSED before its stream slot goes to the second
                firstDoneWhenSecondArrived.complete(first.get().isDone());
                ok(req);
            }
        };
        Channel channel = channel(ChannelOptions.DEFAULT.withMaxConcurrentStreams(1));
        first.set(call(channel));
        held.get(5, SECONDS);

        UnaryUnaryCall<String, String> second = call(channel);
        held.get().run();

        assertThat(second.response().await(5, SECONDS)).isEqualTo("ok");
        assertThat(first.get().response().await(5, SECONDS)).isEqualTo("first");
        assertThat(firstDoneWhenSecondArrived.get(5, SECONDS)).isTrue();
        assertThat(requests).hasSize(2);
        assertThat(serverConnections).hasSize(1);
    }

    @Test
    void connect_peerNeverSendsHttp2Settings_attemptTimesOutUnavailable() throws Exception {
        NetServer silent = vertx.createNetServer().connectHandler(socket -> {});
        int silentPort = silent.listen(0, "127.0.0.1").await(5, SECONDS).actualPort();
        try {
            Channel channel = channel(
                    "127.0.0.1:" + silentPort,
                    ChannelOptions.DEFAULT
                            .withConnectTimeout(Duration.ofMillis(200))
                            .withInitialReconnectBackoff(Duration.ofMillis(50)));
            long start = System.nanoTime();

            RpcException e = failure(call(channel));

            assertThat(e.code()).isEqualTo(StatusCode.UNAVAILABLE);
            assertThat(e.details()).contains("timed out after 200 ms");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(190));
        } finally {
            silent.close().await(5, SECONDS);
        }
    }

    @Test
    void getState_tryToConnect_leavesIdle() throws Exception {
        Channel channel = channel(ChannelOptions.DEFAULT);
        assertThat(channel.getState()).isEqualTo(ChannelConnectivity.IDLE);

        ChannelConnectivity returned = channel.getState(ConnectRequest.TRY_TO_CONNECT);

        // the state when asked: the connection attempt starts at once and may finish on the loopback before the read
        assertThat(returned).isIn(ChannelConnectivity.IDLE, ChannelConnectivity.CONNECTING, ChannelConnectivity.READY);
        channel.channelReady().await(5, SECONDS);
        assertThat(serverConnections).hasSize(1);
        assertThat(requests).isEmpty();
    }

    @Test
    void getState_noRequest_staysIdle() throws Exception {
        Channel channel = channel(ChannelOptions.DEFAULT);
        Channel other = channel(ChannelOptions.DEFAULT);

        assertThat(channel.getState(ConnectRequest.NONE)).isEqualTo(ChannelConnectivity.IDLE);
        other.channelReady().await(5, SECONDS);

        assertThat(channel.getState()).isEqualTo(ChannelConnectivity.IDLE);
        assertThat(serverConnections).hasSize(1);
    }

    @Test
    void asAutoCloseable_onTheEventLoop_shutsDownWithoutBlocking() throws Exception {
        Channel channel = channel(ChannelOptions.DEFAULT);
        assertThat(call(channel).response().await(5, SECONDS)).isEqualTo("ok");
        CompletableFuture<ChannelConnectivity> afterBlock = new CompletableFuture<>();

        vertx.runOnContext(v -> {
            try (Channel.SafeCloseable scope = channel.asAutoCloseable()) {
                assertThat(scope).isNotNull();
            }
            afterBlock.complete(channel.getState());
        });

        assertThat(afterBlock.get(5, SECONDS)).isEqualTo(ChannelConnectivity.SHUTDOWN);
        channel.close().await(5, SECONDS);
        aServerConnectionClosed.get(5, SECONDS);
        assertThat(serverConnectionsClosed.get()).isEqualTo(1);
    }

    // ---------------------------------------------------------------- DNS resolution

    @Test
    void dns_resolutionFails_unavailableNamingTheName_waitForReadyCallSucceedsOnceItResolves() throws Exception {
        AtomicInteger lookups = new AtomicInteger();
        CompletableFuture<Void> resolvable = new CompletableFuture<>();
        NameResolver.Lookup lookup = host -> {
            lookups.incrementAndGet();
            if (!resolvable.isDone()) {
                throw new UnknownHostException(host + ": not yet");
            }
            return new InetAddress[] {InetAddress.getByAddress(host, new byte[] {127, 0, 0, 1})};
        };
        Channel channel = channel(
                "dns:///svc.test:" + port,
                ChannelOptions.DEFAULT.withInitialReconnectBackoff(Duration.ofMillis(50)),
                lookup);

        RpcException e = failure(call(channel));
        UnaryUnaryCall<String, String> patient = call(channel, CallOptions.DEFAULT.withWaitForReady(true));

        assertThat(e.code()).isEqualTo(StatusCode.UNAVAILABLE);
        assertThat(e.details()).contains("name resolution failed", "svc.test");
        assertThat(channel.getState()).isEqualTo(ChannelConnectivity.TRANSIENT_FAILURE);
        resolvable.complete(null);
        assertThat(patient.response().await(5, SECONDS)).isEqualTo("ok");
        assertThat(lookups.get()).isGreaterThanOrEqualTo(2);
    }

    @Test
    void dns_connectionLost_reResolves() throws Exception {
        List<CompletableFuture<Void>> lookups = List.of(new CompletableFuture<>(), new CompletableFuture<>());
        AtomicInteger count = new AtomicInteger();
        NameResolver.Lookup lookup = host -> {
            int n = count.getAndIncrement();
            if (n < lookups.size()) {
                lookups.get(n).complete(null);
            }
            return new InetAddress[] {InetAddress.getByAddress(host, new byte[] {127, 0, 0, 1})};
        };
        Channel channel = channel(
                "svc.test:" + port, ChannelOptions.DEFAULT.withDnsMinTimeBetweenResolutions(Duration.ZERO), lookup);
        assertThat(call(channel).response().await(5, SECONDS)).isEqualTo("ok");
        assertThat(lookups.get(1)).isNotDone();

        vertx.runOnContext(v -> requests.get(0).connection().goAway(0));

        lookups.get(1).get(5, SECONDS);
        assertThat(call(channel).response().await(5, SECONDS)).isEqualTo("ok");
    }
}
