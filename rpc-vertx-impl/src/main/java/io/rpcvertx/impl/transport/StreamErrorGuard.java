package io.rpcvertx.impl.transport;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2Exception;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.impl.HttpClientConnectionInternal;
import io.vertx.core.http.impl.UnpooledHttpClientConnection;
import io.vertx.core.internal.logging.Logger;
import io.vertx.core.internal.logging.LoggerFactory;
import io.vertx.core.net.impl.ConnectionBase;
import java.lang.reflect.Field;
import org.jspecify.annotations.Nullable;

/**
 * Keeps a stream's error from closing its whole HTTP/2 connection. When a stream is reset while frames of it still wait
 * in Netty's flow controller, Netty fails them; a frame written without a listener reports that failure to the
 * pipeline's {@code exceptionCaught}, where Vert.x 5.0.10 closes the connection for any exception, so one cancelled
 * call would fail every other call of the connection ("Connection dropped" at the peer). This handler, first in the
 * pipeline, gives a stream error to Netty's HTTP/2 handler as Netty's own {@code exceptionCaught} would (the stream is
 * reset if still open) and stops it there. Connection errors and every other exception pass on unchanged.
 */
@ChannelHandler.Sharable
public final class StreamErrorGuard extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(StreamErrorGuard.class);
    private static final String NAME = "rpcvertx-stream-error-guard";
    private static final StreamErrorGuard INSTANCE = new StreamErrorGuard();

    private StreamErrorGuard() {}

    /**
     * The wrapped connection of Vert.x's unpooled client connections ({@code HttpClientAgent.connect}), which offers no
     * accessor for it; null when this Vert.x has no such field (then client connections go without the guard).
     */
    private static final @Nullable Field UNPOOLED_ACTUAL = unpooledActual();

    private static @Nullable Field unpooledActual() {
        try {
            Field f = UnpooledHttpClientConnection.class.getDeclaredField("actual");
            f.setAccessible(true);
            return f;
        } catch (ReflectiveOperationException | RuntimeException e) {
            log.debug("client connections go without the stream error guard: " + e);
            return null;
        }
    }

    /** Installs the guard on {@code http}'s channel (once; a connection of another implementation is left alone). */
    public static void install(HttpConnection http) {
        ChannelHandlerContext ctx = channelContext(http);
        if (ctx == null) {
            return;
        }
        ChannelPipeline pipeline = ctx.pipeline();
        if (pipeline.get(NAME) == null) {
            pipeline.addFirst(NAME, INSTANCE);
        }
    }

    private static @Nullable ChannelHandlerContext channelContext(HttpConnection http) {
        if (http instanceof ConnectionBase) {
            return ((ConnectionBase) http).channelHandlerContext();
        }
        if (http instanceof UnpooledHttpClientConnection && UNPOOLED_ACTUAL != null) {
            try {
                Object actual = UNPOOLED_ACTUAL.get(http);
                if (actual instanceof HttpClientConnectionInternal) {
                    return ((HttpClientConnectionInternal) actual).channelHandlerContext();
                }
            } catch (IllegalAccessException e) {
                log.debug("no stream error guard for " + http + ": " + e);
            }
        }
        return null;
    }

    /** Whether {@code http}'s channel has the guard (tests). */
    public static boolean isInstalled(HttpConnection http) {
        ChannelHandlerContext ctx = channelContext(http);
        return ctx != null && ctx.pipeline().get(NAME) != null;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Http2Exception http2 = Http2CodecUtil.getEmbeddedHttp2Exception(cause);
        ChannelHandlerContext h2 = ctx.pipeline().context(Http2ConnectionHandler.class);
        if (http2 instanceof Http2Exception.StreamException && h2 != null) {
            // what Netty's own exceptionCaught does (reset the stream if it is still open), without Vert.x's close
            log.debug("stream error kept from closing " + ctx.channel() + ": " + cause.getMessage());
            ((Http2ConnectionHandler) h2.handler()).onError(h2, false, cause);
            return;
        }
        ctx.fireExceptionCaught(cause);
    }
}
