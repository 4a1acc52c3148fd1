package io.rpcvertx.it.server;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.rpcvertx.Channel;
import io.rpcvertx.RpcVertx;
import io.rpcvertx.Server;
import io.rpcvertx.ServerOptions;
import io.rpcvertx.StatusCode;
import io.rpcvertx.UnaryUnaryCall;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code maximumConcurrentRpcs} is one limit for the whole server, across its IO instances and connections. */
@ExtendWith(VertxExtension.class)
@Timeout(60)
class MaximumConcurrentRpcsIT {
    static final int LIMIT = 4;
    static final int EXCESS = 3;

    Vertx vertx;
    HeldCalls held;
    Server server;
    final List<Channel> channels = new ArrayList<>();

    @BeforeEach
    void setUp(Vertx vertx) throws Exception {
        this.vertx = vertx;
        held = new HeldCalls(vertx);
        server = RpcVertx.server(
                vertx, ServerOptions.DEFAULT.withMaximumConcurrentRpcs(LIMIT).withIoInstances(4));
        server.addGenericRpcHandlers(held.service());
        int port = server.addInsecurePort("127.0.0.1:0").await(5, SECONDS);
        server.start().await(5, SECONDS);
        // three connections, so the calls arrive on different IO instances
        for (int i = 0; i < 3; i++) {
            channels.add(RpcVertx.insecureChannel(vertx, "127.0.0.1:" + port));
        }
    }

    @AfterEach
    void tearDown() throws Exception {
        for (Channel c : channels) {
            c.close().await(5, SECONDS);
        }
        server.stop(null).await(5, SECONDS);
    }

    @Test
    void limitPlusExcessConcurrentCalls_exactlyExcessResourceExhausted() throws Exception {
        List<UnaryUnaryCall<String, String>> calls = new ArrayList<>();
        CountDownLatch ended = new CountDownLatch(EXCESS);
        for (int i = 0; i < LIMIT + EXCESS; i++) {
            UnaryUnaryCall<String, String> call =
                    channels.get(i % channels.size()).unaryUnary(HeldCalls.HOLD).call("c" + i);
            call.addDoneCallback(v -> ended.countDown());
            calls.add(call);
        }
        List<HeldCalls.Held> admitted = new ArrayList<>();
        for (int i = 0; i < LIMIT; i++) {
            admitted.add(held.next());
        }

        // the excess ends at once; the admitted ones are held by their handlers and cannot have ended
        assertThat(ended.await(5, SECONDS)).isTrue();
        assertThat(calls.stream().filter(UnaryUnaryCall::isDone))
                .hasSize(EXCESS)
                .allSatisfy(call -> assertThat(call.code().await(5, SECONDS)).isEqualTo(StatusCode.RESOURCE_EXHAUSTED));
        assertThat(held.waiting()).as("handlers beyond the limit").isZero();

        vertx.runOnContext(v -> admitted.forEach(h -> h.response().complete("ok")));
        long ok = 0;
        for (UnaryUnaryCall<String, String> call : calls) {
            if (call.code().await(5, SECONDS) == StatusCode.OK) {
                ok++;
            }
        }
        assertThat(ok).isEqualTo(LIMIT);
    }

    @Test
    void slotsFreedWhenCallsEnd_sequentialCallsNeverExhausted() throws Exception {
        // a client that starts its next call on seeing a status must find the slot free
        for (int i = 0; i < 50; i++) {
            Channel channel = channels.get(i % channels.size());
            assertThat(channel.unaryUnary(StopLoad.UNARY).call("1").code().await(20, SECONDS))
                    .isEqualTo(StatusCode.OK);
        }
    }
}
