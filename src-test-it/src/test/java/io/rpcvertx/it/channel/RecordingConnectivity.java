package io.rpcvertx.it.channel;

import io.rpcvertx.Channel;
import io.rpcvertx.ChannelConnectivity;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * Records every state a channel reports through {@link Channel#waitForStateChange}, with the time it was seen: each
 * completion registers the next wait at once, so only transitions shorter than that hop could be missed.
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

    /** Starts recording from the channel's current state (not recorded itself). */
    static RecordingConnectivity of(Channel channel) {
        RecordingConnectivity r = new RecordingConnectivity(channel);
        r.watch(channel.getState());
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
