package io.rpcvertx.impl.client;

import io.vertx.core.internal.ContextInternal;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * When a {@link ChannelImpl} resolves its target (gRPC Name Resolution, over time): one lookup at a time; after a
 * failure, again with backoff while the channel has no addresses; a DNS name again every {@code dnsRefreshInterval},
 * and on a connection's failure at most once per {@code dnsMinTimeBetweenResolutions}. What a lookup found goes to the
 * channel, which decides what to connect. Owner context only.
 */
final class Resolution {
    private final ChannelImpl channel;
    private final ContextInternal owner;
    private final NameResolver resolver;
    private final Backoff backoff;

    private boolean resolving;
    /** The failure of the last lookup (null after a success). */
    private @Nullable String error;

    private long lastNanos;
    private long timer = -1;
    private long dueNanos;

    Resolution(ChannelImpl channel, NameResolver resolver) {
        this.channel = channel;
        this.owner = channel.owner;
        this.resolver = resolver;
        this.backoff = Backoff.of(channel.options);
    }

    /** Whether a lookup is under way. */
    boolean isResolving() {
        return resolving;
    }

    @Nullable
    String error() {
        return error;
    }

    /** Looks the target up now (none may be under way); its outcome goes to the channel. */
    void resolve() {
        resolving = true;
        cancelTimer();
        resolver.resolve().onComplete(ar -> {
            resolving = false;
            lastNanos = System.nanoTime();
            if (channel.isClosing()) {
                return;
            }
            if (ar.succeeded()) {
                error = null;
                backoff.reset();
                channel.onResolved(ar.result());
                if (resolver.isDynamic()) {
                    schedule(channel.options.dnsRefreshInterval().toNanos());
                }
            } else {
                String why = "name resolution failed for " + channel.target() + ": " + ar.cause();
                error = why;
                if (channel.onResolutionFailed(why)) {
                    schedule(backoff.nextDelayNanos());
                }
            }
            channel.afterResolution();
        });
        channel.afterResolution();
    }

    /** A connection failed or went away: a DNS name may point elsewhere now (at most once per min interval). */
    void requestRefresh() {
        if (!resolver.isDynamic() || resolving || channel.isClosing()) {
            return;
        }
        long earliest =
                lastNanos + channel.options.dnsMinTimeBetweenResolutions().toNanos();
        long now = System.nanoTime();
        if (now - earliest >= 0) {
            resolve();
        } else {
            schedule(earliest - now);
        }
    }

    private void schedule(long delayNanos) {
        long due = System.nanoTime() + delayNanos;
        if (timer >= 0 && dueNanos - due <= 0) {
            return; // an earlier one is already planned
        }
        cancelTimer();
        dueNanos = due;
        timer = owner.setTimer(Math.max(1, TimeUnit.NANOSECONDS.toMillis(delayNanos)), id -> {
            timer = -1;
            if (!channel.isClosing() && !resolving && (channel.hasAddresses() || error != null)) {
                resolve();
            }
        });
    }

    /** The channel went IDLE: no refresh is planned, and the last failure is forgotten. */
    void reset() {
        cancelTimer();
        error = null;
    }

    void cancelTimer() {
        if (timer >= 0) {
            owner.owner().cancelTimer(timer);
            timer = -1;
        }
    }
}
