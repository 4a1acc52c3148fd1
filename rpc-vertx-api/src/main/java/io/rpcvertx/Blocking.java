package io.rpcvertx;

import io.vertx.core.Context;
import io.vertx.core.Future;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * Waiting on a {@link Future} from code that may block: a {@link RpcMethodHandler#blocking() blocking handler}, a
 * virtual thread, or a thread outside Vert.x.
 *
 * <p>Why not {@code future.await()}: in Vert.x 5.0.10 it throws {@link IllegalStateException} on every Vert.x thread,
 * worker threads included, so a blocking handler on a worker pool cannot use it. {@link #await} works there: on a
 * worker thread it parks on {@code future.toCompletionStage().toCompletableFuture()}; on a Vert.x virtual thread and
 * outside Vert.x it delegates to {@code future.await()}, which suspends properly there.
 *
 * <p>Deadlock rule: the awaited future must be completed by another thread. Futures returned by rpc-vertx inside a
 * blocking handler complete on the call's event loop, so they qualify. On the thread of a Vert.x <em>worker
 * verticle</em>, do not await a future bound to that verticle's context: its callbacks queue behind the waiting task.
 *
 * <pre>{@code
 * RpcMethodHandler.unaryUnary(GET_USER, (request, context) -> {
 *     User user = jdbc.load(request.getId());                        // blocking I/O
 *     Quota quota = Blocking.await(quotaStub.get(request).response()); // an outgoing RPC
 *     return Future.succeededFuture(reply(user, quota));
 * }).blocking();
 * }</pre>
 */
public final class Blocking {
    private Blocking() {}

    /**
     * Blocks the calling thread until {@code future} completes and returns its result.
     *
     * @throws IllegalStateException on a Vert.x event-loop thread, where nothing may block (even if the future is
     *     already complete)
     * @throws RuntimeException the future's failure, unchanged when unchecked (an {@link RpcException} stays one);
     *     a checked failure wrapped in a {@link CompletionException}
     * @throws CancellationException if the thread is interrupted while waiting; its interrupt flag is set again
     */
    public static <T> T await(Future<T> future) {
        Objects.requireNonNull(future, "future");
        if (Context.isOnEventLoopThread()) {
            throw new IllegalStateException("Blocking.await on an event-loop thread ("
                    + Thread.currentThread().getName()
                    + "): return the future instead, or mark the handler blocking()");
        }
        if (!Context.isOnWorkerThread()) {
            try {
                return future.await();
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) { // Future.await() rethrows a checked failure or interrupt unchecked
                if (t instanceof InterruptedException) {
                    throw interrupted();
                }
                throw new CompletionException(t);
            }
        }
        try {
            return future.toCompletionStage().toCompletableFuture().get();
        } catch (InterruptedException e) {
            throw interrupted();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException) {
                throw (RuntimeException) cause;
            }
            if (cause instanceof Error) {
                throw (Error) cause;
            }
            throw new CompletionException(cause);
        }
    }

    private static CancellationException interrupted() {
        Thread.currentThread().interrupt();
        return new CancellationException("interrupted while waiting for a future");
    }
}
