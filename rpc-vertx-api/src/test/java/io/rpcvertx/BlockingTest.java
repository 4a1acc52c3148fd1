package io.rpcvertx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class BlockingTest {
    final Vertx vertx = Vertx.vertx();

    @AfterEach
    void tearDown() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    @Test
    void await_onAnEventLoop_throwsIllegalStateEvenIfComplete() throws Exception {
        CompletableFuture<Throwable> thrown = new CompletableFuture<>();
        vertx.runOnContext(v -> {
            try {
                Blocking.await(Future.succeededFuture("x"));
                thrown.complete(null);
            } catch (RuntimeException e) {
                thrown.complete(e);
            }
        });

        assertThat(thrown.get(5, TimeUnit.SECONDS))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("Blocking.await on an event-loop thread (vert.x-eventloop-thread-");
    }

    @Test
    void await_onAWorkerThread_returnsTheResultCompletedByTheEventLoop() throws Exception {
        Future<String> awaited = vertx.executeBlocking(() -> {
            Promise<String> later = Promise.promise();
            vertx.setTimer(1, id -> later.complete("done"));
            return Blocking.await(later.future());
        });

        assertThat(awaited.toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS))
                .isEqualTo("done");
    }

    @Test
    void await_onAWorkerThread_checkedFailureWrappedUncheckedKeptAsIs() throws Exception {
        Future<Throwable> thrown = vertx.executeBlocking(() -> {
            try {
                Blocking.await(Future.failedFuture(new IOException("io")));
                return null;
            } catch (CompletionException e) {
                return e.getCause();
            }
        });

        assertThat(thrown.toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS))
                .isInstanceOf(IOException.class)
                .hasMessage("io");
    }

    @Test
    void await_outsideVertx_failedWithRpcException_throwsItUnchanged() {
        RpcException failure = new RpcException(StatusCode.ABORTED, "x");

        assertThatThrownBy(() -> Blocking.await(Future.failedFuture(failure))).isSameAs(failure);
    }

    @Test
    void await_interrupted_throwsCancellationAndKeepsTheInterruptFlag() throws Exception {
        CompletableFuture<String> outcome = new CompletableFuture<>();
        Thread waiter = new Thread(() -> {
            try {
                Blocking.await(Promise.<String>promise().future());
                outcome.complete("returned");
            } catch (CancellationException e) {
                outcome.complete(
                        "cancelled, interrupted=" + Thread.currentThread().isInterrupted());
            }
        });
        waiter.start();
        waiter.interrupt();

        assertThat(outcome.get(5, TimeUnit.SECONDS)).isEqualTo("cancelled, interrupted=true");
        waiter.join(5000);
    }
}
