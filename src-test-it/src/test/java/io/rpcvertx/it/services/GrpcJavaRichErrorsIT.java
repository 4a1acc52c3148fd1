package io.rpcvertx.it.services;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.google.rpc.BadRequest;
import com.google.rpc.ErrorInfo;
import io.grpc.ManagedChannel;
import io.grpc.ServerServiceDefinition;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.rpcvertx.Channel;
import io.rpcvertx.RpcException;
import io.rpcvertx.RpcVertx;
import io.rpcvertx.Server;
import io.rpcvertx.StatusCode;
import io.rpcvertx.it.services.gen.GetItemRequest;
import io.rpcvertx.it.services.gen.InventoryGrpc;
import io.rpcvertx.it.services.gen.Item;
import io.rpcvertx.protobuf.StatusProtos;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** google.rpc.Status details both ways between rpc-vertx's {@link StatusProtos} and grpc-java's StatusProto. */
@ExtendWith(VertxExtension.class)
@Timeout(60)
class GrpcJavaRichErrorsIT {
    /** itservices.Inventory/Get for grpc-java, on the message classes our build generated. */
    static final io.grpc.MethodDescriptor<GetItemRequest, Item> GET =
            io.grpc.MethodDescriptor.<GetItemRequest, Item>newBuilder()
                    .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
                    .setFullMethodName(InventoryGrpc.GET.fullMethodName())
                    .setRequestMarshaller(ProtoUtils.marshaller(GetItemRequest.getDefaultInstance()))
                    .setResponseMarshaller(ProtoUtils.marshaller(Item.getDefaultInstance()))
                    .build();

    @Test
    void rpcVertxServerDetails_readByGrpcJavaStatusProto(Vertx vertx) throws Exception {
        Server server = RpcVertx.server(vertx);
        InventoryGrpc.addInventoryServicerToServer(new Inventory(), server);
        int port = server.addInsecurePort("127.0.0.1:0").await(5, SECONDS);
        server.start().await(5, SECONDS);
        ManagedChannel channel =
                NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        try {
            Throwable e = catchThrowable(() -> ClientCalls.blockingUnaryCall(
                    channel,
                    GET,
                    io.grpc.CallOptions.DEFAULT.withDeadlineAfter(10, SECONDS),
                    GetItemRequest.getDefaultInstance()));

            assertThat(e).isInstanceOf(StatusRuntimeException.class);
            io.grpc.Status status = ((StatusRuntimeException) e).getStatus();
            assertThat(status.getCode()).isEqualTo(io.grpc.Status.Code.INVALID_ARGUMENT);
            assertThat(status.getDescription()).isEqualTo("name must not be empty");
            com.google.rpc.Status details = StatusProto.fromThrowable(e);
            assertThat(details).isEqualTo(Inventory.INVALID_NAME);
            assertThat(details.getDetails(1).unpack(ErrorInfo.class).getReason())
                    .isEqualTo("EMPTY_NAME");
        } finally {
            channel.shutdownNow();
            assertThat(channel.awaitTermination(10, SECONDS)).isTrue();
            server.stop(null).await(10, SECONDS);
        }
    }

    @Test
    void grpcJavaServerDetails_readByRpcVertxStatusProtos(Vertx vertx) throws Exception {
        io.grpc.Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(ServerServiceDefinition.builder(InventoryGrpc.SERVICE_NAME)
                        .addMethod(
                                GET,
                                ServerCalls.asyncUnaryCall((request, observer) ->
                                        observer.onError(StatusProto.toStatusRuntimeException(Inventory.INVALID_NAME))))
                        .build())
                .build()
                .start();
        Channel channel = RpcVertx.insecureChannel(vertx, "127.0.0.1:" + server.getPort());
        try {
            Throwable e = catchThrowable(() -> InventoryGrpc.newStub(channel)
                    .get(GetItemRequest.getDefaultInstance())
                    .response()
                    .await(10, SECONDS));

            assertThat(e).isInstanceOf(RpcException.class);
            assertThat(((RpcException) e).code()).isEqualTo(StatusCode.INVALID_ARGUMENT);
            assertThat(((RpcException) e).details()).isEqualTo("name must not be empty");
            com.google.rpc.Status details = StatusProtos.fromThrowable(e).orElseThrow();
            assertThat(details).isEqualTo(Inventory.INVALID_NAME);
            assertThat(details.getDetails(0)
                            .unpack(BadRequest.class)
                            .getFieldViolations(0)
                            .getField())
                    .isEqualTo("name");
        } finally {
            channel.close().await(10, SECONDS);
            server.shutdownNow();
            assertThat(server.awaitTermination(10, SECONDS)).isTrue();
        }
    }
}
