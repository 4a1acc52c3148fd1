package io.rpcvertx.impl.transport;

import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.rpcvertx.StatusCode;
import org.jspecify.annotations.Nullable;

/**
 * The status of a client call whose HTTP/2 stream failed with an exception other than a reset or a closed connection
 * (DESIGN.md section 4: connection lost → UNAVAILABLE, malformed frames → INTERNAL). Grpc-java's {@code
 * Utils.statusFromThrowable} draws the same line: an HTTP/2 protocol error is INTERNAL, an I/O failure UNAVAILABLE.
 */
public final class TransportErrors {
    private TransportErrors() {}

    /**
     * @param beforeResponseHead whether the response headers had not been accepted yet: Vert.x 5.0.10 fails the stream
     *     with the exception of parsing {@code :status} ({@code NumberFormatException}, {@code IllegalArgumentException}
     *     for a negative one, {@code NullPointerException} when it is missing) and resets it with PROTOCOL_ERROR
     */
    public static StatusCode code(Throwable t, boolean beforeResponseHead) {
        Http2Exception h2 = http2Error(t);
        if (h2 != null ? isMalformedInput(h2.error()) : isMalformedHead(t, beforeResponseHead)) {
            return StatusCode.INTERNAL;
        }
        return StatusCode.UNAVAILABLE;
    }

    /**
     * The HTTP/2 errors that say the peer sent something malformed. The others (STREAM_CLOSED, CANCEL, REFUSED_STREAM,
     * NO_ERROR, ...) describe a stream or connection going away, e.g. a write racing the server's reset or GOAWAY at
     * stop, which is UNAVAILABLE as before (GracefulStopIT saw a bidi call end INTERNAL at a stop otherwise).
     */
    private static boolean isMalformedInput(Http2Error error) {
        switch (error) {
            case PROTOCOL_ERROR:
            case COMPRESSION_ERROR:
            case FRAME_SIZE_ERROR:
            case FLOW_CONTROL_ERROR:
                return true;
            default:
                return false;
        }
    }

    /** Details naming the problem, for the same arguments as {@link #code}. */
    public static String details(Throwable t, boolean beforeResponseHead) {
        Http2Exception h2 = http2Error(t);
        if (h2 != null) {
            return "HTTP/2 " + h2.error() + ": " + message(h2);
        }
        if (isMalformedHead(t, beforeResponseHead)) {
            return "Malformed response headers, :status missing or not a status code (" + message(t) + ")";
        }
        return message(t);
    }

    /**
     * Whether {@code t} is an HTTP/2 stream error: Netty resets that stream itself, with the error's code (or, for a
     * stream the peer never saw, not at all), so a reset of ours would only replace the reason the peer learns.
     */
    public static boolean isStreamError(Throwable t) {
        return Http2Exception.isStreamError(http2Error(t));
    }

    private static @Nullable Http2Exception http2Error(Throwable t) {
        return Http2CodecUtil.getEmbeddedHttp2Exception(t);
    }

    private static boolean isMalformedHead(Throwable t, boolean beforeResponseHead) {
        return beforeResponseHead && (t instanceof IllegalArgumentException || t instanceof NullPointerException);
    }

    private static String message(Throwable t) {
        String m = t.getMessage();
        return m != null ? m : t.getClass().getName();
    }
}
