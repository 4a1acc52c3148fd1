package io.rpcvertx.impl.netty;

import io.rpcvertx.ChannelOptions;
import io.rpcvertx.impl.security.ChannelSecurity;
import io.rpcvertx.impl.transport.ClientConnection;
import io.vertx.core.Future;
import io.vertx.core.http.Http2Settings;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.SocketAddress;

/**
 * How a channel on the Netty transport gets its connections: sockets from a Vert.x {@link NetClient} (so Vert.x's TLS
 * options and engines, ALPN {@code h2} and SNI apply, checked by {@link ChannelSecurity}), with Netty's HTTP/2 codec
 * installed in each socket's pipeline ({@link NettyClientConnection}). Connects from the channel's owner context, so
 * every socket runs on the owner's event loop.
 */
public final class NettyClientConnector {
    /** The largest response header list accepted: what the Vert.x HTTP client accepts. */
    static final int MAX_HEADER_LIST_SIZE = Http2Settings.DEFAULT_MAX_HEADER_LIST_SIZE;

    private final ContextInternal owner;
    private final ChannelSecurity security;
    private final ChannelOptions options;
    private final NetClient client;

    public NettyClientConnector(
            VertxInternal vertx, ContextInternal owner, ChannelSecurity security, ChannelOptions options) {
        this.owner = owner;
        this.security = security;
        this.options = options;
        NetClientOptions net = security.configure(new NetClientOptions()).setConnectTimeout((int)
                Math.min(Integer.MAX_VALUE, options.connectTimeout().toMillis()));
        this.client = vertx.createNetClient(net);
    }

    /**
     * A connection to {@code address} whose HTTP/2 handshake ended (the server's SETTINGS arrived). Owner context
     * only.
     */
    public Future<ClientConnection> connect(SocketAddress address, long timeoutMs) {
        assert owner.inThread();
        int timeout = (int) Math.min(Integer.MAX_VALUE, timeoutMs);
        return security.connect(client, address, timeout)
                .compose(socket -> NettyClientConnection.install(
                                owner, (NetSocketInternal) socket, options, MAX_HEADER_LIST_SIZE)
                        .recover(security::explainClosedAfterHandshake));
    }

    /** Closes the socket client (and any socket still open). */
    public Future<Void> close() {
        return client.close();
    }
}
