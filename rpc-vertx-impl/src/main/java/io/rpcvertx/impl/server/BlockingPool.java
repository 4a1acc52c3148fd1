package io.rpcvertx.impl.server;

import io.rpcvertx.RpcException;
import io.rpcvertx.ServerOptions;
import io.rpcvertx.StatusCode;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.ThreadingModel;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import java.util.concurrent.Callable;
import java.util.concurrent.RejectedExecutionException;
import org.jspecify.annotations.Nullable;

/**
 * Where a server's blocking handlers run (grpc.aio {@code migration_thread_pool}): a named Vert.x worker pool, opened
 * on first use and closed once the server has stopped, or a Vert.x virtual-thread context per call (Java 21+).
 */
final class BlockingPool {
    private final VertxInternal vertx;
    private final ServerOptions options;
    private final boolean virtualThreads;

    private @Nullable WorkerExecutor workers; // guarded by this
    private boolean closed; // guarded by this

    BlockingPool(VertxInternal vertx, ServerOptions options) {
        this.vertx = vertx;
        this.options = options;
        this.virtualThreads = options.blockingThreadingModel() == ThreadingModel.VIRTUAL_THREAD;
        if (virtualThreads && !vertx.isVirtualThreadAvailable()) {
            throw new IllegalStateException("blockingThreadingModel: VIRTUAL_THREAD is not available on Java "
                    + Runtime.version().feature() + " (expected: Java 21 or newer, or WORKER)");
        }
    }

    /**
     * Runs {@code task} off the event loop. The returned future completes on {@code caller}, which must be the
     * current context: Vert.x makes it the current context of the worker thread too, so futures the task obtains from
     * rpc-vertx complete on the caller's event loop. On virtual threads the task's current context is its own
     * virtual-thread context instead, where {@code Future.await()} suspends the virtual thread.
     */
    <T> Future<T> run(ContextInternal caller, Callable<T> task) {
        assert caller.inThread();
        if (virtualThreads) {
            Promise<T> promise = caller.promise();
            vertx.createVirtualThreadContext().runOnContext(v -> {
                try {
                    promise.complete(task.call());
                } catch (Throwable t) { // the handler's failure, whatever it is, ends its call
                    promise.fail(t);
                }
            });
            return promise.future();
        }
        WorkerExecutor pool = open();
        if (pool == null) {
            return caller.failedFuture(new RpcException(StatusCode.UNAVAILABLE, "server has stopped"));
        }
        try {
            // unordered: ordered tasks would run one at a time per connection
            return pool.executeBlocking(task, false);
        } catch (RejectedExecutionException e) {
            return caller.failedFuture(new RpcException(StatusCode.UNAVAILABLE, "server has stopped"));
        }
    }

    private synchronized @Nullable WorkerExecutor open() {
        if (closed) {
            return null;
        }
        WorkerExecutor w = workers;
        if (w == null) {
            // created on an IO verticle's context, so undeploying the IO verticles also closes it (as a backstop)
            w = vertx.createSharedWorkerExecutor(options.blockingPoolName(), options.blockingPoolSize());
            workers = w;
        }
        return w;
    }

    /** Closes the worker pool (Vert.x interrupts tasks still running); later {@link #run}s fail UNAVAILABLE. */
    Future<Void> close() {
        WorkerExecutor w;
        synchronized (this) {
            closed = true;
            w = workers;
            workers = null;
        }
        return w == null ? Future.succeededFuture() : w.close();
    }
}
