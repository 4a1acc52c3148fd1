package io.rpcvertx.impl.transport;

import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Runs test steps on an event-loop context and waits for them. Because a context's tasks run in order, a step also
 * proves that everything queued on that loop before it has run.
 */
final class LoopSteps {
    private LoopSteps() {}

    static void onLoop(ContextInternal context, Runnable step) {
        onLoopGet(context, () -> {
            step.run();
            return null;
        });
    }

    static <T> T onLoopGet(ContextInternal context, Supplier<T> step) {
        CompletableFuture<T> done = new CompletableFuture<>();
        context.runOnContext(v -> {
            try {
                done.complete(step.get());
            } catch (Throwable t) {
                done.completeExceptionally(t);
            }
        });
        try {
            return done.get(5, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new AssertionError(cause);
        } catch (InterruptedException | TimeoutException e) {
            throw new AssertionError("step on " + context + " did not finish", e);
        }
    }

    /** A fresh event-loop context whose loop is not {@code other}'s. */
    static ContextInternal contextOnAnotherLoop(Vertx vertx, ContextInternal other) {
        VertxInternal vi = (VertxInternal) vertx;
        for (int i = 0; i < 64; i++) {
            ContextInternal candidate = vi.createEventLoopContext();
            if (candidate.nettyEventLoop() != other.nettyEventLoop()) {
                return candidate;
            }
        }
        throw new AssertionError("every event-loop context is on " + other.nettyEventLoop());
    }
}
