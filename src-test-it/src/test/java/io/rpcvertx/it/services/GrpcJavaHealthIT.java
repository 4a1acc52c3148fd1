package io.rpcvertx.it.services;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCalls;
import io.rpcvertx.Channel;
import io.rpcvertx.RpcException;
import io.rpcvertx.RpcVertx;
import io.rpcvertx.Server;
import io.rpcvertx.StatusCode;
import io.rpcvertx.it.services.gen.InventoryGrpc;
import io.rpcvertx.services.health.HealthService;
import io.rpcvertx.services.health.v1.HealthCheckResponse.ServingStatus;
import io.rpcvertx.services.health.v1.HealthListRequest;
import io.rpcvertx.services.health.v1.HealthListResponse;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.net.InetSocketAddress;
import java.util.Iterator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * grpc-java's health stub against rpc-vertx's {@link HealthService}, and rpc-vertx's health descriptors against
 * grpc-java's {@code HealthStatusManager}.
 */
@ExtendWith(VertxExtension.class)
@Timeout(60)
class GrpcJavaHealthIT {
    Vertx vertx;
    HealthService health;
    Server server;
    ManagedChannel grpcChannel;

    @BeforeEach
    void setUp(Vertx vertx) throws Exception {
        this.vertx = vertx;
        health = HealthService.create();
        server = RpcVertx.server(vertx);
        server.addGenericRpcHandlers(InventoryGrpc.bindService(new Inventory()), health.bindService());
        int port = server.addInsecurePort("127.0.0.1:0").await(5, SECONDS);
        server.start().await(5, SECONDS);
        grpcChannel =
                NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    }

    @AfterEach
    void tearDown() throws Exception {
        grpcChannel.shutdownNow();
        assertThat(grpcChannel.awaitTermination(10, SECONDS)).isTrue();
        server.stop(null).await(10, SECONDS);
    }

    @Test
    void check_serverAndService() {
        health.setStatus(InventoryGrpc.SERVICE_NAME, ServingStatus.NOT_SERVING);
        HealthGrpc.HealthBlockingStub stub =
                HealthGrpc.newBlockingStub(grpcChannel).withDeadlineAfter(10, SECONDS);

        assertThat(stub.check(request("")).getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
        assertThat(stub.check(request(InventoryGrpc.SERVICE_NAME)).getStatus())
                .isEqualTo(HealthCheckResponse.ServingStatus.NOT_SERVING);
    }

    @Test
    void check_unknownService_notFound() {
        StatusRuntimeException e = catchThrowableOfType(
                StatusRuntimeException.class,
                () -> HealthGrpc.newBlockingStub(grpcChannel)
                        .withDeadlineAfter(10, SECONDS)
                        .check(request("no.Such")));

        assertThat(e.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.NOT_FOUND);
    }

    @Test
    void watch_statusChangesReachTheGrpcJavaClient() {
        health.setStatus(InventoryGrpc.SERVICE_NAME, ServingStatus.SERVING);
        Iterator<HealthCheckResponse> watch = HealthGrpc.newBlockingStub(grpcChannel)
                .withDeadlineAfter(30, SECONDS)
                .watch(request(InventoryGrpc.SERVICE_NAME));

        assertThat(watch.next().getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
        health.setStatus(InventoryGrpc.SERVICE_NAME, ServingStatus.NOT_SERVING);
        assertThat(watch.next().getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.NOT_SERVING);
        health.clearStatus(InventoryGrpc.SERVICE_NAME);
        assertThat(watch.next().getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVICE_UNKNOWN);
        health.setStatus(InventoryGrpc.SERVICE_NAME, ServingStatus.SERVING);
        assertThat(watch.next().getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
        health.enterGracefulShutdown();
        assertThat(watch.next().getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.NOT_SERVING);
    }

    @Test
    void list_rawGrpcJavaCall_answersEveryStatus() {
        health.setStatus(InventoryGrpc.SERVICE_NAME, ServingStatus.NOT_SERVING);
        // grpc-java 1.79's stub predates List; the call is made with our message classes and grpc-java's transport
        io.grpc.MethodDescriptor<HealthListRequest, HealthListResponse> list =
                io.grpc.MethodDescriptor.<HealthListRequest, HealthListResponse>newBuilder()
                        .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
                        .setFullMethodName(HealthService.LIST_METHOD.fullMethodName())
                        .setRequestMarshaller(ProtoUtils.marshaller(HealthListRequest.getDefaultInstance()))
                        .setResponseMarshaller(ProtoUtils.marshaller(HealthListResponse.getDefaultInstance()))
                        .build();

        HealthListResponse response = ClientCalls.blockingUnaryCall(
                grpcChannel,
                list,
                io.grpc.CallOptions.DEFAULT.withDeadlineAfter(10, SECONDS),
                HealthListRequest.getDefaultInstance());

        assertThat(response.getStatusesMap()).containsOnlyKeys("", InventoryGrpc.SERVICE_NAME);
        assertThat(response.getStatusesOrThrow(InventoryGrpc.SERVICE_NAME).getStatus())
                .isEqualTo(ServingStatus.NOT_SERVING);
    }

    @Test
    void rpcVertxClient_againstGrpcJavaHealthStatusManager_checkAndWatch() throws Exception {
        io.grpc.protobuf.services.HealthStatusManager manager = new io.grpc.protobuf.services.HealthStatusManager();
        manager.setStatus("a.B", HealthCheckResponse.ServingStatus.SERVING);
        io.grpc.Server grpcServer = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(manager.getHealthService())
                .build()
                .start();
        Channel channel = RpcVertx.insecureChannel(vertx, "127.0.0.1:" + grpcServer.getPort());
        try {
            assertThat(channel.unaryUnary(HealthService.CHECK_METHOD)
                            .call(ours("a.B"))
                            .response()
                            .await(10, SECONDS)
                            .getStatus())
                    .isEqualTo(ServingStatus.SERVING);
            RpcException unknown = catchThrowableOfType(
                    RpcException.class,
                    () -> channel.unaryUnary(HealthService.CHECK_METHOD)
                            .call(ours("no.Such"))
                            .response()
                            .await(10, SECONDS));
            assertThat(unknown.code()).isEqualTo(StatusCode.NOT_FOUND);

            var watch = channel.unaryStream(HealthService.WATCH_METHOD).call(ours("a.B"));
            assertThat(watch.read().await(10, SECONDS).orElseThrow().getStatus())
                    .isEqualTo(ServingStatus.SERVING);
            manager.setStatus("a.B", HealthCheckResponse.ServingStatus.NOT_SERVING);
            assertThat(watch.read().await(10, SECONDS).orElseThrow().getStatus())
                    .isEqualTo(ServingStatus.NOT_SERVING);
            watch.cancel();
        } finally {
            channel.close().await(10, SECONDS);
            grpcServer.shutdownNow();
            assertThat(grpcServer.awaitTermination(10, SECONDS)).isTrue();
        }
    }

    private static HealthCheckRequest request(String service) {
        return HealthCheckRequest.newBuilder().setService(service).build();
    }

    private static io.rpcvertx.services.health.v1.HealthCheckRequest ours(String service) {
        return io.rpcvertx.services.health.v1.HealthCheckRequest.newBuilder()
                .setService(service)
                .build();
    }
}
