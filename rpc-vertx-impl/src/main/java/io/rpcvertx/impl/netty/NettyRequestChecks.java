package io.rpcvertx.impl.netty;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.util.AsciiString;
import io.rpcvertx.impl.codec.ContentTypes;
import io.rpcvertx.impl.codec.GrpcHeaders;
import java.nio.charset.StandardCharsets;

/**
 * The HTTP checks a new request of a {@link NettyServerConnection} passes before it becomes a call, and the answers to
 * those that fail. They are made first-hand and match the Vert.x transport's (Http2ServerStream and
 * RequestHeadersGuard): a request without {@code :method}, {@code :scheme} or {@code :path} is reset with
 * PROTOCOL_ERROR; a content-type other than gRPC's is answered HTTP 415, a method other than POST HTTP 405; a stream of a
 * server that no longer accepts calls is refused (REFUSED_STREAM). Oversized header lists get Netty's HTTP 431. On the
 * connection's event loop only.
 */
final class NettyRequestChecks {
    private static final AsciiString POST = AsciiString.cached("POST");
    private static final AsciiString TEXT_PLAIN = AsciiString.cached("text/plain");

    private NettyRequestChecks() {}

    /**
     * Checks the request {@code headers} opened on {@code stream}; one that fails is answered (or reset) here.
     *
     * @param accepting whether the server still accepts calls
     * @return whether the request is a call to dispatch
     */
    static boolean pass(NettyServerConnection conn, Http2Stream stream, Http2Headers headers, boolean accepting) {
        CharSequence method = headers.method();
        if (method == null || headers.path() == null || headers.scheme() == null) {
            // a malformed request (RFC 9113 8.3.1), as Vert.x answers it
            conn.reset(stream, Http2Error.PROTOCOL_ERROR);
            return false;
        }
        CharSequence contentType = headers.get(GrpcHeaders.CONTENT_TYPE);
        if (!ContentTypes.isGrpc(contentType == null ? null : contentType.toString())) {
            // gRPC over HTTP/2: a server must answer a wrong content-type with HTTP 415
            answer(conn, stream, "415", "unsupported content-type");
            return false;
        }
        if (!POST.contentEquals(method)) {
            answer(conn, stream, "405", "method not allowed");
            return false;
        }
        if (!accepting) {
            // a stream that raced our GOAWAY: REFUSED_STREAM tells any gRPC client that nothing was processed
            conn.reset(stream, Http2Error.REFUSED_STREAM);
            return false;
        }
        return true;
    }

    /** A plain HTTP answer to a request that is not a gRPC call (as Vert.x's response.end(text) sends it). */
    private static void answer(NettyServerConnection conn, Http2Stream stream, String status, String body) {
        Http2Headers h = NettyHeaders.outbound().status(status).set(GrpcHeaders.CONTENT_TYPE, TEXT_PLAIN);
        ChannelHandlerContext c = conn.ctx();
        conn.encoder().writeHeaders(c, stream.id(), h, 0, false, c.voidPromise());
        conn.encoder()
                .writeData(
                        c,
                        stream.id(),
                        Unpooled.copiedBuffer(body, StandardCharsets.US_ASCII),
                        0,
                        true,
                        c.voidPromise());
        conn.requestFlush();
    }
}
