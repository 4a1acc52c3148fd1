package io.rpcvertx.impl.server;

import io.rpcvertx.HandlerCallDetails;
import io.rpcvertx.Metadata;
import io.rpcvertx.RpcMethodHandler;
import io.rpcvertx.ServerInterceptor;
import io.rpcvertx.ServerOptions;
import io.rpcvertx.ServicerContext;
import io.rpcvertx.StatusCode;
import io.rpcvertx.impl.codec.Encoding;
import io.rpcvertx.impl.codec.GrpcHeaders;
import io.rpcvertx.impl.codec.GrpcTimeout;
import io.rpcvertx.impl.telemetry.Telemetry;
import io.rpcvertx.impl.transport.ServerStream;
import io.rpcvertx.impl.transport.ServerStreamHandler;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.core.streams.ReadStream;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Admission and dispatch of a server's calls, whatever their transport: the request encoding and {@code grpc-timeout}
 * are checked, the server-wide {@code maximumConcurrentRpcs} admits the call, and then the server interceptors run
 * around the handler lookup (grpc.aio order: interceptors first, then the lookup). A refused stream gets its status at
 * once, trailers-only.
 */
final class CallDispatcher implements ServerStreamHandler {
    final ServerImpl server;
    final ServerOptions options;
    private final HandlerRegistry registry;
    /** Spans and metrics; null when the Vert.x instance has neither a tracer nor gRPC metrics. */
    private final @Nullable Telemetry telemetry;

    CallDispatcher(ServerImpl server, HandlerRegistry registry) {
        this.server = server;
        this.options = server.options;
        this.registry = registry;
        this.telemetry = Telemetry.server(server.vertx, options);
    }

    @Override
    public void streamCreated(ServerStream transportStream) {
        server.counters.callStarted(); // ended once: by refuse() below, or by the call's terminal event (release)
        // the one observability hook of the server: every stream (whatever the transport), refused ones too
        Telemetry t = telemetry;
        ServerStream stream =
                t == null ? transportStream : t.observe(transportStream, registry.isRegistered(transportStream.path()));
        String encodingName = stream.header(GrpcHeaders.GRPC_ENCODING);
        Encoding encoding = encodingName == null ? Encoding.IDENTITY : Encoding.forName(encodingName);
        if (encoding == null) {
            // the trailers-only status advertises our grpc-accept-encoding (gRPC compression spec)
            refuse(stream, StatusCode.UNIMPLEMENTED, "Content-Encoding '" + encodingName + "' is not supported");
            return;
        }
        long timeoutNanos = -1;
        String timeout = stream.header(GrpcHeaders.GRPC_TIMEOUT);
        if (timeout != null) {
            try {
                timeoutNanos = GrpcTimeout.parseNanos(timeout);
            } catch (IllegalArgumentException e) {
                refuse(stream, StatusCode.INTERNAL, "invalid grpc-timeout: " + timeout);
                return;
            }
        }
        if (!server.tryAdmit()) {
            refuse(stream, StatusCode.RESOURCE_EXHAUSTED, "server's maximumConcurrentRpcs reached");
            return;
        }
        ServerCallImpl<?, ?> call = new ServerCallImpl<>(this, stream, encoding, timeoutNanos);
        if (options.isEventBusSignals()) {
            publishWhenDone(call);
        }
        call.start();
    }

    /** One JSON event on {@code rpcvertx.server.<id>.calls} when the call ends (ServerOptions.withEventBusSignals). */
    private void publishWhenDone(ServerCallImpl<?, ?> call) {
        long startNanos = System.nanoTime();
        call.addDoneCallback(v -> {
            // every end but a unary response sent records its code; that one is OK
            StatusCode code = call.servicer().code().orElse(call.isCancelled() ? StatusCode.CANCELLED : StatusCode.OK);
            server.vertx
                    .eventBus()
                    .publish(
                            ServerSignals.callsAddress(server.id()),
                            new JsonObject()
                                    .put("server", server.id())
                                    .put("method", call.method())
                                    .put("code", code.name())
                                    .put("status", code.value())
                                    .put("durationMicros", (System.nanoTime() - startNanos) / 1000)
                                    .put("peer", call.servicer().peer()));
        });
    }

    private void refuse(ServerStream stream, StatusCode code, String details) {
        server.counters.callEnded(code);
        stream.writeTrailers(code, details, Metadata.EMPTY);
        stream.callTerminated();
    }

    /** The end of an admitted call with {@code code}: counted, and its slot in {@code maximumConcurrentRpcs} is free. */
    void release(StatusCode code) {
        server.counters.callEnded(code);
        server.releaseAdmission();
    }

    /** Interceptors, then the lookup; synchronous when there are none (the common case allocates nothing for it). */
    void resolve(ServerCallImpl<?, ?> call) {
        String path = call.method();
        List<ServerInterceptor> interceptors = options.interceptors();
        if (interceptors.isEmpty()) {
            RpcMethodHandler<?, ?> found = registry.registered(path);
            if (found == null && registry.hasGenericHandlers()) {
                try {
                    found = registry.lookup(
                            new HandlerCallDetails(path, call.servicer().invocationMetadata()));
                } catch (RuntimeException e) {
                    call.closeWithFailure(e, "the handler lookup of " + path, "generic handler");
                    return;
                }
            }
            call.onResolved(found);
            return;
        }
        Future<Optional<RpcMethodHandler<?, ?>>> resolved = InterceptorChain.run(
                interceptors,
                registry,
                call.context(),
                new HandlerCallDetails(path, call.servicer().invocationMetadata()),
                call.servicer()::setCallDetails);
        if (!resolved.isComplete()) {
            call.updateTransport(); // hold request data back until there is a handler to read it
        }
        resolved.onComplete(ar -> call.onCtx(() -> {
            if (ar.failed()) {
                call.closeWithFailure(ar.cause(), "an interceptor of " + path, "interceptor");
            } else {
                call.onResolved(ar.result().orElse(null));
            }
        }));
    }

    /**
     * Runs the handler of {@code call}: on the call's context, or on the server's blocking pool for a blocking handler.
     * Its outcome (the future it returned, or what it threw) reaches {@link ServerCallImpl#onHandlerDone} on the
     * call's context, whichever thread completed it.
     */
    <Req, Resp> void invoke(
            RpcMethodHandler<Req, Resp> h,
            @Nullable Req request,
            @Nullable ReadStream<Req> requests,
            ServerCallImpl<Req, Resp> call) {
        if (h.isBlocking()) {
            server.blockingPool()
                    .run(call.context(), () -> handle(h, request, requests, call.servicer()))
                    .onComplete(ar -> {
                        if (ar.failed()) {
                            call.onHandlerDone(null, ar.cause());
                        } else {
                            onHandlerResult(ar.result(), call);
                        }
                    });
            return;
        }
        Future<?> result;
        try {
            result = handle(h, request, requests, call.servicer());
        } catch (RuntimeException | Error e) {
            call.onHandlerDone(null, e);
            return;
        }
        onHandlerResult(result, call);
    }

    private static void onHandlerResult(@Nullable Future<?> result, ServerCallImpl<?, ?> call) {
        if (result == null) {
            call.onHandlerDone(null, new NullPointerException(call.method() + " handler returned null"));
            return;
        }
        if (result.isComplete() && call.context().inThread()) {
            // the common case, a handler that answered at once on the call's loop: no listener and no hop. It also
            // keeps the response's serialization a few frames shallower, where the JIT still inlines the
            // marshaller's inner loops (in one measured JIT history, past its inlining depth, protobuf's UTF-8
            // length and encoding loops ran as calls per character and unary 16 KiB used 3 times the CPU)
            call.onHandlerDone(result.result(), result.cause());
            return;
        }
        // the handler may complete its future on any thread: the outcome is handled on the call's context
        result.onComplete((value, failure) -> call.onCtx(() -> call.onHandlerDone(value, failure)));
    }

    private static <Req, Resp> Future<?> handle(
            RpcMethodHandler<Req, Resp> h,
            @Nullable Req request,
            @Nullable ReadStream<Req> requests,
            ServicerContext<Req, Resp> context) {
        switch (h.method().type()) {
            case UNARY_UNARY:
                return h.unaryUnaryHandler().handle(Objects.requireNonNull(request), context);
            case UNARY_STREAM:
                return h.unaryStreamHandler().handle(Objects.requireNonNull(request), context);
            case STREAM_UNARY:
                return h.streamUnaryHandler().handle(Objects.requireNonNull(requests), context);
            case STREAM_STREAM:
                return h.streamStreamHandler().handle(Objects.requireNonNull(requests), context);
            default:
                throw new AssertionError(h.method().type());
        }
    }

    /** grpc's wording: an unknown service, else an unknown method. */
    String unknownMethodMessage(String path) {
        String name = path.startsWith("/") ? path.substring(1) : path;
        int slash = name.indexOf('/');
        if (slash > 0 && !registry.knowsService(name.substring(0, slash))) {
            return "unknown service " + name.substring(0, slash);
        }
        return "Method not found: " + name;
    }
}
