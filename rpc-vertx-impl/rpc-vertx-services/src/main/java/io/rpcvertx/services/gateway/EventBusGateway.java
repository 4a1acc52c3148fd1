package io.rpcvertx.services.gateway;

import com.google.protobuf.Descriptors;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.rpcvertx.CallOptions;
import io.rpcvertx.Channel;
import io.rpcvertx.Marshaller;
import io.rpcvertx.Metadata;
import io.rpcvertx.MethodDescriptor;
import io.rpcvertx.MethodType;
import io.rpcvertx.RpcContext;
import io.rpcvertx.RpcException;
import io.rpcvertx.RpcVertx;
import io.rpcvertx.Server;
import io.rpcvertx.ServiceDefinition;
import io.rpcvertx.StatusCode;
import io.rpcvertx.UnaryStreamCall;
import io.rpcvertx.UnaryUnaryCall;
import io.rpcvertx.impl.server.ServerImpl;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A server's protobuf methods on the event bus, for clients that speak JSON: each method of each service that carries
 * its protobuf descriptor (generated code does) answers at its full method name, e.g. {@code helloworld.Greeter/SayHello}.
 *
 * <p>A request's body is the request message as protobuf JSON (a {@code JsonObject}, or its text); the reply is the
 * response as protobuf JSON. The event-bus headers are the call's metadata, except {@value #TIMEOUT_HEADER} (the
 * deadline in milliseconds), {@value #STREAM_TO_HEADER} and {@value #BRIDGE_SOCKET_HEADER}. A failed call is a
 * {@code ReplyException} whose failure code is the gRPC status code number and whose message is its details.
 *
 * <p>Server streaming: the request names an address in {@value #STREAM_TO_HEADER}; each response is sent there as
 * protobuf JSON, then one end message with header {@value #END_HEADER}{@code : true} and body {@code {"code",
 * "details"}}, and the request is answered with that same status (or failed with it).
 *
 * <p>Calls go through the server's normal call path (its in-process transport): interceptors, deadlines, metadata,
 * limits and cancellation apply as to any other call. Client and bidirectional streaming methods answer
 * {@code UNIMPLEMENTED}. The address {@value #CALL_ADDRESS} takes any method named in header {@value #METHOD_HEADER},
 * and answers {@code UNIMPLEMENTED} for a method the gateway does not know.
 */
public final class EventBusGateway {
    /** The deadline of the call, in milliseconds. */
    public static final String TIMEOUT_HEADER = "timeout";
    /** Where a server-streaming call's responses go. */
    public static final String STREAM_TO_HEADER = "stream-to";
    /** Marks the last message sent to {@value #STREAM_TO_HEADER}. */
    public static final String END_HEADER = "rpcvertx-end";
    /** Set by {@link GatewayBridges} on bridged calls: the socket they came from (cancelled when it closes). */
    public static final String BRIDGE_SOCKET_HEADER = "rpcvertx-bridge-socket";
    /** The method header of {@value #CALL_ADDRESS}. */
    public static final String METHOD_HEADER = "method";
    /** One address for every method, named in {@value #METHOD_HEADER}. */
    public static final String CALL_ADDRESS = "rpcvertx.gateway.call";

    private static final JsonFormat.Parser PARSER = JsonFormat.parser();
    private static final JsonFormat.Printer PRINTER = JsonFormat.printer().omittingInsignificantWhitespace();
    private static final Set<String> RESERVED =
            Set.of(TIMEOUT_HEADER, STREAM_TO_HEADER, BRIDGE_SOCKET_HEADER, METHOD_HEADER, END_HEADER);

    private final Vertx vertx;
    private final Channel channel;
    private final GatewayOptions options;
    private final Map<String, Descriptors.MethodDescriptor> methods;
    private final List<MessageConsumer<Object>> consumers = new ArrayList<>();
    /** Live calls by bridge socket, so a socket that closes cancels its calls. */
    private final Map<String, Set<RpcContext>> bySocket = new ConcurrentHashMap<>();
    /** What its bridges know about their sockets (see {@link GatewayBridges}). */
    private final BridgeSockets bridgeSockets = new BridgeSockets();

    private EventBusGateway(
            Vertx vertx, Channel channel, GatewayOptions options, Map<String, Descriptors.MethodDescriptor> methods) {
        this.vertx = vertx;
        this.channel = channel;
        this.options = options;
        this.methods = methods;
    }

    /** {@link #attach(Vertx, Server, GatewayOptions)} with the defaults. */
    public static EventBusGateway attach(Vertx vertx, Server server) {
        return attach(vertx, server, GatewayOptions.DEFAULT);
    }

    /**
     * Puts {@code server}'s protobuf methods on {@code vertx}'s event bus, from now until the server has stopped (or
     * {@link #close()}). Call it after the services are added and before {@link Server#start()}; calls made before
     * the server has started fail {@code UNAVAILABLE}.
     *
     * @throws IllegalArgumentException if {@code server} is not an rpc-vertx server
     * @throws IllegalStateException if the server has started
     */
    public static EventBusGateway attach(Vertx vertx, Server server, GatewayOptions options) {
        if (!(server instanceof ServerImpl)) {
            throw new IllegalArgumentException("server: " + server + " (expected: a server of RpcVertx)");
        }
        String inProcessName = ((ServerImpl) server).gatewayInProcessName();
        Map<String, Descriptors.MethodDescriptor> methods = new LinkedHashMap<>();
        for (ServiceDefinition service : server.services()) {
            Object schema = service.schema().orElse(null);
            if (schema instanceof Descriptors.ServiceDescriptor) {
                for (Descriptors.MethodDescriptor m : ((Descriptors.ServiceDescriptor) schema).getMethods()) {
                    methods.put(m.getService().getFullName() + "/" + m.getName(), m);
                }
            }
        }
        EventBusGateway gateway = new EventBusGateway(
                vertx, RpcVertx.inProcessChannel(vertx, inProcessName), options, Collections.unmodifiableMap(methods));
        for (String address : methods.keySet()) {
            gateway.consumers.add(vertx.eventBus().consumer(address, msg -> gateway.onRequest(address, msg)));
        }
        gateway.consumers.add(vertx.eventBus().consumer(CALL_ADDRESS, gateway::onGenericRequest));
        server.waitForTermination().onComplete(ar -> gateway.close());
        return gateway;
    }

    /** The methods' addresses ({@code package.Service/Method}), the ones a bridge may permit. */
    public Set<String> addresses() {
        return methods.keySet();
    }

    /** Resolves once every address is registered (on a clustered event bus: known to the cluster). */
    public Future<Void> ready() {
        List<Future<Void>> all = new ArrayList<>();
        for (MessageConsumer<Object> c : consumers) {
            all.add(c.completion());
        }
        return Future.all(all).mapEmpty();
    }

    /** Takes the addresses off the event bus; calls under way continue. */
    public Future<Void> close() {
        List<Future<Void>> all = new ArrayList<>();
        for (MessageConsumer<Object> c : consumers) {
            all.add(c.unregister());
        }
        return Future.join(all).compose(x -> channel.close(Duration.ZERO)).mapEmpty();
    }

    BridgeSockets bridgeSockets() {
        return bridgeSockets;
    }

    /** Cancels the calls of a bridge socket that closed (see {@link GatewayBridges}); returns how many. */
    public int cancelCallsOf(String socket) {
        Set<RpcContext> calls = bySocket.remove(socket);
        if (calls == null) {
            return 0;
        }
        int n = 0;
        for (RpcContext call : calls) {
            if (call.cancel()) {
                n++;
            }
        }
        return n;
    }

    // ---------------------------------------------------------------- calls

    private void onGenericRequest(Message<Object> msg) {
        String method = msg.headers().get(METHOD_HEADER);
        if (method == null) {
            msg.fail(StatusCode.INVALID_ARGUMENT.value(), "missing header \"" + METHOD_HEADER + "\"");
            return;
        }
        String name = method.startsWith("/") ? method.substring(1) : method;
        if (!methods.containsKey(name)) {
            msg.fail(StatusCode.UNIMPLEMENTED.value(), "Method not found: " + name);
            return;
        }
        onRequest(name, msg);
    }

    private void onRequest(String name, Message<Object> msg) {
        Descriptors.MethodDescriptor m = methods.get(name);
        byte[] request;
        Metadata metadata;
        CallOptions callOptions = CallOptions.DEFAULT;
        try {
            request = parseRequest(m, msg.body());
            metadata = metadata(msg.headers());
            String timeout = msg.headers().get(TIMEOUT_HEADER);
            if (timeout != null) {
                callOptions = callOptions.withTimeout(Duration.ofMillis(parseTimeout(timeout)));
            }
        } catch (RpcException e) {
            fail(msg, e);
            return;
        }
        CallOptions opts = callOptions.withMetadata(metadata);
        Future<Void> admitted;
        try {
            admitted = options.authorizer().authorize(name, metadata);
        } catch (RuntimeException e) {
            admitted = Future.failedFuture(e);
        }
        admitted.onComplete(ar -> {
            if (ar.failed()) {
                Throwable t = ar.cause();
                fail(
                        msg,
                        t instanceof RpcException
                                ? (RpcException) t
                                : new RpcException(
                                        StatusCode.PERMISSION_DENIED, "refused by the gateway's authorizer"));
                return;
            }
            if (m.isClientStreaming()) {
                msg.fail(
                        StatusCode.UNIMPLEMENTED.value(),
                        name + " is client or bidirectional streaming, which the JSON gateway does not carry");
            } else if (m.isServerStreaming()) {
                serverStreaming(name, m, request, opts, msg);
            } else {
                unary(name, m, request, opts, msg);
            }
        });
    }

    private void unary(
            String name, Descriptors.MethodDescriptor m, byte[] request, CallOptions opts, Message<Object> msg) {
        MethodDescriptor<byte[], byte[]> d =
                MethodDescriptor.of(MethodType.UNARY_UNARY, name, Marshaller.BYTES, Marshaller.BYTES);
        UnaryUnaryCall<byte[], byte[]> call = channel.unaryUnary(d).call(request, opts);
        track(msg, call);
        call.response().onComplete(ar -> {
            untrack(msg, call);
            if (ar.failed()) {
                fail(msg, asRpc(ar.cause()));
                return;
            }
            try {
                msg.reply(new JsonObject(toJson(m.getOutputType(), ar.result())));
            } catch (RpcException e) {
                fail(msg, e);
            }
        });
    }

    private void serverStreaming(
            String name, Descriptors.MethodDescriptor m, byte[] request, CallOptions opts, Message<Object> msg) {
        String streamTo = msg.headers().get(STREAM_TO_HEADER);
        if (streamTo == null || streamTo.isEmpty()) {
            msg.fail(
                    StatusCode.INVALID_ARGUMENT.value(),
                    name + " is server streaming: name the address of its responses in header \"" + STREAM_TO_HEADER
                            + "\"");
            return;
        }
        MethodDescriptor<byte[], byte[]> d =
                MethodDescriptor.of(MethodType.UNARY_STREAM, name, Marshaller.BYTES, Marshaller.BYTES);
        UnaryStreamCall<byte[], byte[]> call = channel.unaryStream(d).call(request, opts);
        track(msg, call);
        call.responses()
                .handler(bytes -> {
                    try {
                        vertx.eventBus().send(streamTo, new JsonObject(toJson(m.getOutputType(), bytes)));
                    } catch (RpcException e) {
                        call.cancel();
                    }
                })
                .exceptionHandler(t -> endStream(msg, call, streamTo, asRpc(t)))
                .endHandler(v -> endStream(msg, call, streamTo, null));
    }

    private void endStream(Message<Object> msg, RpcContext call, String streamTo, RpcException error) {
        if (!untrack(msg, call)) {
            return; // ended already
        }
        StatusCode code = error == null ? StatusCode.OK : error.code();
        String details = error == null ? "" : error.details();
        JsonObject status = new JsonObject().put("code", code.value()).put("details", details);
        vertx.eventBus().send(streamTo, status, new DeliveryOptions().addHeader(END_HEADER, "true"));
        if (error == null) {
            msg.reply(status);
        } else {
            fail(msg, error);
        }
    }

    // ---------------------------------------------------------------- bridge sockets

    private final Map<RpcContext, Boolean> live = new ConcurrentHashMap<>();

    private void track(Message<Object> msg, RpcContext call) {
        live.put(call, Boolean.TRUE);
        String socket = msg.headers().get(BRIDGE_SOCKET_HEADER);
        if (socket != null) {
            bySocket.computeIfAbsent(socket, s -> ConcurrentHashMap.newKeySet()).add(call);
        }
    }

    /** False if the call was untracked already. */
    private boolean untrack(Message<Object> msg, RpcContext call) {
        String socket = msg.headers().get(BRIDGE_SOCKET_HEADER);
        if (socket != null) {
            Set<RpcContext> calls = bySocket.get(socket);
            if (calls != null) {
                calls.remove(call);
            }
        }
        return live.remove(call) != null;
    }

    // ---------------------------------------------------------------- JSON

    private byte[] parseRequest(Descriptors.MethodDescriptor m, Object body) {
        String json;
        if (body == null) {
            json = "{}";
        } else if (body instanceof JsonObject) {
            json = ((JsonObject) body).encode();
        } else if (body instanceof String) {
            json = (String) body;
        } else if (body instanceof Buffer) {
            json = body.toString();
        } else if (body instanceof JsonArray) {
            throw new RpcException(StatusCode.INVALID_ARGUMENT, "request: a JSON array (expected: a JSON object)");
        } else {
            throw new RpcException(
                    StatusCode.INVALID_ARGUMENT,
                    "request: a " + body.getClass().getSimpleName() + " (expected: a JSON object)");
        }
        int limit = options.maxRequestBytes();
        // a char is at most 3 UTF-8 bytes: count exactly only when it matters
        if (json.length() > limit / 3 && json.getBytes(StandardCharsets.UTF_8).length > limit) {
            throw new RpcException(
                    StatusCode.RESOURCE_EXHAUSTED,
                    "request of " + json.getBytes(StandardCharsets.UTF_8).length
                            + " bytes is larger than the gateway's " + limit);
        }
        DynamicMessage.Builder builder = DynamicMessage.newBuilder(m.getInputType());
        try {
            PARSER.merge(json, builder);
        } catch (InvalidProtocolBufferException | RuntimeException e) {
            throw new RpcException(
                    StatusCode.INVALID_ARGUMENT,
                    "request is not a valid " + m.getInputType().getFullName() + " in JSON: " + e.getMessage());
        }
        return builder.build().toByteArray();
    }

    private static String toJson(Descriptors.Descriptor type, byte[] bytes) {
        try {
            return PRINTER.print(DynamicMessage.parseFrom(type, bytes));
        } catch (InvalidProtocolBufferException e) {
            throw new RpcException(StatusCode.INTERNAL, "response is not a valid " + type.getFullName());
        }
    }

    private static Metadata metadata(MultiMap headers) {
        Metadata.Builder b = Metadata.builder();
        try {
            for (Map.Entry<String, String> h : headers) {
                String key = h.getKey().toLowerCase(Locale.ROOT);
                if (!RESERVED.contains(key)) {
                    b.add(key, h.getValue());
                }
            }
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new RpcException(StatusCode.INVALID_ARGUMENT, "headers: " + e.getMessage());
        }
    }

    private static long parseTimeout(String timeout) {
        try {
            long ms = Long.parseLong(timeout.trim());
            if (ms > 0) {
                return ms;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new RpcException(
                StatusCode.INVALID_ARGUMENT, TIMEOUT_HEADER + ": \"" + timeout + "\" (expected: milliseconds > 0)");
    }

    private static RpcException asRpc(Throwable t) {
        return t instanceof RpcException ? (RpcException) t : new RpcException(StatusCode.UNKNOWN, String.valueOf(t));
    }

    private static void fail(Message<Object> msg, RpcException e) {
        msg.fail(e.code().value(), e.details());
    }
}
