package io.rpcvertx.examples;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rpcvertx.examples.helloworld.GreeterClientVerticle;
import io.rpcvertx.examples.helloworld.GreeterServerVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The server programs' {@code --metrics-port} and {@code --tracing}: a Prometheus scrape and a logged span. */
@Timeout(60)
class ObservabilityTest {
    Vertx vertx;
    Observability observability;

    @AfterEach
    void tearDown() throws Exception {
        if (vertx != null) {
            vertx.close().await(10, SECONDS);
        }
        if (observability != null) {
            observability.close();
        }
    }

    /** Collects the log lines of OpenTelemetry's logging span exporter. */
    static final class SpanLines extends Handler {
        final List<String> lines = new ArrayList<>();

        @Override
        public synchronized void publish(LogRecord record) {
            Object[] parameters = record.getParameters();
            lines.add(record.getMessage() + " " + (parameters == null ? "" : List.of(parameters)));
        }

        synchronized List<String> lines() {
            return List.copyOf(lines);
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    }

    @Test
    void metricsAndLoggingTracing_greeterCalls_scrapeShowsA66Metrics_spanIsLogged() throws Exception {
        Logger spanLog = Logger.getLogger("io.opentelemetry.exporter.logging.LoggingSpanExporter");
        SpanLines logged = new SpanLines();
        spanLog.addHandler(logged);
        try {
            observability = Observability.fromFlags(Map.of("metrics-port", "0", "tracing", "logging"));
            vertx = observability.newVertx(new VertxOptions());
            int metricsPort = observability.startMetricsServer(vertx).await(10, SECONDS);
            GreeterServerVerticle server = new GreeterServerVerticle();
            vertx.deployVerticle(
                            server,
                            new DeploymentOptions()
                                    .setConfig(new JsonObject()
                                            .put("host", "127.0.0.1")
                                            .put("port", 0)))
                    .await(10, SECONDS);
            GreeterClientVerticle client = new GreeterClientVerticle(
                    new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
            vertx.deployVerticle(
                            client,
                            new DeploymentOptions()
                                    .setConfig(new JsonObject()
                                            .put("target", "127.0.0.1:" + server.port())
                                            .put("name", "metrics")))
                    .await(10, SECONDS);
            client.results().await(10, SECONDS);

            String scrape = vertx.createHttpClient()
                    .request(HttpMethod.GET, metricsPort, "127.0.0.1", "/metrics")
                    .compose(request -> request.send())
                    .compose(HttpClientResponse::body)
                    .await(10, SECONDS)
                    .toString(StandardCharsets.UTF_8);

            String scope = ",otel_scope_name=\"io.rpcvertx\"}";
            assertThat(scrape)
                    .contains("grpc_server_call_duration_seconds_count{"
                            + "grpc_method=\"helloworld.Greeter/SayHello\",grpc_status=\"OK\"" + scope + " 1")
                    .contains("grpc_server_call_started_total{grpc_method=\"helloworld.Greeter/SayHello\"" + scope
                            + " 1.0")
                    .contains("grpc_client_attempt_started_total{grpc_method=\"helloworld.Greeter/SayHello\","
                            + "grpc_target=\"127.0.0.1:" + server.port() + "\"" + scope + " 1.0")
                    .contains("grpc_server_call_sent_total_compressed_message_size_bytes_sum{")
                    .contains("grpc_client_call_duration_seconds_bucket{");
            assertThat(logged.lines()).anySatisfy(line -> assertThat(line).contains("helloworld.Greeter/SayHello"));
        } finally {
            spanLog.removeHandler(logged);
        }
    }

    @Test
    void clusteredVertx_withMetricsPort_scrapeShowsTheServersCalls() throws Exception {
        observability = Observability.fromFlags(Map.of("metrics-port", "0", "tracing", "logging"));
        ByteArrayOutputStream joined = new ByteArrayOutputStream();
        vertx = ClusterSupport.vertx(
                        new VertxOptions(),
                        observability::newBuilder,
                        List.of(),
                        new PrintStream(joined, true, StandardCharsets.UTF_8))
                .await(60, SECONDS);
        assertThat(vertx.isClustered()).isTrue();
        assertThat(joined.toString(StandardCharsets.UTF_8)).startsWith("cluster member 127.0.0.1:");
        int metricsPort = observability.startMetricsServer(vertx).await(10, SECONDS);
        GreeterServerVerticle server = new GreeterServerVerticle();
        vertx.deployVerticle(
                        server,
                        new DeploymentOptions()
                                .setConfig(new JsonObject()
                                        .put("host", "127.0.0.1")
                                        .put("port", 0)))
                .await(10, SECONDS);
        GreeterClientVerticle client =
                new GreeterClientVerticle(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        vertx.deployVerticle(
                        client,
                        new DeploymentOptions()
                                .setConfig(new JsonObject()
                                        .put("target", "127.0.0.1:" + server.port())
                                        .put("name", "cluster")))
                .await(10, SECONDS);
        client.results().await(10, SECONDS);

        String scrape = vertx.createHttpClient()
                .request(HttpMethod.GET, metricsPort, "127.0.0.1", "/metrics")
                .compose(request -> request.send())
                .compose(HttpClientResponse::body)
                .await(10, SECONDS)
                .toString(StandardCharsets.UTF_8);
        assertThat(scrape)
                .contains("grpc_server_call_started_total{grpc_method=\"helloworld.Greeter/SayHello\","
                        + "otel_scope_name=\"io.rpcvertx\"} 1.0");
    }

    @Test
    void fromFlags_unknownTracing_orBadMetricsPort_orSampling_namesTheFlag() {
        assertThatThrownBy(() -> Observability.fromFlags(Map.of("tracing", "zipkin")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("--tracing: zipkin (expected: none, logging or otlp)");
        assertThatThrownBy(() -> Observability.fromFlags(Map.of("metrics-port", "70000")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("--metrics-port: 70000 (expected: 0..65535)");
        assertThatThrownBy(() -> Observability.fromFlags(Map.of("metrics-port", "x")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("--metrics-port: x (expected: 0..65535)");
        assertThatThrownBy(() -> Observability.fromFlags(Map.of("trace-sampling", "1.5")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("--trace-sampling: 1.5 (expected: 0.0..1.0)");
        assertThat(Observability.fromFlags(Map.of()).isEnabled()).isFalse();
    }
}
