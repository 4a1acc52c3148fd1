package io.rpcvertx.it.observability;

import static io.rpcvertx.it.observability.ObservedService.FLAKY;
import static io.rpcvertx.it.observability.ObservedService.SERVER_STREAM;
import static io.rpcvertx.it.observability.ObservedService.UNARY;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.metrics.data.HistogramPointData;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.rpcvertx.CallOptions;
import io.rpcvertx.Channel;
import io.rpcvertx.ChannelOptions;
import io.rpcvertx.Compression;
import io.rpcvertx.MethodDescriptor;
import io.rpcvertx.MethodType;
import io.rpcvertx.RpcVertx;
import io.rpcvertx.Server;
import io.rpcvertx.StatusCode;
import io.rpcvertx.UnaryStreamCall;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * gRPC's standard metrics (gRFC A66) through {@code RpcOpenTelemetry.metricsFactory}, read back with the SDK's
 * in-memory metric reader: names, units, labels ({@code grpc.method}, {@code grpc.target}, {@code grpc.status}; an
 * unregistered method is {@code other}), counts, and message-size sums equal to the message bytes on the wire.
 */
@Timeout(60)
class MetricsIT {
    static final AttributeKey<String> METHOD = AttributeKey.stringKey("grpc.method");
    static final AttributeKey<String> TARGET = AttributeKey.stringKey("grpc.target");
    static final AttributeKey<String> STATUS = AttributeKey.stringKey("grpc.status");
    static final String UNARY_NAME = ObservedService.SERVICE + "/Unary";

    TestTelemetry telemetry;
    Server server;
    final List<Channel> channels = new ArrayList<>();
    final ObservedService service = new ObservedService();
    String target;

    @BeforeEach
    void setUp() throws Exception {
        telemetry = new TestTelemetry(Sampler.alwaysOn(), true, false);
        server = RpcVertx.server(telemetry.vertx);
        int port = server.addInsecurePort("127.0.0.1:0").await(5, SECONDS);
        target = "127.0.0.1:" + port;
        server.addGenericRpcHandlers(service.definition(() -> channel(ChannelOptions.DEFAULT)));
        server.start().await(5, SECONDS);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (Channel c : channels) {
            c.close().await(5, SECONDS);
        }
        server.stop(null).await(5, SECONDS);
        telemetry.close();
    }

    Channel channel(ChannelOptions options) {
        Channel c = RpcVertx.insecureChannel(telemetry.vertx, target, options);
        synchronized (channels) {
            channels.add(c);
        }
        return c;
    }

    MetricData metric(String name) {
        return telemetry.metric(name).orElseThrow(() -> new AssertionError("no metric " + name));
    }

    long counter(String name, Attributes attributes) {
        return metric(name).getLongSumData().getPoints().stream()
                .filter(p -> p.getAttributes().equals(attributes))
                .mapToLong(LongPointData::getValue)
                .sum();
    }

    HistogramPointData histogram(String name, Attributes attributes) {
        MetricData m = metric(name);
        Optional<HistogramPointData> point = m.getHistogramData().getPoints().stream()
                .filter(p -> p.getAttributes().equals(attributes))
                .findFirst();
        return point.orElseThrow(() -> new AssertionError(name + " has no point " + attributes + ": " + m));
    }

    static Attributes client(String method, String target) {
        return Attributes.of(METHOD, method, TARGET, target);
    }

    static Attributes client(String method, String target, StatusCode code) {
        return Attributes.of(METHOD, method, TARGET, target, STATUS, code.name());
    }

    static Attributes server(String method, StatusCode code) {
        return Attributes.of(METHOD, method, STATUS, code.name());
    }

    /** The length of {@code text} gzipped as a JDK gzip stream: header, default-level deflate, trailer. */
    static int gzipLength(String text) throws Exception {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream gzip = new java.util.zip.GZIPOutputStream(out)) {
            gzip.write(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        return out.size();
    }

    @Test
    void gzipRequest_clientSentSize_isTheCompressedBytesOnTheWire() throws Exception {
        String message = "hello, compressible world ".repeat(40); // 1040 bytes
        int compressed = gzipLength(message);
        assertThat(compressed).isLessThan(message.length() / 4);

        assertThat(channel(ChannelOptions.DEFAULT)
                        .unaryUnary(UNARY)
                        .call(message, CallOptions.DEFAULT.withCompression(Compression.GZIP))
                        .response()
                        .await(5, SECONDS))
                .isEqualTo(message);

        assertThat(histogram(
                                "grpc.client.attempt.sent_total_compressed_message_size",
                                client(UNARY_NAME, target, StatusCode.OK))
                        .getSum())
                .isEqualTo(compressed);
        // the server counts the request's DATA bytes as they arrive: the same bytes
        assertThat(histogram("grpc.server.call.rcvd_total_compressed_message_size", server(UNARY_NAME, StatusCode.OK))
                        .getSum())
                .isEqualTo(compressed);
    }

    @Test
    void unaryCall_everyA66Metric_countsOne_sizesAreTheMessageBytes() throws Exception {
        assertThat(channel(ChannelOptions.DEFAULT)
                        .unaryUnary(UNARY)
                        .call("hello")
                        .response()
                        .await(5, SECONDS))
                .isEqualTo("hello");

        assertThat(counter("grpc.client.attempt.started", client(UNARY_NAME, target)))
                .isEqualTo(1);
        Attributes ok = client(UNARY_NAME, target, StatusCode.OK);
        assertThat(histogram("grpc.client.attempt.duration", ok).getCount()).isEqualTo(1);
        assertThat(histogram("grpc.client.attempt.sent_total_compressed_message_size", ok)
                        .getSum())
                .isEqualTo(5);
        assertThat(histogram("grpc.client.attempt.rcvd_total_compressed_message_size", ok)
                        .getSum())
                .isEqualTo(5);
        HistogramPointData call = histogram("grpc.client.call.duration", ok);
        assertThat(call.getCount()).isEqualTo(1);
        assertThat(call.getSum()).isGreaterThan(0).isLessThan(5);

        assertThat(counter("grpc.server.call.started", Attributes.of(METHOD, UNARY_NAME)))
                .isEqualTo(1);
        Attributes serverOk = server(UNARY_NAME, StatusCode.OK);
        assertThat(histogram("grpc.server.call.duration", serverOk).getCount()).isEqualTo(1);
        assertThat(histogram("grpc.server.call.sent_total_compressed_message_size", serverOk)
                        .getSum())
                .isEqualTo(5);
        assertThat(histogram("grpc.server.call.rcvd_total_compressed_message_size", serverOk)
                        .getSum())
                .isEqualTo(5);

        assertThat(metric("grpc.client.attempt.duration").getUnit()).isEqualTo("s");
        assertThat(metric("grpc.server.call.duration").getUnit()).isEqualTo("s");
        assertThat(metric("grpc.server.call.sent_total_compressed_message_size").getUnit())
                .isEqualTo("By");
        assertThat(histogram("grpc.server.call.duration", serverOk).getBoundaries())
                .as("gRFC A66 latency buckets")
                .startsWith(0d, 0.00001, 0.00005)
                .endsWith(50d, 100d);
    }

    @Test
    void serverStreaming_sizesSumEveryMessage_statusLabelsSplitOutcomes() throws Exception {
        Channel channel = channel(ChannelOptions.DEFAULT);
        UnaryStreamCall<String, String> stream =
                channel.unaryStream(SERVER_STREAM).call("ab");
        assertThat(stream.code().await(5, SECONDS)).isEqualTo(StatusCode.OK);
        channel.unaryUnary(UNARY).call("x").response().await(5, SECONDS);
        assertThat(channel.unaryUnary(UNARY).call("fail").code().await(5, SECONDS))
                .isEqualTo(StatusCode.INVALID_ARGUMENT);

        String name = ObservedService.SERVICE + "/ServerStream";
        // three responses of 3 bytes ("ab1", "ab2", "ab3")
        assertThat(histogram(
                                "grpc.client.attempt.rcvd_total_compressed_message_size",
                                client(name, target, StatusCode.OK))
                        .getSum())
                .isEqualTo(9);
        assertThat(histogram("grpc.server.call.sent_total_compressed_message_size", server(name, StatusCode.OK))
                        .getSum())
                .isEqualTo(9);
        assertThat(histogram("grpc.server.call.rcvd_total_compressed_message_size", server(name, StatusCode.OK))
                        .getSum())
                .isEqualTo(2);
        assertThat(counter("grpc.client.attempt.started", client(UNARY_NAME, target)))
                .isEqualTo(2);
        assertThat(histogram("grpc.client.call.duration", client(UNARY_NAME, target, StatusCode.OK))
                        .getCount())
                .isEqualTo(1);
        assertThat(histogram("grpc.client.call.duration", client(UNARY_NAME, target, StatusCode.INVALID_ARGUMENT))
                        .getCount())
                .isEqualTo(1);
        assertThat(histogram("grpc.server.call.duration", server(UNARY_NAME, StatusCode.INVALID_ARGUMENT))
                        .getCount())
                .isEqualTo(1);
    }

    @Test
    void gzipRequest_serverReceivedSizeIsTheCompressedBytes() throws Exception {
        String big = "a".repeat(10_000);
        Channel channel = channel(ChannelOptions.DEFAULT);
        assertThat(channel.unaryUnary(UNARY)
                        .call(big, CallOptions.DEFAULT.withCompression(Compression.GZIP))
                        .response()
                        .await(5, SECONDS))
                .isEqualTo(big);

        // 10,000 repeated bytes gzip to a few dozen: that is what crossed the wire
        long received = (long)
                histogram("grpc.server.call.rcvd_total_compressed_message_size", server(UNARY_NAME, StatusCode.OK))
                        .getSum();
        assertThat(received).isBetween(10L, 200L);
    }

    @Test
    void unregisteredMethod_serverLabelsItOther_clientKeepsItsName() throws Exception {
        MethodDescriptor<String, String> unknown = MethodDescriptor.of(
                MethodType.UNARY_UNARY, "it.Nowhere/Random123", ObservedService.UTF8, ObservedService.UTF8);

        assertThat(channel(ChannelOptions.DEFAULT)
                        .unaryUnary(unknown)
                        .call("?")
                        .code()
                        .await(5, SECONDS))
                .isEqualTo(StatusCode.UNIMPLEMENTED);

        assertThat(counter("grpc.server.call.started", Attributes.of(METHOD, "other")))
                .isEqualTo(1);
        assertThat(histogram("grpc.server.call.duration", server("other", StatusCode.UNIMPLEMENTED))
                        .getCount())
                .isEqualTo(1);
        Set<String> serverMethods = metric("grpc.server.call.started").getLongSumData().getPoints().stream()
                .map(p -> p.getAttributes().get(METHOD))
                .collect(Collectors.toSet());
        assertThat(serverMethods).containsExactly("other");
        assertThat(counter("grpc.client.attempt.started", client("it.Nowhere/Random123", target)))
                .isEqualTo(1);
    }

    @Test
    void retries_anAttemptPerTry_oneCall() throws Exception {
        Channel channel = channel(ChannelOptions.DEFAULT.withServiceConfig(ObservedService.RETRY_CONFIG));

        assertThat(channel.unaryUnary(FLAKY).call("r").response().await(5, SECONDS))
                .isEqualTo("r");

        String name = ObservedService.SERVICE + "/Flaky";
        assertThat(counter("grpc.client.attempt.started", client(name, target))).isEqualTo(3);
        assertThat(histogram("grpc.client.attempt.duration", client(name, target, StatusCode.UNAVAILABLE))
                        .getCount())
                .isEqualTo(2);
        assertThat(histogram("grpc.client.attempt.duration", client(name, target, StatusCode.OK))
                        .getCount())
                .isEqualTo(1);
        assertThat(histogram("grpc.client.call.duration", client(name, target, StatusCode.OK))
                        .getCount())
                .isEqualTo(1);
        assertThat(metric("grpc.client.call.duration").getHistogramData().getPoints())
                .hasSize(1);
        assertThat(counter("grpc.server.call.started", Attributes.of(METHOD, name)))
                .isEqualTo(3);
    }
}
