package io.rpcvertx.it.server;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rpcvertx.CallOptions;
import io.rpcvertx.Channel;
import io.rpcvertx.RpcVertx;
import io.rpcvertx.Server;
import io.rpcvertx.StatusCode;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** Stopping a server with a message to its control address from another verticle. */
@ExtendWith(VertxExtension.class)
@Timeout(60)
class EventBusStopIT {
    Vertx vertx;
    HeldCalls held;
    Server server;
    Channel channel;

    @BeforeEach
    void setUp(Vertx vertx) throws Exception {
        this.vertx = vertx;
        held = new HeldCalls(vertx);
        server = RpcVertx.server(vertx);
        server.addGenericRpcHandlers(held.service());
        int port = server.addInsecurePort("127.0.0.1:0").await(5, SECONDS);
        server.start().await(5, SECONDS);
        channel = RpcVertx.insecureChannel(vertx, "127.0.0.1:" + port);
    }

    @AfterEach
    void tearDown() throws Exception {
        channel.close().await(5, SECONDS);
        server.stop(null).await(5, SECONDS);
    }

    /** Sends one request to the server's control address from its own event loop, as any verticle would. */
    static final class Stopper extends VerticleBase {
        final String address;
        final @Nullable Object body;
        Future<Message<Object>> reply;

        Stopper(String address, @Nullable Object body) {
            this.address = address;
            this.body = body;
        }

        @Override
        public Future<?> start() {
            reply = vertx.eventBus().request(address, body);
            return Future.succeededFuture();
        }
    }

    Future<Message<Object>> stopFromVerticle(@Nullable Object body) throws Exception {
        Stopper stopper = new Stopper(server.controlAddress(), body);
        vertx.deployVerticle(stopper).await(5, SECONDS);
        return stopper.reply;
    }

    @Test
    void controlAddress_isDocumentedForm() {
        assertThat(server.controlAddress()).isEqualTo("rpcvertx.server." + server.id() + ".control");
    }

    @Test
    void stopWithGrace_fromAnotherVerticle_inFlightCallCompletes_newCallsUnavailable_replyWhenStopped()
            throws Exception {
        var call = channel.unaryUnary(HeldCalls.HOLD).call("a");
        HeldCalls.Held h = held.next();

        Future<Message<Object>> reply = stopFromVerticle(new JsonObject().put("grace", 30_000));

        held.awaitRefusing(channel);
        assertThat(reply.isComplete()).as("the reply waits for the stop").isFalse();
        vertx.runOnContext(v -> h.response().complete("done"));
        assertThat(call.response().await(5, SECONDS)).isEqualTo("done");
        assertThat(((JsonObject) reply.await(5, SECONDS).body()).getBoolean("stopped"))
                .isTrue();
        assertThat(server.waitForTermination(Duration.ZERO).await(5, SECONDS)).isTrue();
        assertThat(h.cancelled().get(5, SECONDS)).isFalse();
    }

    @Test
    void stopWithNullBody_fromAnotherVerticle_abortsInFlightCall() throws Exception {
        var call = channel.unaryUnary(HeldCalls.HOLD).call("a");
        HeldCalls.Held h = held.next();

        Future<Message<Object>> reply = stopFromVerticle(null);

        assertThat(((JsonObject) reply.await(5, SECONDS).body()).getBoolean("stopped"))
                .isTrue();
        assertThat(h.cancelled().get(5, SECONDS)).isTrue();
        assertThat(call.code().await(5, SECONDS)).isIn(StatusCode.CANCELLED, StatusCode.UNAVAILABLE);
    }

    @Test
    void stopWithGraceNull_abortsLikeNullBody() throws Exception {
        var call = channel.unaryUnary(HeldCalls.HOLD).call("a");
        HeldCalls.Held h = held.next();

        stopFromVerticle(new JsonObject().putNull("grace")).await(5, SECONDS);

        assertThat(h.cancelled().get(5, SECONDS)).isTrue();
        assertThat(call.code().await(5, SECONDS)).isIn(StatusCode.CANCELLED, StatusCode.UNAVAILABLE);
    }

    @Test
    void malformedStopRequests_fail400_serverKeepsServing() throws Exception {
        for (Object body :
                new Object[] {"stop please", new JsonObject().put("grace", -5), new JsonObject().put("grace", "soon")
                }) {
            Future<Message<Object>> reply = stopFromVerticle(body);
            assertThatThrownBy(() -> reply.await(5, SECONDS))
                    .isInstanceOfSatisfying(
                            ReplyException.class,
                            e -> assertThat(e.failureCode()).isEqualTo(400));
        }

        assertThat(channel.unaryUnary(StopLoad.UNARY)
                        .call("1", CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(5)))
                        .response()
                        .await(5, SECONDS))
                .isEqualTo("1");
    }
}
