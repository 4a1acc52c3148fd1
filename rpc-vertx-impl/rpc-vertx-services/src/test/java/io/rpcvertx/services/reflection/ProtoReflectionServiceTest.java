package io.rpcvertx.services.reflection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumDescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumValueDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.MethodDescriptorProto;
import com.google.protobuf.DescriptorProtos.ServiceDescriptorProto;
import com.google.protobuf.Descriptors.DescriptorValidationException;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.EmptyProto;
import com.google.protobuf.InvalidProtocolBufferException;
import io.rpcvertx.Channel;
import io.rpcvertx.RpcVertx;
import io.rpcvertx.Server;
import io.rpcvertx.ServiceDefinition;
import io.rpcvertx.StatusCode;
import io.rpcvertx.StreamStreamCall;
import io.rpcvertx.services.health.HealthService;
import io.rpcvertx.services.reflection.v1.ExtensionRequest;
import io.rpcvertx.services.reflection.v1.ServerReflectionRequest;
import io.rpcvertx.services.reflection.v1.ServerReflectionResponse;
import io.rpcvertx.services.reflection.v1.ServiceResponse;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** Request handling on an index of hand-built schemas, and both protocol versions over loopback. */
@ExtendWith(VertxExtension.class)
@Timeout(30)
class ProtoReflectionServiceTest {
    /** x/echo.proto (proto2): service x.Echo, message x.Outer with a nested message, an enum and extension 100. */
    static final FileDescriptor ECHO_FILE = echoFile();

    final List<ServiceDefinition> services = new ArrayList<>(List.of(
            ServiceDefinition.of("x.Echo").withSchema(ECHO_FILE.findServiceByName("Echo")),
            ServiceDefinition.of("x.NoSchema"),
            // a schema of another service is ignored rather than trusted
            ServiceDefinition.of("x.Liar").withSchema(ECHO_FILE.findServiceByName("Echo")),
            HealthService.create().bindService()));
    final ProtoReflectionService reflection = ProtoReflectionService.of(() -> List.copyOf(services));

    @Test
    void listServices_onlyServicesWithTheirSchema() {
        ServerReflectionResponse response = reflection.answer(ServerReflectionRequest.newBuilder()
                .setHost("h")
                .setListServices("*")
                .build());

        assertThat(response.getValidHost()).isEqualTo("h");
        assertThat(response.getOriginalRequest().getListServices()).isEqualTo("*");
        assertThat(response.getListServicesResponse().getServiceList())
                .extracting(ServiceResponse::getName)
                .containsExactly("x.Echo", HealthService.SERVICE_NAME);
    }

    @Test
    void listServices_followsNewRegistrations_fileSchemaResolvesTheService() {
        services.add(ServiceDefinition.of("x.Echo2").withSchema(ECHO_FILE)); // its file does not declare x.Echo2
        services.add(0, ServiceDefinition.of("x.Echo").withSchema(ECHO_FILE)); // listed once

        assertThat(names(reflection.answer(
                        ServerReflectionRequest.newBuilder().setListServices("").build())))
                .containsExactly("x.Echo", HealthService.SERVICE_NAME);
    }

    @Test
    void fileByFilename_answersTheFileAndItsImports() throws Exception {
        ServerReflectionResponse response = reflection.answer(ServerReflectionRequest.newBuilder()
                .setFileByFilename("x/echo.proto")
                .build());

        assertThat(fileNames(response)).containsExactly("x/echo.proto", "google/protobuf/empty.proto");
        assertThat(FileDescriptorProto.parseFrom(
                        response.getFileDescriptorResponse().getFileDescriptorProto(0)))
                .isEqualTo(ECHO_FILE.toProto());
    }

    @Test
    void fileByFilename_anImportedFile_isKnown() throws Exception {
        ServerReflectionResponse response = reflection.answer(ServerReflectionRequest.newBuilder()
                .setFileByFilename("google/protobuf/empty.proto")
                .build());

        assertThat(fileNames(response)).containsExactly("google/protobuf/empty.proto");
    }

    @Test
    void fileContainingSymbol_servicesMethodsMessagesNestedTypesEnumsExtensions() throws Exception {
        for (String symbol : List.of("x.Echo", "x.Echo.Ping", "x.Outer", "x.Outer.Inner", "x.Outer.Kind", "x.ext")) {
            ServerReflectionResponse response = reflection.answer(ServerReflectionRequest.newBuilder()
                    .setFileContainingSymbol(symbol)
                    .build());
            assertThat(fileNames(response)).as(symbol).startsWith("x/echo.proto");
        }
        assertThat(fileNames(reflection.answer(ServerReflectionRequest.newBuilder()
                        .setFileContainingSymbol("google.protobuf.Empty")
                        .build())))
                .containsExactly("google/protobuf/empty.proto");
    }

    @Test
    void fileContainingSymbol_unknown_notFoundErrorResponse() {
        ServerReflectionResponse response = reflection.answer(ServerReflectionRequest.newBuilder()
                .setFileContainingSymbol("x.Nope")
                .build());

        assertThat(response.hasErrorResponse()).isTrue();
        assertThat(response.getErrorResponse().getErrorCode()).isEqualTo(StatusCode.NOT_FOUND.value());
        assertThat(response.getErrorResponse().getErrorMessage()).contains("x.Nope");
        assertThat(response.getOriginalRequest().getFileContainingSymbol()).isEqualTo("x.Nope");
    }

    @Test
    void fileContainingExtension_knownAndUnknown() throws Exception {
        assertThat(fileNames(reflection.answer(ServerReflectionRequest.newBuilder()
                        .setFileContainingExtension(ExtensionRequest.newBuilder()
                                .setContainingType("x.Outer")
                                .setExtensionNumber(100))
                        .build())))
                .startsWith("x/echo.proto");
        ServerReflectionResponse unknown = reflection.answer(ServerReflectionRequest.newBuilder()
                .setFileContainingExtension(ExtensionRequest.newBuilder()
                        .setContainingType("x.Outer")
                        .setExtensionNumber(101))
                .build());
        assertThat(unknown.getErrorResponse().getErrorCode()).isEqualTo(StatusCode.NOT_FOUND.value());
    }

    @Test
    void allExtensionNumbersOfType_knownTypeWithAndWithoutExtensions_unknownType() {
        ServerReflectionResponse outer = reflection.answer(ServerReflectionRequest.newBuilder()
                .setAllExtensionNumbersOfType("x.Outer")
                .build());
        assertThat(outer.getAllExtensionNumbersResponse().getBaseTypeName()).isEqualTo("x.Outer");
        assertThat(outer.getAllExtensionNumbersResponse().getExtensionNumberList())
                .containsExactly(100);

        ServerReflectionResponse inner = reflection.answer(ServerReflectionRequest.newBuilder()
                .setAllExtensionNumbersOfType("x.Outer.Inner")
                .build());
        assertThat(inner.hasAllExtensionNumbersResponse()).isTrue();
        assertThat(inner.getAllExtensionNumbersResponse().getExtensionNumberList())
                .isEmpty();

        ServerReflectionResponse unknown = reflection.answer(ServerReflectionRequest.newBuilder()
                .setAllExtensionNumbersOfType("x.Nope")
                .build());
        assertThat(unknown.getErrorResponse().getErrorCode()).isEqualTo(StatusCode.NOT_FOUND.value());
    }

    @Test
    void twoSchemasDeclareDifferentFilesUnderOneName_failsWithIllegalState() throws Exception {
        FileDescriptor impostor = FileDescriptor.buildFrom(
                FileDescriptorProto.newBuilder()
                        .setName("x/echo.proto")
                        .setPackage("y")
                        .addService(ServiceDescriptorProto.newBuilder().setName("Echo"))
                        .build(),
                new FileDescriptor[0]);
        services.add(ServiceDefinition.of("y.Echo").withSchema(impostor.findServiceByName("Echo")));

        assertThatThrownBy(() -> reflection.answer(
                        ServerReflectionRequest.newBuilder().setListServices("").build()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("x/echo.proto");
    }

    @Test
    void noMessageRequest_unimplementedErrorResponse() {
        ServerReflectionResponse response = reflection.answer(
                ServerReflectionRequest.newBuilder().setHost("h").build());

        assertThat(response.getErrorResponse().getErrorCode()).isEqualTo(StatusCode.UNIMPLEMENTED.value());
    }

    @Test
    void enable_v1AndV1alphaOverLoopback_listThemselvesAndAnswerInOrder(Vertx vertx) throws Exception {
        Server server = RpcVertx.server(vertx);
        server.addGenericRpcHandlers(ServiceDefinition.of("x.Echo").withSchema(ECHO_FILE.findServiceByName("Echo")));
        ProtoReflectionService.enable(server);
        int port = server.addInsecurePort("127.0.0.1:0").await(5, TimeUnit.SECONDS);
        server.start().await(5, TimeUnit.SECONDS);
        Channel channel = RpcVertx.insecureChannel(vertx, "127.0.0.1:" + port);
        try {
            StreamStreamCall<ServerReflectionRequest, ServerReflectionResponse> v1 =
                    channel.streamStream(ProtoReflectionService.V1_METHOD).call();
            v1.write(ServerReflectionRequest.newBuilder().setListServices("").build());
            v1.write(ServerReflectionRequest.newBuilder()
                    .setFileContainingSymbol("x.Nope")
                    .build());
            v1.write(ServerReflectionRequest.newBuilder()
                    .setFileContainingSymbol("x.Echo")
                    .build());
            v1.doneWriting();
            assertThat(names(v1.read().await(5, TimeUnit.SECONDS).orElseThrow()))
                    .containsExactly(
                            "x.Echo",
                            ProtoReflectionService.V1_SERVICE_NAME,
                            ProtoReflectionService.V1ALPHA_SERVICE_NAME);
            assertThat(v1.read().await(5, TimeUnit.SECONDS).orElseThrow().hasErrorResponse())
                    .isTrue();
            assertThat(fileNames(v1.read().await(5, TimeUnit.SECONDS).orElseThrow()))
                    .containsExactly("x/echo.proto", "google/protobuf/empty.proto");
            assertThat(v1.read().await(5, TimeUnit.SECONDS)).isEmpty();
            assertThat(v1.code().await(5, TimeUnit.SECONDS)).isEqualTo(StatusCode.OK);

            var v1alpha =
                    channel.streamStream(ProtoReflectionService.V1ALPHA_METHOD).call();
            v1alpha.write(io.rpcvertx.services.reflection.v1alpha.ServerReflectionRequest.newBuilder()
                    .setFileContainingSymbol(ProtoReflectionService.V1ALPHA_SERVICE_NAME)
                    .build());
            v1alpha.doneWriting();
            var alpha = v1alpha.read().await(5, TimeUnit.SECONDS).orElseThrow();
            assertThat(alpha.getFileDescriptorResponse().getFileDescriptorProtoCount())
                    .isEqualTo(1);
            assertThat(FileDescriptorProto.parseFrom(
                                    alpha.getFileDescriptorResponse().getFileDescriptorProto(0))
                            .getPackage())
                    .isEqualTo("grpc.reflection.v1alpha");
            assertThat(v1alpha.code().await(5, TimeUnit.SECONDS)).isEqualTo(StatusCode.OK);
        } finally {
            channel.close().await(5, TimeUnit.SECONDS);
            server.stop(null).await(5, TimeUnit.SECONDS);
        }
    }

    private static List<String> names(ServerReflectionResponse response) {
        return response.getListServicesResponse().getServiceList().stream()
                .map(ServiceResponse::getName)
                .toList();
    }

    private static List<String> fileNames(ServerReflectionResponse response) throws InvalidProtocolBufferException {
        assertThat(response.hasErrorResponse())
                .as("error: %s", response.getErrorResponse())
                .isFalse();
        List<String> names = new ArrayList<>();
        for (ByteString bytes : response.getFileDescriptorResponse().getFileDescriptorProtoList()) {
            names.add(FileDescriptorProto.parseFrom(bytes).getName());
        }
        return names;
    }

    private static FileDescriptor echoFile() {
        FileDescriptorProto proto = FileDescriptorProto.newBuilder()
                .setName("x/echo.proto")
                .setPackage("x")
                .addDependency("google/protobuf/empty.proto")
                .addMessageType(DescriptorProto.newBuilder()
                        .setName("Outer")
                        .addNestedType(DescriptorProto.newBuilder().setName("Inner"))
                        .addEnumType(EnumDescriptorProto.newBuilder()
                                .setName("Kind")
                                .addValue(EnumValueDescriptorProto.newBuilder()
                                        .setName("A")
                                        .setNumber(0)))
                        .addExtensionRange(DescriptorProto.ExtensionRange.newBuilder()
                                .setStart(100)
                                .setEnd(200)))
                .addExtension(FieldDescriptorProto.newBuilder()
                        .setName("ext")
                        .setNumber(100)
                        .setLabel(FieldDescriptorProto.Label.LABEL_OPTIONAL)
                        .setType(FieldDescriptorProto.Type.TYPE_INT32)
                        .setExtendee(".x.Outer"))
                .addService(ServiceDescriptorProto.newBuilder()
                        .setName("Echo")
                        .addMethod(MethodDescriptorProto.newBuilder()
                                .setName("Ping")
                                .setInputType(".google.protobuf.Empty")
                                .setOutputType(".google.protobuf.Empty")))
                .build();
        try {
            return FileDescriptor.buildFrom(proto, new FileDescriptor[] {EmptyProto.getDescriptor()});
        } catch (DescriptorValidationException e) {
            throw new IllegalStateException(e);
        }
    }
}
