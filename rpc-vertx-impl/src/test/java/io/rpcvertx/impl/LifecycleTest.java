package io.rpcvertx.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rpcvertx.Channel;
import io.rpcvertx.ChannelConnectivity;
import io.rpcvertx.Marshaller;
import io.rpcvertx.MethodDescriptor;
import io.rpcvertx.MethodType;
import io.rpcvertx.RpcMethodHandler;
import io.rpcvertx.RpcVertx;
import io.rpcvertx.Server;
import io.rpcvertx.ServiceDefinition;
import io.rpcvertx.StatusCode;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** Channel close(grace) and server stop(grace) / waitForTermination, the simple cases of grpc.aio's semantics. */
@ExtendWith(VertxExtension.class)
@Timeout(30)
class LifecycleTest {
    static final MethodDescriptor<byte[], byte[]> HOLD =
            MethodDescriptor.of(MethodType.UNARY_UNARY, "test.Life/Hold", Marshaller.BYTES, Marshaller.BYTES);

    Vertx vertx;
    Server server;
    Channel channel;
    /** The handler's pending response: the test completes it to finish the in-flight call. */
    final CompletableFuture<Promise<byte[]>> held = new CompletableFuture<>();

    final CompletableFuture<Boolean> heldCancelled = new CompletableFuture<>();

    @BeforeEach
    void setUp(Vertx vertx) throws Exception {
        this.vertx = vertx;
        server = RpcVertx.server(vertx);
        server.addGenericRpcHandlers(ServiceDefinition.of("test.Life", RpcMethodHandler.unaryUnary(HOLD, (req, ctx) -> {
            Promise<byte[]> p = Promise.promise();
            ctx.addDoneCallback(v -> {
                heldCancelled.complete(ctx.isCancelled());
                // a handler that sees its call cancelled terminates: stop() waits for that
                p.tryFail("cancelled");
            });
            held.complete(p);
            return p.future();
        })));
        int port = server.addInsecurePort("127.0.0.1:0").await(5, TimeUnit.SECONDS);
        server.start().await(5, TimeUnit.SECONDS);
        channel = RpcVertx.insecureChannel(vertx, "127.0.0.1:" + port);
    }

    @AfterEach
    void tearDown() throws Exception {
        channel.close().await(5, TimeUnit.SECONDS);
        server.stop(null).await(5, TimeUnit.SECONDS);
    }

    @Test
    void channelClose_withGrace_letsInFlightCallFinish() throws Exception {
        var call = channel.unaryUnary(HOLD).call(new byte[] {1});
        Promise<byte[]> p = held.get(5, TimeUnit.SECONDS);
        Future<Void> closed = channel.close(Duration.ofSeconds(10));
        assertThat(channel.getState()).isEqualTo(ChannelConnectivity.SHUTDOWN);
        // a new call is refused at once while the old one is still running
        var late = channel.unaryUnary(HOLD).call(new byte[] {2});
        assertThat(late.code().await(5, TimeUnit.SECONDS)).isEqualTo(StatusCode.UNAVAILABLE);
        assertThat(closed.isComplete()).isFalse();
        vertx.runOnContext(v -> p.complete(new byte[] {9}));
        assertThat(call.response().await(5, TimeUnit.SECONDS)).containsExactly(9);
        closed.await(5, TimeUnit.SECONDS);
    }

    @Test
    void channelClose_graceExpires_cancelsInFlightCall() throws Exception {
        var call = channel.unaryUnary(HOLD).call(new byte[] {1});
        held.get(5, TimeUnit.SECONDS);
        channel.close(Duration.ofMillis(100)).await(5, TimeUnit.SECONDS);
        assertThat(call.code().await(5, TimeUnit.SECONDS)).isEqualTo(StatusCode.CANCELLED);
        assertThat(heldCancelled.get(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void channelClose_isIdempotent() throws Exception {
        channel.close().await(5, TimeUnit.SECONDS);
        channel.close(Duration.ofSeconds(1)).await(5, TimeUnit.SECONDS);
        assertThat(channel.getState()).isEqualTo(ChannelConnectivity.SHUTDOWN);
        assertThatThrownBy(() -> channel.channelReady().await(5, TimeUnit.SECONDS))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void serverStop_withGrace_letsInFlightCallFinish_andRefusesNewOnes() throws Exception {
        var call = channel.unaryUnary(HOLD).call(new byte[] {1});
        Promise<byte[]> p = held.get(5, TimeUnit.SECONDS);
        Future<Void> stopped = server.stop(Duration.ofSeconds(10));
        Future<Boolean> terminated = server.waitForTermination(Duration.ofSeconds(10));
        // a later call must not reach a handler: it gets UNAVAILABLE
        var late = channel.unaryUnary(HOLD).call(new byte[] {2});
        assertThat(late.code().await(5, TimeUnit.SECONDS)).isEqualTo(StatusCode.UNAVAILABLE);
        assertThat(stopped.isComplete()).isFalse();
        vertx.runOnContext(v -> p.complete(new byte[] {7}));
        assertThat(call.response().await(5, TimeUnit.SECONDS)).containsExactly(7);
        stopped.await(5, TimeUnit.SECONDS);
        assertThat(terminated.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(heldCancelled.get(5, TimeUnit.SECONDS)).isFalse();
    }

    @Test
    void serverStop_graceExpires_cancelsHandler_clientSeesError() throws Exception {
        var call = channel.unaryUnary(HOLD).call(new byte[] {1});
        held.get(5, TimeUnit.SECONDS);
        server.stop(Duration.ofMillis(100)).await(5, TimeUnit.SECONDS);
        assertThat(heldCancelled.get(5, TimeUnit.SECONDS)).isTrue();
        assertThat(call.code().await(5, TimeUnit.SECONDS)).isIn(StatusCode.CANCELLED, StatusCode.UNAVAILABLE);
    }

    @Test
    void serverStop_laterShorterGrace_bringsDeadlineForward() throws Exception {
        var call = channel.unaryUnary(HOLD).call(new byte[] {1});
        held.get(5, TimeUnit.SECONDS);
        Future<Void> first = server.stop(Duration.ofSeconds(60));
        server.stop(Duration.ZERO).await(5, TimeUnit.SECONDS);
        assertThat(first.await(5, TimeUnit.SECONDS)).isNull();
        assertThat(heldCancelled.get(5, TimeUnit.SECONDS)).isTrue();
        assertThat(call.code().await(5, TimeUnit.SECONDS)).isIn(StatusCode.CANCELLED, StatusCode.UNAVAILABLE);
    }

    @Test
    void serverStop_laterLongerGrace_doesNotExtendDeadline() throws Exception {
        var call = channel.unaryUnary(HOLD).call(new byte[] {1});
        held.get(5, TimeUnit.SECONDS);
        Future<Void> first = server.stop(Duration.ofMillis(200));
        Future<Void> second = server.stop(Duration.ofSeconds(60));

        // both complete at the first deadline: the handler is cancelled long before 60 s
        second.await(10, TimeUnit.SECONDS);
        assertThat(first.isComplete()).isTrue();
        assertThat(heldCancelled.get(5, TimeUnit.SECONDS)).isTrue();
        assertThat(call.code().await(5, TimeUnit.SECONDS)).isIn(StatusCode.CANCELLED, StatusCode.UNAVAILABLE);
    }

    @Test
    void serverStop_neverStarted_releasesPortAndTerminates() throws Exception {
        Server fresh = RpcVertx.server(vertx);
        int port = fresh.addInsecurePort("127.0.0.1:0").await(5, TimeUnit.SECONDS);

        fresh.stop(Duration.ofSeconds(5)).await(5, TimeUnit.SECONDS);

        assertThat(fresh.waitForTermination(Duration.ZERO).await(5, TimeUnit.SECONDS))
                .isTrue();
        assertThatThrownBy(() -> fresh.start().await(5, TimeUnit.SECONDS)).isInstanceOf(IllegalStateException.class);
        // the port is free again: a new server can bind it
        Server again = RpcVertx.server(vertx);
        assertThat(again.addInsecurePort("127.0.0.1:" + port).await(5, TimeUnit.SECONDS))
                .isEqualTo(port);
        again.stop(null).await(5, TimeUnit.SECONDS);
    }

    @Test
    void waitForTermination_timesOutWhileRunning_thenTrueAfterStop() throws Exception {
        assertThat(server.waitForTermination(Duration.ofMillis(50)).await(5, TimeUnit.SECONDS))
                .isFalse();
        server.stop(null).await(5, TimeUnit.SECONDS);
        assertThat(server.waitForTermination(Duration.ofSeconds(1)).await(5, TimeUnit.SECONDS))
                .isTrue();
    }

    @Test
    void start_twice_fails_andAddPortAfterStart_fails() throws Exception {
        assertThatThrownBy(() -> server.start().await(5, TimeUnit.SECONDS)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> server.addInsecurePort("127.0.0.1:0").await(5, TimeUnit.SECONDS))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> server.addGenericRpcHandlers(ServiceDefinition.of("x.Y")))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void addInsecurePort_malformed_failsWithIllegalArgument() {
        Server fresh = RpcVertx.server(vertx);
        assertThatThrownBy(() -> fresh.addInsecurePort("nope").await(5, TimeUnit.SECONDS))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("nope");
    }
}
