package io.rpcvertx.opentelemetry;

import io.opentelemetry.api.OpenTelemetry;
import io.vertx.core.spi.VertxMetricsFactory;
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
 * Tracing needs nothing from here: give the Vert.x instance vertx-opentelemetry's tracer ({@code
 * Vertx.builder().withTracer(new OpenTelemetryTracingFactory(openTelemetry))}, or its tracing options) and every call
 * gets its spans.
 */
public final class RpcOpenTelemetry {
    private RpcOpenTelemetry() {}

    /** A Vert.x metrics factory recording gRPC's metrics on {@code openTelemetry}'s meter provider. */
    public static VertxMetricsFactory metricsFactory(OpenTelemetry openTelemetry) {
        Objects.requireNonNull(openTelemetry, "openTelemetry");
        return options -> new GrpcMetrics(openTelemetry);
    }
}
