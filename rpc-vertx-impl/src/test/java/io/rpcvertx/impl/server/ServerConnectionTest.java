package io.rpcvertx.impl.server;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.rpcvertx.CallOptions;
import io.rpcvertx.Channel;
import io.rpcvertx.Http2Transport;
import io.rpcvertx.Marshaller;
import io.rpcvertx.Metadata;
import io.rpcvertx.MethodDescriptor;
import io.rpcvertx.MethodType;
import io.rpcvertx.RpcMethodHandler;
import io.rpcvertx.RpcVertx;
import io.rpcvertx.Server;
import io.rpcvertx.ServerOptions;
import io.rpcvertx.ServiceDefinition;
import io.rpcvertx.StatusCode;
import io.rpcvertx.impl.transport.GoAwayDebugData;
import io.rpcvertx.impl.transport.ServerConnectionPolicy;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.GoAway;
import io.vertx.core.http.Http2Settings;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientConnection;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpConnectOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Connection-level server behaviour against raw HTTP/2 peers: keepalive enforcement and pings, idle and age limits,
 * the advertised settings, the double GOAWAY of a stop, and the call-done signals to the control context.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(Http2Transport.class)
@ExtendWith(VertxExtension.class)
@Timeout(60)
class ServerConnectionTest {
    /** The server's HTTP/2 transport: both keep the same connection policy. */
    @Parameter
    Http2Transport transport;

    static final Marshaller<String> UTF8 = Marshaller.of(s -> Buffer.buffer(s.getBytes(UTF_8)), b -> b.toString(UTF_8));
    static final MethodDescriptor<String, String> ECHO =
            MethodDescriptor.of(MethodType.UNARY_UNARY, "test.Conn/Echo", UTF8, UTF8);
    static final MethodDescriptor<String, String> HOLD =
            MethodDescriptor.of(MethodType.UNARY_UNARY, "test.Conn/Hold", UTF8, UTF8);
    /** Replies with 2 MiB: a response that stays in flight while the client does not read. */
    static final MethodDescriptor<String, String> BIG =
            MethodDescriptor.of(MethodType.UNARY_UNARY, "test.Conn/Big", UTF8, UTF8);
    /** Like HOLD, but the handler ignores the end of its call: only the test completes its future. */
    static final MethodDescriptor<String, String> LINGER =
            MethodDescriptor.of(MethodType.UNARY_UNARY, "test.Conn/Linger", UTF8, UTF8);

    static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(UTF_8);
    /** An empty SETTINGS frame: length 0, type 4, no flags, stream 0. */
    static final byte[] EMPTY_SETTINGS = {0, 0, 0, 4, 0, 0, 0, 0, 0};

    Vertx vertx;
    final List<Server> servers = new ArrayList<>();
    final List<Channel> channels = new ArrayList<>();
    HttpClientAgent agent;
    /** The one event loop the raw test client runs on. */
    Context clientContext;

    int port;
    /** Each held call's pending response, in arrival order; also what its handler saw. */
    final LinkedBlockingQueue<Held> held = new LinkedBlockingQueue<>();

    record Held(Promise<String> response, String peer, CompletableFuture<Boolean> cancelled) {}

    @BeforeEach
    void setUp(Vertx vertx) {
        this.vertx = vertx;
        this.clientContext = ((io.vertx.core.internal.VertxInternal) vertx).createEventLoopContext();
        agent = vertx.httpClientBuilder()
                .with(new HttpClientOptions()
                        .setProtocolVersion(HttpVersion.HTTP_2)
                        .setHttp2ClearTextUpgrade(false))
                .build();
    }

    @AfterEach
    void tearDown() throws Exception {
        for (Channel c : channels) {
            c.close().await(5, SECONDS);
        }
        agent.close().await(5, SECONDS);
        for (Server s : servers) {
            s.stop(null).await(5, SECONDS);
        }
    }

    ServerImpl startServer(ServerOptions options) throws Exception {
        // one IO instance unless a test asks for more: its connections then share one event loop
        ServerOptions o = options.withHttp2Transport(transport);
        Server server = RpcVertx.server(vertx, o.ioInstances() == 0 ? o.withIoInstances(1) : o);
        servers.add(server);
        server.addGenericRpcHandlers(ServiceDefinition.of(
                "test.Conn",
                RpcMethodHandler.unaryUnary(ECHO, (req, ctx) -> Future.succeededFuture(req)),
                RpcMethodHandler.unaryUnary(BIG, (req, ctx) -> Future.succeededFuture("b".repeat(2 * 1024 * 1024))),
                RpcMethodHandler.unaryUnary(HOLD, (req, ctx) -> {
                    Promise<String> response = Promise.promise();
                    CompletableFuture<Boolean> cancelled = new CompletableFuture<>();
                    ctx.addDoneCallback(v -> {
                        cancelled.complete(ctx.isCancelled());
                        response.tryFail("the call has ended");
                    });
                    held.add(new Held(response, ctx.peer(), cancelled));
                    return response.future();
                }),
                RpcMethodHandler.unaryUnary(LINGER, (req, ctx) -> {
                    Promise<String> response = Promise.promise();
                    CompletableFuture<Boolean> cancelled = new CompletableFuture<>();
                    ctx.addDoneCallback(v -> cancelled.complete(ctx.isCancelled()));
                    held.add(new Held(response, ctx.peer(), cancelled));
                    return response.future();
                })));
        port = server.addInsecurePort("127.0.0.1:0").await(5, SECONDS);
        server.start().await(5, SECONDS);
        return (ServerImpl) server;
    }

    /**
     * A PING sent from the connection's own event loop: Vert.x keeps its pending pings in a plain queue, so a ping
     * issued from the test thread races the acknowledgement read on the loop and can be lost.
     */
    Future<Buffer> ping(HttpClientConnection connection, Buffer data) {
        Promise<Buffer> acked = Promise.promise();
        clientContext.runOnContext(v -> connection.ping(data).onComplete(acked));
        return acked.future();
    }

    HttpClientConnection connect(int port) throws Exception {
        Promise<HttpClientConnection> connected = Promise.promise();
        clientContext.runOnContext(
                v -> agent.connect(new HttpConnectOptions().setHost("127.0.0.1").setPort(port))
                        .onComplete(connected));
        return connected.future().await(5, SECONDS);
    }

    Channel channel(int port) {
        Channel channel = RpcVertx.insecureChannel(vertx, "127.0.0.1:" + port);
        channels.add(channel);
        return channel;
    }

    /**
     * Sends a PING without waiting for its ack: Vert.x's client may lose an ack that arrives before the ping's own write
     * completed, so tests prove the server has read their pings with {@link #roundTrip} instead.
     */
    /** A PING, not awaited (its ack may be lost with a connection the server closes), sent from the client's loop. */
    void ping(HttpClientConnection connection, long payload) {
        ping(connection, Buffer.buffer(8).appendLong(payload));
    }

    /** A SETTINGS round trip: the server has read every frame sent before it, and it is no response data. */
    static void roundTrip(HttpClientConnection connection) throws Exception {
        connection.updateSettings(new Http2Settings()).await(5, SECONDS);
    }

    /** A unary ECHO on a raw connection; its gRPC status. */
    String echo(HttpClientConnection connection) throws Exception {
        return rawCall(connection, ECHO).await(5, SECONDS);
    }

    /** A unary call on a raw connection; completes with its gRPC status (or the failure's text). */
    Future<String> rawCall(HttpClientConnection connection, MethodDescriptor<String, String> method) {
        RequestOptions options = new RequestOptions()
                .setMethod(HttpMethod.POST)
                .setHost("127.0.0.1")
                .setPort(port)
                .setURI(method.path());
        return connection
                .request(options)
                .compose(req -> {
                    req.headers().add("content-type", "application/grpc").add("te", "trailers");
                    byte[] payload = "hi".getBytes(UTF_8);
                    Buffer frame = Buffer.buffer()
                            .appendByte((byte) 0)
                            .appendInt(payload.length)
                            .appendBytes(payload);
                    return req.send(frame)
                            .compose(resp -> resp.end().map(v -> {
                                String status = resp.getHeader("grpc-status");
                                return status != null ? status : resp.getTrailer("grpc-status");
                            }));
                })
                .recover(err -> Future.succeededFuture(err.toString()));
    }

    // ---------------------------------------------------------------- settings

    @Test
    void settings_advertiseMaxConcurrentStreamsAndMaxHeaderListSize() throws Exception {
        startServer(ServerOptions.DEFAULT);

        HttpClientConnection connection = connect(port);

        assertThat(connection.remoteSettings().getMaxConcurrentStreams())
                .isEqualTo(ServerOptions.DEFAULT_MAX_CONCURRENT_STREAMS);
        assertThat(connection.remoteSettings().getMaxHeaderListSize())
                .isEqualTo(ServerOptions.DEFAULT_MAX_HEADER_LIST_SIZE);
    }

    @Test
    void settings_configuredValuesAdvertised() throws Exception {
        startServer(ServerOptions.DEFAULT.withMaxConcurrentStreams(7).withMaxHeaderListSize(16_384));

        HttpClientConnection connection = connect(port);

        assertThat(connection.remoteSettings().getMaxConcurrentStreams()).isEqualTo(7);
        assertThat(connection.remoteSettings().getMaxHeaderListSize()).isEqualTo(16_384);
    }

    @Test
    void metadataOverAdvertisedMaxHeaderListSize_callFails_connectionStaysUsable() throws Exception {
        startServer(ServerOptions.DEFAULT.withMaxHeaderListSize(1024));
        Channel channel = channel(port);

        var big = channel.unaryUnary(ECHO)
                .call("x", CallOptions.DEFAULT.withMetadata(Metadata.of("x-big", "b".repeat(2048))));

        assertThat(big.code().await(5, SECONDS)).isNotEqualTo(StatusCode.OK);
        assertThat(channel.unaryUnary(ECHO).call("ok").response().await(5, SECONDS))
                .isEqualTo("ok");
    }

    // ---------------------------------------------------------------- keepalive enforcement

    @Test
    void clientPingsTooOften_withoutCalls_goAwayEnhanceYourCalmTooManyPings() throws Exception {
        startServer(ServerOptions.DEFAULT);
        HttpClientConnection connection = connect(port);
        CompletableFuture<GoAway> goAway = new CompletableFuture<>();
        CompletableFuture<Void> closed = new CompletableFuture<>();
        connection.goAwayHandler(ga -> goAway.complete(GoAwayDebugData.detach(ga)));
        connection.closeHandler(v -> closed.complete(null));

        // grpc-java's KeepAliveEnforcer: two strikes are tolerated, the third ping is one too many
        for (int i = 0; i < ServerConnectionPolicy.MAX_PING_STRIKES; i++) {
            ping(connection, i);
        }
        roundTrip(connection);
        assertThat(goAway).as("two strikes are tolerated").isNotDone();
        ping(connection, -1);

        GoAway received = goAway.get(5, SECONDS);
        assertThat(received.getErrorCode()).isEqualTo(0xb);
        assertThat(received.getDebugData().toString(UTF_8)).isEqualTo("too_many_pings");
        closed.get(5, SECONDS);
    }

    @Test
    void clientPings_permittedWithoutCallsAndInterval0_connectionStaysUsable() throws Exception {
        startServer(ServerOptions.DEFAULT.withPermitKeepAliveWithoutCalls(true).withPermitKeepAliveTime(Duration.ZERO));
        HttpClientConnection connection = connect(port);
        CompletableFuture<GoAway> goAway = new CompletableFuture<>();
        connection.goAwayHandler(ga -> goAway.complete(GoAwayDebugData.detach(ga)));

        for (int i = 0; i < 10; i++) {
            ping(connection, i);
        }
        roundTrip(connection);

        assertThat(goAway).isNotDone();
        assertThat(echo(connection)).isEqualTo("0");
    }

    @Test
    void clientPings_afterResponseData_areForgiven() throws Exception {
        startServer(ServerOptions.DEFAULT);
        HttpClientConnection connection = connect(port);
        CompletableFuture<GoAway> goAway = new CompletableFuture<>();
        connection.goAwayHandler(ga -> goAway.complete(GoAwayDebugData.detach(ga)));

        // like BDP pings: each follows response data, which resets the strikes
        for (int i = 0; i < 6; i++) {
            assertThat(echo(connection)).isEqualTo("0");
            ping(connection, i);
            ping(connection, i);
            roundTrip(connection);
        }

        assertThat(goAway).isNotDone();
        assertThat(echo(connection)).isEqualTo("0");
    }

    @Test
    void clientPings_whileLargeResponseIsInFlight_areNotCounted() throws Exception {
        startServer(ServerOptions.DEFAULT);
        HttpClientConnection connection = connect(port);
        CompletableFuture<GoAway> goAway = new CompletableFuture<>();
        connection.goAwayHandler(ga -> goAway.complete(GoAwayDebugData.detach(ga)));
        RequestOptions options = new RequestOptions()
                .setMethod(HttpMethod.POST)
                .setHost("127.0.0.1")
                .setPort(port)
                .setURI(BIG.path());
        Buffer frame = Buffer.buffer().appendByte((byte) 0).appendInt(1).appendByte((byte) 'x');
        // the client reads nothing yet: flow control holds the 2 MiB response on the server, its write in flight
        HttpClientResponse response = connection
                .request(options)
                .compose(req -> {
                    req.headers().add("content-type", "application/grpc").add("te", "trailers");
                    return req.send(frame).map(resp -> {
                        resp.pause();
                        return resp;
                    });
                })
                .await(5, SECONDS);

        // like HTTP/2 BDP pings while a download is under way: many more than the strikes allowed
        for (int i = 0; i < 3 * ServerConnectionPolicy.MAX_PING_STRIKES; i++) {
            ping(connection, i);
        }
        roundTrip(connection);
        assertThat(goAway).isNotDone();

        Future<Buffer> body = response.body();
        response.resume();
        assertThat(body.await(10, SECONDS).length()).isGreaterThan(2 * 1024 * 1024);
        assertThat(response.getTrailer("grpc-status")).isEqualTo("0");
        assertThat(goAway).isNotDone();
    }

    // ---------------------------------------------------------------- server keepalive

    @Test
    void keepAliveTime_quietConnection_serverPings() throws Exception {
        startServer(ServerOptions.DEFAULT.withKeepAliveTime(Duration.ofMillis(50)));
        HttpClientConnection connection = connect(port);
        AtomicInteger pings = new AtomicInteger();
        CompletableFuture<Void> twoPings = new CompletableFuture<>();
        connection.pingHandler(data -> {
            if (pings.incrementAndGet() == 2) {
                twoPings.complete(null);
            }
        });

        twoPings.get(10, SECONDS);
        assertThat(echo(connection))
                .as("acknowledged pings keep the connection")
                .isEqualTo("0");
    }

    @Test
    void keepAliveTimeout_pingNotAcknowledged_serverClosesConnection() throws Exception {
        startServer(ServerOptions.DEFAULT
                .withKeepAliveTime(Duration.ofMillis(50))
                .withKeepAliveTimeout(Duration.ofMillis(200)));
        NetClient net = vertx.createNetClient();
        NetSocket socket = net.connect(port, "127.0.0.1").await(5, SECONDS);
        CompletableFuture<Void> closed = new CompletableFuture<>();
        Buffer received = Buffer.buffer();
        socket.handler(received::appendBuffer);
        socket.closeHandler(v -> closed.complete(null));

        // a peer that speaks HTTP/2 but never acknowledges a PING
        socket.write(Buffer.buffer(PREFACE).appendBytes(EMPTY_SETTINGS)).await(5, SECONDS);

        closed.get(10, SECONDS);
        assertThat(containsFrameType(received, 6)).as("the server sent a PING").isTrue();
        net.close().await(5, SECONDS);
    }

    /** Whether a received byte stream holds an HTTP/2 frame of {@code type} (after the server preface). */
    static boolean containsFrameType(Buffer bytes, int type) {
        int pos = 0;
        while (pos + 9 <= bytes.length()) {
            int length = bytes.getUnsignedMedium(pos);
            if (bytes.getUnsignedByte(pos + 3) == type) {
                return true;
            }
            pos += 9 + length;
        }
        return false;
    }

    // ---------------------------------------------------------------- idle and age

    @Test
    void maxConnectionIdle_noCalls_goAwayThenClose() throws Exception {
        startServer(ServerOptions.DEFAULT.withMaxConnectionIdle(Duration.ofMillis(200)));
        HttpClientConnection connection = connect(port);
        CompletableFuture<GoAway> goAway = new CompletableFuture<>();
        CompletableFuture<Void> closed = new CompletableFuture<>();
        connection.goAwayHandler(ga -> goAway.complete(GoAwayDebugData.detach(ga)));
        connection.closeHandler(v -> closed.complete(null));

        assertThat(echo(connection)).isEqualTo("0");

        assertThat(goAway.get(10, SECONDS).getErrorCode()).isZero();
        closed.get(10, SECONDS);
    }

    @Test
    void maxConnectionIdle_callInFlight_connectionKept() throws Exception {
        startServer(ServerOptions.DEFAULT.withMaxConnectionIdle(Duration.ofMillis(100)));
        Channel channel = channel(port);
        var call = channel.unaryUnary(HOLD).call("a");
        Held first = held.poll(5, SECONDS);
        // a second, later connection's idle GOAWAY shows the first connection's timer had its time
        HttpClientConnection other = connect(port);
        CompletableFuture<GoAway> otherGoAway = new CompletableFuture<>();
        other.goAwayHandler(ga -> otherGoAway.complete(GoAwayDebugData.detach(ga)));
        otherGoAway.get(10, SECONDS);

        vertx.runOnContext(v -> first.response().complete("done"));

        assertThat(call.response().await(5, SECONDS)).isEqualTo("done");
        assertThat(first.cancelled().get(5, SECONDS)).isFalse();
    }

    @Test
    void maxConnectionAge_goAwayThenCallFinishesWithinGrace_thenClose() throws Exception {
        startServer(ServerOptions.DEFAULT
                .withMaxConnectionAge(Duration.ofMillis(200))
                .withMaxConnectionAgeGrace(Duration.ofSeconds(30)));
        HttpClientConnection connection = connect(port);
        CompletableFuture<GoAway> goAway = new CompletableFuture<>();
        CompletableFuture<Void> closed = new CompletableFuture<>();
        connection.goAwayHandler(ga -> goAway.complete(GoAwayDebugData.detach(ga)));
        connection.closeHandler(v -> closed.complete(null));
        Future<String> status = rawCall(connection, HOLD);
        Held h = held.poll(5, SECONDS);

        assertThat(goAway.get(10, SECONDS).getErrorCode()).isZero();
        assertThat(closed).as("the call in flight keeps the connection").isNotDone();
        vertx.runOnContext(v -> h.response().complete("done"));

        assertThat(status.await(5, SECONDS)).isEqualTo("0");
        assertThat(h.cancelled().get(5, SECONDS)).isFalse();
        closed.get(5, SECONDS);
    }

    @Test
    void maxConnectionAge_graceExpires_callCancelled() throws Exception {
        startServer(ServerOptions.DEFAULT
                .withMaxConnectionAge(Duration.ofMillis(100))
                .withMaxConnectionAgeGrace(Duration.ofMillis(200)));
        Channel channel = channel(port);

        var call = channel.unaryUnary(HOLD).call("a");
        Held h = held.poll(5, SECONDS);

        assertThat(h.cancelled().get(10, SECONDS)).isTrue();
        assertThat(call.code().await(5, SECONDS)).isIn(StatusCode.CANCELLED, StatusCode.UNAVAILABLE);
    }

    // ---------------------------------------------------------------- stop

    @Test
    void stop_firstGoAwayHasLastStreamIdMax_inFlightCallCompletes() throws Exception {
        ServerImpl server = startServer(ServerOptions.DEFAULT);
        HttpClientConnection connection = connect(port);
        CompletableFuture<GoAway> goAway = new CompletableFuture<>();
        connection.goAwayHandler(ga -> goAway.complete(GoAwayDebugData.detach(ga)));
        RequestOptions options = new RequestOptions()
                .setMethod(HttpMethod.POST)
                .setHost("127.0.0.1")
                .setPort(port)
                .setURI(HOLD.path());
        CompletableFuture<String> status = new CompletableFuture<>();
        connection
                .request(options)
                .compose(req -> {
                    req.headers().add("content-type", "application/grpc").add("te", "trailers");
                    Buffer frame =
                            Buffer.buffer().appendByte((byte) 0).appendInt(1).appendByte((byte) 'x');
                    return req.send(frame).compose(resp -> resp.end().map(v -> resp.getTrailer("grpc-status")));
                })
                .onComplete((s, e) -> status.complete(e == null ? s : e.toString()));
        Held h = held.poll(5, SECONDS);

        Future<Void> stopped = server.stop(Duration.ofSeconds(30));

        // Vert.x reports only the first GOAWAY; ours keeps every stream the client may have sent
        assertThat(goAway.get(5, SECONDS).getLastStreamId()).isEqualTo(Integer.MAX_VALUE);
        assertThat(stopped.isComplete()).isFalse();
        vertx.runOnContext(v -> h.response().complete("late"));
        assertThat(status.get(5, SECONDS)).isEqualTo("0");
        stopped.await(5, SECONDS);
        assertThat(h.cancelled().get(5, SECONDS)).isFalse();
    }

    @Test
    void stop_callsDoneSignalsReachControl() throws Exception {
        ServerImpl server = startServer(ServerOptions.DEFAULT.withIoInstances(2));
        Channel channel = channel(port);
        int calls = 25;
        List<Future<String>> replies = new ArrayList<>();
        for (int i = 0; i < calls; i++) {
            replies.add(channel.unaryUnary(ECHO).call("m" + i).response());
        }
        Future.all(replies).await(5, SECONDS);

        server.stop(Duration.ofSeconds(5)).await(5, SECONDS);

        // the last CallsDone of each IO instance precedes its Drained, and the stop waits for every Drained
        CompletableFuture<Long> done = new CompletableFuture<>();
        server.owner.runOnContext(v -> done.complete(server.callsDone()));
        assertThat(done.get(5, SECONDS)).isEqualTo(calls);
    }

    @Test
    void stop_abort_completesOnlyAfterHandlerTerminates() throws Exception {
        ServerImpl server = startServer(ServerOptions.DEFAULT);
        Channel channel = channel(port);
        var call = channel.unaryUnary(LINGER).call("a");
        Held h = held.poll(5, SECONDS);

        Future<Void> stopped = server.stop(null);

        assertThat(h.cancelled().get(5, SECONDS))
                .as("the handler saw the cancellation")
                .isTrue();
        assertThat(call.code().await(5, SECONDS)).isIn(StatusCode.CANCELLED, StatusCode.UNAVAILABLE);
        // the call is over, but its handler's future is still pending: the server has not terminated
        assertThat(server.waitForTermination(Duration.ofMillis(200)).await(5, SECONDS))
                .isFalse();
        assertThat(stopped.isComplete()).isFalse();
        vertx.runOnContext(v -> h.response().tryFail("finally done"));
        stopped.await(5, SECONDS);
    }
}
