package io.rpcvertx.impl.transport;

import io.rpcvertx.ChannelConnectivity;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.List;

/**
 * The callers of a channel's {@code waitForStateChange} and {@code channelReady} that wait for its connectivity state
 * to move, and their completion when it does. Every channel (HTTP/2, in-process, event bus) keeps one and uses it on
 * its owner context only; the state itself stays with the channel.
 */
public final class ConnectivityWatchers {
    private final List<Promise<ChannelConnectivity>> stateWatchers = new ArrayList<>();
    private final List<Promise<Void>> readyWatchers = new ArrayList<>();

    /** {@code promise} completes with the next state the channel moves to. */
    public void awaitChange(Promise<ChannelConnectivity> promise) {
        stateWatchers.add(promise);
    }

    /** {@code promise} completes when the channel becomes READY and fails when it shuts down first. */
    public void awaitReady(Promise<Void> promise) {
        readyWatchers.add(promise);
    }

    /** Whether a {@code channelReady} caller still waits. */
    public boolean awaitingReady() {
        return !readyWatchers.isEmpty();
    }

    /** The channel has just moved to {@code next}: completes the watchers that waited for that. */
    public void changed(ChannelConnectivity next) {
        List<Promise<ChannelConnectivity>> watchers = new ArrayList<>(stateWatchers);
        stateWatchers.clear();
        for (Promise<ChannelConnectivity> w : watchers) {
            w.tryComplete(next);
        }
        if (next == ChannelConnectivity.READY || next == ChannelConnectivity.SHUTDOWN) {
            List<Promise<Void>> ready = new ArrayList<>(readyWatchers);
            readyWatchers.clear();
            for (Promise<Void> w : ready) {
                if (next == ChannelConnectivity.READY) {
                    w.tryComplete();
                } else {
                    w.tryFail(new IllegalStateException("channel closed before it became READY"));
                }
            }
        }
    }
}
