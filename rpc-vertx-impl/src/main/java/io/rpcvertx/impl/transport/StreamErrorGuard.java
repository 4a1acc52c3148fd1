package io.rpcvertx.impl.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2ConnectionAdapter;
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
 * call would fail every other call of the connection ("Connection dropped" at the peer). This handler, in front of
 * Netty's HTTP/2 handler, gives a stream error to Netty's HTTP/2 handler as Netty's own {@code exceptionCaught} would (the stream is
 * reset if still open) and stops it there. Connection errors and every other exception pass on unchanged.
 *
 * <p>Server connections only. Here the stream errors that reach the pipeline come from frames of streams the peer
 * already knows. On a client, a stream error can be outbound for a stream the server has never seen (headers over the
 * server's header-list limit). Handled as inbound, Netty would then reset an idle stream, and the server answers that
 * with GOAWAY PROTOCOL_ERROR. There, Vert.x's close is the lesser evil.
 *
 * <p>It also names the last stream in the GOAWAY of a connection error. Netty sends such a GOAWAY with last stream id
 * 2^31-1 (netty#10670: it cannot tell whether a HEADERS frame that failed was already counted), which tells the client
 * that every stream it opened may have been processed, so none can be retried. On a server a stream reaches the
 * application only once Netty has created it, so the highest stream created is exactly the last one that may have
 * been processed (RFC 9113 6.8): that is the id sent. Netty tells its connection's listeners of a GOAWAY right before
 * its frame writer writes it, so only then, for that one write, does a {@link LastStreamNamer} sit in the pipeline:
 * the guard itself sees no frame (it handles {@code exceptionCaught} only, so Netty's pipeline skips it for every
 * read and write). The GOAWAY's frame header and fixed fields are one 17-byte write of Netty's frame writer, the
 * debug data another; only a frame of exactly that shape, with an error code and the pessimistic id, is changed. A
 * graceful GOAWAY (NO_ERROR, 2^31-1, see ServerConnection) is left alone.
 */
@ChannelHandler.Sharable
public final class StreamErrorGuard extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(StreamErrorGuard.class);
    private static final String NAME = "rpcvertx-stream-error-guard";
    private static final String NAMER = "rpcvertx-goaway-last-stream";
    private static final StreamErrorGuard INSTANCE = new StreamErrorGuard();
    private static final int GOAWAY_HEAD = 17;
    private static final int GOAWAY_TYPE = 0x7;

    private StreamErrorGuard() {}

    /** Installs the guard on a server connection's channel (once; a connection of another type is left alone). */
    public static void install(HttpConnection http) {
        if (!(http instanceof ConnectionBase)) {
            return;
        }
        ChannelPipeline pipeline =
                ((ConnectionBase) http).channelHandlerContext().pipeline();
        if (pipeline.get(NAME) != null) {
            return;
        }
        ChannelHandlerContext h2 = pipeline.context(Http2ConnectionHandler.class);
        // right before the HTTP/2 handler: after TLS, so its writes are still plain frames here
        if (h2 != null) {
            pipeline.addBefore(h2.name(), NAME, INSTANCE);
            watchGoAways(pipeline, (Http2ConnectionHandler) h2.handler(), h2.name());
        } else {
            pipeline.addFirst(NAME, INSTANCE);
        }
    }

    /** Installs the guard in front of the handler named {@code before} (the Netty transport's HTTP/2 codec). */
    public static void installBefore(ChannelPipeline pipeline, String before) {
        if (pipeline.get(NAME) != null) {
            return;
        }
        pipeline.addBefore(before, NAME, INSTANCE);
        if (pipeline.get(before) instanceof Http2ConnectionHandler h2) {
            watchGoAways(pipeline, h2, before);
        }
    }

    /** An error GOAWAY about to go out with the pessimistic last stream id: its write gets the real one. */
    private static void watchGoAways(ChannelPipeline pipeline, Http2ConnectionHandler h2, String h2Name) {
        Http2Connection connection = h2.connection();
        connection.addListener(new Http2ConnectionAdapter() {
            @Override
            public void onGoAwaySent(int lastStreamId, long errorCode, ByteBuf debugData) {
                if (lastStreamId == Integer.MAX_VALUE && errorCode != 0 && pipeline.get(NAMER) == null) {
                    int last = connection.remote().lastStreamCreated();
                    pipeline.addBefore(h2Name, NAMER, new LastStreamNamer(last));
                }
            }
        });
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

    /**
     * In the pipeline for one write only: the GOAWAY frame head Netty writes right after telling its listeners. It
     * leaves at that write, whatever it was, so no later frame passes through it.
     */
    private static final class LastStreamNamer extends ChannelOutboundHandlerAdapter {
        private final int lastStreamId;

        LastStreamNamer(int lastStreamId) {
            this.lastStreamId = lastStreamId;
        }

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            ctx.pipeline().remove(this);
            if (msg instanceof ByteBuf frame && frame.readableBytes() == GOAWAY_HEAD) {
                int at = frame.readerIndex();
                boolean pessimisticErrorGoAway = frame.getByte(at + 3) == GOAWAY_TYPE
                        && frame.getInt(at + 5) == 0 // stream 0
                        && frame.getInt(at + 9) == Integer.MAX_VALUE
                        && frame.getInt(at + 13) != 0; // an error code
                if (pessimisticErrorGoAway) {
                    frame.setInt(at + 9, lastStreamId);
                }
            }
            ctx.write(msg, promise);
        }
    }
}
