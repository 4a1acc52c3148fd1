package io.rpcvertx.impl.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2ConnectionDecoder;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameListener;
import io.netty.handler.codec.http2.Http2FrameListenerDecorator;
import io.netty.handler.codec.http2.Http2Stream;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.impl.UnpooledHttpClientConnection;
import io.vertx.core.internal.logging.Logger;
import io.vertx.core.internal.logging.LoggerFactory;
import io.vertx.core.net.impl.ConnectionBase;
import java.lang.reflect.Field;
import org.jspecify.annotations.Nullable;

/**
 * Makes a response's DATA before its HEADERS fail its call on a client connection. A response starts with a HEADERS
 * frame (RFC 9113, "HTTP Message Framing"); DATA first is malformed. Netty lets it through on a client stream, and
 * Vert.x 5.0.10 drops it silently (no response object exists yet to hand the bytes to), so a server that skipped its
 * headers lost messages unnoticed: a streaming call could even end OK with fewer messages than were sent. This
 * decorator of the connection's frame listener, in front of Vert.x's, turns such a frame into the stream error
 * PROTOCOL_ERROR "DATA before response headers": Netty resets that stream with it, its flow-control bytes are returned,
 * and Vert.x fails the stream with it, so the call ends INTERNAL naming the problem and other calls go on.
 *
 * <p>The channel gets its connection from {@code HttpClientAgent.connect}, which wraps Vert.x's HTTP/2 connection in an
 * {@code UnpooledHttpClientConnection} with no public way to the Netty channel under it; the wrapped connection is
 * read from its {@code actual} field. If that is not possible (another Vert.x version, or vertx-core on the module path
 * without {@code --add-opens}), connections go without the guard and such DATA is dropped as before; that is logged
 * once.
 */
public final class ResponseFramesGuard extends Http2FrameListenerDecorator {
    private static final Logger log = LoggerFactory.getLogger(ResponseFramesGuard.class);
    private static final @Nullable Field UNPOOLED_ACTUAL = unpooledActual();

    private final Http2Connection connection;

    private ResponseFramesGuard(Http2FrameListener vertx, Http2Connection connection) {
        super(vertx);
        this.connection = connection;
    }

    private static @Nullable Field unpooledActual() {
        try {
            Field f = UnpooledHttpClientConnection.class.getDeclaredField("actual");
            f.setAccessible(true);
            return f;
        } catch (ReflectiveOperationException | RuntimeException e) {
            log.info("client connections go without the DATA-before-headers check (" + e + ")");
            return null;
        }
    }

    /**
     * Installs the guard on a client connection's channel, once the connection is established (Vert.x has set its
     * frame listener by then). A connection of another implementation is left alone.
     */
    public static void install(HttpConnection http) {
        ChannelHandlerContext chctx = channelOf(http);
        if (chctx == null) {
            return;
        }
        if (chctx.executor().inEventLoop()) {
            decorate(chctx);
        } else {
            // before any stream of the connection: those are created by tasks submitted to the same event loop later
            chctx.executor().execute(() -> decorate(chctx));
        }
    }

    private static void decorate(ChannelHandlerContext chctx) {
        ChannelHandlerContext h2 = chctx.pipeline().context(Http2ConnectionHandler.class);
        if (h2 == null) {
            return;
        }
        Http2ConnectionDecoder decoder = ((Http2ConnectionHandler) h2.handler()).decoder();
        Http2FrameListener current = decoder.frameListener();
        if (current == null || current instanceof ResponseFramesGuard) {
            return;
        }
        decoder.frameListener(new ResponseFramesGuard(current, decoder.connection()));
    }

    private static @Nullable ChannelHandlerContext channelOf(HttpConnection http) {
        Object connection = http;
        if (http instanceof UnpooledHttpClientConnection && UNPOOLED_ACTUAL != null) {
            try {
                connection = UNPOOLED_ACTUAL.get(http);
            } catch (IllegalAccessException e) {
                log.debug("no DATA-before-headers check for " + http + ": " + e);
                return null;
            }
        }
        return connection instanceof ConnectionBase ? ((ConnectionBase) connection).channelHandlerContext() : null;
    }

    @Override
    public int onDataRead(ChannelHandlerContext ctx, int streamId, ByteBuf data, int padding, boolean endOfStream)
            throws Http2Exception {
        Http2Stream stream = connection.stream(streamId);
        // Netty records a stream's (non-informational) response headers before this listener hears of them
        if (stream != null && !stream.isHeadersReceived()) {
            throw Http2Exception.streamError(streamId, Http2Error.PROTOCOL_ERROR, "DATA before response headers");
        }
        return super.onDataRead(ctx, streamId, data, padding, endOfStream);
    }
}
