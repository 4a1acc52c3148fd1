package io.rpcvertx.impl.eventbus;

import io.vertx.core.MultiMap;
import io.vertx.core.eventbus.DeliveryOptions;
import java.util.Map;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * The event-bus wire protocol ({@code docs/eventbus-protocol.md}): message kinds and the protocol's own headers. Every
 * protocol header starts with {@code :}, which no gRPC metadata key can, so protocol and gRPC headers share one header
 * map without clashing.
 */
public final class EventBusWire {
    private EventBusWire() {}

    /** The address a server serves on, and {@code eventbus:} targets dial, when none is named. */
    public static final String DEFAULT_ADDRESS = "rpcvertx.grpc";

    static final String KIND = ":kind";
    static final String CALL = ":call";
    static final String REPLY_TO = ":reply-to";
    static final String PATH = ":path";
    static final String WINDOW = ":window";
    static final String CREDIT = ":credit";
    static final String END = ":end";
    static final String CODE = ":code";
    static final String SERVER = ":server";

    // kinds: client to server
    static final String OPEN = "open";
    static final String HALF_CLOSE = "half-close";
    static final String PING = "ping";
    // kinds: server to client
    static final String ACK = "ack";
    static final String REFUSE = "refuse";
    static final String HEADERS = "headers";
    static final String TRAILERS = "trailers";
    static final String GONE = "gone";
    // kinds: both ways
    static final String DATA = "data";
    static final String CREDIT_KIND = "credit";
    static final String RESET = "reset";

    /** How many messages a reader lets its peer send ahead of what it has read: the initial credit of each side. */
    static final int WINDOW_MESSAGES = 16;

    /** How often a client proves its calls alive to their server, and checks that the server still has them. */
    static final long PING_INTERVAL_MS = 1_000;

    /** A ping unanswered for this long, or a call not heard of for this long by its server, is a lost peer. */
    static final long PEER_TIMEOUT_MS = 5_000;

    /** How long a client waits for the ack of its open request: a server acks at once, so only a lost one is slower. */
    static final long OPEN_TIMEOUT_MS = 10_000;

    /** A fresh address of this JVM for one channel or one server IO instance. */
    static String uniqueAddress(String role) {
        return "rpcvertx." + role + "." + UUID.randomUUID();
    }

    static DeliveryOptions options(String kind, String call) {
        DeliveryOptions options = new DeliveryOptions();
        options.addHeader(KIND, kind);
        options.addHeader(CALL, call);
        return options;
    }

    /** Adds every entry of {@code grpcHeaders} (gRPC headers and metadata, {@code -bin} values base64) to the message. */
    static void addAll(DeliveryOptions options, MultiMap grpcHeaders) {
        for (Map.Entry<String, String> e : grpcHeaders) {
            options.addHeader(e.getKey(), e.getValue());
        }
    }

    /** The gRPC headers of a message: its headers without the protocol's own. */
    static MultiMap grpcHeaders(MultiMap messageHeaders) {
        MultiMap h = MultiMap.caseInsensitiveMultiMap();
        for (Map.Entry<String, String> e : messageHeaders) {
            if (!e.getKey().startsWith(":")) {
                h.add(e.getKey(), e.getValue());
            }
        }
        return h;
    }

    static int intHeader(MultiMap headers, String name, int otherwise) {
        @Nullable String value = headers.get(name);
        if (value == null) {
            return otherwise;
        }
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            return otherwise;
        }
    }
}
