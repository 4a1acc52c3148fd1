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
import io.rpcvertx.RpcException;
import io.rpcvertx.RpcVertx;
import io.rpcvertx.Server;
import io.rpcvertx.ServiceDefinition;
import io.rpcvertx.StatusCode;
import io.rpcvertx.StreamStreamCall;
import io.rpcvertx.StreamUnaryCall;
import io.rpcvertx.UnaryStreamCall;
import io.rpcvertx.UnaryUnaryCall;
import io.rpcvertx.impl.server.ServerImpl;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
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
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;

/**
 * A server's protobuf methods on the event bus, for clients that speak JSON: each method of each service that carries
 * its protobuf descriptor (generated code does) answers at its full method name, e.g. {@code helloworld.Greeter/SayHello}.
 *
 * <p>A request's body is the request message as protobuf JSON (a {@code JsonObject}, or its text); the reply is the
 * response as protobuf JSON. The event-bus headers are the call's metadata, except {@value #TIMEOUT_HEADER} (the
 * deadline in milliseconds), {@value #METHOD_HEADER} and {@value #BRIDGE_SOCKET_HEADER}. A failed call is a
 * {@code ReplyException} whose failure code is the gRPC status code number and whose message is its details.
 *
 * <p>Streaming methods (server, client and bidirectional): the start message (for server streaming, carrying the
 * request) is answered at once with {@code {"stream": "rpcvertx.gateway.stream.<id>", "control":
 * "rpcvertx.gateway.control.<id>"}}, two addresses the gateway issued for this call alone ({@code <id>}: 128 random
 * bits in 32 hex digits). The client registers on {@code stream} and sends JSON objects to {@code control}:
 * {@code {"request": n}} grants credit for n more responses, {@code {"message": {...}}} is one request message
 * (client and bidirectional streaming), {@code {"end": true}} half-closes, {@code {"cancel": true}} cancels. Each
 * response goes to {@code stream} as protobuf JSON, against credit; the last message on {@code stream} has header
 * {@value #END_HEADER}{@code : true} and body {@code {"code", "details"}}. Nothing goes to {@code stream} before the
 * client's first control message; if that message is no grant, the client gets {@link
 * GatewayOptions#defaultCredit()}. A malformed control message or request message ends the call
 * {@code INVALID_ARGUMENT} (the server call is cancelled), and so does a client silent for {@link
 * GatewayOptions#streamIdleTimeout()} ({@code CANCELLED}) or whose bridge socket closes.
 *
 * <p>Calls go through the server's normal call path (its in-process transport): interceptors, deadlines, metadata,
 * limits and cancellation apply as to any other call. The address {@value #CALL_ADDRESS} takes any method named in
 * header {@value #METHOD_HEADER}, and answers {@code UNIMPLEMENTED} for a method the gateway does not know.
 */
public final class EventBusGateway {
    /** The deadline of the call, in milliseconds. */
    public static final String TIMEOUT_HEADER = "timeout";
    /** Marks the last message sent to a stream address: the call's status. */
    public static final String END_HEADER = "rpcvertx-end";
    /** Set by {@link GatewayBridges} on bridged calls: the socket they came from (cancelled when it closes). */
    public static final String BRIDGE_SOCKET_HEADER = "rpcvertx-bridge-socket";
    /** The method header of {@value #CALL_ADDRESS}. */
    public static final String METHOD_HEADER = "method";
    /** One address for every method, named in {@value #METHOD_HEADER}. */
    public static final String CALL_ADDRESS = "rpcvertx.gateway.call";
    /** Where a streaming call's responses and end go: this prefix and the call's random id. */
    public static final String STREAM_ADDRESS_PREFIX = "rpcvertx.gateway.stream.";
    /** Where a streaming call's client sends credit, messages, end and cancel: this prefix and the call's id. */
    public static final String CONTROL_ADDRESS_PREFIX = "rpcvertx.gateway.control.";
    /** Matches every stream address the gateway issues (a bridge's outbound permission). */
    public static final String STREAM_ADDRESS_REGEX = "rpcvertx\\.gateway\\.stream\\.[0-9a-f]{32}";
    /** Matches every control address the gateway issues (a bridge's inbound permission). */
    public static final String CONTROL_ADDRESS_REGEX = "rpcvertx\\.gateway\\.control\\.[0-9a-f]{32}";
    /**
     * At most this many request messages of one call wait for the server to take them; one more fails the call
     * {@code RESOURCE_EXHAUSTED}. A client that waits for the reply to each message (sent as a request) stays under it.
     */
    public static final int MAX_PENDING_MESSAGES = 64;

    private static final JsonFormat.Parser PARSER = JsonFormat.parser();
    private static final JsonFormat.Printer PRINTER = JsonFormat.printer().omittingInsignificantWhitespace();
    private static final Set<String> RESERVED = Set.of(TIMEOUT_HEADER, BRIDGE_SOCKET_HEADER, METHOD_HEADER, END_HEADER);

    private final Vertx vertx;
    /** The event loop of the in-process channel, the consumers and every call (see {@link #attach}). */
    private final ContextInternal loop;

    private final Channel channel;
    private final GatewayOptions options;
    private final Map<String, Descriptors.MethodDescriptor> methods;
    private final List<MessageConsumer<Object>> consumers = new ArrayList<>();
    /** Live calls by bridge socket, so a socket that closes cancels its calls; each cancels and says if it could. */
    private final Map<String, Set<BooleanSupplier>> bySocket = new ConcurrentHashMap<>();
    /** What its bridges know about their sockets (see {@link GatewayBridges}). */
    private final BridgeSockets bridgeSockets = new BridgeSockets();

    private EventBusGateway(
            Vertx vertx,
            ContextInternal loop,
            Channel channel,
            GatewayOptions options,
            Map<String, Descriptors.MethodDescriptor> methods) {
        this.vertx = vertx;
        this.loop = loop;
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
        // One event loop for the in-process channel (its calls' transport side) and the consumers (so the calls'
        // readers): a reader's pause then reaches the transport at once. On two loops it travels as a task, and under
        // load a streaming call ran megabytes past a client without credit before the pause landed.
        ContextInternal current = ContextInternal.current();
        ContextInternal loop = current != null && current.isEventLoopContext()
                ? current.unwrap()
                : ((VertxInternal) vertx).createEventLoopContext();
        List<EventBusGateway> made = new ArrayList<>(1);
        loop.dispatch(() -> {
            EventBusGateway gateway = new EventBusGateway(
                    vertx,
                    loop,
                    RpcVertx.inProcessChannel(vertx, inProcessName),
                    options,
                    Collections.unmodifiableMap(methods));
            for (String address : methods.keySet()) {
                gateway.consumers.add(vertx.eventBus().consumer(address, msg -> gateway.onRequest(address, msg)));
            }
            gateway.consumers.add(vertx.eventBus().consumer(CALL_ADDRESS, gateway::onGenericRequest));
            made.add(gateway);
        });
        EventBusGateway gateway = made.get(0);
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
        Set<BooleanSupplier> calls = bySocket.remove(socket);
        if (calls == null) {
            return 0;
        }
        int n = 0;
        for (BooleanSupplier call : calls) {
            if (call.getAsBoolean()) {
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
            request = m.isClientStreaming() ? emptyStart(name, msg.body()) : parseMessage(m.getInputType(), msg.body());
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
        admitted.onComplete(ar -> onLoop(() -> {
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
            if (m.isClientStreaming() || m.isServerStreaming()) {
                stream(name, m, request, opts, msg);
            } else {
                unary(name, m, request, opts, msg);
            }
        }));
    }

    /** Runs {@code action} on the gateway's loop: inline when there (an authorizer that answered at once), else queued. */
    private void onLoop(Runnable action) {
        if (loop.nettyEventLoop().inEventLoop()) {
            action.run();
        } else {
            loop.runOnContext(v -> action.run());
        }
    }

    private void unary(
            String name, Descriptors.MethodDescriptor m, byte[] request, CallOptions opts, Message<Object> msg) {
        MethodDescriptor<byte[], byte[]> d =
                MethodDescriptor.of(MethodType.UNARY_UNARY, name, Marshaller.BYTES, Marshaller.BYTES);
        UnaryUnaryCall<byte[], byte[]> call = channel.unaryUnary(d).call(request, opts);
        String socket = msg.headers().get(BRIDGE_SOCKET_HEADER);
        BooleanSupplier canceller = call::cancel;
        track(socket, canceller);
        call.response().onComplete(ar -> {
            untrack(socket, canceller);
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

    /** Server, client and bidirectional streaming: the call starts now; the reply names its two addresses. */
    private void stream(
            String name, Descriptors.MethodDescriptor m, byte[] request, CallOptions opts, Message<Object> msg) {
        String socket = msg.headers().get(BRIDGE_SOCKET_HEADER);
        GatewayStream stream = new GatewayStream(this, vertx, m, socket, options);
        track(socket, stream.socketCanceller);
        if (!m.isClientStreaming()) {
            UnaryStreamCall<byte[], byte[]> call = channel.unaryStream(
                            MethodDescriptor.of(MethodType.UNARY_STREAM, name, Marshaller.BYTES, Marshaller.BYTES))
                    .call(request, opts);
            stream.serve(call, call.responses(), null);
        } else if (!m.isServerStreaming()) {
            StreamUnaryCall<byte[], byte[]> call = channel.streamUnary(
                            MethodDescriptor.of(MethodType.STREAM_UNARY, name, Marshaller.BYTES, Marshaller.BYTES))
                    .call(opts);
            stream.serve(call, call.response(), call);
        } else {
            StreamStreamCall<byte[], byte[]> call = channel.streamStream(
                            MethodDescriptor.of(MethodType.STREAM_STREAM, name, Marshaller.BYTES, Marshaller.BYTES))
                    .call(opts);
            stream.serve(call, call.responses(), call);
        }
        stream.opened().onComplete(ar -> {
            if (ar.succeeded()) {
                msg.reply(ar.result());
            } else {
                // the control address could not be registered: nobody can drive the call
                stream.cancelFromSocket();
                msg.fail(StatusCode.UNAVAILABLE.value(), "the stream could not be opened: " + ar.cause());
            }
        });
    }

    // ---------------------------------------------------------------- bridge sockets

    private void track(@Nullable String socket, BooleanSupplier canceller) {
        if (socket != null) {
            bySocket.computeIfAbsent(socket, s -> ConcurrentHashMap.newKeySet()).add(canceller);
        }
    }

    void untrack(@Nullable String socket, BooleanSupplier canceller) {
        if (socket != null) {
            Set<BooleanSupplier> calls = bySocket.get(socket);
            if (calls != null) {
                calls.remove(canceller);
            }
        }
    }

    // ---------------------------------------------------------------- JSON

    /** A client or bidirectional streaming call starts without a message: its messages come to the control address. */
    private static byte[] emptyStart(String name, @Nullable Object body) {
        boolean empty = body == null
                || (body instanceof JsonObject && ((JsonObject) body).isEmpty())
                || (body instanceof String && ((String) body).isBlank())
                || (body instanceof String && "{}".equals(((String) body).replaceAll("\\s", "")));
        if (!empty) {
            throw new RpcException(
                    StatusCode.INVALID_ARGUMENT,
                    name + " is client streaming: start it with an empty body, then send {\"message\": ...} to the"
                            + " control address of the reply");
        }
        return new byte[0];
    }

    /** A request message from protobuf JSON (a {@code JsonObject} or its text; {@code null} is {@code {}}). */
    byte[] parseMessage(Descriptors.Descriptor type, @Nullable Object body) {
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
        DynamicMessage.Builder builder = DynamicMessage.newBuilder(type);
        try {
            PARSER.merge(json, builder);
        } catch (InvalidProtocolBufferException | RuntimeException e) {
            throw new RpcException(
                    StatusCode.INVALID_ARGUMENT,
                    "request is not a valid " + type.getFullName() + " in JSON: " + e.getMessage());
        }
        return builder.build().toByteArray();
    }

    static String toJson(Descriptors.Descriptor type, byte[] bytes) {
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

    static RpcException asRpc(Throwable t) {
        return t instanceof RpcException ? (RpcException) t : new RpcException(StatusCode.UNKNOWN, String.valueOf(t));
    }

    private static void fail(Message<Object> msg, RpcException e) {
        msg.fail(e.code().value(), e.details());
    }
}
