package io.rpcvertx.impl.transport;

import static io.rpcvertx.impl.transport.LoopSteps.onLoopGet;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
@Timeout(10)
class ContextsTest {
    private VertxInternal vertx;
    private ContextInternal eventLoop;

    @BeforeEach
    void setUp(Vertx vertx) {
        this.vertx = (VertxInternal) vertx;
        eventLoop = this.vertx.createEventLoopContext();
    }

    @Test
    void caller_onAContext_returnsThatContext() {
        assertThat(onLoopGet(eventLoop, () -> Contexts.caller(vertx))).isSameAs(eventLoop);
    }

    @Test
    void caller_onADuplicateContext_returnsTheDuplicate() {
        ContextInternal duplicate = eventLoop.duplicate();

        assertThat(onLoopGet(duplicate, () -> Contexts.caller(vertx))).isSameAs(duplicate);
    }

    @Test
    void caller_outsideVertx_returnsAnEventLoopContextOnTheSameLoopEachTime() {
        ContextInternal first = Contexts.caller(vertx);
        ContextInternal second = Contexts.caller(vertx);

        assertThat(first.isEventLoopContext()).isTrue();
        assertThat(second.nettyEventLoop()).isSameAs(first.nettyEventLoop());
    }

    @Test
    void ownerFor_onAnEventLoopContext_returnsIt() {
        assertThat(onLoopGet(eventLoop, () -> Contexts.ownerFor(vertx))).isSameAs(eventLoop);
    }

    @Test
    void ownerFor_onADuplicateContext_returnsTheContextItDuplicates() {
        ContextInternal duplicate = eventLoop.duplicate();

        assertThat(onLoopGet(duplicate, () -> Contexts.ownerFor(vertx))).isSameAs(eventLoop);
    }

    @Test
    void ownerFor_onAWorkerContext_returnsAFreshEventLoopContext() {
        ContextInternal worker = vertx.createWorkerContext();

        ContextInternal owner = onLoopGet(worker, () -> Contexts.ownerFor(vertx));

        assertThat(owner).isNotSameAs(worker);
        assertThat(owner.isEventLoopContext()).isTrue();
    }

    @Test
    void ownerFor_outsideVertx_returnsAnEventLoopContext() {
        assertThat(Contexts.ownerFor(vertx).isEventLoopContext()).isTrue();
    }
}
