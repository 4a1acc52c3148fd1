package io.rpcvertx.it.channel;

import static io.rpcvertx.it.channel.Backend.HOLD;
import static io.rpcvertx.it.channel.Backend.WHO;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.rpcvertx.CallOptions;
import io.rpcvertx.Channel;
import io.rpcvertx.ChannelConnectivity;
import io.rpcvertx.ChannelOptions;
import io.rpcvertx.Http2Transport;
import io.rpcvertx.RpcException;
import io.rpcvertx.RpcVertx;
import io.rpcvertx.StatusCode;
import io.rpcvertx.UnaryUnaryCall;
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
 * Client keepalive finds a peer that stopped answering: a TCP proxy between channel and server starts black-holing
 * (connections stay open, nothing arrives), and the call in flight ends {@code UNAVAILABLE} within keepaliveTime +
 * keepaliveTimeout instead of hanging until its deadline.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(Http2Transport.class)
@ExtendWith(VertxExtension.class)
@Timeout(60)
class KeepaliveIT {
    /** The HTTP/2 implementation of the channel under test. */
    @Parameter
    Http2Transport transport;

    static final Duration KEEPALIVE_TIME = Duration.ofMillis(500);
    static final Duration KEEPALIVE_TIMEOUT = Duration.ofMillis(500);

    Vertx vertx;
    Backend backend;
    TcpProxy proxy;
    Channel channel;

    @BeforeEach
    void setUp(Vertx vertx) throws Exception {
        this.vertx = vertx;
        backend = Backend.start(vertx, "backend", 0);
        proxy = TcpProxy.start(vertx, backend.port());
        channel = RpcVertx.insecureChannel(
                vertx,
                "127.0.0.1:" + proxy.port(),
                ChannelOptions.DEFAULT
                        .withKeepaliveTime(KEEPALIVE_TIME)
                        .withKeepaliveTimeout(KEEPALIVE_TIMEOUT)
                        .withHttp2Transport(transport));
    }

    @AfterEach
    void tearDown() throws Exception {
        channel.close().await(5, SECONDS);
        proxy.close();
        backend.stop();
    }

    @Test
    void peerBlackholed_callInFlightFailsUnavailableWithinKeepaliveTimePlusTimeout() throws Exception {
        assertThat(channel.unaryUnary(WHO).call("x").response().await(5, SECONDS))
                .isEqualTo("backend");
        UnaryUnaryCall<String, String> call =
                channel.unaryUnary(HOLD).call("x", CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(30)));
        backend.nextHeld();

        proxy.blackhole();
        long start = System.nanoTime();
        RpcException e =
                catchThrowableOfType(RpcException.class, () -> call.response().await(10, SECONDS));
        Duration detected = Duration.ofNanos(System.nanoTime() - start);

        assertThat(e.code()).isEqualTo(StatusCode.UNAVAILABLE);
        assertThat(e.details()).contains("Keepalive failed");
        // a ping is due at most keepaliveTime after the last acknowledgement, and fails keepaliveTimeout later
        assertThat(detected)
                .isGreaterThanOrEqualTo(KEEPALIVE_TIMEOUT.minusMillis(20))
                .isLessThan(KEEPALIVE_TIME.plus(KEEPALIVE_TIMEOUT).plusMillis(1500));
        assertThat(channel.getState()).isNotEqualTo(ChannelConnectivity.READY);
    }

    @Test
    void peerHealthy_callLongerThanSeveralKeepalivePeriods_succeeds() throws Exception {
        UnaryUnaryCall<String, String> call = channel.unaryUnary(HOLD).call("x");
        var held = backend.nextHeld();
        // three keepalive periods pass while the call waits: a second channel's calls mark the time
        Channel clock = RpcVertx.insecureChannel(vertx, backend.address());
        try {
            long until = System.nanoTime() + KEEPALIVE_TIME.multipliedBy(3).toNanos();
            while (System.nanoTime() < until) {
                clock.unaryUnary(WHO).call("x").response().await(5, SECONDS);
            }
        } finally {
            clock.close().await(5, SECONDS);
        }
        assertThat(call.isDone()).isFalse();

        vertx.runOnContext(v -> held.complete("late"));

        assertThat(call.response().await(5, SECONDS)).isEqualTo("late");
        assertThat(channel.getState()).isEqualTo(ChannelConnectivity.READY);
    }
}
