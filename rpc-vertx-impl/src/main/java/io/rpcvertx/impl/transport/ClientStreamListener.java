package io.rpcvertx.impl.transport;

import io.rpcvertx.Metadata;
import io.rpcvertx.StatusCode;
import io.vertx.core.buffer.Buffer;

/**
 * The events of one {@link ClientStream}, delivered on the call's owner context, in wire order: {@code onOpen}, then
 * any of {@code onReady}, at most one {@code onHeaders}, messages, and exactly one terminal event: {@link #onTrailers},
 * {@link #onReset} or {@link #onClosed}. A stream that is never admitted goes straight to its terminal event.
 */
public interface ClientStreamListener {
    /**
     * The stream was admitted and exists on a connection: messages may be written from now on. The request headers
     * are built but not necessarily sent (see {@link ClientStream#sendHeaders()}).
     */
    void onOpen();

    /** The transport can take more messages (a drain after {@link ClientStream#isReady()} was false). */
    void onReady();

    /** The response headers of a response that carries messages (not a trailers-only response). */
    void onHeaders(Metadata headers);

    /** One response message: deframed and decompressed, within {@link RequestHead#maxReceiveBytes()}. */
    void onMessage(Buffer payload);

    /**
     * Terminal: the response ended with a status, from the trailers (or a trailers-only response), or decided by the
     * transport while reading an ended response (e.g. {@code grpc-status} missing: UNKNOWN; a message cut off at the
     * end: INTERNAL).
     */
    void onTrailers(StatusCode code, String details, Metadata trailers);

    /**
     * Terminal: the peer reset the stream (RST_STREAM with {@code http2ErrorCode}; gRPC over HTTP/2, "Errors"). A
     * REFUSED_STREAM (7) means the server did not process it.
     */
    void onReset(long http2ErrorCode);

    /**
     * Terminal: the stream ended without a response status from the peer: the connection was lost or closed, a GOAWAY
     * covered it, it could not be opened, the channel ended it (closed, no connection, queue full, keepalive failure), or
     * the transport found the response malformed (then it reset the stream itself).
     *
     * @param refused whether the peer certainly did not process the stream (it never left, or a GOAWAY's
     *     last-stream-id is below it), so the call may replay it on a new stream (gRPC transparent retry)
     */
    void onClosed(StatusCode code, String details, boolean refused);
}
