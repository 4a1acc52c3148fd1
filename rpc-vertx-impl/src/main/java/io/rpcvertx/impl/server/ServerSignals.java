package io.rpcvertx.impl.server;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageCodec;

/**
 * The signals between a server's control context and its IO verticles (DESIGN.md section 5), sent over the local
 * event bus with one named codec that hands the object over as it is.
 *
 * <pre>
 * control --Drain(deadline)--&gt; rpcvertx.server.&lt;id&gt;.io.&lt;n&gt;
 * IO n --CallsDone(n, count)--&gt; rpcvertx.server.&lt;id&gt;.done    (batched: one per event-loop turn)
 * IO n --Drained(n)--&gt; rpcvertx.server.&lt;id&gt;.done          (no call left, every socket closed)
 * </pre>
 *
 * <p>With {@code ServerOptions.withEventBusSignals(true)} the server also publishes JSON for its users:
 *
 * <pre>
 * rpcvertx.server.&lt;id&gt;.events  {"server": id, "event": "started" | "stopping" | "stopped"}
 * rpcvertx.server.&lt;id&gt;.calls   {"server": id, "method": "pkg.Svc/M", "code": "OK", "status": 0,
 *                                "durationMicros": n, "peer": "ipv4:127.0.0.1:5000"}   (one per ended call)
 * </pre>
 */
final class ServerSignals {
    static final String CODEC = "rpcvertx.local";
    private static final String NAMES = "rpcvertx.server.names";
    static final DeliveryOptions LOCAL =
            new DeliveryOptions().setCodecName(CODEC).setLocalOnly(true);

    private ServerSignals() {}

    /** Stop accepting; cancel what is left at {@code deadlineNanos} ({@link System#nanoTime()}). */
    record Drain(long deadlineNanos) {}

    /** {@code count} calls of IO instance {@code io} ended (their handlers terminated) since its last report. */
    record CallsDone(int io, int count) {}

    /** IO instance {@code io} has no call left and every one of its sockets is closed. */
    record Drained(int io) {}

    static String ioAddress(String serverId, int io) {
        return "rpcvertx.server." + serverId + ".io." + io;
    }

    static String eventsAddress(String serverId) {
        return "rpcvertx.server." + serverId + ".events";
    }

    static String callsAddress(String serverId) {
        return "rpcvertx.server." + serverId + ".calls";
    }

    /** Claims a server name for this Vertx; false if a started server holds it. */
    static boolean claimName(Vertx vertx, String name) {
        return vertx.sharedData().<String, Boolean>getLocalMap(NAMES).putIfAbsent(name, Boolean.TRUE) == null;
    }

    static void releaseName(Vertx vertx, String name) {
        vertx.sharedData().<String, Boolean>getLocalMap(NAMES).remove(name);
    }

    static String doneAddress(String serverId) {
        return "rpcvertx.server." + serverId + ".done";
    }

    /** Registers the codec once per Vertx (the event bus refuses a second codec of the same name). */
    static void registerCodec(Vertx vertx) {
        // atomic: a second server starting concurrently waits until the first one has registered it
        vertx.sharedData().<String, Boolean>getLocalMap(CODEC).computeIfAbsent("registered", key -> {
            vertx.eventBus().registerCodec(new LocalCodec());
            return Boolean.TRUE;
        });
    }

    /** Local delivery only: the object itself is delivered, nothing is ever encoded. */
    private static final class LocalCodec implements MessageCodec<Object, Object> {
        @Override
        public void encodeToWire(Buffer buffer, Object o) {
            throw new UnsupportedOperationException(CODEC + " is local only");
        }

        @Override
        public Object decodeFromWire(int pos, Buffer buffer) {
            throw new UnsupportedOperationException(CODEC + " is local only");
        }

        @Override
        public Object transform(Object o) {
            return o;
        }

        @Override
        public String name() {
            return CODEC;
        }

        @Override
        public byte systemCodecID() {
            return -1;
        }
    }
}
