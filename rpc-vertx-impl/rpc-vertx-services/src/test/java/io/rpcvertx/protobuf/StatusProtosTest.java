package io.rpcvertx.protobuf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import com.google.rpc.BadRequest;
import com.google.rpc.Code;
import com.google.rpc.ErrorInfo;
import com.google.rpc.Status;
import io.rpcvertx.Channel;
import io.rpcvertx.Marshaller;
import io.rpcvertx.Metadata;
import io.rpcvertx.MethodDescriptor;
import io.rpcvertx.MethodType;
import io.rpcvertx.RpcException;
import io.rpcvertx.RpcMethodHandler;
import io.rpcvertx.RpcVertx;
import io.rpcvertx.Server;
import io.rpcvertx.ServiceDefinition;
import io.rpcvertx.StatusCode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.junit5.VertxExtension;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
@Timeout(30)
class StatusProtosTest {
    static final Status RICH = Status.newBuilder()
            .setCode(Code.INVALID_ARGUMENT.getNumber())
            .setMessage("name is empty")
            .addDetails(Any.pack(BadRequest.newBuilder()
                    .addFieldViolations(BadRequest.FieldViolation.newBuilder()
                            .setField("name")
                            .setDescription("must not be empty"))
                    .build()))
            .addDetails(Any.pack(ErrorInfo.newBuilder()
                    .setReason("EMPTY_NAME")
                    .setDomain("x")
                    .build()))
            .build();

    @Test
    void toRpcException_codeDetailsAndTrailer() {
        RpcException e = StatusProtos.toRpcException(RICH, Metadata.of("k", "v"));

        assertThat(e.code()).isEqualTo(StatusCode.INVALID_ARGUMENT);
        assertThat(e.details()).isEqualTo("name is empty");
        assertThat(e.trailingMetadata().get("k")).contains("v");
        assertThat(e.trailingMetadata().getBinary(StatusProtos.STATUS_DETAILS_KEY))
                .hasValueSatisfying(b -> assertThat(b).isEqualTo(RICH.toByteArray()));
    }

    @Test
    void toRpcException_replacesAnEarlierDetailsTrailer() {
        Metadata stale = Metadata.builder()
                .addBinary(StatusProtos.STATUS_DETAILS_KEY, new byte[] {1})
                .build();

        RpcException e = StatusProtos.toRpcException(RICH, stale);

        assertThat(e.trailingMetadata().getAllBinary(StatusProtos.STATUS_DETAILS_KEY))
                .hasSize(1);
        assertThat(StatusProtos.fromRpcException(e)).isEqualTo(RICH);
    }

    @Test
    void toRpcException_okOrOutOfRangeCode_isRejected() {
        assertThatThrownBy(() -> StatusProtos.toRpcException(
                        Status.newBuilder().setCode(0).build()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("status.code: 0");
        assertThatThrownBy(() -> StatusProtos.toRpcException(
                        Status.newBuilder().setCode(17).build()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void fromThrowable_findsTheRpcExceptionInTheCauseChain() {
        Throwable wrapped = new CompletionException(StatusProtos.toRpcException(RICH));

        assertThat(StatusProtos.fromThrowable(wrapped)).contains(RICH);
        assertThat(StatusProtos.fromThrowable(new IllegalStateException("x"))).isEmpty();
    }

    @Test
    void fromRpcException_withoutTrailer_codeAndDetailsOnly() {
        Status status = StatusProtos.fromRpcException(new RpcException(StatusCode.NOT_FOUND, "gone"));

        assertThat(status)
                .isEqualTo(Status.newBuilder()
                        .setCode(StatusCode.NOT_FOUND.value())
                        .setMessage("gone")
                        .build());
    }

    @Test
    void fromRpcException_codeMismatch_isRejected() {
        Metadata trailers = Metadata.builder()
                .addBinary(StatusProtos.STATUS_DETAILS_KEY, RICH.toByteArray())
                .build();

        assertThatThrownBy(() -> StatusProtos.fromRpcException(new RpcException(StatusCode.INTERNAL, "x", trailers)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("code 3");
    }

    @Test
    void fromMetadata_garbage_isRejected() {
        Metadata trailers = Metadata.builder()
                .addBinary(StatusProtos.STATUS_DETAILS_KEY, new byte[] {(byte) 0xff, (byte) 0xff})
                .build();

        assertThatThrownBy(() -> StatusProtos.fromMetadata(trailers)).isInstanceOf(IllegalArgumentException.class);
        assertThat(StatusProtos.fromMetadata(Metadata.EMPTY)).isEmpty();
    }

    @Test
    void richError_servicerToClientOverLoopback_detailsArrive(Vertx vertx) throws Exception {
        MethodDescriptor<Buffer, Buffer> method =
                MethodDescriptor.of(MethodType.UNARY_UNARY, "x.Rich/Fail", Marshaller.BUFFER, Marshaller.BUFFER);
        Server server = RpcVertx.server(vertx);
        server.addGenericRpcHandlers(ServiceDefinition.of(
                "x.Rich",
                RpcMethodHandler.unaryUnary(
                        method, (request, context) -> Future.failedFuture(StatusProtos.toRpcException(RICH)))));
        int port = server.addInsecurePort("127.0.0.1:0").await(5, TimeUnit.SECONDS);
        server.start().await(5, TimeUnit.SECONDS);
        Channel channel = RpcVertx.insecureChannel(vertx, "127.0.0.1:" + port);
        try {
            assertThatThrownBy(() -> channel.unaryUnary(method)
                            .call(Buffer.buffer())
                            .response()
                            .await(5, TimeUnit.SECONDS))
                    .satisfies(e -> {
                        assertThat(StatusProtos.fromThrowable(e)).contains(RICH);
                        assertThat(RICH.getDetails(0)
                                        .unpack(BadRequest.class)
                                        .getFieldViolations(0)
                                        .getField())
                                .isEqualTo("name");
                    });
        } finally {
            channel.close().await(5, TimeUnit.SECONDS);
            server.stop(null).await(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void protoMarshaller_roundTripAndGarbage() {
        ProtoMarshaller<Status> m = ProtoMarshaller.of(Status.parser());

        assertThat(m.deserialize(m.serialize(RICH))).isEqualTo(RICH);
        assertThatThrownBy(() -> m.deserialize(Buffer.buffer(new byte[] {(byte) 0xff})))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
