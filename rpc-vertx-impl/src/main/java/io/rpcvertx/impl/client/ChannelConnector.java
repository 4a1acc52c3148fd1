package io.rpcvertx.impl.client;

import io.rpcvertx.ChannelOptions;
import io.rpcvertx.Http2Transport;
import io.rpcvertx.impl.netty.NettyClientConnector;
import io.rpcvertx.impl.security.ChannelSecurity;
import io.rpcvertx.impl.transport.ClientConnection;
import io.vertx.core.Future;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpConnectOptions;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.net.SocketAddress;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Makes a channel's HTTP/2 connections on the transport its options chose: Vert.x's HTTP client (unpooled, with
 * {@link HttpClientAgent#connect}) or the Netty transport's sockets ({@link NettyClientConnector}). Connections are
 * made from the channel's owner context, so every stream event of the channel runs on the owner's loop.
 */
final class ChannelConnector {
    private final ChannelSecurity security;
    /** Vert.x's HTTP client (transport VERTX_HTTP), or null. */
    private final @Nullable HttpClientAgent agent;
    /** The Netty transport's sockets (transport NETTY), or null. */
    private final @Nullable NettyClientConnector netty;

    ChannelConnector(VertxInternal vertx, ContextInternal owner, ChannelSecurity security, ChannelOptions options) {
        this.security = security;
        if (options.http2Transport() == Http2Transport.NETTY) {
            this.agent = null;
            this.netty = new NettyClientConnector(vertx, owner, security, options);
        } else {
            this.agent = vertx.httpClientBuilder()
                    .with(ChannelTransport.clientOptions(security, options))
                    .build();
            this.netty = null;
        }
    }

    /**
     * Connects to {@code address} within {@code timeoutMs} (TLS and the HTTP/2 handshake included), with the channel's
     * security; the failure's message says what is wrong.
     */
    Future<ClientConnection> connect(SocketAddress address, long timeoutMs) {
        NettyClientConnector n = netty;
        if (n != null) {
            return n.connect(address, timeoutMs);
        }
        HttpClientAgent a = agent;
        assert a != null;
        boolean unix = address.isDomainSocket();
        HttpConnectOptions co = new HttpConnectOptions()
                .setServer(address)
                .setHost(unix ? "localhost" : address.host())
                .setPort(unix ? 0 : address.port())
                .setConnectTimeout(timeoutMs);
        return security.connect(a, co).map(VertxHttpConnection::new);
    }

    /** Releases the transport (the channel's connections are closed by then). */
    Future<Void> close() {
        return agent != null ? agent.close() : Objects.requireNonNull(netty).close();
    }
}
