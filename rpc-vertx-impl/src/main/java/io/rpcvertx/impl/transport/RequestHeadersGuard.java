package io.rpcvertx.impl.transport;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2ConnectionDecoder;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameListener;
import io.netty.handler.codec.http2.Http2FrameListenerDecorator;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Stream;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.internal.logging.Logger;
import io.vertx.core.internal.logging.LoggerFactory;
import io.vertx.core.net.impl.ConnectionBase;

/**
 * Stands between Netty's HTTP/2 decoder and Vert.x's server connection (its frame listener) so that a bad request
 * stream ends with a status or a reset of its own, and never takes the connection and its other calls down without a
 * word. Two defects of Vert.x 5.0.10 (with Netty 4.2.12) make that happen:
 *
 * <ol>
 *   <li>A {@code :method} that is not an HTTP token ({@code P@ST}, {@code PO ST}, empty, non-ASCII) makes Vert.x's
 *       {@code Http2ServerConnection.createStream} throw from {@code HttpMethod.valueOf}. The exception reaches Vert.x's
 *       {@code VertxHttp2ConnectionHandler.exceptionCaught}, which closes the channel: no GOAWAY, no status for the
 *       other calls, nothing logged. Here such a request is answered as any method but POST is (and as grpc-java does): HTTP
 *       405 on that stream alone.
 *   <li>A request Vert.x rejects as malformed (no {@code :scheme}, no {@code :path}, a host that contradicts the
 *       authority) is reset with PROTOCOL_ERROR, but the Netty stream stays active, without a Vert.x stream, until the
 *       RST_STREAM is flushed at the end of the read. A connection error in the same read (DATA or a 3-byte PING on
 *       stream 0) makes Vert.x's {@code Http2ConnectionBase.onConnectionError} walk the active streams and fail with a
 *       {@code NullPointerException} on that one, before Netty could send its GOAWAY; the channel then closes bare. So a
 *       stream reset while its HEADERS are handled is closed at once: its RST_STREAM is already written (closing a
 *       stream whose reset is sent is what Netty does anyway once the write completes), and no active stream is left
 *       without its Vert.x stream.
 * </ol>
 *
 * Upstream reproducer (both defects, no rpc-vertx): a Vert.x 5.0.10 {@code HttpServer} with any request handler, and
 * one socket write of the connection preface, an empty SETTINGS, {@code HEADERS(stream 1, POST, no END_STREAM)}, then
 * either {@code HEADERS(stream 3, :method "P@ST")} or {@code HEADERS(stream 3, no :scheme)} followed by
 * {@code DATA(stream 0)}. Expected: 405 or RST_STREAM on stream 3, or GOAWAY(PROTOCOL_ERROR, last stream 3). Seen: the
 * TCP connection closes with neither; the second case logs the NullPointerException from {@code onConnectionError}
 * (reached from {@code Http2ConnectionHandler.processRstStreamWriteResult}). With the two writes 50 ms apart it works.
 *
 * <p>Server connections only, installed when Vert.x hands the connection over (during the read of the client's first
 * SETTINGS, so before any HEADERS of that read). Vert.x replaces the frame listener on SETTINGS only when request
 * decompression is enabled, which our servers never enable.
 */
public final class RequestHeadersGuard extends Http2FrameListenerDecorator {
    private static final Logger log = LoggerFactory.getLogger(RequestHeadersGuard.class);
    private final Http2ConnectionHandler handler;
    /** Client streams only grow: a HEADERS frame on a higher id opens a stream, any other carries trailers. */
    private int highestStreamId;

    private RequestHeadersGuard(Http2FrameListener vertx, Http2ConnectionHandler handler) {
        super(vertx);
        this.handler = handler;
    }

    /** Installs the guard on a server connection (once; a connection of another type is left alone). */
    public static void install(HttpConnection http) {
        if (!(http instanceof ConnectionBase)) {
            return;
        }
        ChannelHandlerContext h2 =
                ((ConnectionBase) http).channelHandlerContext().pipeline().context(Http2ConnectionHandler.class);
        if (h2 == null) {
            return;
        }
        Http2ConnectionHandler handler = (Http2ConnectionHandler) h2.handler();
        Http2ConnectionDecoder decoder = handler.decoder();
        Http2FrameListener current = decoder.frameListener();
        if (current != null && !(current instanceof RequestHeadersGuard)) {
            decoder.frameListener(new RequestHeadersGuard(current, handler));
        }
    }

    @Override
    public void onHeadersRead(
            ChannelHandlerContext ctx, int streamId, Http2Headers headers, int padding, boolean endOfStream)
            throws Http2Exception {
        if (admit(ctx, streamId, headers, endOfStream)) {
            try {
                listener.onHeadersRead(ctx, streamId, headers, padding, endOfStream);
            } catch (RuntimeException e) {
                failed(ctx, streamId, e);
            }
            closeIfReset(ctx, streamId);
        }
    }

    @Override
    public void onHeadersRead(
            ChannelHandlerContext ctx,
            int streamId,
            Http2Headers headers,
            int streamDependency,
            short weight,
            boolean exclusive,
            int padding,
            boolean endOfStream)
            throws Http2Exception {
        if (admit(ctx, streamId, headers, endOfStream)) {
            try {
                listener.onHeadersRead(
                        ctx, streamId, headers, streamDependency, weight, exclusive, padding, endOfStream);
            } catch (RuntimeException e) {
                failed(ctx, streamId, e);
            }
            closeIfReset(ctx, streamId);
        }
    }

    /** Whether Vert.x may see these headers; if not, the stream got its 405 here. */
    private boolean admit(ChannelHandlerContext ctx, int streamId, Http2Headers headers, boolean endOfStream) {
        if (streamId <= highestStreamId) {
            return true; // trailers (Vert.x ignores them), or a frame Netty already refused
        }
        highestStreamId = streamId;
        CharSequence method = headers.method();
        if (method == null || isKnownToVertx(method)) {
            return true; // a missing :method is Vert.x's malformed request: PROTOCOL_ERROR
        }
        Http2Stream stream = handler.connection().stream(streamId);
        if (stream == null) {
            return true;
        }
        log.debug("HTTP 405 for :method that is not a token on " + ctx.channel());
        // as ServerCallImpl answers any other method, without its body (a DATA frame could not follow a reset)
        Http2Headers notAllowed = new DefaultHttp2Headers().status("405").add("content-type", "text/plain");
        handler.encoder().writeHeaders(ctx, streamId, notAllowed, 0, true, ctx.newPromise());
        if (!endOfStream) {
            // a complete response before the request ended: the rest of the request is not wanted (RFC 9113 8.1)
            handler.resetStream(ctx, streamId, Http2Error.NO_ERROR.code(), ctx.newPromise());
        }
        handler.closeStream(stream, ctx.newSucceededFuture());
        return false;
    }

    private static boolean isKnownToVertx(CharSequence method) {
        if (method.length() == 4 && "POST".contentEquals(method)) {
            return true;
        }
        try {
            HttpMethod.valueOf(method.toString());
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** Vert.x failed on a request's headers in a way not covered above: that stream is reset, not the connection. */
    private void failed(ChannelHandlerContext ctx, int streamId, RuntimeException e) {
        log.warn("request headers on stream " + streamId + " of " + ctx.channel() + " failed; resetting the stream", e);
        handler.resetStream(ctx, streamId, Http2Error.INTERNAL_ERROR.code(), ctx.newPromise());
    }

    /** A stream reset while its headers were handled is closed now, not when its RST_STREAM is flushed (defect 2). */
    private void closeIfReset(ChannelHandlerContext ctx, int streamId) {
        Http2Stream stream = handler.connection().stream(streamId);
        if (stream != null && stream.isResetSent() && stream.state() != Http2Stream.State.CLOSED) {
            handler.closeStream(stream, ctx.newSucceededFuture());
        }
    }
}
