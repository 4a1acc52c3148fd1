package io.rpcvertx.impl.transport;

import io.rpcvertx.StatusCode;
import io.vertx.core.Completable;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Objects;

/**
 * The close of a channel (HTTP/2, in-process, event bus), on its owner context: the channel turns SHUTDOWN, the
 * streams waiting for a connection or a server fail UNAVAILABLE, the live ones get {@code grace} to end and are then
 * failed CANCELLED (resetting them at their servers), and once the last one is gone the channel releases its
 * transport. A second close with zero grace cuts a running grace short; the first close's result is every close's
 * result.
 */
public final class ChannelClose {
    /** The channel's part of the close. */
    public interface Channel {
        /** The close starts: turn SHUTDOWN, tell the call layer, stop looking for servers (or connections). */
        void onClosing();

        /** Whether streams admitted are not yet closed. */
        boolean hasLive();

        /** Fails each stream waiting for a server (or a connection), without a reset: no server saw it. */
        void failWaiting(StatusCode code, String details);

        /** Fails each stream admitted and not yet closed, resetting it. */
        void failLive(StatusCode code, String details);

        /** No stream is left: release what the channel holds (and remove its close hook); the future says when done. */
        Future<Void> release();
    }

    private final VertxInternal vertx;
    private final ContextInternal owner;
    private final Channel channel;
    private final Promise<Void> closed;

    private volatile boolean requested;
    private boolean closing;
    private long graceTimer = -1;

    public ChannelClose(VertxInternal vertx, ContextInternal owner, Channel channel) {
        this.vertx = vertx;
        this.owner = owner;
        this.channel = channel;
        this.closed = owner.promise();
    }

    /** A close was asked for (from any thread): {@code getState} reports SHUTDOWN from then on. */
    public boolean isRequested() {
        return requested;
    }

    /** The close started (on the owner): no stream is admitted any more. */
    public boolean isClosing() {
        return closing;
    }

    /** {@code Channel.close(grace)}: completes, on the caller's context, once the channel is closed. */
    public Future<Void> close(Duration grace) {
        Objects.requireNonNull(grace, "grace");
        requested = true;
        Promise<Void> promise = Contexts.caller(vertx).promise();
        Contexts.run(owner, () -> {
            start(grace);
            closed.future().onComplete(promise);
        });
        return promise.future();
    }

    /** The owner context is closing (e.g. the verticle that created the channel was undeployed): no grace. */
    public void close(Completable<Void> completion) {
        requested = true;
        Contexts.run(owner, () -> {
            start(Duration.ZERO);
            closed.future().onComplete(completion);
        });
    }

    /**
     * A stream of the channel closed (or what else a close waits for, such as a connection): a closing channel with no
     * stream left completes its close.
     */
    public void streamClosed() {
        if (closing && !channel.hasLive()) {
            finish();
        }
    }

    private void start(Duration grace) {
        if (closing) {
            if (graceTimer >= 0 && grace.isZero()) {
                owner.owner().cancelTimer(graceTimer);
                graceTimer = -1;
                cancelAll();
            }
            return;
        }
        closing = true;
        channel.onClosing();
        channel.failWaiting(StatusCode.UNAVAILABLE, "Channel closed");
        if (!channel.hasLive()) {
            finish();
        } else if (grace.isZero() || grace.isNegative()) {
            cancelAll();
        } else {
            graceTimer = owner.setTimer(Math.max(1, grace.toMillis()), id -> {
                graceTimer = -1;
                cancelAll();
            });
        }
    }

    private void cancelAll() {
        channel.failLive(StatusCode.CANCELLED, "Channel closed");
    }

    /** Fails each of {@code streams} (a copy is walked: failing a stream takes it out of its collection). */
    public static void failAll(
            Collection<? extends AbstractMessageClientStream> streams, StatusCode code, String details, boolean reset) {
        for (AbstractMessageClientStream stream : new ArrayList<>(streams)) {
            stream.fail(code, details, reset);
        }
    }

    private void finish() {
        if (closed.future().isComplete()) {
            return; // a stream or connection that closed after the close completed
        }
        if (graceTimer >= 0) {
            owner.owner().cancelTimer(graceTimer);
            graceTimer = -1;
        }
        channel.release().onComplete(ar -> closed.tryComplete());
    }
}
