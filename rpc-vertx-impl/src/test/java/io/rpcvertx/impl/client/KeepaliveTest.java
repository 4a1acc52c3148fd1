package io.rpcvertx.impl.client;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientConnection;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.junit5.VertxExtension;
import java.lang.reflect.Proxy;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** Client keepalive against a peer that never acknowledges a PING: only the data it sends proves it alive. */
@ExtendWith(VertxExtension.class)
@Timeout(30)
class KeepaliveTest {
    private static final long TIME_MS = 50;
    private static final long TIMEOUT_MS = 150;

    ContextInternal owner;
    final AtomicInteger pings = new AtomicInteger();
    final CompletableFuture<Long> deadAt = new CompletableFuture<>();
    Keepalive keepalive;

    @BeforeEach
    void setUp(Vertx vertx) {
        owner = ((VertxInternal) vertx).createEventLoopContext();
        // a connection whose PINGs are never acknowledged
        HttpClientConnection http = (HttpClientConnection) Proxy.newProxyInstance(
                HttpClientConnection.class.getClassLoader(), new Class<?>[] {HttpClientConnection.class}, (p, m, a) -> {
                    if (m.getName().equals("ping")) {
                        pings.incrementAndGet();
                        return Promise.promise().future();
                    }
                    throw new UnsupportedOperationException(m.getName());
                });
        ChannelImpl.Conn conn = new ChannelImpl.Conn(new VertxHttpConnection(http), null);
        conn.streams = 1;
        keepalive = new Keepalive(owner, conn, TIME_MS, TIMEOUT_MS, false, () -> deadAt.complete(System.nanoTime()));
    }

    @Test
    void noAckNoData_reportsDead() throws Exception {
        owner.runOnContext(v -> keepalive.start());

        deadAt.get(5, SECONDS);
        assertThat(pings.get()).isEqualTo(1);
    }

    @Test
    void dataKeepsArriving_noPingNoDeath_thenSilence_dead() throws Exception {
        CompletableFuture<Boolean> deadWhileFed = new CompletableFuture<>();
        CompletableFuture<Long> silenceFrom = new CompletableFuture<>();
        owner.runOnContext(v -> {
            keepalive.start();
            long feeder = owner.setPeriodic(10, id -> keepalive.onDataReceived());
            // twenty keepalive periods of data, then silence
            owner.setTimer(20 * TIME_MS, id -> {
                deadWhileFed.complete(deadAt.isDone());
                owner.owner().cancelTimer(feeder);
                silenceFrom.complete(System.nanoTime());
            });
        });

        assertThat(deadWhileFed.get(5, SECONDS))
                .as("declared dead while data arrived")
                .isFalse();
        long dead = deadAt.get(5, SECONDS);
        assertThat(dead).isGreaterThan(silenceFrom.get());
    }

    @Test
    void dataWhilePinging_cancelsTheTimeout() throws Exception {
        CompletableFuture<Boolean> deadAfterData = new CompletableFuture<>();
        owner.runOnContext(v -> {
            keepalive.start();
            // first ping goes out after TIME_MS; data arrives while it waits for its ack, before TIMEOUT_MS
            owner.setTimer(TIME_MS + TIMEOUT_MS / 3, id -> keepalive.onDataReceived());
            // past the first ping's timeout, but before a second ping could time out
            owner.setTimer(TIME_MS + TIMEOUT_MS + TIMEOUT_MS / 3, id -> deadAfterData.complete(deadAt.isDone()));
        });

        assertThat(deadAfterData.get(5, SECONDS)).isFalse();
        deadAt.get(5, SECONDS); // nothing more arrives: the next ping times out
        assertThat(pings.get()).isEqualTo(2);
    }
}
