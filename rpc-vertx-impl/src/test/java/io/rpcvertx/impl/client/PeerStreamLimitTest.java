package io.rpcvertx.impl.client;

import static io.rpcvertx.impl.client.ClientWireRulesTest.UNARY;
import static io.rpcvertx.impl.client.ClientWireRulesTest.afterBody;
import static io.rpcvertx.impl.client.ClientWireRulesTest.frame;
import static io.rpcvertx.impl.client.ClientWireRulesTest.reply;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.rpcvertx.Channel;
import io.rpcvertx.ChannelOptions;
import io.rpcvertx.Http2Transport;
import io.rpcvertx.RpcException;
import io.rpcvertx.StatusCode;
import io.rpcvertx.UnaryUnaryCall;
import io.rpcvertx.impl.transport.StreamErrorGuard;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.Http2Settings;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.internal.VertxInternal;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
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
 * A server whose SETTINGS_MAX_CONCURRENT_STREAMS is below the calls the channel has in flight: the calls over the limit
 * wait in the channel and take a slot as an earlier call ends, on both HTTP/2 transports. On the Netty transport the
 * slot used to be handed out while Netty still counted the ended stream as active (inside the read of its trailers):
 * the next stream could not be opened, was reported refused and replayed into the same refusal, and calls failed
 * UNAVAILABLE. The same holds when the peer resets calls, or the client cancels them (Netty closes a stream we reset
 * once the RST_STREAM is written).
 */
@ParameterizedClass(name = "{0}")
@EnumSource(Http2Transport.class)
@ExtendWith(VertxExtension.class)
@Timeout(60)
class PeerStreamLimitTest {
    @Parameter
    Http2Transport transport;

    Vertx vertx;
    HttpServer server;
    int port;
    final AtomicInteger active = new AtomicInteger();
    final AtomicInteger maxActive = new AtomicInteger();
    final AtomicInteger requests = new AtomicInteger();
    final List<Channel> channels = new ArrayList<>();
    /** Every n-th request is reset by the server (INTERNAL_ERROR) instead of answered; 0: none. */
    volatile int resetEvery;

    @BeforeEach
    void setUp(Vertx vertx) throws Exception {
        this.vertx = vertx;
        server = vertx.createHttpServer(
                        new HttpServerOptions().setInitialSettings(new Http2Settings().setMaxConcurrentStreams(2)))
                // as on our own servers (ServerConnection): without it, a cancel whose RST_STREAM arrives while the
                // server's answer to that call still waits in Netty's flow controller makes Vert.x 5.0.10 close the
                // whole connection, and calls that were not cancelled fail UNAVAILABLE (StreamErrorGuardTest)
                .connectionHandler(StreamErrorGuard::install)
                .requestHandler(req -> {
                    int n = requests.incrementAndGet();
                    maxActive.accumulateAndGet(active.incrementAndGet(), Math::max);
                    afterBody(req, (body, resp) -> {
                        active.decrementAndGet();
                        if (resetEvery > 0 && n % resetEvery == 0) {
                            resp.reset(2 /* INTERNAL_ERROR */);
                        } else {
                            reply(resp, frame("ok"), "0");
                        }
                    });
                });
        port = server.listen(0, "127.0.0.1").await(5, SECONDS).actualPort();
    }

    @AfterEach
    void tearDown() throws Exception {
        for (Channel c : channels) {
            c.close().await(5, SECONDS);
        }
        server.close().await(5, SECONDS);
    }

    @Test
    void callsOverThePeersStreamLimit_waitForSlots_allSucceed() throws Exception {
        Channel channel = channel();

        for (int round = 0; round < 10; round++) {
            List<Future<String>> calls = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                calls.add(channel.unaryUnary(UNARY).call("hi").response());
            }

            for (Future<String> call : calls) {
                assertThat(call.await(10, SECONDS)).as("round %d", round).isEqualTo("ok");
            }
        }
        assertThat(requests).hasValue(400);
        assertThat(maxActive.get()).isLessThanOrEqualTo(2);
    }

    @Test
    void peerResetsSomeCalls_overItsStreamLimit_theResetOnesFailInternal_theOthersSucceed() throws Exception {
        resetEvery = 3;
        Channel channel = channel();

        List<Future<String>> calls = new ArrayList<>();
        for (int i = 0; i < 150; i++) {
            calls.add(channel.unaryUnary(UNARY).call("hi").response());
        }

        int ok = 0;
        for (Future<String> call : calls) {
            try {
                assertThat(call.await(10, SECONDS)).isEqualTo("ok");
                ok++;
            } catch (RpcException e) {
                // a reset by the peer; never "refused" for want of a slot
                assertThat(e.code()).as(e.getMessage()).isEqualTo(StatusCode.INTERNAL);
            }
        }
        assertThat(ok).isEqualTo(100);
        assertThat(requests).hasValue(150);
        assertThat(maxActive.get()).isLessThanOrEqualTo(2);
    }

    @Test
    void clientCancelsCalls_overThePeersStreamLimit_theOthersSucceed() throws Exception {
        Channel channel = channel();

        List<UnaryUnaryCall<String, String>> calls = new ArrayList<>();
        for (int i = 0; i < 150; i++) {
            calls.add(channel.unaryUnary(UNARY).call("hi"));
        }
        // cancelled from the test thread while the calls take their slots: some reset an open stream
        for (int i = 0; i < calls.size(); i += 3) {
            calls.get(i).cancel();
        }

        int ok = 0;
        for (int i = 0; i < calls.size(); i++) {
            try {
                assertThat(calls.get(i).response().await(10, SECONDS)).isEqualTo("ok");
                ok++;
            } catch (RpcException e) {
                assertThat(i % 3).as(e.getMessage()).isZero();
                // on both transports: the UNAVAILABLE once seen here on Vert.x's client was the server closing the
                // connection (see the guard in setUp), not a race of that transport
                assertThat(e.code()).as(e.getMessage()).isEqualTo(StatusCode.CANCELLED);
            }
        }
        assertThat(ok).isGreaterThanOrEqualTo(100);
        // the channel still has both slots: nothing leaked by the resets
        for (int i = 0; i < 20; i++) {
            assertThat(channel.unaryUnary(UNARY).call("hi").response().await(10, SECONDS))
                    .isEqualTo("ok");
        }
    }

    Channel channel() throws Exception {
        Channel channel = new ChannelImpl(
                (VertxInternal) vertx, "127.0.0.1:" + port, ChannelOptions.DEFAULT.withHttp2Transport(transport));
        channels.add(channel);
        channel.channelReady().await(5, SECONDS);
        return channel;
    }
}
