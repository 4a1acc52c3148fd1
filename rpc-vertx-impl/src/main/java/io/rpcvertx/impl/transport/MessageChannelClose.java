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
 * The close of a message-transport channel (in-process, event bus), on its owner context: the channel turns SHUTDOWN,
 * the streams waiting for a server fail UNAVAILABLE, the live ones get {@code grace} to end and are then failed
 * CANCELLED (resetting their servers), and once the last one is gone the channel releases its transport. A second
 * close with zero grace cuts a running grace short; the first close's result is every close's result.
 */
public final class MessageChannelClose {
    /** The channel's part of the close. */
    public interface Channel {
        /** The close starts: turn SHUTDOWN, tell the call layer, stop looking for servers. */
        void onClosing();

        /** The streams admitted and not yet closed. */
        Collection<? extends AbstractMessageClientStream> live();

        /** The streams waiting for a server. */
        Collection<? extends AbstractMessageClientStream> waiting();

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

    public MessageChannelClose(VertxInternal vertx, ContextInternal owner, Channel channel) {
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

    /** A stream of the channel closed: the last one of a closing channel completes the close. */
    public void streamClosed() {
        if (closing && channel.live().isEmpty()) {
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
        for (AbstractMessageClientStream stream : new ArrayList<>(channel.waiting())) {
            stream.fail(StatusCode.UNAVAILABLE, "Channel closed", false);
        }
        if (channel.live().isEmpty()) {
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
        for (AbstractMessageClientStream stream : new ArrayList<>(channel.live())) {
            stream.fail(StatusCode.CANCELLED, "Channel closed", true);
        }
    }

    private void finish() {
        if (graceTimer >= 0) {
            owner.owner().cancelTimer(graceTimer);
            graceTimer = -1;
        }
        channel.release().onComplete(ar -> closed.tryComplete());
    }
}
