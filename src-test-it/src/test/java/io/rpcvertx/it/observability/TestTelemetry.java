package io.rpcvertx.it.observability;

import static java.util.concurrent.TimeUnit.SECONDS;

import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.rpcvertx.opentelemetry.RpcOpenTelemetry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.metrics.MetricsOptions;
import io.vertx.tracing.opentelemetry.OpenTelemetryOptions;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * An OpenTelemetry SDK with in-memory span and metric exporters, and a Vert.x instance that traces with it (its
 * tracing SPI, vertx-opentelemetry) and records gRPC metrics on it ({@link RpcOpenTelemetry}).
 */
final class TestTelemetry implements AutoCloseable {
    final InMemorySpanExporter spans = InMemorySpanExporter.create();
    final InMemoryMetricReader metrics = InMemoryMetricReader.create();
    final OpenTelemetrySdk sdk;
    final Vertx vertx;

    TestTelemetry(Sampler sampler, boolean withMetrics, boolean withTracing) {
        sdk = OpenTelemetrySdk.builder()
                .setTracerProvider(SdkTracerProvider.builder()
                        .setSampler(sampler)
                        .addSpanProcessor(SimpleSpanProcessor.create(spans))
                        .addSpanProcessor(new SpanProcessor() {
                            @Override
                            public void onStart(Context parent, ReadWriteSpan span) {}

                            @Override
                            public boolean isStartRequired() {
                                return false;
                            }

                            @Override
                            public void onEnd(ReadableSpan span) {
                                synchronized (ended) {
                                    ended.notifyAll();
                                }
                            }

                            @Override
                            public boolean isEndRequired() {
                                return true;
                            }
                        })
                        .build())
                .setMeterProvider(
                        SdkMeterProvider.builder().registerMetricReader(metrics).build())
                .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
                .build();
        VertxOptions options = new VertxOptions();
        if (withTracing) {
            options.setTracingOptions(new OpenTelemetryOptions());
        }
        if (withMetrics) {
            options.setMetricsOptions(new MetricsOptions().setEnabled(true));
        }
        var builder = Vertx.builder().with(options);
        if (withTracing) {
            builder.withTracer(RpcOpenTelemetry.tracerFactory(sdk));
        }
        if (withMetrics) {
            builder.withMetrics(RpcOpenTelemetry.metricsFactory(sdk));
        }
        vertx = builder.build();
    }

    static TestTelemetry tracingAndMetrics() {
        return new TestTelemetry(Sampler.alwaysOn(), true, true);
    }

    private final Object ended = new Object();

    /** Waits (at most 5 s) until a finished span matches {@code wanted}: spans a peer ends after its response. */
    SpanData awaitSpan(Predicate<SpanData> wanted) throws InterruptedException {
        long deadline = System.nanoTime() + SECONDS.toNanos(5);
        synchronized (ended) {
            while (true) {
                Optional<SpanData> found =
                        finishedSpans().stream().filter(wanted).findFirst();
                if (found.isPresent()) {
                    return found.get();
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("no such span in " + finishedSpans());
                }
                ended.wait(Math.max(1, left / 1_000_000));
            }
        }
    }

    List<SpanData> finishedSpans() {
        return spans.getFinishedSpanItems();
    }

    Optional<MetricData> metric(String name) {
        return metrics.collectAllMetrics().stream()
                .filter(m -> m.getName().equals(name))
                .findFirst();
    }

    @Override
    public void close() throws Exception {
        vertx.close().await(10, SECONDS);
        sdk.close();
    }
}
