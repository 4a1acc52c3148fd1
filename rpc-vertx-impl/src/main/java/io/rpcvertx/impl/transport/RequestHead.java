package io.rpcvertx.impl.transport;

import io.rpcvertx.Metadata;
import io.rpcvertx.impl.codec.Encoding;
import io.vertx.core.internal.ContextInternal;
import org.jspecify.annotations.Nullable;

/**
 * What a client stream sends ahead of its messages, and the limits it applies to what comes back: the request
 * headers of one attempt of one call. A view the call (or the retrying stream, per attempt) implements, so that opening
 * a stream allocates nothing for it. Read on the owner context when the stream opens; the values do not change.
 */
public interface RequestHead {
    /** The HTTP/2 {@code :path}: {@code /package.Service/Method}. */
    String path();

    /** The application's metadata for the request headers (custom metadata only; reserved keys are filtered). */
    Metadata metadata();

    /** Metadata from call credentials, sent after {@link #metadata()}; {@link Metadata#EMPTY} when there is none. */
    Metadata credentialsMetadata();

    /**
     * The call's deadline on the {@link System#nanoTime()} clock, or {@link Long#MIN_VALUE} for none. A transport
     * that sends {@code grpc-timeout} computes it from this when the headers leave, so time spent queued counts.
     */
    long deadlineNanos();

    /** The encoding of request messages ({@code grpc-encoding}); the transport compresses what it is given. */
    Encoding encoding();

    /** Receive limit for one response message, after decompression, in bytes; -1 means unlimited. */
    int maxReceiveBytes();

    /** How many attempts of this call came before ({@code grpc-previous-rpc-attempts} when above zero). */
    int previousAttempts();

    /**
     * Whether the call waits for a connection while the channel is in TRANSIENT_FAILURE instead of failing at once
     * with UNAVAILABLE ({@code CallOptions.waitForReady}).
     */
    boolean waitForReady();

    /**
     * The context of the code that started the call, whose local data holds the caller's trace (a tracer's parent
     * span), or null when it has none to offer.
     */
    default @Nullable ContextInternal callerContext() {
        return null;
    }

    /** The value for {@link #deadlineNanos()} when the call has no deadline. */
    long NO_DEADLINE = Long.MIN_VALUE;
}
