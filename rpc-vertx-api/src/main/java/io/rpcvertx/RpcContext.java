package io.rpcvertx;

import io.vertx.core.Handler;
import java.time.Duration;
import java.util.Optional;

/**
 * What every RPC has, on either side (grpc.aio {@code RpcContext}): cancellation, completion, deadline, done
 * callbacks. Every method may be called from any thread.
 */
public interface RpcContext {
    /** Whether the RPC ended cancelled (locally or by the peer), or by its deadline on the server side. */
    boolean isCancelled();

    /** Whether the RPC has ended, with any status. */
    boolean isDone();

    /**
     * Time left before the deadline; empty when the RPC has no deadline. Zero or negative once it has passed. Measured
     * on the monotonic clock from the moment the call was created.
     */
    Optional<Duration> timeRemaining();

    /**
     * Cancels the RPC: it ends with {@link StatusCode#CANCELLED} and the peer receives RST_STREAM(CANCEL).
     *
     * @return {@code true} if this call ended it, {@code false} if it had already ended
     */
    boolean cancel();

    /**
     * Runs {@code callback} when the RPC ends (at once, asynchronously, if it already has). Callbacks run in
     * registration order on the context of the thread that registered them; an exception thrown by one is logged and
     * does not affect the others or the RPC.
     */
    void addDoneCallback(Handler<Void> callback);
}
