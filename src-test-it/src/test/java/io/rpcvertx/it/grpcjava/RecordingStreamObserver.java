package io.rpcvertx.it.grpcjava;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeoutException;

/** Captures what a grpc-java stub delivers, for the test thread to await with timeouts. */
final class RecordingStreamObserver<T> implements StreamObserver<T> {
    private final BlockingQueue<T> unread = new LinkedBlockingQueue<>();
    private final List<T> all = new ArrayList<>();
    private final CompletableFuture<Void> done = new CompletableFuture<>();

    @Override
    public void onNext(T value) {
        synchronized (all) {
            all.add(value);
        }
        unread.add(value);
    }

    @Override
    public void onError(Throwable t) {
        done.completeExceptionally(t);
    }

    @Override
    public void onCompleted() {
        done.complete(null);
    }

    /** The next message not yet taken, waiting up to 5 s. */
    T next() throws InterruptedException {
        T value = unread.poll(5, SECONDS);
        assertThat(value).as("a message within 5 s").isNotNull();
        return value;
    }

    /** Waits for a clean end and returns every message received. */
    List<T> awaitCompleted() throws InterruptedException, ExecutionException, TimeoutException {
        done.get(5, SECONDS);
        synchronized (all) {
            return List.copyOf(all);
        }
    }

    /** Waits for the end, which must be an error, and returns it. */
    StatusRuntimeException awaitError() throws InterruptedException, TimeoutException {
        try {
            done.get(5, SECONDS);
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(StatusRuntimeException.class);
            return (StatusRuntimeException) e.getCause();
        }
        throw new AssertionError("expected the call to fail, but it completed OK");
    }

    /** Waits for the end, which must be an error with this code, and returns it. */
    StatusRuntimeException awaitError(Status.Code code) throws InterruptedException, TimeoutException {
        StatusRuntimeException e = awaitError();
        assertThat(e.getStatus().getCode()).isEqualTo(code);
        return e;
    }

    /** Whether the call has ended (either way). */
    boolean isDone() {
        return done.isDone();
    }
}
