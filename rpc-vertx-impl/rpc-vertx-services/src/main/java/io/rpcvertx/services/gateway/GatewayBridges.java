package io.rpcvertx.services.gateway;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
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
 * the gateway's method addresses, {@value EventBusGateway#CALL_ADDRESS} and the control addresses of streaming calls,
 * and may register only on their stream addresses. Both kinds are issued by the gateway per call
 * ({@value EventBusGateway#STREAM_ADDRESS_PREFIX} or {@value EventBusGateway#CONTROL_ADDRESS_PREFIX} and 32 hex digits
 * of a random id that only the call's client learns, in the start reply); any other shape is refused. Replies reach
 * it as usual.
 *
 * <p>Each bridged message carries its connection in {@value EventBusGateway#BRIDGE_SOCKET_HEADER} (whatever the client
 * put there, in any case, is replaced), so a connection that closes cancels its calls on the server, over either
 * bridge, and a call's control address answers only the connection that started it.
 *
 * <pre>{@code
 * router.route("/eventbus/*").subRouter(GatewayBridges.sockJs(vertx, gateway));
 * GatewayBridges.listen(vertx, GatewayBridges.tcp(vertx, gateway, new NetServerOptions()), "127.0.0.1", 0)
 *         .onSuccess(port -> System.out.println("TCP bridge on 127.0.0.1:" + port));
 * }</pre>
 */
public final class GatewayBridges {
    /** The prefix of the addresses a bridged client may register on: streaming calls' responses. */
    public static final String STREAM_PREFIX = EventBusGateway.STREAM_ADDRESS_PREFIX;

    /** Vert.x shares one random port among the servers listening on the same negative port; one key per listen. */
    private static final AtomicInteger SHARED_PORT_KEYS = new AtomicInteger(-1_000_000);

    private GatewayBridges() {}

    /** The SockJS bridge's options: the gateway's method and control addresses in, its stream addresses out. */
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
        return SockJSHandler.create(vertx).bridge(bridgeOptions(gateway), event -> {
            if (event.type() == BridgeEventType.SOCKET_CLOSED) {
                closed(gateway, event.socket());
            } else {
                stamp(gateway, event, event.socket());
            }
            event.complete(true);
        });
    }

    /**
     * The TCP bridge of {@code gateway} on a server with {@code serverOptions}, not yet listening: call one of its
     * {@code listen} methods, or {@link #listen(Vertx, TcpEventBusBridge, String, int)}, which tells the port. Its
     * clients speak the bridge's framing: a 4-byte big-endian length, then that many bytes of a UTF-8 JSON frame
     * ({@code {"type":"send","address":...,"replyAddress":...,"headers":{...},"body":...}}).
     */
    public static TcpEventBusBridge tcp(Vertx vertx, EventBusGateway gateway, NetServerOptions serverOptions) {
        BridgeSockets sockets = gateway.bridgeSockets();
        return TcpEventBusBridge.create(vertx, tcpBridgeOptions(gateway), serverOptions, event -> {
            NetSocket socket = event.socket();
            if (sockets.track(socket)) {
                // the TCP bridge has no SOCKET_CLOSED event; it leaves the socket's close handler free
                socket.closeHandler(v -> closed(gateway, socket));
            }
            stamp(gateway, event, socket);
            event.complete(true);
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
        options.addInboundPermitted(new PermittedOptions().setAddressRegex(EventBusGateway.CONTROL_ADDRESS_REGEX));
        options.addOutboundPermitted(new PermittedOptions().setAddressRegex(EventBusGateway.STREAM_ADDRESS_REGEX));
    }

    /** Stamps a message a client sends or publishes (in place: the TCP bridge sends the frame it gave the hook). */
    private static void stamp(EventBusGateway gateway, BaseBridgeEvent event, Object socket) {
        BridgeEventType type = event.type();
        JsonObject frame = event.getRawMessage();
        if ((type == BridgeEventType.SEND || type == BridgeEventType.PUBLISH) && frame != null) {
            gateway.bridgeSockets().stamp(frame, socket);
            event.setRawMessage(frame);
        }
    }

    private static void closed(EventBusGateway gateway, Object socket) {
        String id = gateway.bridgeSockets().closed(socket);
        if (id != null) {
            gateway.cancelCallsOf(id);
        }
    }
}
