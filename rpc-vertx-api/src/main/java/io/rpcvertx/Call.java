package io.rpcvertx;

import io.vertx.core.Future;

/**
 * A client-side RPC (grpc.aio {@code Call}). Obtained from a multi-callable; the RPC starts when the call object is
 * created. All futures complete on the context of the thread that created the call.
 *
 * <p>The outcome futures never fail: {@link #code()} is {@link StatusCode#OK} or the error code, whatever ended the
 * call (peer status, deadline, cancellation, connection loss).
 */
public interface Call extends RpcContext {
    /** The response headers' metadata; empty metadata if the call ended without response headers. */
    Future<Metadata> initialMetadata();

    /** The trailers' metadata, once the call has ended; empty metadata if none was received. */
    Future<Metadata> trailingMetadata();

    /** The final status code, once the call has ended. */
    Future<StatusCode> code();

    /** The final status details, once the call has ended; empty for OK. */
    Future<String> details();

    /**
     * Completes when the call has a stream on a connection (its request headers were sent), or fails with the
     * call's {@link RpcException} if it ends first (grpc.aio {@code wait_for_connection}).
     */
    Future<Void> waitForConnection();
}
