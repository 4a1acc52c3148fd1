package io.rpcvertx.it.observability;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.MethodDescriptor;
import io.grpc.ServerBuilder;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.opentelemetry.GrpcOpenTelemetry;
import io.grpc.opentelemetry.InternalGrpcOpenTelemetry;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.rpcvertx.Channel;
import io.rpcvertx.RpcVertx;
import io.rpcvertx.Server;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * One trace across both stacks: grpc-java client → rpc-vertx server → rpc-vertx channel → grpc-java server, with
 * grpc-java's own OpenTelemetry tracing (grpc-opentelemetry, W3C {@code traceparent} through the SDK's propagator) on
 * the grpc-java ends and Vert.x's tracer on ours, all exporting to one in-memory exporter.
 */
@Timeout(60)
class CrossStackTraceIT {
    static final MethodDescriptor.Marshaller<String> UTF8 = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(String value) {
            return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String parse(InputStream stream) {
            try {
                return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    static MethodDescriptor<String, String> grpcMethod(String name) {
        return MethodDescriptor.<String, String>newBuilder()
                .setType(MethodDescriptor.MethodType.UNARY)
                .setFullMethodName(ObservedService.SERVICE + "/" + name)
                .setRequestMarshaller(UTF8)
                .setResponseMarshaller(UTF8)
                .build();
    }

    TestTelemetry telemetry;
    io.grpc.Server grpcServer;
    ManagedChannel grpcChannel;
    Server server;
    Channel downstream;

    @AfterEach
    void tearDown() throws Exception {
        if (grpcChannel != null) {
            grpcChannel.shutdownNow().awaitTermination(5, SECONDS);
        }
        if (downstream != null) {
            downstream.close().await(5, SECONDS);
        }
        if (server != null) {
            server.stop(null).await(5, SECONDS);
        }
        if (grpcServer != null) {
            grpcServer.shutdownNow().awaitTermination(5, SECONDS);
        }
        telemetry.close();
    }

    @Test
    void grpcJavaClient_rpcVertxRelay_grpcJavaServer_isOneTrace() throws Exception {
        telemetry = new TestTelemetry(Sampler.alwaysOn(), false, true);
        GrpcOpenTelemetry.Builder builder =
                GrpcOpenTelemetry.newBuilder().sdk(telemetry.sdk).disableAllMetrics();
        InternalGrpcOpenTelemetry.enableTracing(builder, true);
        GrpcOpenTelemetry grpcOtel = builder.build();

        ServerBuilder<?> sb = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(ServerServiceDefinition.builder(ObservedService.SERVICE)
                        .addMethod(grpcMethod("Unary"), ServerCalls.asyncUnaryCall((request, observer) -> {
                            observer.onNext("grpc-java:" + request);
                            observer.onCompleted();
                        }))
                        .build());
        grpcOtel.configureServerBuilder(sb);
        grpcServer = sb.build().start();

        downstream = RpcVertx.insecureChannel(telemetry.vertx, "127.0.0.1:" + grpcServer.getPort());
        server = RpcVertx.server(telemetry.vertx);
        int port = server.addInsecurePort("127.0.0.1:0").await(5, SECONDS);
        server.addGenericRpcHandlers(new ObservedService().definition(() -> downstream));
        server.start().await(5, SECONDS);

        ManagedChannelBuilder<?> cb =
                ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext();
        grpcOtel.configureChannelBuilder(cb);
        grpcChannel = cb.build();

        String response = ClientCalls.blockingUnaryCall(grpcChannel, grpcMethod("Relay"), CallOptions.DEFAULT, "x");
        assertThat(response).isEqualTo("grpc-java:relayed x");

        // grpc-java's server ends its span (kind INTERNAL, named Recv.<service>.<method> in grpc-java 1.79) once the
        // stream closes, after the response may have arrived here
        SpanData grpcServerSpan = telemetry.awaitSpan(s -> s.getName().equals("Recv.it.Observed.Unary")
                && s.getInstrumentationScopeInfo().getName().equals("grpc-java"));
        List<SpanData> spans = telemetry.finishedSpans();
        SpanData ourServer = TracingIT.only(spans, SpanKind.SERVER, ObservedService.SERVICE + "/Relay");
        SpanData ourClient = TracingIT.only(spans, SpanKind.CLIENT, ObservedService.SERVICE + "/Unary");
        List<SpanData> grpcJava = spans.stream()
                .filter(s -> s.getInstrumentationScopeInfo().getName().equals("grpc-java"))
                .toList();
        assertThat(grpcJava).as("grpc-java's client and server spans").hasSizeGreaterThanOrEqualTo(2);
        assertThat(spans).allSatisfy(s -> assertThat(s.getTraceId()).isEqualTo(ourServer.getTraceId()));
        assertThat(ourServer.getParentSpanContext().isRemote())
                .as("our server continues grpc-java's client attempt")
                .isTrue();
        assertThat(grpcJava).anySatisfy(s -> assertThat(s.getSpanId()).isEqualTo(ourServer.getParentSpanId()));
        assertThat(ourClient.getParentSpanId()).isEqualTo(ourServer.getSpanId());
        assertThat(grpcServerSpan.getParentSpanId())
                .as("grpc-java's server span continues our client span")
                .isEqualTo(ourClient.getSpanId());
    }
}
