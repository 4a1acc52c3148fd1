package io.rpcvertx.services.gateway;

import io.vertx.core.json.JsonObject;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * What the bridges of one gateway know about their clients' connections (a SockJS socket or a TCP socket, both just
 * identities here): an id per connection, stamped on each message it sends, so that a connection that closes cancels
 * its calls and a streaming call's control address answers only the connection that started the call.
 */
final class BridgeSockets {
    private final Map<Object, String> ids = new ConcurrentHashMap<>();

    /** Gives {@code socket} its id; true if it had none (the caller then watches it close). */
    boolean track(Object socket) {
        boolean[] added = {false};
        ids.computeIfAbsent(socket, s -> {
            added[0] = true;
            return UUID.randomUUID().toString();
        });
        return added[0];
    }

    /**
     * Stamps a {@code send} or {@code publish} frame of {@code socket} with its id in
     * {@value EventBusGateway#BRIDGE_SOCKET_HEADER}, in place, replacing that header in any case the client wrote it.
     */
    void stamp(JsonObject frame, Object socket) {
        Object rawHeaders = frame.getValue("headers");
        JsonObject headers = rawHeaders instanceof JsonObject ? (JsonObject) rawHeaders : new JsonObject();
        for (Iterator<Map.Entry<String, Object>> it = headers.iterator(); it.hasNext(); ) {
            if (it.next().getKey().toLowerCase(Locale.ROOT).equals(EventBusGateway.BRIDGE_SOCKET_HEADER)) {
                it.remove();
            }
        }
        headers.put(
                EventBusGateway.BRIDGE_SOCKET_HEADER,
                ids.computeIfAbsent(socket, s -> UUID.randomUUID().toString()));
        frame.put("headers", headers);
    }

    /** Forgets {@code socket}; returns its id (its calls'), if it had one. */
    @Nullable
    String closed(Object socket) {
        return ids.remove(socket);
    }
}
