package io.rpcvertx.impl.server;

import io.rpcvertx.HandlerCallDetails;
import io.rpcvertx.Metadata;
import io.rpcvertx.RpcMethodHandler;
import io.rpcvertx.ServerInterceptor;
import io.rpcvertx.ServerOptions;
import io.rpcvertx.StatusCode;
import io.rpcvertx.impl.codec.Encoding;
import io.rpcvertx.impl.codec.GrpcHeaders;
import io.rpcvertx.impl.codec.GrpcTimeout;
import io.rpcvertx.impl.transport.ServerStream;
import io.rpcvertx.impl.transport.ServerStreamHandler;
import io.vertx.core.Future;
import java.util.List;
import java.util.Optional;

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

    CallDispatcher(ServerImpl server, HandlerRegistry registry) {
        this.server = server;
        this.options = server.options;
        this.registry = registry;
    }

    @Override
    public void streamCreated(ServerStream stream) {
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
        new ServerCallImpl<>(this, stream, encoding, timeoutNanos).start();
    }

    private static void refuse(ServerStream stream, StatusCode code, String details) {
        stream.writeTrailers(code, details, Metadata.EMPTY);
        stream.callTerminated();
    }

    /** The end of an admitted call: its slot in {@code maximumConcurrentRpcs} is free again. */
    void release() {
        server.releaseAdmission();
    }

    BlockingPool blockingPool() {
        return server.blockingPool();
    }

    /** Interceptors, then the lookup; synchronous when there are none (the common case allocates nothing for it). */
    void resolve(ServerCallImpl<?, ?> call) {
        String path = call.method();
        List<ServerInterceptor> interceptors = options.interceptors();
        if (interceptors.isEmpty()) {
            RpcMethodHandler<?, ?> found;
            try {
                found = registry.lookup(path, () -> new HandlerCallDetails(path, call.invocationMetadata()));
            } catch (RuntimeException e) {
                call.closeWithFailure(e, "the handler lookup of " + path, "generic handler");
                return;
            }
            call.onResolved(found);
            return;
        }
        Future<Optional<RpcMethodHandler<?, ?>>> resolved = InterceptorChain.run(
                interceptors,
                registry,
                call.context(),
                new HandlerCallDetails(path, call.invocationMetadata()),
                call::setCallDetails);
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
