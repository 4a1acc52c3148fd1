package io.rpcvertx.impl.telemetry;

import io.rpcvertx.ChannelOptions;
import io.rpcvertx.RpcException;
import io.rpcvertx.ServerOptions;
import io.rpcvertx.StatusCode;
import io.rpcvertx.impl.transport.ClientStream;
import io.rpcvertx.impl.transport.ClientTransport;
import io.rpcvertx.impl.transport.RequestHead;
import io.rpcvertx.impl.transport.ServerStream;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.spi.metrics.VertxMetrics;
import io.vertx.core.spi.tracing.VertxTracer;
import io.vertx.core.tracing.TracingPolicy;
import org.jspecify.annotations.Nullable;

/**
 * The observability of one channel or one server: the Vert.x instance's tracer (its tracing SPI, e.g.
 * vertx-opentelemetry) with the channel's or server's {@link TracingPolicy}, and its {@link RpcMetrics}. There is
 * none ({@link #client}/{@link #server} return null) when the instance has neither, so a call pays one null check.
 *
 * <p>Spans follow the OpenTelemetry RPC semantic conventions: named {@code package.Service/Method}, kind CLIENT (one
 * per attempt) or SERVER (one per call), with {@code rpc.system=grpc}, {@code rpc.service}, {@code rpc.method},
 * {@code rpc.grpc.status_code} and the peer's address; a non-OK status is reported to the tracer as the call's
 * failure (an {@link RpcException}). The trace context travels in the request metadata through the tracer's own
 * propagator (W3C {@code traceparent}/{@code tracestate} for OpenTelemetry's default).
 */
public final class Telemetry {
    final @Nullable VertxTracer<Object, Object> tracer;
    final TracingPolicy policy;
    final @Nullable RpcMetrics metrics;
    /** {@code grpc.target} (client only). */
    final String target;
    /** {@code server.address} and {@code server.port} of client spans; null/-1 when the authority has none. */
    final @Nullable String serverAddress;

    final int serverPort;

    private Telemetry(
            @Nullable VertxTracer<Object, Object> tracer,
            TracingPolicy policy,
            @Nullable RpcMetrics metrics,
            String target,
            @Nullable String authority) {
        this.tracer = tracer;
        this.policy = policy;
        this.metrics = metrics;
        this.target = target;
        String host = authority;
        int port = -1;
        if (authority != null) {
            int colon = authority.lastIndexOf(':');
            if (colon > 0 && colon > authority.lastIndexOf(']')) {
                try {
                    port = Integer.parseInt(authority.substring(colon + 1));
                    host = authority.substring(0, colon);
                } catch (NumberFormatException e) {
                    port = -1; // not a port: the whole authority is the address
                }
            }
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
        }
        this.serverAddress = host;
        this.serverPort = port;
    }

    /** The observability of a channel's calls, or null when {@code vertx} has no tracer and no gRPC metrics. */
    public static @Nullable Telemetry client(
            VertxInternal vertx, ChannelOptions options, String target, String authority) {
        VertxTracer<Object, Object> tracer = tracer(vertx, options.tracingPolicy());
        RpcMetrics metrics = metrics(vertx);
        if (tracer == null && metrics == null) {
            return null;
        }
        return new Telemetry(tracer, options.tracingPolicy(), metrics, target, authority);
    }

    /** The observability of a server's calls, or null when {@code vertx} has no tracer and no gRPC metrics. */
    public static @Nullable Telemetry server(VertxInternal vertx, ServerOptions options) {
        VertxTracer<Object, Object> tracer = tracer(vertx, options.tracingPolicy());
        RpcMetrics metrics = metrics(vertx);
        if (tracer == null && metrics == null) {
            return null;
        }
        return new Telemetry(tracer, options.tracingPolicy(), metrics, "", null);
    }

    @SuppressWarnings("unchecked")
    private static @Nullable VertxTracer<Object, Object> tracer(VertxInternal vertx, TracingPolicy policy) {
        VertxTracer<?, ?> t = vertx.tracer();
        return t == null || policy == TracingPolicy.IGNORE ? null : (VertxTracer<Object, Object>) t;
    }

    private static @Nullable RpcMetrics metrics(VertxInternal vertx) {
        VertxMetrics m = vertx.metrics();
        return m instanceof RpcMetrics ? (RpcMetrics) m : null;
    }

    /** {@code transport} with every stream it makes (one call attempt each) observed. */
    public ClientTransport observe(ClientTransport transport) {
        return new ClientTransport() {
            @Override
            public ClientStream newStream(RequestHead head) {
                ObservedClientStream s = new ObservedClientStream(Telemetry.this, head);
                s.delegate = transport.newStream(s);
                return s;
            }

            @Override
            public ClientStream newRetryStream(RequestHead head) {
                ObservedClientStream s = new ObservedClientStream(Telemetry.this, head);
                s.delegate = transport.newRetryStream(s);
                return s;
            }
        };
    }

    /**
     * {@code stream} observed as one server call; {@code registered} says whether its method is one the server
     * registered (else its metrics say {@link RpcMetrics#OTHER_METHOD}, so unknown names cannot grow the label set).
     */
    public ServerStream observe(ServerStream stream, boolean registered) {
        return new ObservedServerStream(this, stream, registered);
    }

    /** Records {@code grpc.client.call.duration} of a call that started at {@code startNanos}. */
    public void clientCallEnded(String method, StatusCode code, long startNanos) {
        RpcMetrics m = metrics;
        if (m != null) {
            m.clientCallEnded(method, target, code, System.nanoTime() - startNanos);
        }
    }

    /** The failure a tracer records for a non-OK status, or null for OK. */
    static @Nullable Throwable failure(StatusCode code, @Nullable String details) {
        return code == StatusCode.OK ? null : new RpcException(code, details == null ? "" : details);
    }

    /** {@code /package.Service/Method} without its slash: the span name and the method label. */
    static String fullMethodName(String path) {
        return path.startsWith("/") ? path.substring(1) : path;
    }
}
