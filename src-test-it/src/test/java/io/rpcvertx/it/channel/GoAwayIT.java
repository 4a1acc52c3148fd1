package io.rpcvertx.it.channel;

import static io.rpcvertx.it.channel.Backend.HOLD;
import static io.rpcvertx.it.channel.Backend.WHO;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.rpcvertx.Channel;
import io.rpcvertx.ChannelConnectivity;
import io.rpcvertx.ChannelOptions;
import io.rpcvertx.Http2Transport;
import io.rpcvertx.RpcVertx;
import io.rpcvertx.UnaryUnaryCall;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * GOAWAY from a server that stops with a grace period: the call in flight finishes on the old connection, while new
 * calls go over a new connection (here to the target's second address, because the stopping server accepts no new
 * connections).
 */
@ParameterizedClass(name = "{0}")
@EnumSource(Http2Transport.class)
@ExtendWith(VertxExtension.class)
@Timeout(60)
class GoAwayIT {
    /** The HTTP/2 implementation of the channel under test. */
    @Parameter
    Http2Transport transport;

    Vertx vertx;
    Backend first;
    Backend second;
    Channel channel;

    @BeforeEach
    void setUp(Vertx vertx) throws Exception {
        this.vertx = vertx;
        first = Backend.start(vertx, "first", 0);
        second = Backend.start(vertx, "second", 0);
        channel = RpcVertx.insecureChannel(
                vertx,
                "ipv4:" + first.address() + "," + second.address(),
                ChannelOptions.DEFAULT.withHttp2Transport(transport));
    }

    @AfterEach
    void tearDown() throws Exception {
        channel.close().await(5, SECONDS);
        first.stop();
        second.stop();
    }

    @Test
    void stoppingServer_oldStreamFinishes_newCallsUseANewConnection() throws Exception {
        assertThat(channel.unaryUnary(WHO).call("x").response().await(5, SECONDS))
                .isEqualTo("first");
        UnaryUnaryCall<String, String> inFlight = channel.unaryUnary(HOLD).call("x");
        Promise<String> held = first.nextHeld();

        Future<Void> stopped = first.server.stop(Duration.ofSeconds(20));
        // the GOAWAY has arrived when the channel leaves READY (a call sent before that reaches the stopping server,
        // which answers UNAVAILABLE)
        assertThat(channel.waitForStateChange(ChannelConnectivity.READY).await(5, SECONDS))
                .isEqualTo(ChannelConnectivity.IDLE);
        UnaryUnaryCall<String, String> fresh = channel.unaryUnary(WHO).call("x");

        assertThat(fresh.response().await(10, SECONDS)).isEqualTo("second");
        assertThat(inFlight.isDone()).isFalse();
        assertThat(stopped.isComplete()).isFalse();
        vertx.runOnContext(v -> held.complete("finished on the old connection"));
        assertThat(inFlight.response().await(5, SECONDS)).isEqualTo("finished on the old connection");
        stopped.await(10, SECONDS);
        assertThat(channel.unaryUnary(WHO).call("x").response().await(5, SECONDS))
                .isEqualTo("second");
        assertThat(first.peers).hasSize(1);
        assertThat(second.peers).hasSize(2).containsOnly(second.peers.get(0));
    }
}
