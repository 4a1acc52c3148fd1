package io.rpcvertx.examples;

import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.exporter.logging.LoggingSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.exporter.prometheus.PrometheusMetricReader;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.OpenTelemetrySdkBuilder;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.rpcvertx.opentelemetry.RpcOpenTelemetry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.metrics.MetricsOptions;
import io.vertx.tracing.opentelemetry.OpenTelemetryOptions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The observability flags of every server program: {@code --metrics-port=N} serves gRPC's standard metrics (gRFC A66)
 * in Prometheus text format at {@code http://127.0.0.1:N/metrics} (a Vert.x HTTP server on the same Vert.x
 * instance), and {@code --tracing=none|logging|otlp} exports the server's spans (none by default; {@code logging}
 * writes one log line per span through java.util.logging; {@code otlp} sends them over OTLP/gRPC to
 * {@code OTEL_EXPORTER_OTLP_ENDPOINT}, default {@code http://localhost:4317}). Both go through one OpenTelemetry SDK
 * that backs the Vert.x instance's tracer and metrics SPI; with neither flag there is no SDK at all.
 * {@code --trace-sampling=R} samples that fraction of new traces (parent-based: a call in a sampled trace is sampled);
 * the others still propagate their trace context.
 */
final class Observability {
    /** The flags, added to every server program's. */
    static final Set<String> FLAGS = Set.of("metrics-port", "tracing", "trace-sampling");

    static final String USAGE = "[--metrics-port=N] [--tracing=none|logging|otlp] [--trace-sampling=1.0]";

    enum Tracing {
        NONE,
        LOGGING,
        OTLP
    }

    /** The metrics port, 0 for any free one, or -1 for no metrics. */
    final int metricsPort;

    final Tracing tracing;
    /** The fraction of new traces sampled, 0..1. */
    final double sampling;

    private @Nullable OpenTelemetrySdk sdk;
    private @Nullable PrometheusMetricReader prometheus;

    Observability(int metricsPort, Tracing tracing, double sampling) {
        this.metricsPort = metricsPort;
        this.tracing = tracing;
        this.sampling = sampling;
    }

    /** @throws IllegalArgumentException naming the flag for a malformed value */
    static Observability fromFlags(Map<String, String> flags) {
        String tracing = flags.getOrDefault("tracing", "none");
        Tracing t;
        try {
            t = Tracing.valueOf(tracing.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--tracing: " + tracing + " (expected: none, logging or otlp)");
        }
        int port = -1;
        String p = flags.get("metrics-port");
        if (p != null) {
            try {
                port = Integer.parseInt(p);
            } catch (NumberFormatException e) {
                port = -1;
            }
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("--metrics-port: " + p + " (expected: 0..65535)");
            }
        }
        String r = flags.getOrDefault("trace-sampling", "1.0");
        double sampling;
        try {
            sampling = Double.parseDouble(r);
        } catch (NumberFormatException e) {
            sampling = Double.NaN;
        }
        if (!(sampling >= 0 && sampling <= 1)) {
            throw new IllegalArgumentException("--trace-sampling: " + r + " (expected: 0.0..1.0)");
        }
        return new Observability(port, t, sampling);
    }

    boolean isEnabled() {
        return metricsPort >= 0 || tracing != Tracing.NONE;
    }

    /** A Vert.x instance with {@code options}, traced and measured as the flags say. */
    Vertx newVertx(VertxOptions options) {
        return newBuilder(options).build();
    }

    /**
     * A Vert.x builder with {@code options}, with the tracer and metrics the flags ask for (one SDK behind both): build
     * it, or add a cluster manager and build it clustered.
     */
    VertxBuilder newBuilder(VertxOptions options) {
        if (!isEnabled()) {
            return Vertx.builder().with(options);
        }
        OpenTelemetrySdkBuilder otel = OpenTelemetrySdk.builder()
                .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()));
        if (tracing != Tracing.NONE) {
            otel.setTracerProvider(SdkTracerProvider.builder()
                    .setSampler(Sampler.parentBased(Sampler.traceIdRatioBased(sampling)))
                    .addSpanProcessor(
                            tracing == Tracing.LOGGING
                                    ? SimpleSpanProcessor.create(LoggingSpanExporter.create())
                                    : BatchSpanProcessor.builder(otlpExporter()).build())
                    .build());
            options.setTracingOptions(new OpenTelemetryOptions());
        }
        PrometheusMetricReader reader = null;
        if (metricsPort >= 0) {
            reader = new PrometheusMetricReader(attribute -> false);
            otel.setMeterProvider(
                    SdkMeterProvider.builder().registerMetricReader(reader).build());
            options.setMetricsOptions(new MetricsOptions().setEnabled(true));
        }
        OpenTelemetrySdk built = otel.build();
        sdk = built;
        prometheus = reader;
        VertxBuilder builder = Vertx.builder().with(options);
        if (tracing != Tracing.NONE) {
            builder.withTracer(RpcOpenTelemetry.tracerFactory(built));
        }
        if (reader != null) {
            builder.withMetrics(RpcOpenTelemetry.metricsFactory(built));
        }
        return builder;
    }

    private static OtlpGrpcSpanExporter otlpExporter() {
        String endpoint = System.getenv("OTEL_EXPORTER_OTLP_ENDPOINT");
        return endpoint == null
                ? OtlpGrpcSpanExporter.getDefault()
                : OtlpGrpcSpanExporter.builder().setEndpoint(endpoint).build();
    }

    /**
     * Starts the metrics endpoint on 127.0.0.1 ({@link #metricsPort}); the future has the bound port, or fails (the
     * port is taken). Only after {@link #newVertx} with metrics on.
     */
    Future<Integer> startMetricsServer(Vertx vertx) {
        PrometheusMetricReader reader = prometheus;
        if (reader == null) {
            throw new IllegalStateException("metrics are off (no --metrics-port)");
        }
        HttpServer server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1"));
        server.requestHandler(request -> serve(reader, request));
        return server.listen(metricsPort).map(HttpServer::actualPort);
    }

    private static void serve(PrometheusMetricReader reader, HttpServerRequest request) {
        if (!request.path().equals("/metrics")) {
            request.response().setStatusCode(404).end();
            return;
        }
        if (request.method() != HttpMethod.GET && request.method() != HttpMethod.HEAD) {
            request.response().setStatusCode(405).end();
            return;
        }
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        try {
            PrometheusTextFormatWriter.create().write(text, reader.collect());
        } catch (IOException e) {
            request.response().setStatusCode(500).end(e.toString());
            return;
        }
        request.response()
                .putHeader("content-type", PrometheusTextFormatWriter.CONTENT_TYPE)
                .end(Buffer.buffer(text.toByteArray()));
    }

    /** Flushes and stops the SDK (pending spans are exported). */
    void close() {
        OpenTelemetrySdk s = sdk;
        if (s != null) {
            s.close();
        }
    }
}
