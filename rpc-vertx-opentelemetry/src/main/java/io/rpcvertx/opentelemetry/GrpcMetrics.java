package io.rpcvertx.opentelemetry;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.LongHistogram;
import io.opentelemetry.api.metrics.Meter;
import io.rpcvertx.StatusCode;
import io.rpcvertx.impl.telemetry.RpcMetrics;
import io.vertx.core.spi.metrics.VertxMetrics;
import java.util.List;

/**
 * gRPC's standard metrics (gRFC A66, as grpc-java's grpc-opentelemetry names and buckets them) on the OpenTelemetry
 * metrics API, installed as the Vert.x instance's metrics SPI. Only {@link RpcMetrics} is used: Vert.x's own metrics
 * (HTTP, pools, event bus) stay off. Labels: {@code grpc.method}, {@code grpc.target} (client), {@code grpc.status}.
 */
final class GrpcMetrics implements VertxMetrics, RpcMetrics {
    /** The instrumentation scope of these meters. */
    public static final String SCOPE = "io.rpcvertx";

    static final AttributeKey<String> METHOD = AttributeKey.stringKey("grpc.method");
    static final AttributeKey<String> TARGET = AttributeKey.stringKey("grpc.target");
    static final AttributeKey<String> STATUS = AttributeKey.stringKey("grpc.status");

    // gRFC A66: latency buckets (seconds) and size buckets (bytes)
    private static final List<Double> LATENCY_BUCKETS = List.of(
            0d, 0.00001, 0.00005, 0.0001, 0.0003, 0.0006, 0.0008, 0.001, 0.002, 0.003, 0.004, 0.005, 0.006, 0.008, 0.01,
            0.013, 0.016, 0.02, 0.025, 0.03, 0.04, 0.05, 0.065, 0.08, 0.1, 0.13, 0.16, 0.2, 0.25, 0.3, 0.4, 0.5, 0.65,
            0.8, 1d, 2d, 5d, 10d, 20d, 50d, 100d);
    private static final List<Long> SIZE_BUCKETS = List.of(
            0L,
            1024L,
            2048L,
            4096L,
            16384L,
            65536L,
            262144L,
            1048576L,
            4194304L,
            16777216L,
            67108864L,
            268435456L,
            1073741824L,
            4294967296L);

    private final LongCounter clientAttemptStarted;
    private final DoubleHistogram clientAttemptDuration;
    private final LongHistogram clientAttemptSent;
    private final LongHistogram clientAttemptReceived;
    private final DoubleHistogram clientCallDuration;
    private final LongCounter serverCallStarted;
    private final DoubleHistogram serverCallDuration;
    private final LongHistogram serverCallSent;
    private final LongHistogram serverCallReceived;

    GrpcMetrics(OpenTelemetry openTelemetry) {
        Meter meter = openTelemetry.getMeter(SCOPE);
        clientAttemptStarted = meter.counterBuilder("grpc.client.attempt.started")
                .setUnit("{attempt}")
                .setDescription("Number of client call attempts started")
                .build();
        clientAttemptDuration =
                latency(meter, "grpc.client.attempt.duration", "Time taken to complete a client call attempt");
        clientAttemptSent = size(
                meter,
                "grpc.client.attempt.sent_total_compressed_message_size",
                "Compressed message bytes sent per client call attempt");
        clientAttemptReceived = size(
                meter,
                "grpc.client.attempt.rcvd_total_compressed_message_size",
                "Compressed message bytes received per call attempt");
        clientCallDuration = latency(
                meter,
                "grpc.client.call.duration",
                "Time taken by gRPC to complete an RPC from application's perspective");
        serverCallStarted = meter.counterBuilder("grpc.server.call.started")
                .setUnit("{call}")
                .setDescription("Number of server calls started")
                .build();
        serverCallDuration = latency(
                meter,
                "grpc.server.call.duration",
                "Time taken to complete a call from server transport's perspective");
        serverCallSent = size(
                meter,
                "grpc.server.call.sent_total_compressed_message_size",
                "Compressed message bytes sent per server call");
        serverCallReceived = size(
                meter,
                "grpc.server.call.rcvd_total_compressed_message_size",
                "Compressed message bytes received per server call");
    }

    private static DoubleHistogram latency(Meter meter, String name, String description) {
        return meter.histogramBuilder(name)
                .setUnit("s")
                .setDescription(description)
                .setExplicitBucketBoundariesAdvice(LATENCY_BUCKETS)
                .build();
    }

    private static LongHistogram size(Meter meter, String name, String description) {
        return meter.histogramBuilder(name)
                .ofLongs()
                .setUnit("By")
                .setDescription(description)
                .setExplicitBucketBoundariesAdvice(SIZE_BUCKETS)
                .build();
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }

    @Override
    public void clientAttemptStarted(String method, String target) {
        clientAttemptStarted.add(1, Attributes.of(METHOD, method, TARGET, target));
    }

    @Override
    public void clientAttemptEnded(
            String method, String target, StatusCode code, long durationNanos, long sentBytes, long receivedBytes) {
        Attributes a = Attributes.of(METHOD, method, TARGET, target, STATUS, code.name());
        clientAttemptDuration.record(seconds(durationNanos), a);
        clientAttemptSent.record(sentBytes, a);
        clientAttemptReceived.record(receivedBytes, a);
    }

    @Override
    public void clientCallEnded(String method, String target, StatusCode code, long durationNanos) {
        clientCallDuration.record(
                seconds(durationNanos), Attributes.of(METHOD, method, TARGET, target, STATUS, code.name()));
    }

    @Override
    public void serverCallStarted(String method) {
        serverCallStarted.add(1, Attributes.of(METHOD, method));
    }

    @Override
    public void serverCallEnded(
            String method, StatusCode code, long durationNanos, long sentBytes, long receivedBytes) {
        Attributes a = Attributes.of(METHOD, method, STATUS, code.name());
        serverCallDuration.record(seconds(durationNanos), a);
        serverCallSent.record(sentBytes, a);
        serverCallReceived.record(receivedBytes, a);
    }
}
