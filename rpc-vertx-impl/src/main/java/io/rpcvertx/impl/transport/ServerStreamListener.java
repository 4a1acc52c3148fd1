package io.rpcvertx.impl.transport;

import io.vertx.core.buffer.Buffer;

/**
 * Events of a {@link ServerStream}, delivered on the stream's context (grpc-java's {@code ServerStreamListener} is the
 * model). After {@link #onCancel} no further event arrives.
 */
public interface ServerStreamListener {

    /** Why a stream ended without the call layer's status. */
    enum CancelCause {
        /** The peer reset the stream (HTTP/2 RST_STREAM with any code, NO_ERROR included). */
        PEER_RESET,
        /** The connection under the stream closed or failed. */
        CONNECTION_LOST,
        /** The transport itself cancelled the stream: its graceful shutdown reached its deadline. */
        SHUTDOWN
    }

    /**
     * Request bytes: length-prefixed gRPC messages, split anywhere (a message may span several calls, one call may
     * carry several messages). Not delivered while reading is held.
     */
    void onData(Buffer data);

    /** The peer half-closed: no more request data. */
    void onHalfClose();

    /** The transport's outbound buffer has room again after {@link ServerStream#isReady()} answered false. */
    void onReady();

    /** The stream ended without our status; the peer sees no status from us. The last event. */
    void onCancel(CancelCause cause);
}
