package io.rpcvertx.codegen;

import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.streams.ReadStream;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * A {@link ReadStream} of a fixed list that honours {@code pause}/{@code resume}/{@code fetch}, emitting on one
 * Vert.x context; it ends (once) after the last item.
 */
final class FakeReadStream<T> implements ReadStream<T> {
    private final Context context;
    private final Deque<T> items;
    private long demand = Long.MAX_VALUE;
    private Handler<T> handler;
    private Handler<Void> endHandler;
    private boolean ended;

    FakeReadStream(Context context, List<T> items) {
        this.context = context;
        this.items = new ArrayDeque<>(items);
    }

    @Override
    public FakeReadStream<T> exceptionHandler(Handler<Throwable> handler) {
        return this;
    }

    @Override
    public FakeReadStream<T> handler(Handler<T> handler) {
        this.handler = handler;
        drainLater();
        return this;
    }

    @Override
    public FakeReadStream<T> pause() {
        demand = 0;
        return this;
    }

    @Override
    public FakeReadStream<T> resume() {
        return fetch(Long.MAX_VALUE);
    }

    @Override
    public FakeReadStream<T> fetch(long amount) {
        demand = demand + amount < 0 ? Long.MAX_VALUE : demand + amount;
        drainLater();
        return this;
    }

    @Override
    public FakeReadStream<T> endHandler(Handler<Void> endHandler) {
        this.endHandler = endHandler;
        drainLater();
        return this;
    }

    private void drainLater() {
        context.runOnContext(v -> drain());
    }

    private void drain() {
        while (demand > 0 && handler != null && !items.isEmpty()) {
            if (demand != Long.MAX_VALUE) {
                demand--;
            }
            handler.handle(items.poll());
        }
        if (items.isEmpty() && !ended && endHandler != null) {
            ended = true;
            endHandler.handle(null);
        }
    }
}
