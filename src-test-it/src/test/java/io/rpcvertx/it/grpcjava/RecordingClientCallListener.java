package io.rpcvertx.it.grpcjava;

import static java.util.concurrent.TimeUnit.SECONDS;

import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Status;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/** Captures the events of a raw grpc-java {@link ClientCall}, for the test thread to await with timeouts. */
final class RecordingClientCallListener<T> extends ClientCall.Listener<T> {
    private final CompletableFuture<Status> closed = new CompletableFuture<>();
    private final AtomicInteger messages = new AtomicInteger();
    private final CompletableFuture<Void> firstMessages = new CompletableFuture<>();
    private final int awaited;

    /** A listener whose {@link #awaitMessages()} waits for {@code awaited} messages. */
    RecordingClientCallListener(int awaited) {
        this.awaited = awaited;
    }

    @Override
    public void onMessage(T message) {
        if (messages.incrementAndGet() >= awaited) {
            firstMessages.complete(null);
        }
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
        closed.complete(status);
    }

    /** Waits until the awaited number of messages has arrived. */
    void awaitMessages() throws InterruptedException, ExecutionException, TimeoutException {
        firstMessages.get(5, SECONDS);
    }

    /** Messages received so far. */
    int messages() {
        return messages.get();
    }

    /** Waits for the call to close and returns its status. */
    Status awaitClose() throws InterruptedException, ExecutionException, TimeoutException {
        return closed.get(5, SECONDS);
    }

    /** Whether the call has closed. */
    boolean isClosed() {
        return closed.isDone();
    }
}
