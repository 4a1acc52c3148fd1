package io.rpcvertx.it.inprocess;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rpcvertx.CallOptions;
import io.rpcvertx.Channel;
import io.rpcvertx.ChannelConnectivity;
import io.rpcvertx.ChannelOptions;
import io.rpcvertx.ConnectRequest;
import io.rpcvertx.Marshaller;
import io.rpcvertx.MethodDescriptor;
import io.rpcvertx.MethodType;
import io.rpcvertx.RpcException;
import io.rpcvertx.RpcMethodHandler;
import io.rpcvertx.RpcVertx;
import io.rpcvertx.Server;
import io.rpcvertx.ServerOptions;
import io.rpcvertx.ServiceDefinition;
import io.rpcvertx.StatusCode;
import io.rpcvertx.UnaryUnaryCall;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What only the in-process transport has: names instead of addresses (claimed, released, looked up per call), the
 * connectivity of a channel without a connection, and calls spread over the server's IO event loops. The call
 * semantics themselves are the contract suite's ({@code io.rpcvertx.it.contract.CallContractIT}).
 */
@ExtendWith(VertxExtension.class)
@Timeout(60)
class InProcessIT {
    static final Marshaller<String> UTF8 = Marshaller.of(s -> Buffer.buffer(s.getBytes(UTF_8)), b -> b.toString(UTF_8));
    static final MethodDescriptor<String, String> ECHO =
            MethodDescriptor.of(MethodType.UNARY_UNARY, "it.InProcess/Echo", UTF8, UTF8);

    Vertx vertx;
    String name;
    final List<Server> servers = new ArrayList<>();
    final List<Channel> channels = new ArrayList<>();

    @BeforeEach
    void setUp(Vertx vertx) {
        this.vertx = vertx;
        this.name = "in-process-it-" + UUID.randomUUID();
    }

    @AfterEach
    void tearDown() throws Exception {
        for (Channel c : channels) {
            c.close().await(5, SECONDS);
        }
        for (Server s : servers) {
            s.stop(null).await(5, SECONDS);
        }
    }

    /** A server of {@link #name} that answers {@code <tag>:<request>}; not started. */
    Server server(String tag, ServerOptions options) {
        Server server = RpcVertx.inProcessServer(vertx, name, options);
        servers.add(server);
        server.addGenericRpcHandlers(ServiceDefinition.of(
                "it.InProcess",
                RpcMethodHandler.unaryUnary(ECHO, (request, ctx) -> Future.succeededFuture(tag + ":" + request))));
        return server;
    }

    Channel channel() {
        Channel channel = RpcVertx.inProcessChannel(vertx, name);
        channels.add(channel);
        return channel;
    }

    static StatusCode code(Channel channel, CallOptions options) throws Exception {
        return channel.unaryUnary(ECHO).call("x", options).code().await(10, SECONDS);
    }

    @Test
    void start_nameHeldByAnotherServer_failsWithIllegalState_theFirstKeepsServing() throws Exception {
        server("first", ServerOptions.DEFAULT).start().await(5, SECONDS);
        Server second = server("second", ServerOptions.DEFAULT);

        assertThatThrownBy(() -> second.start().await(5, SECONDS))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(name);
        assertThat(channel().unaryUnary(ECHO).call("x").response().await(5, SECONDS))
                .isEqualTo("first:x");
        assertThat(second.waitForTermination(Duration.ofSeconds(5)).await(10, SECONDS))
                .isTrue();
    }

    @Test
    void stop_releasesTheName_aNewServerTakesIt_andTheSameChannelFindsIt() throws Exception {
        Server first = server("first", ServerOptions.DEFAULT);
        first.start().await(5, SECONDS);
        Channel channel = channel();
        assertThat(channel.unaryUnary(ECHO).call("a").response().await(5, SECONDS))
                .isEqualTo("first:a");

        first.stop(Duration.ofSeconds(5)).await(5, SECONDS);
        UnaryUnaryCall<String, String> between = channel.unaryUnary(ECHO).call("b");
        assertThat(between.code().await(5, SECONDS)).isEqualTo(StatusCode.UNAVAILABLE);
        assertThat(between.details().await(5, SECONDS)).contains(name);
        assertThat(channel.getState()).isEqualTo(ChannelConnectivity.TRANSIENT_FAILURE);
        Future<ChannelConnectivity> change = channel.waitForStateChange(ChannelConnectivity.TRANSIENT_FAILURE);

        server("second", ServerOptions.DEFAULT).start().await(5, SECONDS);
        assertThat(change.await(5, SECONDS))
                .as("READY once a server of the name starts, as a channel reconnects")
                .isEqualTo(ChannelConnectivity.READY);
        assertThat(channel.unaryUnary(ECHO).call("c").response().await(5, SECONDS))
                .isEqualTo("second:c");
        assertThat(channel.getState()).isEqualTo(ChannelConnectivity.READY);
    }

    @Test
    void beforeStart_callsUnavailable_waitForReadyCallsWaitForTheStart() throws Exception {
        Server server = server("late", ServerOptions.DEFAULT);
        Channel channel = channel();

        UnaryUnaryCall<String, String> waiting = channel.unaryUnary(ECHO)
                .call("w", CallOptions.DEFAULT.withWaitForReady(true).withTimeout(Duration.ofSeconds(20)));
        assertThat(code(channel, CallOptions.DEFAULT)).isEqualTo(StatusCode.UNAVAILABLE);
        assertThat(waiting.isDone()).as("the wait-for-ready call still waits").isFalse();
        server.start().await(5, SECONDS);

        assertThat(waiting.response().await(5, SECONDS)).isEqualTo("late:w");
    }

    @Test
    void waitForReady_noServerBeforeTheDeadline_deadlineExceeded() throws Exception {
        Channel channel = channel();

        assertThat(code(channel, CallOptions.DEFAULT.withWaitForReady(true).withTimeout(Duration.ofMillis(200))))
                .isEqualTo(StatusCode.DEADLINE_EXCEEDED);
    }

    @Test
    void connectivity_idle_transientFailureWithoutServer_readyOnceItStarts_shutdownOnClose() throws Exception {
        Channel channel = channel();
        assertThat(channel.getState()).isEqualTo(ChannelConnectivity.IDLE);

        channel.getState(ConnectRequest.TRY_TO_CONNECT);
        assertThat(channel.waitForStateChange(ChannelConnectivity.IDLE).await(5, SECONDS))
                .isEqualTo(ChannelConnectivity.TRANSIENT_FAILURE);
        Future<Void> ready = channel.channelReady();
        Future<ChannelConnectivity> change = channel.waitForStateChange(ChannelConnectivity.TRANSIENT_FAILURE);
        assertThat(ready.isComplete()).isFalse();
        server("s", ServerOptions.DEFAULT).start().await(5, SECONDS);

        ready.await(5, SECONDS);
        assertThat(change.await(5, SECONDS)).isEqualTo(ChannelConnectivity.READY);
        channel.close().await(5, SECONDS);
        assertThat(channel.getState()).isEqualTo(ChannelConnectivity.SHUTDOWN);
        assertThat(code(channel, CallOptions.DEFAULT)).isEqualTo(StatusCode.UNAVAILABLE);
    }

    @Test
    void channelOfAnotherVertx_unavailable() throws Exception {
        server("s", ServerOptions.DEFAULT).start().await(5, SECONDS);
        Vertx other = Vertx.vertx();
        try {
            Channel channel = RpcVertx.inProcessChannel(other, name);
            UnaryUnaryCall<String, String> call = channel.unaryUnary(ECHO).call("x");

            assertThat(call.code().await(5, SECONDS)).isEqualTo(StatusCode.UNAVAILABLE);
            assertThat(call.details().await(5, SECONDS)).contains("another Vertx");
            channel.close().await(5, SECONDS);
        } finally {
            other.close().await(5, SECONDS);
        }
    }

    @Test
    void serverWithATcpPortToo_servesBothTransports() throws Exception {
        Server server = server("both", ServerOptions.DEFAULT);
        int port = server.addInsecurePort("127.0.0.1:0").await(5, SECONDS);
        server.start().await(5, SECONDS);
        Channel tcp = RpcVertx.insecureChannel(vertx, "127.0.0.1:" + port);
        channels.add(tcp);

        assertThat(channel().unaryUnary(ECHO).call("a").response().await(5, SECONDS))
                .isEqualTo("both:a");
        assertThat(tcp.unaryUnary(ECHO).call("b").response().await(5, SECONDS)).isEqualTo("both:b");
    }

    @Test
    void calls_spreadOverTheServersIoEventLoops_roundRobin() throws Exception {
        Set<String> threads = ConcurrentHashMap.newKeySet();
        Server server = RpcVertx.inProcessServer(vertx, name, ServerOptions.DEFAULT.withIoInstances(2));
        servers.add(server);
        server.addGenericRpcHandlers(ServiceDefinition.of(
                "it.InProcess", RpcMethodHandler.unaryUnary(ECHO, (request, ctx) -> {
                    threads.add(Thread.currentThread().getName() + " " + Context.isOnEventLoopThread());
                    return Future.succeededFuture(request);
                })));
        server.start().await(5, SECONDS);
        Channel channel = channel();

        for (int i = 0; i < 10; i++) {
            channel.unaryUnary(ECHO).call("x").response().await(5, SECONDS);
        }

        assertThat(threads).hasSize(2).allSatisfy(t -> assertThat(t).endsWith(" true"));
    }

    @Test
    void retryPolicy_retriesOverTheInProcessTransport() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        Server server = RpcVertx.inProcessServer(vertx, name);
        servers.add(server);
        server.addGenericRpcHandlers(ServiceDefinition.of(
                "it.InProcess",
                RpcMethodHandler.unaryUnary(
                        ECHO,
                        (request, ctx) -> attempts.incrementAndGet() < 3
                                ? Future.failedFuture(new RpcException(StatusCode.UNAVAILABLE, "try again"))
                                : Future.succeededFuture("third:" + request))));
        server.start().await(5, SECONDS);
        String config = "{\"methodConfig\": [{\"name\": [{\"service\": \"it.InProcess\"}], \"retryPolicy\": {"
                + "\"maxAttempts\": 3, \"initialBackoff\": \"0.01s\", \"maxBackoff\": \"0.01s\","
                + " \"backoffMultiplier\": 1, \"retryableStatusCodes\": [\"UNAVAILABLE\"]}}]}";
        Channel channel = RpcVertx.inProcessChannel(vertx, name, ChannelOptions.DEFAULT.withServiceConfig(config));
        channels.add(channel);

        assertThat(channel.unaryUnary(ECHO).call("x").response().await(5, SECONDS))
                .isEqualTo("third:x");
        assertThat(attempts.get()).isEqualTo(3);
    }
}
