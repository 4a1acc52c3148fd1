package io.rpcvertx.impl.netty;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2RemoteFlowController;
import io.rpcvertx.impl.transport.ServerConnectionPolicy;

/**
 * The wire of a {@link NettyServerConnection}'s {@link ServerConnectionPolicy}: its PINGs, GOAWAYs and closes, written
 * with Netty's HTTP/2 encoder. On the connection's event loop only.
 */
final class NettyPolicyWire implements ServerConnectionPolicy.Wire {
    private final NettyServerConnection conn;
    private final NettyServerStreams streams;

    NettyPolicyWire(NettyServerConnection conn, NettyServerStreams streams) {
        this.conn = conn;
        this.streams = streams;
    }

    @Override
    public int openCalls() {
        return streams.openCount();
    }

    /** Whether a stream (status written or not) still has response bytes waiting for the peer's window. */
    @Override
    public boolean isResponseDataPending() {
        Http2RemoteFlowController flow = conn.encoder().flowController();
        boolean[] pending = {false};
        try {
            conn.connection().forEachActiveStream(stream -> {
                pending[0] = flow.hasFlowControlled(stream);
                return !pending[0];
            });
        } catch (Http2Exception e) {
            return false; // the visitor throws nothing
        }
        return pending[0];
    }

    /** The ack arrives as {@link NettyServerConnection#onPingAckRead}. */
    @Override
    public void ping(long payload) {
        ChannelHandlerContext c = conn.ctx();
        conn.encoder().writePing(c, false, payload, c.voidPromise());
        conn.requestFlush();
    }

    @Override
    public void firstGoAway() {
        ChannelHandlerContext c = conn.ctx();
        conn.goAway(c, Integer.MAX_VALUE, Http2Error.NO_ERROR.code(), Unpooled.EMPTY_BUFFER, c.newPromise());
        conn.requestFlush();
    }

    @Override
    public void secondGoAway(long backstopMillis) {
        ChannelHandlerContext c = conn.ctx();
        conn.goAway(
                c,
                conn.connection().remote().lastStreamCreated(),
                Http2Error.NO_ERROR.code(),
                Unpooled.EMPTY_BUFFER,
                c.newPromise());
        // with a GOAWAY already sent, Netty's graceful close sends none and closes as soon as no stream is active
        conn.gracefulShutdownTimeoutMillis(backstopMillis);
        c.channel().close();
    }

    @Override
    public boolean tooManyPings(boolean wasOpen) {
        // a GOAWAY with an error code makes Netty close the socket once it is written; during a graceful close it
        // names the same last stream as before (a GOAWAY's last stream may not grow)
        ChannelHandlerContext c = conn.ctx();
        Http2Connection connection = conn.connection();
        int last = connection.goAwaySent()
                ? Math.min(
                        connection.remote().lastStreamKnownByPeer(),
                        connection.remote().lastStreamCreated())
                : connection.remote().lastStreamCreated();
        conn.goAway(
                c,
                last,
                Http2Error.ENHANCE_YOUR_CALM.code(),
                ByteBufUtil.writeAscii(c.alloc(), "too_many_pings"),
                c.newPromise());
        conn.requestFlush();
        return true; // after the GOAWAY, the rest of a flood is only read: Netty closes once the GOAWAY is out
    }

    @Override
    public void cancelCalls() {
        streams.cancelOpen();
        conn.flushNow();
    }

    @Override
    public void close() {
        conn.ctx().close();
    }

    @Override
    public Object remoteAddress() {
        return conn.remoteAddress();
    }
}
