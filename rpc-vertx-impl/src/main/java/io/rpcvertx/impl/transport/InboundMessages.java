package io.rpcvertx.impl.transport;

import io.rpcvertx.RpcException;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.streams.ReadStream;
import java.util.ArrayDeque;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * The inbound messages of one call, readable either as a {@link ReadStream} (push) or with {@link #read()} (pull),
 * never both.
 *
 * <p>The producer ({@link #offer}, {@link #end}) runs on the owner context (the call's); the queue, demand and
 * handlers live on the delivery context (the reader's), so a {@code pause()} from inside a handler stops the very next
 * delivery even when the two contexts are on different event loops. When they share a loop, everything runs inline.
 * Flow control: at {@link #HIGH_WATER} queued messages the transport is paused (HTTP/2 stops re-opening the window);
 * at {@link #LOW_WATER} it is resumed.
 */
public final class InboundMessages<T> implements ReadStream<T> {
    public static final int HIGH_WATER = 16;
    public static final int LOW_WATER = 8;

    /** The HTTP stream under the messages; called on the owner context. */
    public interface Transport {
        void pauseTransport();

        void resumeTransport();
    }

    private enum Mode {
        UNDECIDED,
        PUSH,
        PULL
    }

    private enum Phase {
        OPEN,
        /** no more messages will be offered; the terminal signal waits behind queued messages */
        ENDING,
        /** the terminal signal was delivered */
        DONE
    }

    private final ContextInternal owner;
    private final ContextInternal delivery;
    private final boolean sameLoop;
    private final Transport transport;
    private final AtomicReference<Mode> mode = new AtomicReference<>(Mode.UNDECIDED);
    private final ArrayDeque<T> queue = new ArrayDeque<>(4);

    // delivery-context state
    private Phase phase = Phase.OPEN;
    private @Nullable RpcException failure;
    private long demand = Long.MAX_VALUE;
    private boolean transportPaused;
    private boolean draining;
    private @Nullable Handler<T> handler;
    private @Nullable Handler<Void> endHandler;
    private @Nullable Handler<Throwable> exceptionHandler;
    private @Nullable Promise<Optional<T>> pendingRead;

    public InboundMessages(ContextInternal owner, ContextInternal delivery, Transport transport) {
        this.owner = owner;
        this.delivery = delivery;
        this.sameLoop = owner.nettyEventLoop() == delivery.nettyEventLoop();
        this.transport = transport;
    }

    // ---------------------------------------------------------------- producer (owner context)

    /** Queues one message and delivers what the reader asked for. */
    public void offer(T message) {
        assert owner.inThread();
        if (sameLoop) {
            enqueue(message);
        } else {
            delivery.execute(message, this::enqueue);
        }
    }

    /** No more messages: the reader sees the end (null) or the failure after the queued messages. Idempotent. */
    public void end(@Nullable RpcException error) {
        assert owner.inThread();
        if (sameLoop) {
            endNow(error);
        } else {
            delivery.execute(error, this::endNow);
        }
    }

    /** Drops queued messages (after a local cancel nobody wants them). */
    public void discardQueued() {
        onDelivery(queue::clear);
    }

    /** Whether the terminal signal has been delivered to the reader. Delivery context only. */
    public boolean isDone() {
        return phase == Phase.DONE;
    }

    // ---------------------------------------------------------------- consumer, pull style

    /** The next message, empty at the end, failed with the call's error. */
    public Future<Optional<T>> read() {
        decide(Mode.PULL);
        Promise<Optional<T>> promise = delivery.promise();
        onDelivery(() -> {
            if (pendingRead != null) {
                promise.fail(new IllegalStateException("read() while another read() is outstanding"));
                return;
            }
            if (phase == Phase.DONE) {
                completeEnd(promise); // the end stays the answer to every later read()
                return;
            }
            pendingRead = promise;
            drain();
        });
        return promise.future();
    }

    // ---------------------------------------------------------------- consumer, ReadStream

    @Override
    public InboundMessages<T> exceptionHandler(@Nullable Handler<Throwable> handler) {
        onDelivery(() -> {
            exceptionHandler = handler;
            drain();
        });
        return this;
    }

    @Override
    public InboundMessages<T> handler(@Nullable Handler<T> handler) {
        if (handler != null) {
            decide(Mode.PUSH);
        }
        onDelivery(() -> {
            this.handler = handler;
            drain();
        });
        return this;
    }

    @Override
    public InboundMessages<T> pause() {
        decide(Mode.PUSH);
        onDelivery(() -> demand = 0);
        return this;
    }

    @Override
    public InboundMessages<T> resume() {
        return fetch(Long.MAX_VALUE);
    }

    @Override
    public InboundMessages<T> fetch(long amount) {
        if (amount < 0) {
            throw new IllegalArgumentException("amount: " + amount + " (expected: >= 0)");
        }
        decide(Mode.PUSH);
        onDelivery(() -> {
            demand += amount;
            if (demand < 0) {
                demand = Long.MAX_VALUE;
            }
            drain();
        });
        return this;
    }

    @Override
    public InboundMessages<T> endHandler(@Nullable Handler<Void> endHandler) {
        onDelivery(() -> {
            this.endHandler = endHandler;
            drain();
        });
        return this;
    }

    // ---------------------------------------------------------------- internals (delivery context)

    private void enqueue(T message) {
        if (phase != Phase.OPEN) {
            return;
        }
        queue.add(message);
        if (queue.size() >= HIGH_WATER && !transportPaused) {
            transportPaused = true;
            onOwner(transport::pauseTransport);
        }
        drain();
    }

    private void endNow(@Nullable RpcException error) {
        if (phase != Phase.OPEN) {
            return;
        }
        phase = Phase.ENDING;
        failure = error;
        drain();
    }

    private void decide(Mode wanted) {
        Mode prev = mode.compareAndExchange(Mode.UNDECIDED, wanted);
        if (prev != Mode.UNDECIDED && prev != wanted) {
            throw new IllegalStateException("cannot mix read() with the ReadStream view on one call (already reading"
                    + " with " + (prev == Mode.PULL ? "read()" : "the ReadStream view") + ")");
        }
    }

    private void onDelivery(Runnable action) {
        Contexts.run(delivery, action);
    }

    private void onOwner(Runnable action) {
        if (sameLoop) {
            action.run();
        } else {
            owner.execute(action);
        }
    }

    private void drain() {
        if (draining) {
            return; // re-entered from a handler: the outer loop continues with the new demand
        }
        draining = true;
        try {
            while (true) {
                if (!queue.isEmpty()) {
                    if (mode.get() == Mode.PULL) {
                        Promise<Optional<T>> p = pendingRead;
                        if (p == null) {
                            break;
                        }
                        pendingRead = null;
                        T message = queue.poll();
                        afterTake();
                        p.complete(Optional.of(message));
                        continue;
                    }
                    Handler<T> h = handler;
                    if (h == null || demand == 0) {
                        break;
                    }
                    if (demand != Long.MAX_VALUE) {
                        demand--;
                    }
                    T message = queue.poll();
                    afterTake();
                    delivery.emit(message, h);
                    continue;
                }
                if (phase == Phase.ENDING) {
                    deliverEnd();
                }
                break;
            }
        } finally {
            draining = false;
        }
    }

    private void afterTake() {
        if (transportPaused && queue.size() <= LOW_WATER && phase == Phase.OPEN) {
            transportPaused = false;
            onOwner(transport::resumeTransport);
        }
    }

    private void deliverEnd() {
        if (mode.get() == Mode.PULL) {
            Promise<Optional<T>> p = pendingRead;
            if (p == null) {
                return;
            }
            pendingRead = null;
            phase = Phase.DONE;
            completeEnd(p);
            return;
        }
        // push style: the signal waits until a handler for it is set, so late wiring does not lose it
        RpcException error = failure;
        if (error == null) {
            Handler<Void> h = endHandler;
            if (h == null) {
                return;
            }
            phase = Phase.DONE;
            delivery.emit(null, h);
        } else {
            Handler<Throwable> h = exceptionHandler;
            if (h == null) {
                return;
            }
            phase = Phase.DONE;
            delivery.emit(error, h);
        }
    }

    private void completeEnd(Promise<Optional<T>> p) {
        RpcException error = failure;
        if (error == null) {
            p.complete(Optional.empty());
        } else {
            p.fail(error);
        }
    }
}
