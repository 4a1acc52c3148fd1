package io.rpcvertx.opentelemetry;

import io.opentelemetry.api.OpenTelemetry;
import io.vertx.core.spi.VertxMetricsFactory;
import io.vertx.core.spi.VertxTracerFactory;
import io.vertx.core.spi.tracing.VertxTracer;
import io.vertx.core.tracing.TracingOptions;
import io.vertx.tracing.opentelemetry.OpenTelemetryTracingFactory;
import io.vertx.tracing.opentelemetry.Operation;
import java.util.Objects;

/**
 * gRPC's standard metrics (gRFC A66: {@code grpc.client.attempt.*}, {@code grpc.client.call.duration},
 * {@code grpc.server.call.*}) for every channel and server of a Vert.x instance, recorded on an {@link OpenTelemetry}'s
 * meter provider. Install it as the instance's metrics SPI when building it:
 *
 * <pre>{@code
 * Vertx vertx = Vertx.builder()
 *         .with(new VertxOptions().setMetricsOptions(new MetricsOptions().setEnabled(true)))
 *         .withMetrics(RpcOpenTelemetry.metricsFactory(openTelemetry))
 *         .build();
 * }</pre>
 *
 * <p>Labels are bounded: {@code grpc.method} (a method the server did not register is {@code other}), {@code
 * grpc.target} (the channel's target) and {@code grpc.status}; no peer addresses. Without it, no metric code runs.
 *
 * <p>Tracing: {@link #tracerFactory} is vertx-opentelemetry's tracer with the span status of gRPC calls set (ERROR on
 * failed calls, by the OpenTelemetry RPC semantic conventions). vertx-opentelemetry's own {@code
 * OpenTelemetryTracingFactory} gives every call the same spans, with the status left UNSET.
 */
public final class RpcOpenTelemetry {
    private RpcOpenTelemetry() {}

    /**
     * A Vert.x tracer factory: vertx-opentelemetry's tracer over {@code openTelemetry} (spans, W3C propagation through
     * its propagators), which also sets the status of gRPC spans: ERROR on a client span whose call ended with any
     * code but OK, and on a server span that ended with UNKNOWN, DEADLINE_EXCEEDED, UNIMPLEMENTED, INTERNAL,
     * UNAVAILABLE or DATA_LOSS; otherwise UNSET. Install it with {@code Vertx.builder().withTracer(...)}, with tracing
     * options ({@code new OpenTelemetryOptions()}) in the Vert.x options.
     */
    public static VertxTracerFactory tracerFactory(OpenTelemetry openTelemetry) {
        Objects.requireNonNull(openTelemetry, "openTelemetry");
        OpenTelemetryTracingFactory otel = new OpenTelemetryTracingFactory(openTelemetry);
        return options -> new GrpcSpanStatus(otelTracer(otel, options));
    }

    @SuppressWarnings("unchecked")
    private static VertxTracer<Operation, Operation> otelTracer(
            OpenTelemetryTracingFactory factory, TracingOptions options) {
        return (VertxTracer<Operation, Operation>) factory.tracer(options);
    }

    /** A Vert.x metrics factory recording gRPC's metrics on {@code openTelemetry}'s meter provider. */
    public static VertxMetricsFactory metricsFactory(OpenTelemetry openTelemetry) {
        Objects.requireNonNull(openTelemetry, "openTelemetry");
        return options -> new GrpcMetrics(openTelemetry);
    }
}
