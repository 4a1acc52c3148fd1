package io.rpcvertx.impl.transport;

import static io.rpcvertx.impl.transport.LoopSteps.contextOnAnotherLoop;
import static io.rpcvertx.impl.transport.LoopSteps.onLoop;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
@Timeout(10)
class DoneCallbacksTest {
    /** Captures what {@link DoneCallbacks} logs (Vert.x logs through java.util.logging here). */
    static final class RecordingLogHandler extends Handler {
        final List<LogRecord> records = new CopyOnWriteArrayList<>();

        @Override
        public void publish(LogRecord record) {
            records.add(record);
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    }

    private final DoneCallbacks callbacks = new DoneCallbacks();
    private final List<String> ran = new CopyOnWriteArrayList<>();
    private final Logger log = Logger.getLogger(DoneCallbacks.class.getName());
    private final RecordingLogHandler logged = new RecordingLogHandler();
    private ContextInternal owner;

    @BeforeEach
    void setUp(Vertx vertx) {
        owner = ((VertxInternal) vertx).createEventLoopContext();
        log.addHandler(logged);
    }

    @AfterEach
    void tearDown() {
        log.removeHandler(logged);
    }

    private void add(ContextInternal context, String name) {
        onLoop(owner, () -> callbacks.add(context, v -> ran.add(name)));
    }

    private void fire() {
        onLoop(owner, callbacks::fire);
    }

    @Test
    void fire_runsCallbacksInRegistrationOrder() {
        add(owner, "1");
        add(owner, "2");
        add(owner, "3");

        fire();

        assertThat(ran).containsExactly("1", "2", "3");
    }

    @Test
    void fire_beforeFire_runsNothing() {
        add(owner, "1");

        onLoop(owner, () -> {});

        assertThat(ran).isEmpty();
    }

    @Test
    void fire_runsEachCallbackOnItsRegisteringContext(Vertx vertx) throws Exception {
        ContextInternal other = contextOnAnotherLoop(vertx, owner);
        CompletableFuture<Context> onOther = new CompletableFuture<>();
        CompletableFuture<Context> onOwner = new CompletableFuture<>();
        onLoop(owner, () -> {
            callbacks.add(other, v -> onOther.complete(Vertx.currentContext()));
            callbacks.add(owner, v -> onOwner.complete(Vertx.currentContext()));
        });

        fire();

        assertThat(onOwner.get(5, TimeUnit.SECONDS)).isSameAs(owner);
        assertThat(onOther.get(5, TimeUnit.SECONDS)).isSameAs(other);
    }

    @Test
    void fire_callbackRegisteredFromAnotherContextOnTheSameLoop_runsOnThatContext() throws Exception {
        ContextInternal sameLoop = owner.duplicate();
        CompletableFuture<Context> ranOn = new CompletableFuture<>();
        onLoop(owner, () -> callbacks.add(sameLoop, v -> ranOn.complete(Vertx.currentContext())));

        fire();

        assertThat(ranOn.get(5, TimeUnit.SECONDS)).isSameAs(sameLoop);
    }

    @Test
    void fire_callbacksOnAnotherLoop_runInRegistrationOrder(Vertx vertx) throws Exception {
        ContextInternal other = contextOnAnotherLoop(vertx, owner);
        add(other, "1");
        add(other, "2");
        add(other, "3");

        fire();

        onLoop(other, () -> {});
        assertThat(ran).containsExactly("1", "2", "3");
    }

    @Test
    void fire_callbackThrows_logsItAndRunsTheOthers() {
        IllegalStateException boom = new IllegalStateException("boom");
        add(owner, "1");
        onLoop(
                owner,
                () -> callbacks.add(owner, v -> {
                    throw boom;
                }));
        add(owner, "3");

        fire();

        assertThat(ran).containsExactly("1", "3");
        assertThat(logged.records)
                .singleElement()
                .satisfies(r -> assertThat(r.getLevel()).isEqualTo(Level.SEVERE))
                .satisfies(r -> assertThat(r.getThrown()).isSameAs(boom));
    }

    @Test
    void fire_twice_runsEachCallbackOnce() {
        add(owner, "1");

        fire();
        fire();

        assertThat(ran).containsExactly("1");
    }

    @Test
    void add_afterFire_runsOnceAsynchronously() {
        fire();
        List<String> ranDuringAdd = new CopyOnWriteArrayList<>();

        onLoop(owner, () -> {
            callbacks.add(owner, v -> ran.add("late"));
            ranDuringAdd.addAll(ran);
        });
        onLoop(owner, () -> {});

        assertThat(ranDuringAdd).isEmpty();
        assertThat(ran).containsExactly("late");
        fire();
        onLoop(owner, () -> {});
        assertThat(ran).containsExactly("late");
    }

    @Test
    void add_afterFire_runsOnItsRegisteringContext(Vertx vertx) throws Exception {
        ContextInternal other = contextOnAnotherLoop(vertx, owner);
        fire();
        CompletableFuture<Context> ranOn = new CompletableFuture<>();

        onLoop(owner, () -> callbacks.add(other, v -> ranOn.complete(Vertx.currentContext())));

        assertThat(ranOn.get(5, TimeUnit.SECONDS)).isSameAs(other);
    }
}
