package io.rpcvertx.testkit;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.streams.ReadStream;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The request side of a {@link FakeServicerContext}: the queued requests and their end, handed to a pull
 * {@link #read()} or to the demand-driven {@link #stream()}, not both. Its state is guarded by the fake's lock;
 * handlers and promises run outside it, on the calling thread.
 */
final class FakeRequests<Req> {
    private enum ReadStyle {
        NONE,
        PULL,
        STREAM
    }

    private final Object lock;
    private final ArrayDeque<Req> queue = new ArrayDeque<>();
    private final RequestStream stream = new RequestStream();
    private ReadStyle readStyle = ReadStyle.NONE;
    /** {@code endRequests()}: the client is done writing. */
    private boolean ended;
    /** The call has ended: nothing more is delivered. */
    private boolean closed;

    private @Nullable Promise<Optional<Req>> pendingRead;

    FakeRequests(Object lock) {
        this.lock = lock;
    }

    void add(List<Req> messages) {
        synchronized (lock) {
            if (ended) {
                throw new IllegalStateException("addRequests after endRequests");
            }
            queue.addAll(messages);
        }
        deliver();
    }

    void end() {
        synchronized (lock) {
            ended = true;
        }
        deliver();
    }

    ReadStream<Req> stream() {
        style(ReadStyle.STREAM);
        return stream;
    }

    Future<Optional<Req>> read() {
        style(ReadStyle.PULL);
        Promise<Optional<Req>> promise = Promise.promise();
        synchronized (lock) {
            if (pendingRead != null) {
                throw new IllegalStateException("read while another read is pending");
            }
            pendingRead = promise;
        }
        deliver();
        return promise.future();
    }

    /** Under the fake's lock, as the call ends: nothing is delivered from now on; returns the read left to fail. */
    @Nullable
    Promise<Optional<Req>> closeLocked() {
        closed = true;
        Promise<Optional<Req>> read = pendingRead;
        pendingRead = null;
        return read;
    }

    /** After the call ended ({@link #closeLocked()}), outside the lock: the pending read and the stream fail. */
    void fail(Exception cause, @Nullable Promise<Optional<Req>> read) {
        if (read != null) {
            read.tryFail(cause);
        }
        stream.fail(cause);
    }

    private void style(ReadStyle style) {
        synchronized (lock) {
            if (readStyle != ReadStyle.NONE && readStyle != style) {
                throw new IllegalStateException(
                        "the handler reads requests with " + readStyle + ", not " + style + " (use one style)");
            }
            readStyle = style;
        }
    }

    /** Hands queued requests (and the end) to a pending read or to the request stream, as demand allows. */
    private void deliver() {
        while (true) {
            Promise<Optional<Req>> read = null;
            Optional<Req> readValue = Optional.empty();
            synchronized (lock) {
                if (closed) {
                    return;
                }
                if (readStyle == ReadStyle.PULL) {
                    if (pendingRead == null || (queue.isEmpty() && !ended)) {
                        return;
                    }
                    read = pendingRead;
                    pendingRead = null;
                    readValue = Optional.ofNullable(queue.poll());
                }
            }
            if (read != null) {
                read.complete(readValue);
                continue;
            }
            if (!stream.deliverOne()) {
                return;
            }
        }
    }

    /** The request stream a streaming handler reads; demand-driven like the real one. */
    private final class RequestStream implements ReadStream<Req> {
        private @Nullable Handler<Req> handler;
        private @Nullable Handler<Void> endHandler;
        private @Nullable Handler<Throwable> exceptionHandler;
        private long demand = Long.MAX_VALUE;
        private boolean endDelivered;

        @Override
        public ReadStream<Req> exceptionHandler(@Nullable Handler<Throwable> handler) {
            synchronized (lock) {
                exceptionHandler = handler;
            }
            return this;
        }

        @Override
        public ReadStream<Req> handler(@Nullable Handler<Req> handler) {
            synchronized (lock) {
                this.handler = handler;
            }
            deliver();
            return this;
        }

        @Override
        public ReadStream<Req> pause() {
            synchronized (lock) {
                demand = 0;
            }
            return this;
        }

        @Override
        public ReadStream<Req> resume() {
            return fetch(Long.MAX_VALUE);
        }

        @Override
        public ReadStream<Req> fetch(long amount) {
            if (amount < 0) {
                throw new IllegalArgumentException("amount: " + amount + " (expected: >= 0)");
            }
            synchronized (lock) {
                demand = demand + amount < 0 ? Long.MAX_VALUE : demand + amount;
            }
            deliver();
            return this;
        }

        @Override
        public ReadStream<Req> endHandler(@Nullable Handler<Void> endHandler) {
            synchronized (lock) {
                this.endHandler = endHandler;
            }
            deliver();
            return this;
        }

        /** Delivers one message or the end if a handler and demand allow; true if it delivered a message. */
        boolean deliverOne() {
            Handler<Req> h;
            Req message;
            Handler<Void> end = null;
            synchronized (lock) {
                if (readStyle != ReadStyle.STREAM || handler == null || endDelivered) {
                    return false;
                }
                if (queue.isEmpty()) {
                    if (ended && endHandler != null) {
                        endDelivered = true;
                        end = endHandler;
                    }
                    h = null;
                    message = null;
                } else if (demand > 0) {
                    h = handler;
                    message = queue.poll();
                    if (demand != Long.MAX_VALUE) {
                        demand--;
                    }
                } else {
                    return false;
                }
            }
            if (end != null) {
                end.handle(null);
                return false;
            }
            if (h == null || message == null) {
                return false;
            }
            h.handle(message);
            return true;
        }

        void fail(Exception cause) {
            Handler<Throwable> h;
            synchronized (lock) {
                if (readStyle != ReadStyle.STREAM || endDelivered) {
                    return;
                }
                endDelivered = true;
                h = exceptionHandler;
            }
            if (h != null) {
                h.handle(cause);
            }
        }
    }
}
