package io.rpcvertx;

/**
 * Which HTTP/2 implementation carries the calls of a channel or the ports of a server. Both run on the owning Vert.x
 * instance's event loops and follow the same wire rules; they differ in what sits between those rules and the socket.
 */
public enum Http2Transport {
    /**
     * Vert.x's HTTP/2 client and server ({@code HttpClient}/{@code HttpServer}): the transport for users who want
     * to share a Vert.x {@code HttpServer} or its request metrics.
     */
    VERTX_HTTP,
    /**
     * Netty's HTTP/2 codec installed in the pipeline of Vert.x {@code NetServer}/{@code NetClient} sockets, so TLS,
     * ALPN, SNI and port sharing stay Vert.x's, without Vert.x's per-stream HTTP machinery.
     */
    NETTY
}
