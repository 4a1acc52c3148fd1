package io.rpcvertx.codegen;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.DescriptorProtos.FileOptions;
import com.google.protobuf.DescriptorProtos.MethodDescriptorProto;
import com.google.protobuf.DescriptorProtos.ServiceDescriptorProto;
import com.google.protobuf.compiler.PluginProtos.CodeGeneratorRequest;
import com.google.protobuf.compiler.PluginProtos.CodeGeneratorResponse;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class MainTest {
    private static final FileDescriptorProto GREETER = FileDescriptorProto.newBuilder()
            .setName("greeter.proto")
            .setPackage("hello")
            .setSyntax("proto3")
            .setOptions(FileOptions.newBuilder().setJavaPackage("com.example.hello"))
            .addMessageType(DescriptorProto.newBuilder().setName("Msg"))
            .addService(ServiceDescriptorProto.newBuilder()
                    .setName("Greeter")
                    .addMethod(MethodDescriptorProto.newBuilder()
                            .setName("SayHello")
                            .setInputType(".hello.Msg")
                            .setOutputType(".hello.Msg")))
            .build();

    @Test
    void runPlugin_validRequest_writesFilesAndDeclaresProto3Optional() throws IOException {
        CodeGeneratorRequest request = CodeGeneratorRequest.newBuilder()
                .addProtoFile(GREETER)
                .addFileToGenerate("greeter.proto")
                .build();

        CodeGeneratorResponse response = run(request.toByteArray());

        assertThat(response.hasError()).isFalse();
        assertThat(response.getSupportedFeatures() & CodeGeneratorResponse.Feature.FEATURE_PROTO3_OPTIONAL_VALUE)
                .isNotZero();
        assertThat(response.getFileList())
                .extracting(CodeGeneratorResponse.File::getName)
                .containsExactly(
                        "com/example/hello/GreeterGrpc.java",
                        "com/example/hello/GreeterStub.java",
                        "com/example/hello/GreeterServicer.java");
    }

    @Test
    void runPlugin_garbageOnStdin_errorInResponse() throws IOException {
        CodeGeneratorResponse response = run("not a protobuf".getBytes(StandardCharsets.UTF_8));

        assertThat(response.getError()).startsWith("cannot read the CodeGeneratorRequest from stdin");
        assertThat(response.getFileList()).isEmpty();
    }

    @Test
    void generate_parameter_rejected() {
        CodeGeneratorResponse response = Main.generate(CodeGeneratorRequest.newBuilder()
                .addProtoFile(GREETER)
                .addFileToGenerate("greeter.proto")
                .setParameter("lite")
                .build());

        assertThat(response.getError()).isEqualTo("unknown option \"lite\" (rpc-vertx-codegen takes no options)");
        assertThat(response.getFileList()).isEmpty();
    }

    @Test
    void generate_badInput_errorAndNoFiles() {
        FileDescriptorProto broken = GREETER.toBuilder().clearMessageType().build();

        CodeGeneratorResponse response = Main.generate(CodeGeneratorRequest.newBuilder()
                .addProtoFile(broken)
                .addFileToGenerate("greeter.proto")
                .build());

        assertThat(response.getError())
                .isEqualTo("greeter.proto: rpc hello.Greeter/SayHello: unknown message type .hello.Msg");
        assertThat(response.getFileList()).isEmpty();
    }

    @Test
    void generate_twoServicesSameJavaClass_fails() {
        FileDescriptorProto other = GREETER.toBuilder()
                .setName("other.proto")
                .setPackage("hello2")
                .clearService()
                .addService(GREETER.getService(0).toBuilder()
                        .setMethod(
                                0,
                                GREETER.getService(0).getMethod(0).toBuilder()
                                        .setInputType(".hello2.Msg")
                                        .setOutputType(".hello2.Msg")))
                .build();

        CodeGeneratorResponse response = Main.generate(CodeGeneratorRequest.newBuilder()
                .addProtoFile(GREETER)
                .addProtoFile(other)
                .addFileToGenerate("greeter.proto")
                .addFileToGenerate("other.proto")
                .build());

        assertThat(response.getError())
                .startsWith("other.proto: service hello2.Greeter would generate com/example/hello/GreeterGrpc.java");
    }

    @Test
    void request_fromDescriptorSet_skipsWellKnownTypesUnlessNamed() {
        FileDescriptorProto empty = FileDescriptorProto.newBuilder()
                .setName("google/protobuf/empty.proto")
                .build();
        FileDescriptorSet set =
                FileDescriptorSet.newBuilder().addFile(empty).addFile(GREETER).build();

        assertThat(Main.request(set, List.of()).getFileToGenerateList()).containsExactly("greeter.proto");
        assertThat(Main.request(set, List.of("google/protobuf/empty.proto")).getFileToGenerateList())
                .containsExactly("google/protobuf/empty.proto");
        assertThat(Main.request(set, List.of()).getProtoFileCount()).isEqualTo(2);
    }

    private static CodeGeneratorResponse run(byte[] stdin) throws IOException {
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        Main.runPlugin(new ByteArrayInputStream(stdin), stdout);
        return CodeGeneratorResponse.parseFrom(stdout.toByteArray());
    }
}
