package io.rpcvertx.it.observability;

import static io.rpcvertx.it.observability.ObservedService.SERVER_STREAM;
import static io.rpcvertx.it.observability.ObservedService.UNARY;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rpcvertx.CallCounts;
import io.rpcvertx.Channel;
import io.rpcvertx.ChannelConnectivity;
import io.rpcvertx.ChannelOptions;
import io.rpcvertx.ChannelStats;
import io.rpcvertx.RpcException;
import io.rpcvertx.RpcVertx;
import io.rpcvertx.Server;
import io.rpcvertx.ServerStats;
import io.rpcvertx.StatusCode;
import io.rpcvertx.SubchannelStats;
import io.rpcvertx.UnaryUnaryCall;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Channelz-lite without OpenTelemetry: {@code Channel.stats()} and {@code Server.stats()} count OK, failed and
 * cancelled calls exactly, over HTTP/2 (with the subchannel's address, state and stream counts, and the server's listen
 * socket) and in-process, and the counts stay exact under concurrent calls.
 */
@Timeout(60)
class ChannelzIT {
    Vertx vertx;
    final ObservedService service = new ObservedService();
    final List<Server> servers = new ArrayList<>();
    final List<Channel> channels = new ArrayList<>();

    @BeforeEach
    void setUp() {
        vertx = Vertx.vertx();
    }

    @AfterEach
    void tearDown() throws Exception {
        for (Channel c : channels) {
            c.close().await(5, SECONDS);
        }
        for (Server s : servers) {
            s.stop(null).await(5, SECONDS);
        }
        vertx.close().await(5, SECONDS);
    }

    Server started(Server server, Supplier<Channel> downstream) throws Exception {
        servers.add(server);
        server.addGenericRpcHandlers(service.definition(downstream));
        server.start().await(5, SECONDS);
        return server;
    }

    Channel channel(Channel c) {
        channels.add(c);
        return c;
    }

    /**
     * Two OK unary calls, one OK server-streaming call, one the server fails (INVALID_ARGUMENT), one the client cancels
     * while the server holds it: 5 started, 3 succeeded, 2 failed on both sides.
     */
    void okFailedCancelled(Channel channel) throws Exception {
        assertThat(channel.unaryUnary(UNARY).call("a").response().await(5, SECONDS))
                .isEqualTo("a");
        assertThat(channel.unaryUnary(UNARY).call("b").response().await(5, SECONDS))
                .isEqualTo("b");
        List<String> streamed = new ArrayList<>();
        var stream = channel.unaryStream(SERVER_STREAM).call("s");
        stream.responses().handler(streamed::add);
        assertThat(stream.code().await(5, SECONDS)).isEqualTo(StatusCode.OK);
        assertThat(streamed).containsExactly("s1", "s2", "s3");
        assertThatThrownBy(
                        () -> channel.unaryUnary(UNARY).call("fail").response().await(5, SECONDS))
                .isInstanceOfSatisfying(
                        RpcException.class, e -> assertThat(e.code()).isEqualTo(StatusCode.INVALID_ARGUMENT));
        UnaryUnaryCall<String, String> hang = channel.unaryUnary(UNARY).call("hang");
        service.hangStarted.future().await(5, SECONDS); // the server has the call
        assertThat(hang.cancel()).isTrue();
        assertThat(hang.code().await(5, SECONDS)).isEqualTo(StatusCode.CANCELLED);
        service.hangDone.future().await(5, SECONDS); // the server side has ended too
    }

    static void assertCounts(CallCounts counts, long started, long succeeded, long failed, Instant from, Instant to) {
        assertThat(counts.started()).as("started").isEqualTo(started);
        assertThat(counts.succeeded()).as("succeeded").isEqualTo(succeeded);
        assertThat(counts.failed()).as("failed").isEqualTo(failed);
        assertThat(counts.lastStarted()).isBetween(from, to);
    }

    static Instant nowMillis() {
        return Instant.ofEpochMilli(System.currentTimeMillis());
    }

    @Test
    void http2_okFailedCancelled_exactCounts_subchannelReadyAtItsAddress_listenSocket() throws Exception {
        Server server = RpcVertx.server(vertx);
        servers.add(server);
        int port = server.addInsecurePort("127.0.0.1:0").await(5, SECONDS);
        started(server, () -> null);
        String target = "127.0.0.1:" + port;
        Channel channel = channel(RpcVertx.insecureChannel(vertx, target));
        ChannelStats before = channel.stats().await(5, SECONDS);
        assertThat(before.calls()).isEqualTo(CallCounts.NONE);
        assertThat(before.state()).isEqualTo(ChannelConnectivity.IDLE);

        Instant from = nowMillis();
        okFailedCancelled(channel);
        Instant to = nowMillis();

        ChannelStats stats = channel.stats().await(5, SECONDS);
        assertThat(stats.target()).isEqualTo(target);
        assertThat(stats.state()).isEqualTo(ChannelConnectivity.READY);
        assertCounts(stats.calls(), 5, 3, 2, from, to);
        assertThat(stats.subchannels()).hasSize(1);
        SubchannelStats sub = stats.subchannels().get(0);
        assertThat(sub.address()).isEqualTo(target);
        assertThat(sub.state()).isEqualTo(ChannelConnectivity.READY);
        // channelz counts streams by how they ended: the server's trailers (OK or not) end 4, the cancel resets 1
        assertCounts(sub.streams(), 5, 4, 1, from, to);

        ServerStats serverStats = server.stats().await(5, SECONDS);
        assertCounts(serverStats.calls(), 5, 3, 2, from, to);
        assertThat(serverStats.listenSockets()).containsExactly(target);
    }

    @Test
    void inProcess_okFailedCancelled_exactCounts_noSubchannels() throws Exception {
        Server server = started(RpcVertx.inProcessServer(vertx, "channelz"), () -> null);
        Channel channel = channel(RpcVertx.inProcessChannel(vertx, "channelz"));

        Instant from = nowMillis();
        okFailedCancelled(channel);
        Instant to = nowMillis();

        ChannelStats stats = channel.stats().await(5, SECONDS);
        assertThat(stats.target()).isEqualTo("channelz");
        assertThat(stats.state()).isEqualTo(ChannelConnectivity.READY);
        assertCounts(stats.calls(), 5, 3, 2, from, to);
        assertThat(stats.subchannels()).isEmpty();

        ServerStats serverStats = server.stats().await(5, SECONDS);
        assertCounts(serverStats.calls(), 5, 3, 2, from, to);
        assertThat(serverStats.listenSockets()).isEmpty();
    }

    @Test
    void eventBus_okFailedCancelled_exactCounts_noSubchannels_noListenSockets() throws Exception {
        Server server = RpcVertx.server(vertx);
        servers.add(server);
        server.addEventBusPort("channelz.eb").await(5, SECONDS);
        started(server, () -> null);
        Channel channel = channel(RpcVertx.eventBusChannel(vertx, "channelz.eb", ChannelOptions.DEFAULT));

        Instant from = nowMillis();
        okFailedCancelled(channel);
        Instant to = nowMillis();

        ChannelStats stats = channel.stats().await(5, SECONDS);
        assertCounts(stats.calls(), 5, 3, 2, from, to);
        assertThat(stats.subchannels()).isEmpty();
        ServerStats serverStats = server.stats().await(5, SECONDS);
        assertCounts(serverStats.calls(), 5, 3, 2, from, to);
        assertThat(serverStats.listenSockets()).isEmpty();
    }

    @Test
    void relay_serverCallsAndItsOwnChannelCalls_countedApart() throws Exception {
        Server backend = started(RpcVertx.inProcessServer(vertx, "backend"), () -> null);
        Channel downstream = channel(RpcVertx.inProcessChannel(vertx, "backend"));
        Server front = RpcVertx.server(vertx);
        int port = front.addInsecurePort("127.0.0.1:0").await(5, SECONDS);
        started(front, () -> downstream);
        Channel channel = channel(RpcVertx.insecureChannel(vertx, "127.0.0.1:" + port));

        assertThat(channel.unaryUnary(ObservedService.RELAY)
                        .call("x")
                        .response()
                        .await(5, SECONDS))
                .isEqualTo("relayed x");

        assertThat(front.stats().await(5, SECONDS).calls().succeeded()).isEqualTo(1);
        assertThat(downstream.stats().await(5, SECONDS).calls().succeeded()).isEqualTo(1);
        assertThat(backend.stats().await(5, SECONDS).calls().succeeded()).isEqualTo(1);
        assertThat(channel.stats().await(5, SECONDS).calls().succeeded()).isEqualTo(1);
    }

    @Test
    void http2_manyConcurrentCalls_fromManyThreads_countsExact() throws Exception {
        Server server = RpcVertx.server(vertx);
        servers.add(server);
        int port = server.addInsecurePort("127.0.0.1:0").await(5, SECONDS);
        started(server, () -> null);
        Channel channel = channel(RpcVertx.insecureChannel(vertx, "127.0.0.1:" + port));
        int threads = 4;
        int perThread = 100;
        List<Thread> workers = new ArrayList<>();
        List<Future<String>> responses = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int t = 0; t < threads; t++) {
            int id = t;
            Thread w = new Thread(() -> {
                for (int i = 0; i < perThread; i++) {
                    // every tenth fails on the server: both outcomes race on the counters
                    responses.add(channel.unaryUnary(UNARY)
                            .call(i % 10 == 0 ? "fail" : id + "-" + i)
                            .response());
                }
            });
            workers.add(w);
            w.start();
        }
        for (Thread w : workers) {
            w.join(10_000);
        }
        assertThat(responses).hasSize(threads * perThread);
        Future.join(new ArrayList<>(responses)).otherwiseEmpty().await(30, SECONDS);
        long failing = threads * (perThread / 10);

        CallCounts calls = channel.stats().await(5, SECONDS).calls();
        assertThat(calls.started()).isEqualTo(threads * perThread);
        assertThat(calls.succeeded()).isEqualTo(threads * perThread - failing);
        assertThat(calls.failed()).isEqualTo(failing);
        CallCounts served = server.stats().await(5, SECONDS).calls();
        assertThat(served.started()).isEqualTo(threads * perThread);
        assertThat(served.succeeded()).isEqualTo(threads * perThread - failing);
        assertThat(served.failed()).isEqualTo(failing);
    }
}
