package io.rpcvertx.services.gateway;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.ext.bridge.BaseBridgeEvent;
import io.vertx.ext.bridge.BridgeEventType;
import io.vertx.ext.bridge.BridgeOptions;
import io.vertx.ext.bridge.PermittedOptions;
import io.vertx.ext.eventbus.bridge.tcp.TcpEventBusBridge;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.sockjs.SockJSBridgeOptions;
import io.vertx.ext.web.handler.sockjs.SockJSHandler;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The event-bus bridges of a gateway, closed by default: the SockJS bridge ({@code io.vertx:vertx-web}) and the TCP
 * bridge ({@code io.vertx:vertx-tcp-eventbus-bridge}), both optional dependencies. A bridged client may send only to
 * the gateway's method addresses (and {@value EventBusGateway#CALL_ADDRESS}), and may register only on stream
 * addresses: {@value #STREAM_PREFIX} and a suffix of {@value #STREAM_SUFFIX_MIN_LENGTH} to 128 characters of
 * {@code [A-Za-z0-9_-]} (a random UUID does), where it names its server-streaming responses be sent. Replies reach it
 * as usual.
 *
 * <p>A stream address belongs to the first connection that registers it, until that connection unregisters it or
 * closes: another connection's register is refused, and so is a call whose {@code stream-to} is not an address its
 * own connection registered. Each bridged call carries its connection in {@value EventBusGateway#BRIDGE_SOCKET_HEADER}
 * (whatever the client put there is replaced), so a connection that closes cancels its calls on the server. The
 * bridges of one gateway share these rules, so a TCP client cannot take a SockJS client's stream address.
 *
 * <pre>{@code
 * router.route("/eventbus/*").subRouter(GatewayBridges.sockJs(vertx, gateway));
 * GatewayBridges.listen(vertx, GatewayBridges.tcp(vertx, gateway, new NetServerOptions()), "127.0.0.1", 0)
 *         .onSuccess(port -> System.out.println("TCP bridge on 127.0.0.1:" + port));
 * }</pre>
 */
public final class GatewayBridges {
    /** The prefix of the addresses a bridged client may register on for server-streaming responses. */
    public static final String STREAM_PREFIX = "rpcvertx.gateway.stream.";
    /** The fewest characters after {@value #STREAM_PREFIX} in a stream address (22 base64url characters: 132 bits). */
    public static final int STREAM_SUFFIX_MIN_LENGTH = 22;

    /** Vert.x shares one random port among the servers listening on the same negative port; one key per listen. */
    private static final AtomicInteger SHARED_PORT_KEYS = new AtomicInteger(-1_000_000);

    private GatewayBridges() {}

    /** The SockJS bridge's options: the gateway's addresses in, the stream addresses out, nothing else. */
    public static SockJSBridgeOptions bridgeOptions(EventBusGateway gateway) {
        SockJSBridgeOptions options = new SockJSBridgeOptions();
        permit(options, gateway);
        return options;
    }

    /** The TCP bridge's options: the same permissions as {@link #bridgeOptions}. */
    public static BridgeOptions tcpBridgeOptions(EventBusGateway gateway) {
        BridgeOptions options = new BridgeOptions();
        permit(options, gateway);
        return options;
    }

    /** A router serving the SockJS bridge of {@code gateway}; mount it as a sub-router, e.g. at {@code /eventbus/*}. */
    public static Router sockJs(Vertx vertx, EventBusGateway gateway) {
        BridgeSockets sockets = gateway.bridgeSockets();
        return SockJSHandler.create(vertx).bridge(bridgeOptions(gateway), event -> {
            if (event.type() == BridgeEventType.SOCKET_CLOSED) {
                closed(gateway, event.socket());
                event.complete(true);
            } else {
                decide(sockets, event, event.socket());
            }
        });
    }

    /**
     * The TCP bridge of {@code gateway} on a server with {@code serverOptions}, not yet listening: call one of its
     * {@code listen} methods. Its clients speak the bridge's framing: a 4-byte big-endian length, then that many bytes
     * of a UTF-8 JSON frame ({@code {"type":"send","address":...,"replyAddress":...,"headers":{...},"body":...}}).
     * {@link #listen(Vertx, TcpEventBusBridge, String, int)} listens and tells the port.
     */
    public static TcpEventBusBridge tcp(Vertx vertx, EventBusGateway gateway, NetServerOptions serverOptions) {
        BridgeSockets sockets = gateway.bridgeSockets();
        return TcpEventBusBridge.create(vertx, tcpBridgeOptions(gateway), serverOptions, event -> {
            NetSocket socket = event.socket();
            if (sockets.track(socket)) {
                // the TCP bridge has no SOCKET_CLOSED event; it leaves the socket's close handler free
                socket.closeHandler(v -> closed(gateway, socket));
            }
            decide(sockets, event, socket);
        });
    }

    /**
     * Starts {@code bridge} listening on {@code host:port} and tells the bound port, which {@link TcpEventBusBridge}
     * does not: for port 0, a placeholder server takes a random port that Vert.x shares (a negative port key, one per
     * call), the bridge listens on the same key and so shares that socket, and the placeholder closes.
     */
    public static Future<Integer> listen(Vertx vertx, TcpEventBusBridge bridge, String host, int port) {
        if (port != 0) {
            return bridge.listen(port, host).map(b -> port);
        }
        int key = SHARED_PORT_KEYS.getAndDecrement();
        NetServer placeholder = vertx.createNetServer().connectHandler(NetSocket::close);
        return placeholder
                .listen(key, host)
                .compose(p -> bridge.listen(key, host))
                .compose(
                        b -> {
                            int bound = placeholder.actualPort();
                            return placeholder.close().map(bound);
                        },
                        e -> placeholder.close().transform(x -> Future.failedFuture(e)));
    }

    private static void permit(BridgeOptions options, EventBusGateway gateway) {
        for (String address : gateway.addresses()) {
            options.addInboundPermitted(new PermittedOptions().setAddress(address));
        }
        options.addInboundPermitted(new PermittedOptions().setAddress(EventBusGateway.CALL_ADDRESS));
        options.addOutboundPermitted(new PermittedOptions().setAddressRegex(BridgeSockets.STREAM_ADDRESS.pattern()));
    }

    private static void closed(EventBusGateway gateway, Object socket) {
        String id = gateway.bridgeSockets().closed(socket);
        if (id != null) {
            gateway.cancelCallsOf(id);
        }
    }

    private static void decide(BridgeSockets sockets, BaseBridgeEvent event, Object socket) {
        event.complete(sockets.admit(event.type(), event.getRawMessage(), socket));
    }
}
