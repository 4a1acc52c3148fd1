package io.rpcvertx.impl.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rpcvertx.RpcException;
import io.rpcvertx.ServerOptions;
import io.rpcvertx.StatusCode;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.junit5.VertxExtension;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledForJreRange;
import org.junit.jupiter.api.condition.JRE;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
@Timeout(10)
class BlockingPoolTest {
    /** Where the task ran, and where its outcome came back. */
    record Run(String taskThread, boolean taskOnVirtualThread, boolean taskSawTheCaller, boolean outcomeOnCaller) {}

    static Run runOn(ContextInternal caller, BlockingPool pool) throws Exception {
        CompletableFuture<Run> result = new CompletableFuture<>();
        caller.runOnContext(v -> pool.run(caller, () -> {
                    ContextInternal current = ContextInternal.current();
                    return new Run(
                            Thread.currentThread().getName(),
                            isVirtual(Thread.currentThread()),
                            current != null && current.unwrap() == caller.unwrap(),
                            false);
                })
                .onComplete(ar -> result.complete(new Run(
                        ar.result().taskThread(),
                        ar.result().taskOnVirtualThread(),
                        ar.result().taskSawTheCaller(),
                        caller.inThread()))));
        return result.get(5, TimeUnit.SECONDS);
    }

    private static boolean isVirtual(Thread thread) {
        try {
            return (Boolean) Thread.class.getMethod("isVirtual").invoke(thread);
        } catch (NoSuchMethodException e) {
            return false; // before Java 21
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void run_onTheNamedPool_callerIsCurrentThere_outcomeBackOnTheCaller(Vertx vertx) throws Exception {
        VertxInternal vi = (VertxInternal) vertx;
        BlockingPool pool = new BlockingPool(vi, ServerOptions.DEFAULT.withBlockingPool("unit-pool", 2));

        Run run = runOn(vi.createEventLoopContext(), pool);

        assertThat(run.taskThread()).startsWith("unit-pool-");
        assertThat(run.taskOnVirtualThread()).isFalse();
        assertThat(run.taskSawTheCaller()).isTrue();
        assertThat(run.outcomeOnCaller()).isTrue();
        pool.close().await(5, TimeUnit.SECONDS);
    }

    @Test
    void run_afterClose_failsUnavailable(Vertx vertx) throws Exception {
        VertxInternal vi = (VertxInternal) vertx;
        BlockingPool pool = new BlockingPool(vi, ServerOptions.DEFAULT);
        pool.close().await(5, TimeUnit.SECONDS);
        ContextInternal caller = vi.createEventLoopContext();
        CompletableFuture<Throwable> failure = new CompletableFuture<>();

        caller.runOnContext(v -> pool.run(caller, () -> "x").onFailure(failure::complete));

        assertThat(failure.get(5, TimeUnit.SECONDS))
                .isInstanceOfSatisfying(
                        RpcException.class, e -> assertThat(e.code()).isEqualTo(StatusCode.UNAVAILABLE));
    }

    @Test
    @EnabledForJreRange(max = JRE.JAVA_20)
    void virtualThreads_beforeJava21_refusedAtCreation(Vertx vertx) {
        ServerOptions options = ServerOptions.DEFAULT.withBlockingThreadingModel(ThreadingModel.VIRTUAL_THREAD);

        assertThatThrownBy(() -> new BlockingPool((VertxInternal) vertx, options))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("blockingThreadingModel: VIRTUAL_THREAD is not available on Java ");
    }

    @Test
    @EnabledForJreRange(min = JRE.JAVA_21)
    void virtualThreads_onJava21_runOnAVirtualThread_outcomeBackOnTheCaller(Vertx vertx) throws Exception {
        VertxInternal vi = (VertxInternal) vertx;
        BlockingPool pool =
                new BlockingPool(vi, ServerOptions.DEFAULT.withBlockingThreadingModel(ThreadingModel.VIRTUAL_THREAD));

        Run run = runOn(vi.createEventLoopContext(), pool);

        assertThat(run.taskOnVirtualThread()).isTrue();
        assertThat(run.outcomeOnCaller()).isTrue();
    }
}
