package io.rpcvertx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Future;
import io.vertx.core.ThreadingModel;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The ServerOptions of server interceptors and blocking handlers. */
@Timeout(10)
class ServerOptionsInterceptorsTest {
    static final ServerInterceptor PASS = (continuation, details) -> continuation.apply(details);
    static final ServerInterceptor NONE = (continuation, details) -> Future.succeededFuture(Optional.empty());

    @Test
    void defaults_noInterceptorsWorkerPool() {
        assertThat(ServerOptions.DEFAULT.interceptors()).isEmpty();
        assertThat(ServerOptions.DEFAULT.blockingPoolName()).isEqualTo(ServerOptions.DEFAULT_BLOCKING_POOL_NAME);
        assertThat(ServerOptions.DEFAULT.blockingPoolSize()).isEqualTo(ServerOptions.DEFAULT_BLOCKING_POOL_SIZE);
        assertThat(ServerOptions.DEFAULT.blockingThreadingModel()).isEqualTo(ThreadingModel.WORKER);
    }

    @Test
    void withInterceptors_keepsOrder_replacesEarlierOnes() {
        ServerOptions options = ServerOptions.DEFAULT.withInterceptors(NONE).withInterceptors(PASS, NONE);

        assertThat(options.interceptors()).containsExactly(PASS, NONE);
        assertThat(ServerOptions.DEFAULT.interceptors()).isEmpty();
    }

    @Test
    void withInterceptors_nullElement_throwsNullPointerException() {
        assertThatThrownBy(() -> ServerOptions.DEFAULT.withInterceptors(PASS, null))
                .isInstanceOf(NullPointerException.class);
    }

    @Test
    void withBlockingPool_badValues_throwIllegalArgumentWithTheValue() {
        assertThatThrownBy(() -> ServerOptions.DEFAULT.withBlockingPool("p", 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("size: 0 (expected: > 0)");
        assertThatThrownBy(() -> ServerOptions.DEFAULT.withBlockingPool("", 2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("name: \"\"");
    }

    @Test
    void withBlockingThreadingModel_eventLoop_throwsIllegalArgument() {
        assertThatThrownBy(() -> ServerOptions.DEFAULT.withBlockingThreadingModel(ThreadingModel.EVENT_LOOP))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("blockingThreadingModel: EVENT_LOOP (expected: WORKER or VIRTUAL_THREAD)");
        assertThat(ServerOptions.DEFAULT
                        .withBlockingThreadingModel(ThreadingModel.VIRTUAL_THREAD)
                        .blockingThreadingModel())
                .isEqualTo(ThreadingModel.VIRTUAL_THREAD);
    }
}
