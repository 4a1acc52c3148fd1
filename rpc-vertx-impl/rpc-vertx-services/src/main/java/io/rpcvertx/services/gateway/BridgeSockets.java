package io.rpcvertx.services.gateway;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.bridge.BridgeEventType;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * What the bridges of one gateway know about their clients' sockets (a SockJS socket or a TCP socket, both just
 * identities here): an id per socket, put on each of its calls so a socket that closes cancels them, and which socket
 * owns which stream address. A stream address belongs to the first socket that registers it until that socket
 * unregisters it or closes; another socket may neither register it nor name it as a call's {@code stream-to}.
 */
final class BridgeSockets {
    /** A stream address: the prefix and 22 to 128 characters of {@code [A-Za-z0-9_-]}, e.g. a random UUID. */
    static final Pattern STREAM_ADDRESS = Pattern.compile(Pattern.quote(GatewayBridges.STREAM_PREFIX) + "[A-Za-z0-9_-]{"
            + GatewayBridges.STREAM_SUFFIX_MIN_LENGTH + ",128}");

    private final Map<Object, String> ids = new ConcurrentHashMap<>();
    private final Map<String, Object> streamOwners = new ConcurrentHashMap<>();

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
     * Decides one bridge event of {@code socket}, rewriting the frame in place where needed: true to let the bridge
     * carry it, false to refuse it. {@code SOCKET_CLOSED} is the caller's (see {@link #closed}).
     */
    boolean admit(BridgeEventType type, @Nullable JsonObject frame, Object socket) {
        switch (type) {
            case SEND:
            case PUBLISH:
                return frame == null || admitCall(frame, socket);
            case REGISTER:
                return frame == null || claim(socket, frame.getString("address"));
            case UNREGISTER:
                if (frame != null) {
                    String address = frame.getString("address");
                    if (address != null) {
                        streamOwners.remove(address, socket);
                    }
                }
                return true;
            default:
                return true;
        }
    }

    /** Forgets {@code socket} and frees its stream addresses; returns its id (its calls'), if it had one. */
    @Nullable
    String closed(Object socket) {
        streamOwners.values().removeIf(owner -> owner == socket);
        return ids.remove(socket);
    }

    /**
     * Stamps the call with its socket (replacing whatever the client put in that header, in any case) and checks that
     * its {@code stream-to}, if any, is a stream address this socket owns.
     */
    private boolean admitCall(JsonObject frame, Object socket) {
        Object rawHeaders = frame.getValue("headers");
        JsonObject headers = rawHeaders instanceof JsonObject ? (JsonObject) rawHeaders : new JsonObject();
        for (Iterator<Map.Entry<String, Object>> it = headers.iterator(); it.hasNext(); ) {
            Map.Entry<String, Object> header = it.next();
            String key = header.getKey().toLowerCase(Locale.ROOT);
            if (key.equals(EventBusGateway.BRIDGE_SOCKET_HEADER)) {
                it.remove();
            } else if (key.equals(EventBusGateway.STREAM_TO_HEADER)
                    && !owns(socket, String.valueOf(header.getValue()))) {
                return false;
            }
        }
        headers.put(
                EventBusGateway.BRIDGE_SOCKET_HEADER,
                ids.computeIfAbsent(socket, s -> UUID.randomUUID().toString()));
        frame.put("headers", headers);
        return true;
    }

    private boolean claim(Object socket, @Nullable String address) {
        if (address == null || !address.startsWith(GatewayBridges.STREAM_PREFIX)) {
            return true; // not a stream address: the bridge's permissions decide
        }
        if (!STREAM_ADDRESS.matcher(address).matches()) {
            return false;
        }
        ids.computeIfAbsent(socket, s -> UUID.randomUUID().toString());
        Object owner = streamOwners.putIfAbsent(address, socket);
        return owner == null || owner == socket;
    }

    private boolean owns(Object socket, String address) {
        return STREAM_ADDRESS.matcher(address).matches() && streamOwners.get(address) == socket;
    }
}
