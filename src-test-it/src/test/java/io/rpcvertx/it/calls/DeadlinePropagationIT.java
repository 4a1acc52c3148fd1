package io.rpcvertx.it.calls;

import static io.rpcvertx.it.calls.EchoServer.UNARY;
import static io.rpcvertx.it.calls.EchoServer.X_HANG;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.rpcvertx.CallOptions;
import io.rpcvertx.Channel;
import io.rpcvertx.ChannelOptions;
import io.rpcvertx.Metadata;
import io.rpcvertx.MethodDescriptor;
import io.rpcvertx.MethodType;
import io.rpcvertx.RpcMethodHandler;
import io.rpcvertx.RpcVertx;
import io.rpcvertx.Server;
import io.rpcvertx.ServiceDefinition;
import io.rpcvertx.StatusCode;
import io.rpcvertx.UnaryUnaryCall;
import io.rpcvertx.it.calls.EchoServer.Seen;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Deadline propagation (beyond grpc.aio): a servicer that calls a second server through a channel with the option
 * hands its remaining deadline and its cancellation to the inner call.
 */
@ExtendWith(VertxExtension.class)
@Timeout(60)
class DeadlinePropagationIT {
    /** The front server's method: relays the request to the back server's {@code Unary}, with the same metadata. */
    private static final MethodDescriptor<String, String> RELAY =
            Utf8.method(MethodType.UNARY_UNARY, "calls.Front/Relay");

    private Vertx vertx;
    private EchoServer back;
    private Server front;
    private Channel client;
    private Channel propagating;
    private Channel plain;
    private final CompletableFuture<Optional<Duration>> frontRemaining = new CompletableFuture<>();
    private volatile Channel relayThrough;

    @BeforeEach
    void setUp(Vertx vertx) throws Exception {
        this.vertx = vertx;
        back = EchoServer.start(vertx);
        propagating =
                RpcVertx.insecureChannel(vertx, back.target(), ChannelOptions.DEFAULT.withDeadlinePropagation(true));
        plain = RpcVertx.insecureChannel(vertx, back.target());
        relayThrough = propagating;
        front = RpcVertx.server(vertx);
        front.addGenericRpcHandlers(ServiceDefinition.of(
                "calls.Front", RpcMethodHandler.unaryUnary(RELAY, (request, ctx) -> {
                    frontRemaining.complete(ctx.timeRemaining());
                    // no timeout of its own: the inner call's deadline, if any, is inherited
                    return relayThrough
                            .unaryUnary(UNARY)
                            .call(request, CallOptions.DEFAULT.withMetadata(ctx.invocationMetadata()))
                            .response();
                })));
        int port = front.addInsecurePort("127.0.0.1:0").await(5, SECONDS);
        front.start().await(5, SECONDS);
        client = RpcVertx.insecureChannel(vertx, "127.0.0.1:" + port);
    }

    @AfterEach
    void tearDown() throws Exception {
        client.close().await(5, SECONDS);
        propagating.close().await(5, SECONDS);
        plain.close().await(5, SECONDS);
        front.stop(Duration.ZERO).await(5, SECONDS);
        back.stop().await(5, SECONDS);
    }

    @Test
    void deadline_innerCallInheritsTheRemainingDeadline() throws Exception {
        UnaryUnaryCall<String, String> call =
                client.unaryUnary(RELAY).call("x", CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(5)));

        assertThat(call.response().await(10, SECONDS)).isEqualTo("echo:x");
        Duration outer = frontRemaining.get(10, SECONDS).orElseThrow();
        Duration inner = back.next().timeRemaining().orElseThrow();
        assertThat(inner).isLessThan(outer).isGreaterThan(Duration.ofSeconds(1));
    }

    @Test
    void deadline_expiresForTheInnerCallToo() throws Exception {
        UnaryUnaryCall<String, String> call = client.unaryUnary(RELAY)
                .call(
                        "x",
                        CallOptions.DEFAULT.withTimeout(Duration.ofMillis(300)).withMetadata(hang()));

        assertThat(call.code().await(10, SECONDS)).isEqualTo(StatusCode.DEADLINE_EXCEEDED);
        Seen inner = back.next();
        assertThat(inner.timeRemaining())
                .hasValueSatisfying(d -> assertThat(d).isLessThanOrEqualTo(Duration.ofMillis(300)));
        assertThat(inner.ended().get(10, SECONDS))
                .as("inner call cancelled by its deadline")
                .isTrue();
    }

    @Test
    void cancel_outerCallCancelled_innerCallCancelled() throws Exception {
        UnaryUnaryCall<String, String> call =
                client.unaryUnary(RELAY).call("x", CallOptions.DEFAULT.withMetadata(hang()));
        Seen inner = back.next();
        assertThat(inner.timeRemaining()).as("no deadline anywhere").isEmpty();

        call.cancel();

        assertThat(inner.ended().get(10, SECONDS)).as("inner call cancelled").isTrue();
    }

    @Test
    void withoutTheOption_innerCallHasNoDeadline() throws Exception {
        relayThrough = plain;

        UnaryUnaryCall<String, String> call =
                client.unaryUnary(RELAY).call("x", CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(5)));

        assertThat(call.response().await(10, SECONDS)).isEqualTo("echo:x");
        assertThat(back.next().timeRemaining()).isEmpty();
    }

    @Test
    void outsideAServicer_propagatingChannelBehavesNormally() throws Exception {
        assertThat(propagating.unaryUnary(UNARY).call("y").response().await(10, SECONDS))
                .isEqualTo("echo:y");
        assertThat(back.next().timeRemaining()).isEmpty();
    }

    private static Metadata hang() {
        return Metadata.of(X_HANG, "1");
    }
}
