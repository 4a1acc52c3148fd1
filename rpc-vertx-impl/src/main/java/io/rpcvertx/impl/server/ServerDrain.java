package io.rpcvertx.impl.server;

import io.rpcvertx.Server;
import io.vertx.core.Future;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * A server's stop over the event bus, on its owner (control) context: stop requests on the control address, a
 * {@code Drain(deadline)} to each IO instance (again with an earlier deadline if a later stop shortens it), and the IO
 * instances' reports ({@code CallsDone}, {@code Drained}). The server's state machine stays in {@link ServerImpl}: this
 * keeps the books and tells it when every IO instance has drained.
 */
final class ServerDrain {
    private final VertxInternal vertx;
    private final ContextInternal owner;
    private final Server server;
    private final BlockingPool blockingPool;
    private final Set<Integer> drainedIos = new HashSet<>();
    private int ioInstances;
    private Runnable onAllDrained = () -> {};
    private long blockingPoolTimer = -1;
    private long callsDone;
    private long callsDoneSignals;
    private long deadlineNanos = Long.MAX_VALUE;
    private @Nullable MessageConsumer<Object> controlConsumer;
    private @Nullable MessageConsumer<Object> doneConsumer;

    ServerDrain(VertxInternal vertx, ContextInternal owner, Server server, BlockingPool blockingPool) {
        this.vertx = vertx;
        this.owner = owner;
        this.server = server;
        this.blockingPool = blockingPool;
    }

    /**
     * At start: listens for stop requests and for the reports of {@code ioInstances} IO instances; {@code onAllDrained}
     * runs each time a {@code Drained} report completes the set.
     */
    Future<?> listen(int ioInstances, Runnable onAllDrained) {
        this.ioInstances = ioInstances;
        this.onAllDrained = onAllDrained;
        MessageConsumer<Object> done =
                vertx.eventBus().localConsumer(ServerSignals.doneAddress(server.id()), msg -> onIoSignal(msg.body()));
        // not local: a stop may come from another node of a clustered event bus
        MessageConsumer<Object> control = vertx.eventBus().consumer(server.controlAddress(), this::onControlMessage);
        doneConsumer = done;
        controlConsumer = control;
        return Future.all(done.completion(), control.completion());
    }

    /**
     * Sends every IO instance a {@code Drain(deadlineNanos)}, if that deadline is earlier than the one already sent (a
     * shorter grace brings the deadline forward; a longer one is ignored).
     */
    void drain(long deadlineNanos) {
        if (deadlineNanos >= this.deadlineNanos) {
            return;
        }
        this.deadlineNanos = deadlineNanos;
        // blocking handlers still running at the deadline are interrupted (their calls are cancelled then), so a stop
        // that waits for every handler to terminate cannot wait on a worker thread forever
        if (blockingPoolTimer >= 0) {
            vertx.cancelTimer(blockingPoolTimer);
        }
        long delayMs = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime()));
        blockingPoolTimer = owner.setTimer(delayMs, tid -> {
            blockingPoolTimer = -1;
            blockingPool.close();
        });
        for (int i = 0; i < ioInstances; i++) {
            vertx.eventBus()
                    .send(
                            ServerSignals.ioAddress(server.id(), i),
                            new ServerSignals.Drain(deadlineNanos),
                            ServerSignals.LOCAL);
        }
    }

    /** Whether every IO instance has reported {@code Drained}. */
    boolean allDrained() {
        return drainedIos.size() == ioInstances;
    }

    private void onIoSignal(Object signal) {
        if (signal instanceof ServerSignals.CallsDone) {
            callsDone += ((ServerSignals.CallsDone) signal).count();
            callsDoneSignals++;
        } else if (signal instanceof ServerSignals.Drained) {
            drainedIos.add(((ServerSignals.Drained) signal).io());
            if (allDrained()) {
                onAllDrained.run();
            }
        }
    }

    /** Calls whose end the IO instances have reported so far. */
    long callsDone() {
        return callsDone;
    }

    /** For the server's last log line. */
    String callsDoneSummary() {
        return callsDone + " calls, reported in " + callsDoneSignals + " signals";
    }

    /** A stop request on the control address: {@code {"grace": millis}}, or null / {@code {"grace": null}} to abort. */
    private void onControlMessage(Message<Object> message) {
        Object body = message.body();
        Duration grace = null;
        if (body instanceof JsonObject) {
            Object millis = ((JsonObject) body).getValue("grace");
            if (millis instanceof Number && ((Number) millis).longValue() >= 0) {
                grace = Duration.ofMillis(((Number) millis).longValue());
            } else if (millis != null) {
                message.fail(400, "grace: " + millis + " (expected: milliseconds >= 0, or null to abort)");
                return;
            }
        } else if (body != null) {
            message.fail(400, "body: " + body + " (expected: {\"grace\": millis} or null)");
            return;
        }
        server.stop(grace).onComplete(ar -> message.reply(new JsonObject().put("stopped", true)));
    }

    /** At the end of a stop or a failed start: the consumers go; their unregistering joins {@code closing}. */
    void unregister(List<Future<?>> closing) {
        if (controlConsumer != null) {
            closing.add(controlConsumer.unregister());
        }
        if (doneConsumer != null) {
            closing.add(doneConsumer.unregister());
        }
    }
}
