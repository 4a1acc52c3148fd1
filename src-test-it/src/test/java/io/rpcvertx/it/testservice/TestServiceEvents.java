package io.rpcvertx.it.testservice;

import io.rpcvertx.Metadata;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What a test-service servicer saw, for tests to await (with a timeout, never a sleep). Thread-safe: servicers record
 * from their own threads, tests read from theirs. One instance per test.
 */
public final class TestServiceEvents {
    private final CompletableFuture<Metadata> callStarted = new CompletableFuture<>();
    private final AtomicReference<Metadata> lastRequestMetadata = new AtomicReference<>(Metadata.EMPTY);
    private final AtomicInteger calls = new AtomicInteger();
    private final CompletableFuture<Void> cancelled = new CompletableFuture<>();
    private final CompletableFuture<Void> notReady = new CompletableFuture<>();
    private final AtomicInteger messagesSent = new AtomicInteger();
    private final Queue<SentWaiter> sentWaiters = new ConcurrentLinkedQueue<>();

    /**
     * Completes with the request metadata of the first call, once its handler has started and can observe
     * cancellation: a test may cancel as soon as this completes. Which reserved headers ({@code grpc-encoding},
     * {@code user-agent}, ...) the metadata holds depends on the server: grpc-java keeps them, rpc-vertx drops them.
     */
    public CompletableFuture<Metadata> callStarted() {
        return callStarted;
    }

    /** The request metadata of the latest call started, or empty metadata. */
    public Metadata lastRequestMetadata() {
        return lastRequestMetadata.get();
    }

    /** How many calls have started. */
    public int calls() {
        return calls.get();
    }

    /** Completes when a handler observes that its call was cancelled (by the client or by the deadline). */
    public CompletableFuture<Void> cancelled() {
        return cancelled;
    }

    /**
     * Completes the first time a grpc-java {@code StreamingOutputCall} handler stops writing because its call is not
     * ready (flow control). May happen briefly on a healthy call too: it says the handler waits, not for how long.
     */
    public CompletableFuture<Void> notReady() {
        return notReady;
    }

    /**
     * Response messages the servicers have sent so far: handed to the transport (grpc-java) or completed writes
     * (rpc-vertx).
     */
    public int messagesSent() {
        return messagesSent.get();
    }

    /** Completes with the count once at least {@code count} response messages have been sent. */
    public CompletableFuture<Integer> messagesSentAtLeast(int count) {
        SentWaiter waiter = new SentWaiter(count);
        sentWaiters.add(waiter);
        // A message recorded between add() and here is seen by one of the two checks, maybe both: harmless.
        waiter.check(messagesSent.get());
        return waiter.future;
    }

    /** Records that a call started, with its request metadata. */
    public void recordCallStarted(Metadata requestMetadata) {
        lastRequestMetadata.set(requestMetadata);
        calls.incrementAndGet();
        callStarted.complete(requestMetadata);
    }

    /** Records that a handler observed its call's cancellation. */
    public void recordCancelled() {
        cancelled.complete(null);
    }

    /** Records that a handler stopped writing because the call was not ready. */
    public void recordNotReady() {
        notReady.complete(null);
    }

    /** Records one response message sent. */
    public void recordMessageSent() {
        int sent = messagesSent.incrementAndGet();
        for (SentWaiter waiter : sentWaiters) {
            waiter.check(sent);
        }
    }

    private static final class SentWaiter {
        final int count;
        final CompletableFuture<Integer> future = new CompletableFuture<>();

        SentWaiter(int count) {
            this.count = count;
        }

        void check(int sent) {
            if (sent >= count) {
                future.complete(sent);
            }
        }
    }
}
