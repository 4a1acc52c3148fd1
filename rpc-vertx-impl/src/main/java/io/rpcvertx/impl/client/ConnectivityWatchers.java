package io.rpcvertx.impl.client;

import io.rpcvertx.ChannelConnectivity;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.List;

/**
 * Who waits on a {@link ChannelImpl}'s connectivity: {@code waitForStateChange()} until the next change, and
 * {@code channelReady()} until READY (or SHUTDOWN, which fails it). Each promise completes on its caller's context,
 * once. Owner context only.
 */
final class ConnectivityWatchers {
    private final List<Promise<ChannelConnectivity>> changes = new ArrayList<>();
    private final List<Promise<Void>> ready = new ArrayList<>();

    void awaitChange(Promise<ChannelConnectivity> promise) {
        changes.add(promise);
    }

    void awaitReady(Promise<Void> promise) {
        ready.add(promise);
    }

    /** Whether a {@code channelReady()} waits (it keeps the channel connecting, past its idle timeout). */
    boolean isAwaitingReady() {
        return !ready.isEmpty();
    }

    /** The channel state became {@code next}. */
    void onState(ChannelConnectivity next) {
        List<Promise<ChannelConnectivity>> watchers = new ArrayList<>(changes);
        changes.clear();
        for (Promise<ChannelConnectivity> w : watchers) {
            w.tryComplete(next);
        }
        if (next == ChannelConnectivity.READY || next == ChannelConnectivity.SHUTDOWN) {
            List<Promise<Void>> waiting = new ArrayList<>(ready);
            ready.clear();
            for (Promise<Void> w : waiting) {
                if (next == ChannelConnectivity.READY) {
                    w.tryComplete();
                } else {
                    w.tryFail(new IllegalStateException("channel closed before it became READY"));
                }
            }
        }
    }
}
