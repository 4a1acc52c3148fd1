package io.rpcvertx.it.server;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.rpcvertx.CallOptions;
import io.rpcvertx.Channel;
import io.rpcvertx.MethodDescriptor;
import io.rpcvertx.MethodType;
import io.rpcvertx.RpcMethodHandler;
import io.rpcvertx.ServiceDefinition;
import io.rpcvertx.StatusCode;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A service whose {@code Hold} calls wait until the test completes them, next to {@link StopLoad}'s quick
 * {@code Unary}; every handler terminates when its call ends.
 */
final class HeldCalls {
    static final MethodDescriptor<String, String> HOLD =
            MethodDescriptor.of(MethodType.UNARY_UNARY, StopLoad.SERVICE + "/Hold", StopLoad.UTF8, StopLoad.UTF8);

    /** A held call: the response the test completes, and whether the handler saw its call cancelled. */
    record Held(Promise<String> response, CompletableFuture<Boolean> cancelled) {}

    private final Vertx vertx;
    private final LinkedBlockingQueue<Held> held = new LinkedBlockingQueue<>();

    HeldCalls(Vertx vertx) {
        this.vertx = vertx;
    }

    ServiceDefinition service() {
        return ServiceDefinition.of(
                StopLoad.SERVICE,
                RpcMethodHandler.unaryUnary(HOLD, (request, ctx) -> {
                    Promise<String> response = Promise.promise();
                    CompletableFuture<Boolean> cancelled = new CompletableFuture<>();
                    ctx.addDoneCallback(v -> {
                        cancelled.complete(ctx.isCancelled());
                        response.tryFail("the call has ended");
                    });
                    held.add(new Held(response, cancelled));
                    return response.future();
                }),
                RpcMethodHandler.unaryUnary(StopLoad.UNARY, (request, ctx) -> {
                    Promise<String> reply = Promise.promise();
                    vertx.setTimer(Math.max(1, Long.parseLong(request)), id -> reply.tryComplete(request));
                    return reply.future();
                }));
    }

    /** The next call whose handler runs. */
    Held next() throws InterruptedException {
        Held h = held.poll(5, SECONDS);
        assertThat(h).as("a held call reached its handler").isNotNull();
        return h;
    }

    /** How many calls reached their handler and were not taken with {@link #next()} yet. */
    int waiting() {
        return held.size();
    }

    /** Waits until the server refuses new calls (its stop took effect): quick calls until one is UNAVAILABLE. */
    void awaitRefusing(Channel channel) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            StatusCode code = channel.unaryUnary(StopLoad.UNARY)
                    .call("1", CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(5)))
                    .code()
                    .await(6, SECONDS);
            if (code == StatusCode.UNAVAILABLE) {
                return;
            }
            assertThat(code).isEqualTo(StatusCode.OK);
            assertThat(System.nanoTime()).as("the server refuses new calls").isLessThan(deadline);
        }
    }
}
