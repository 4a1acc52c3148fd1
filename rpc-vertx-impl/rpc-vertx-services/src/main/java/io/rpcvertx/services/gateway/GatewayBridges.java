package io.rpcvertx.services.gateway;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.bridge.BridgeEventType;
import io.vertx.ext.bridge.PermittedOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.sockjs.BridgeEvent;
import io.vertx.ext.web.handler.sockjs.SockJSBridgeOptions;
import io.vertx.ext.web.handler.sockjs.SockJSHandler;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The SockJS event-bus bridge for a gateway ({@code io.vertx:vertx-web}, an optional dependency), closed by default:
 * a bridged client may send only to the gateway's method addresses, {@value EventBusGateway#CALL_ADDRESS} and the
 * control addresses of streaming calls, and may register only on their stream addresses. Both kinds are issued by the
 * gateway per call ({@value EventBusGateway#STREAM_ADDRESS_PREFIX} or {@value EventBusGateway#CONTROL_ADDRESS_PREFIX}
 * and 32 hex digits of a random id that only the call's client learns, in the start reply); any other shape is
 * refused. Replies reach it as usual. Each bridged call carries its socket in
 * {@value EventBusGateway#BRIDGE_SOCKET_HEADER} (whatever the client put there), so a socket that closes cancels its
 * calls on the server.
 *
 * <pre>{@code
 * router.route("/eventbus/*").subRouter(GatewayBridges.sockJs(vertx, gateway));
 * }</pre>
 */
public final class GatewayBridges {
    /** The prefix of the addresses a bridged client may register on: streaming calls' responses. */
    public static final String STREAM_PREFIX = EventBusGateway.STREAM_ADDRESS_PREFIX;

    private GatewayBridges() {}

    /** The bridge's options: the gateway's method and control addresses in, its stream addresses out, nothing else. */
    public static SockJSBridgeOptions bridgeOptions(EventBusGateway gateway) {
        SockJSBridgeOptions options = new SockJSBridgeOptions();
        for (String address : gateway.addresses()) {
            options.addInboundPermitted(new PermittedOptions().setAddress(address));
        }
        options.addInboundPermitted(new PermittedOptions().setAddress(EventBusGateway.CALL_ADDRESS));
        options.addInboundPermitted(new PermittedOptions().setAddressRegex(EventBusGateway.CONTROL_ADDRESS_REGEX));
        options.addOutboundPermitted(new PermittedOptions().setAddressRegex(EventBusGateway.STREAM_ADDRESS_REGEX));
        return options;
    }

    /** A router serving the SockJS bridge of {@code gateway}; mount it as a sub-router, e.g. at {@code /eventbus/*}. */
    public static Router sockJs(Vertx vertx, EventBusGateway gateway) {
        Map<SockJSSocket, String> sockets = new ConcurrentHashMap<>();
        return SockJSHandler.create(vertx)
                .bridge(bridgeOptions(gateway), event -> onBridgeEvent(gateway, sockets, event));
    }

    private static void onBridgeEvent(EventBusGateway gateway, Map<SockJSSocket, String> sockets, BridgeEvent event) {
        BridgeEventType type = event.type();
        if (type == BridgeEventType.SEND || type == BridgeEventType.PUBLISH) {
            JsonObject raw = event.getRawMessage();
            if (raw != null) {
                String socket = sockets.computeIfAbsent(
                        event.socket(), s -> UUID.randomUUID().toString());
                JsonObject headers = raw.getJsonObject("headers");
                if (headers == null) {
                    headers = new JsonObject();
                    raw.put("headers", headers);
                }
                headers.put(EventBusGateway.BRIDGE_SOCKET_HEADER, socket);
                event.setRawMessage(raw);
            }
        } else if (type == BridgeEventType.SOCKET_CLOSED) {
            String socket = sockets.remove(event.socket());
            if (socket != null) {
                gateway.cancelCallsOf(socket);
            }
        }
        event.complete(true);
    }
}
