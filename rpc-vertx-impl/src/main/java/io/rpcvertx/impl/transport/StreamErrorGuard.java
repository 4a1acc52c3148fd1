package io.rpcvertx.impl.transport;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2Exception;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.internal.logging.Logger;
import io.vertx.core.internal.logging.LoggerFactory;
import io.vertx.core.net.impl.ConnectionBase;

/**
 * Keeps a stream's error from closing its whole HTTP/2 server connection. When a stream is reset while frames of it still wait
 * in Netty's flow controller, Netty fails them; a frame written without a listener reports that failure to the
 * pipeline's {@code exceptionCaught}, where Vert.x 5.0.10 closes the connection for any exception, so one cancelled
 * call would fail every other call of the connection ("Connection dropped" at the peer). This handler, first in the
 * pipeline, gives a stream error to Netty's HTTP/2 handler as Netty's own {@code exceptionCaught} would (the stream is
 * reset if still open) and stops it there. Connection errors and every other exception pass on unchanged.
 *
 * <p>Server connections only. Here the stream errors that reach the pipeline come from frames of streams the peer
 * already knows. On a client, a stream error can be outbound for a stream the server has never seen (headers over the
 * server's header-list limit). Handled as inbound, Netty would then reset an idle stream, and the server answers that
 * with GOAWAY PROTOCOL_ERROR. There, Vert.x's close is the lesser evil.
 */
@ChannelHandler.Sharable
public final class StreamErrorGuard extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(StreamErrorGuard.class);
    private static final String NAME = "rpcvertx-stream-error-guard";
    private static final StreamErrorGuard INSTANCE = new StreamErrorGuard();

    private StreamErrorGuard() {}

    /** Installs the guard on a server connection's channel (once; a connection of another type is left alone). */
    public static void install(HttpConnection http) {
        if (!(http instanceof ConnectionBase)) {
            return;
        }
        ChannelPipeline pipeline =
                ((ConnectionBase) http).channelHandlerContext().pipeline();
        if (pipeline.get(NAME) == null) {
            pipeline.addFirst(NAME, INSTANCE);
        }
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
