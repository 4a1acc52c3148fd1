package io.rpcvertx.testkit;

import io.rpcvertx.Compression;
import io.rpcvertx.Metadata;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.streams.WriteStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The response side of a {@link FakeServicerContext}: what the handler sent (initial metadata, messages) and how it
 * asked them compressed. Writes succeed at once while the call is live and fail with the call's end afterwards. Its
 * state is guarded by the fake's lock.
 */
final class FakeResponses<Resp> {
    private final Object lock;
    private final List<Resp> written = new ArrayList<>();
    private @Nullable Metadata initialMetadata;
    private @Nullable Compression compression;
    private int uncompressedMessages;
    /** Why writes fail once the call has ended: its RpcException, or IllegalStateException after OK. */
    private @Nullable Exception ended;

    FakeResponses(Object lock) {
        this.lock = lock;
    }

    /** Under the fake's lock, as the call ends: writes fail with {@code cause} from now on. */
    void closeLocked(Exception cause) {
        ended = cause;
    }

    Future<Void> write(Resp message) {
        synchronized (lock) {
            if (ended != null) {
                return Future.failedFuture(ended);
            }
            written.add(message);
        }
        return Future.succeededFuture();
    }

    /** The handler's unary response, recorded unless the call ended first. */
    void record(Resp response) {
        synchronized (lock) {
            if (ended == null) {
                written.add(response);
            }
        }
    }

    List<Resp> written() {
        synchronized (lock) {
            return List.copyOf(written);
        }
    }

    Future<Void> sendInitialMetadata(Metadata metadata) {
        synchronized (lock) {
            if (initialMetadata != null) {
                throw new IllegalStateException("initial metadata already sent");
            }
            if (ended != null) {
                return Future.failedFuture(ended);
            }
            initialMetadata = metadata;
        }
        return Future.succeededFuture();
    }

    Optional<Metadata> sentInitialMetadata() {
        synchronized (lock) {
            return Optional.ofNullable(initialMetadata);
        }
    }

    void setCompression(Compression compression) {
        synchronized (lock) {
            this.compression = compression;
        }
    }

    Optional<Compression> compression() {
        synchronized (lock) {
            return Optional.ofNullable(compression);
        }
    }

    void disableNextMessageCompression() {
        synchronized (lock) {
            uncompressedMessages++;
        }
    }

    int uncompressedMessageRequests() {
        synchronized (lock) {
            return uncompressedMessages;
        }
    }

    /** A {@code WriteStream} over {@link #write}; never full. */
    WriteStream<Resp> stream() {
        return new ResponseStream();
    }

    private final class ResponseStream implements WriteStream<Resp> {
        @Override
        public WriteStream<Resp> exceptionHandler(@Nullable Handler<Throwable> handler) {
            return this;
        }

        @Override
        public Future<Void> write(Resp data) {
            return FakeResponses.this.write(data);
        }

        @Override
        public Future<Void> end() {
            synchronized (lock) {
                return ended == null ? Future.succeededFuture() : Future.failedFuture(ended);
            }
        }

        @Override
        public WriteStream<Resp> setWriteQueueMaxSize(int maxSize) {
            return this;
        }

        @Override
        public boolean writeQueueFull() {
            return false;
        }

        @Override
        public WriteStream<Resp> drainHandler(@Nullable Handler<Void> handler) {
            return this;
        }
    }
}
