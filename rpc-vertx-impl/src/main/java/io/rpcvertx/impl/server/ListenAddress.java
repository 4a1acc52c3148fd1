package io.rpcvertx.impl.server;

import io.vertx.core.Future;
import io.vertx.core.http.HttpServer;
import io.vertx.core.net.SocketAddress;
import org.jspecify.annotations.Nullable;

/**
 * Where a server listens: a Unix domain socket, or a host and Vert.x port. A negative port is Vert.x's "shared random
 * port" key: every server listening on the same negative port and host shares one socket.
 */
record ListenAddress(@Nullable SocketAddress domainSocket, String host, int port) {
    static ListenAddress domainSocket(SocketAddress address) {
        return new ListenAddress(address, "", -1);
    }

    static ListenAddress tcp(String host, int port) {
        return new ListenAddress(null, host, port);
    }

    /** Where a {@code NetServer} listens: the domain socket, or the host and (shared) port. */
    SocketAddress socketAddress() {
        SocketAddress uds = domainSocket;
        return uds != null ? uds : SocketAddress.inetSocketAddress(port, host);
    }

    Future<HttpServer> listen(HttpServer server) {
        SocketAddress uds = domainSocket;
        return uds != null ? server.listen(uds) : server.listen(port, host);
    }
}
