package io.rpcvertx.it.channel;

import io.rpcvertx.Channel;
import io.rpcvertx.ChannelConnectivity;
import io.vertx.core.Context;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Records every state a channel reports through {@link Channel#waitForStateChange}, with the time it was seen. Create
 * the channel with {@link #createOn} and record on the same event-loop context: each change is then seen on the
 * channel's own loop and the next wait registered before the channel can change again, so no state is missed.
 */
final class RecordingConnectivity {
    /** One observed state and when it was observed ({@link System#nanoTime()}). */
    record Change(ChannelConnectivity state, long nanos) {}

    private final Channel channel;
    private final List<Change> changes = new CopyOnWriteArrayList<>();
    private final List<Waiter> waiters = new CopyOnWriteArrayList<>();

    private record Waiter(Predicate<List<Change>> condition, CompletableFuture<List<Change>> done) {}

    private RecordingConnectivity(Channel channel) {
        this.channel = channel;
    }

    /** Creates a channel on {@code loop} (so the channel's event loop is that context's), from a test thread. */
    static Channel createOn(Context loop, Supplier<Channel> factory) throws Exception {
        CompletableFuture<Channel> created = new CompletableFuture<>();
        loop.runOnContext(v -> created.complete(factory.get()));
        return created.get(5, TimeUnit.SECONDS);
    }

    /**
     * Starts recording, on {@code loop}, from the channel's current state (not recorded itself); returns once the
     * first wait is registered.
     */
    static RecordingConnectivity of(Channel channel, Context loop) throws Exception {
        RecordingConnectivity r = new RecordingConnectivity(channel);
        CompletableFuture<Void> registered = new CompletableFuture<>();
        loop.runOnContext(v -> {
            r.watch(channel.getState());
            registered.complete(null);
        });
        registered.get(5, TimeUnit.SECONDS);
        return r;
    }

    private void watch(ChannelConnectivity last) {
        channel.waitForStateChange(last).onSuccess(state -> {
            changes.add(new Change(state, System.nanoTime()));
            for (Waiter w : waiters) {
                if (w.condition.test(changes)) {
                    w.done.complete(List.copyOf(changes));
                }
            }
            if (state != ChannelConnectivity.SHUTDOWN) {
                watch(state);
            }
        });
    }

    List<ChannelConnectivity> states() {
        return changes.stream().map(Change::state).toList();
    }

    /** Completes with the changes so far once {@code condition} holds for them. */
    CompletableFuture<List<Change>> when(Predicate<List<Change>> condition) {
        CompletableFuture<List<Change>> done = new CompletableFuture<>();
        waiters.add(new Waiter(condition, done));
        if (condition.test(changes)) {
            done.complete(List.copyOf(changes));
        }
        return done;
    }

    /** Completes once {@code state} has been seen {@code times} times. */
    CompletableFuture<List<Change>> seen(ChannelConnectivity state, int times) {
        return when(list -> list.stream().filter(c -> c.state() == state).count() >= times);
    }
}
