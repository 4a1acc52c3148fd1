package io.rpcvertx.impl.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.rpcvertx.Marshaller;
import io.rpcvertx.Metadata;
import io.rpcvertx.StatusCode;
import io.rpcvertx.impl.codec.Encoding;
import io.rpcvertx.impl.codec.Marshalling;
import io.rpcvertx.impl.codec.MessageFramer;
import io.rpcvertx.impl.security.AuthContext;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The server side of one RPC's stream, as a transport offers it to the call layer (grpc-java's {@code ServerStream}
 * is the model). The call layer sees the request head, writes headers, framed messages and the status, and hears of
 * inbound data and the stream's end through its {@link ServerStreamListener}; it never sees the transport's own types.
 *
 * <p>Threading: every method is called on {@link #context()}, and every listener event runs there. A transport hands
 * a stream over with {@link ServerStreamHandler#streamCreated}; the call layer either sets a listener in that turn or
 * ends the stream at once with {@link #writeTrailers}.
 *
 * <p>Life of a stream, as the call layer drives it:
 *
 * <pre>
 * open --writeHeaders--&gt; headers sent --writeMessage*--&gt;
 *      --writeTrailers / writeLastMessage / cancel, or a listener onCancel--&gt; closed
 * closed --callTerminated--&gt; released (the transport forgets the stream; a graceful stop waits for this)
 * </pre>
 *
 * After the stream closed, writes are ignored. Every stream handed to {@link ServerStreamHandler#streamCreated} gets
 * exactly one {@link #callTerminated()}, once the call above it is over and its handler has terminated (or never ran).
 */
public interface ServerStream {

    // ---------------------------------------------------------------- the request head (fixed at creation)

    /** The stream's (duplicated) context: the call's context, where its state lives and user callbacks run. */
    ContextInternal context();

    /** The request's {@code :path}, e.g. {@code /pkg.Service/Method}. */
    String path();

    /**
     * A request header the call layer interprets itself ({@code grpc-timeout}, {@code grpc-encoding}, {@code
     * grpc-accept-encoding}), or null when absent.
     */
    @Nullable
    String header(CharSequence name);

    /** The invocation metadata: the request headers without the reserved ones. Parsed on first use. */
    Metadata metadata();

    /** The peer as grpc names it: {@code ipv4:1.2.3.4:5}, {@code ipv6:[::1]:5}, {@code unix:/path}, ... */
    String peer();

    /**
     * The peer's IP address and port (HTTP/2 over TCP), or null for a peer without one (a Unix socket, in-process,
     * the event bus). For span attributes: cheaper than parsing {@link #peer()}.
     */
    default @Nullable SocketAddress remoteAddress() {
        return null;
    }

    /**
     * The request headers as a tracer's propagator reads them: text entries, names in lower case. By default a copy
     * of the text entries of {@link #metadata()}; a transport that has its headers at hand hands them over as they are
     * (a propagator looks up a few names, so parsing and copying every header is wasted).
     */
    default Iterable<Map.Entry<String, String>> propagationHeaders() {
        List<Metadata.Entry> entries = metadata().entries();
        List<Map.Entry<String, String>> headers = new ArrayList<>(entries.size());
        for (Metadata.Entry e : entries) {
            if (!e.isBinary()) {
                headers.add(Map.entry(e.key(), e.value()));
            }
        }
        return headers;
    }

    /** The connection's authentication properties (grpc core's {@code grpc_auth_context}). */
    AuthContext authContext();

    // ---------------------------------------------------------------- events and inbound flow control

    /** Starts delivering events to {@code listener}; called once, in the turn of {@code streamCreated}. */
    void setListener(ServerStreamListener listener);

    /**
     * Holds inbound data back ({@code true}) or lets it flow again. The transport stops re-opening its flow-control
     * window while held (HTTP/2: the request is paused), so a slow reader pushes back on the peer.
     */
    void holdReading(boolean hold);

    // ---------------------------------------------------------------- outbound

    /**
     * Writes the response headers: {@code content-type}, our {@code grpc-accept-encoding}, {@code grpc-encoding} when
     * {@code encoding} is not identity, and {@code metadata}. With {@code flush} they leave at once and the future
     * completes when they were written; without, they leave with the first message (or the trailers) and the future
     * is already complete. Called at most once, before any message.
     */
    Future<Void> writeHeaders(Metadata metadata, Encoding encoding, boolean flush);

    /**
     * Writes one length-prefixed gRPC message (framed and, if its flag says so, compressed by the caller) under flow
     * control: the write is always taken, and {@link #isReady()} turns false while the transport's buffer is full,
     * until {@link ServerStreamListener#onReady()}. The headers must have been written.
     */
    void writeMessage(Buffer frame);

    /**
     * Writes one message as {@link #writeMessage(Buffer)} does, framed uncompressed, serialized by {@code marshaller}
     * (which announced {@code size} bytes, {@link Marshalling#serializedSize}). A transport that buffers its outbound
     * bytes serializes it straight into that buffer (no intermediate copy); this default frames it into a buffer of
     * its own. When it throws, nothing was written.
     *
     * @throws IllegalStateException when the marshaller wrote another number of bytes than it announced
     * @throws RuntimeException what the marshaller threw
     */
    default <T> void writeMessage(Marshaller<T> marshaller, T message, int size) {
        ByteBuf framed = Unpooled.buffer(MessageFramer.HEADER_LENGTH + size);
        Marshalling.writeFramed(marshaller, message, size, framed);
        writeMessage(BufferInternal.buffer(framed));
    }

    /** Whether the transport takes more messages without buffering beyond its high-water mark. */
    boolean isReady();

    /**
     * Ends the response with its status (gRPC over HTTP/2, Responses): trailers after headers, or a trailers-only
     * response (one HEADERS frame with the status) when no headers were written. Closes the stream.
     */
    void writeTrailers(StatusCode code, String details, Metadata trailers);

    /**
     * Writes the last message and the status together (a unary response: one write). The headers must have been
     * written. Closes the stream.
     */
    void writeLastMessage(Buffer frame, StatusCode code, String details, Metadata trailers);

    /**
     * After the status went out while the peer still sends: stops the peer (HTTP/2: RST_STREAM(NO_ERROR), RFC 7540
     * section 8.1, so the client keeps the status it received). Nothing happens when the peer already half-closed.
     */
    void stopReading();

    /** Cancels the stream (HTTP/2: RST_STREAM(CANCEL); the peer sees CANCELLED). Closes the stream; idempotent. */
    void cancel();

    /**
     * The call above this stream is over: the stream closed and the call's handler terminated, never ran, or was given
     * up on as leaked. The transport forgets the stream; its graceful stop waits for this. Called once. A stream still
     * open then is cancelled first (as by {@link #cancel()}): the peer never waits for a status that cannot come.
     */
    void callTerminated();
}
