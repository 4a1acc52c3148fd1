package io.rpcvertx.impl.transport;

import io.vertx.core.buffer.Buffer;
import org.jspecify.annotations.Nullable;

/**
 * One client-side gRPC stream of one call attempt: what a client call needs from a transport. Modelled on grpc-java's
 * {@code ClientStream}, in Vert.x terms: a stream is created by a {@link ClientTransport} with its {@link RequestHead};
 * {@link #start} hands it its {@link ClientStreamListener} and asks for admission (a connection with a free stream
 * slot); then it reports {@link ClientStreamListener#onOpen()}, and from then on messages may be written.
 *
 * <p>Threading: every method is called on the call's owner context (the channel's event loop), and every listener
 * event is delivered there. A stream delivers exactly one terminal event ({@link ClientStreamListener#onTrailers},
 * {@link ClientStreamListener#onReset} or {@link ClientStreamListener#onClosed}) and nothing after it, and nothing at
 * all after {@link #cancel()}.
 *
 * <p>Outbound messages are serialized payloads; the transport frames them (and compresses them with
 * {@link RequestHead#encoding()}) as its wire needs. Outbound flow control is {@link #isReady()} plus
 * {@link ClientStreamListener#onReady()} (a drain), as Vert.x's {@code writeQueueFull()} and {@code drainHandler}.
 * Inbound flow control is {@link #pause()}/{@link #resume()}: while paused the transport stops reading from the peer
 * (HTTP/2 stops re-opening the window), so only what was already read can still arrive.
 */
public interface ClientStream {
    /**
     * Asks for admission; events go to {@code listener} from now on (possibly before this returns: a stream the
     * transport refuses at once reports its terminal event here). Called once, before anything else.
     */
    void start(ClientStreamListener listener);

    /**
     * Sends the request headers now, before any message (a streaming call is visible to the server before its first
     * message: the server may speak first). Without it the headers leave with the first message or the half-close.
     * Only after {@link ClientStreamListener#onOpen()}; at most once.
     */
    void sendHeaders();

    /**
     * Writes one serialized message; {@code endOfStream} also half-closes (one frame for a unary request). Only after
     * {@link ClientStreamListener#onOpen()}. The message is accepted even when {@link #isReady()} is false (the
     * transport buffers it); a well-behaved writer waits for {@link ClientStreamListener#onReady()}.
     *
     * @return the message's size on the wire: its bytes after compression (the request encoding), without the 5-byte
     *     prefix; 0 when the stream had ended and dropped it. A stream that hands messages on to other streams (a
     *     retrying call's) returns the payload's length: the sizes on the wire are its attempts' to report.
     */
    int writeMessage(Buffer payload, boolean endOfStream);

    /** No more messages: ends the request side (HTTP/2 END_STREAM). Only after {@code onOpen()}; at most once. */
    void halfClose();

    /** Whether the transport can take a message without buffering beyond its limit (not write-queue-full). */
    boolean isReady();

    /** Inbound flow control: stop reading from the peer until {@link #resume()}. */
    void pause();

    /** Inbound flow control: read from the peer again. */
    void resume();

    /**
     * Ends the stream from our side: a stream waiting for admission leaves the queue, an open one is reset with
     * RST_STREAM(CANCEL). Idempotent; no listener event follows. The call decides the status it reports.
     */
    void cancel();

    /**
     * The {@code grpc-retry-pushback-ms} value of the response trailers (gRFC A6), if the server sent one; read after
     * the terminal event. Transports without retry hints return null.
     */
    @Nullable
    String retryPushback();
}
