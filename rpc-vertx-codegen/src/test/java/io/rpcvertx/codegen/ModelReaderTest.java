package io.rpcvertx.codegen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileOptions;
import com.google.protobuf.DescriptorProtos.MessageOptions;
import com.google.protobuf.DescriptorProtos.MethodDescriptorProto;
import com.google.protobuf.DescriptorProtos.MethodOptions;
import com.google.protobuf.DescriptorProtos.ServiceDescriptorProto;
import com.google.protobuf.DescriptorProtos.ServiceOptions;
import com.google.protobuf.DescriptorProtos.SourceCodeInfo;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class ModelReaderTest {
    @Test
    void read_multipleFiles_messagesAreTopLevelInJavaPackage() {
        FileDescriptorProto file = file("rg.proto", "routeguide")
                .setOptions(FileOptions.newBuilder()
                        .setJavaPackage("com.example.rg")
                        .setJavaMultipleFiles(true))
                .addMessageType(message("Point"))
                .addService(service("RouteGuide", rpc("GetFeature", ".routeguide.Point", ".routeguide.Point")))
                .build();

        ServiceModel service = only(new ModelReader(List.of(file)).read("rg.proto"));

        assertThat(service.fullName()).isEqualTo("routeguide.RouteGuide");
        assertThat(service.javaPackage()).isEqualTo("com.example.rg");
        assertThat(service.protoFile()).isEqualTo("rg.proto");
        assertThat(service.protoPackage()).isEqualTo("routeguide");
        MethodModel method = service.methods().get(0);
        assertThat(method.fullName()).isEqualTo("routeguide.RouteGuide/GetFeature");
        assertThat(method.requestType()).isEqualTo(new MessageType("com.example.rg", List.of("Point"), false));
    }

    @Test
    void read_fileOuterClass_isTheServiceSchemaHolder() {
        FileDescriptorProto file = file("rg.proto", "routeguide")
                .setOptions(FileOptions.newBuilder().setJavaOuterClassname("RouteGuideProto"))
                .addMessageType(message("Point"))
                .addService(service("RouteGuide", rpc("GetFeature", ".routeguide.Point", ".routeguide.Point")))
                .build();

        assertThat(only(new ModelReader(List.of(file)).read("rg.proto")).outerClassName())
                .isEqualTo("RouteGuideProto");
    }

    @Test
    void read_liteRuntimeFile_hasNoSchema() {
        FileDescriptorProto file = file("rg.proto", "routeguide")
                .setOptions(FileOptions.newBuilder().setOptimizeFor(FileOptions.OptimizeMode.LITE_RUNTIME))
                .addMessageType(message("Point"))
                .addService(service("RouteGuide", rpc("GetFeature", ".routeguide.Point", ".routeguide.Point")))
                .build();

        assertThat(only(new ModelReader(List.of(file)).read("rg.proto")).outerClassName())
                .isEmpty();
    }

    @Test
    void read_singleFile_nestedMessagesLiveInTheOuterClass() {
        FileDescriptorProto file = file("mail_box.proto", "mail")
                .addMessageType(message("Envelope").addNestedType(message("Payload")))
                .addService(service("Mailbox", rpc("Send", ".mail.Envelope.Payload", ".mail.Envelope")))
                .build();

        MethodModel method = only(new ModelReader(List.of(file)).read("mail_box.proto"))
                .methods()
                .get(0);

        assertThat(method.requestType().canonicalName()).isEqualTo("mail.MailBox.Envelope.Payload");
        assertThat(method.responseType().canonicalName()).isEqualTo("mail.MailBox.Envelope");
    }

    @Test
    void read_outerClassClash_usesOuterClassSuffix() {
        FileDescriptorProto file = file("mailbox.proto", "mail")
                .addMessageType(message("Mailbox"))
                .addService(service("Box", rpc("Send", ".mail.Mailbox", ".mail.Mailbox")))
                .build();

        MethodModel method = only(new ModelReader(List.of(file)).read("mailbox.proto"))
                .methods()
                .get(0);

        assertThat(method.requestType().canonicalName()).isEqualTo("mail.MailboxOuterClass.Mailbox");
    }

    @Test
    void read_importedMessage_resolvedWithItsOwnFileOptions() {
        FileDescriptorProto dep = file("dep.proto", "dep")
                .setOptions(FileOptions.newBuilder().setJavaPackage("com.dep").setJavaOuterClassname("DepProtos"))
                .addMessageType(message("Thing"))
                .build();
        FileDescriptorProto file = file("main.proto", "")
                .addDependency("dep.proto")
                .addService(service("Main", rpc("Get", ".dep.Thing", ".dep.Thing")))
                .build();

        ServiceModel service = only(new ModelReader(List.of(dep, file)).read("main.proto"));

        assertThat(service.fullName()).isEqualTo("Main");
        assertThat(service.javaPackage()).isEmpty();
        assertThat(service.methods().get(0).requestType().canonicalName()).isEqualTo("com.dep.DepProtos.Thing");
    }

    @Test
    void read_keywordsAndGeneratedMembers_areEscaped() {
        FileDescriptorProto file = file("x.proto", "x")
                .addMessageType(message("M"))
                .addService(service(
                        "S",
                        rpc("Import", ".x.M", ".x.M"),
                        rpc("WithCallOptions", ".x.M", ".x.M"),
                        rpc("ToString", ".x.M", ".x.M"),
                        rpc("ServiceName", ".x.M", ".x.M")))
                .build();

        List<MethodModel> methods =
                only(new ModelReader(List.of(file)).read("x.proto")).methods();

        assertThat(methods)
                .extracting(MethodModel::javaName)
                .containsExactly("import_", "withCallOptions_", "toString_", "serviceName");
        assertThat(methods)
                .extracting(MethodModel::constantName)
                .containsExactly("IMPORT", "WITH_CALL_OPTIONS", "TO_STRING", "SERVICE_NAME_");
    }

    @Test
    void read_collidingNames_laterRpcGetsUnderscores() {
        FileDescriptorProto file = file("x.proto", "x")
                .addMessageType(message("M"))
                .addService(service(
                        "S",
                        rpc("Foo_Bar", ".x.M", ".x.M"),
                        rpc("FooBar", ".x.M", ".x.M"),
                        rpc("Default", ".x.M", ".x.M"),
                        rpc("Default_", ".x.M", ".x.M"),
                        rpc("foo_bar", ".x.M", ".x.M")))
                .build();

        List<MethodModel> methods =
                only(new ModelReader(List.of(file)).read("x.proto")).methods();

        assertThat(methods)
                .extracting(MethodModel::javaName)
                .containsExactly("fooBar", "fooBar_", "default_", "default__", "fooBar__");
        assertThat(methods)
                .extracting(MethodModel::constantName)
                .containsExactly("FOO_BAR", "FOO_BAR_", "DEFAULT", "DEFAULT_", "FOO_BAR__");
    }

    @Test
    void read_commentsAndDeprecation_areCarried() {
        FileDescriptorProto file = file("x.proto", "x")
                .addMessageType(message("M"))
                .addMessageType(
                        message("Old").setOptions(MessageOptions.newBuilder().setDeprecated(true)))
                .addService(service(
                                "S",
                                rpc("A", ".x.M", ".x.M")
                                        .setOptions(MethodOptions.newBuilder().setDeprecated(true)),
                                rpc("B", ".x.Old", ".x.M")
                                        .setClientStreaming(true)
                                        .setServerStreaming(true))
                        .setOptions(ServiceOptions.newBuilder().setDeprecated(true)))
                .setSourceCodeInfo(SourceCodeInfo.newBuilder()
                        .addLocation(location(" The service.\n", 6, 0))
                        .addLocation(location(" Line one.\n\n Line two.\n", 6, 0, 2, 1)))
                .build();

        ServiceModel service = only(new ModelReader(List.of(file)).read("x.proto"));

        assertThat(service.comment()).isEqualTo("The service.");
        assertThat(service.deprecated()).isTrue();
        assertThat(service.usesDeprecated()).isTrue();
        MethodModel a = service.methods().get(0);
        MethodModel b = service.methods().get(1);
        assertThat(a.comment()).isEmpty();
        assertThat(a.deprecated()).isTrue();
        assertThat(b.comment()).isEqualTo("Line one.\n\nLine two.");
        assertThat(b.deprecated()).isFalse();
        assertThat(b.requestType().deprecated()).isTrue();
        assertThat(b.clientStreaming()).isTrue();
        assertThat(b.serverStreaming()).isTrue();
    }

    @Test
    void read_deprecatedFile_marksItsMessagesDeprecated() {
        FileDescriptorProto file = file("x.proto", "x")
                .setOptions(FileOptions.newBuilder().setDeprecated(true))
                .addMessageType(message("M").addNestedType(message("N")))
                .addService(service("S", rpc("A", ".x.M.N", ".x.M.N")))
                .build();

        ServiceModel service = only(new ModelReader(List.of(file)).read("x.proto"));

        assertThat(service.methods().get(0).requestType().deprecated()).isTrue();
        assertThat(service.deprecated()).isFalse();
        assertThat(service.usesDeprecated()).isTrue();
    }

    @Test
    void read_unknownMessageType_failsNamingTheRpc() {
        FileDescriptorProto file = file("x.proto", "x")
                .addService(service("S", rpc("A", ".x.Missing", ".x.Missing")))
                .build();

        assertThatThrownBy(() -> new ModelReader(List.of(file)).read("x.proto"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("x.proto: rpc x.S/A: unknown message type .x.Missing");
    }

    @Test
    void read_generatedClassClashesWithMessageClass_fails() {
        FileDescriptorProto file = file("x.proto", "x")
                .setOptions(FileOptions.newBuilder().setJavaMultipleFiles(true))
                .addMessageType(message("SStub"))
                .addService(service("S", rpc("A", ".x.SStub", ".x.SStub")))
                .build();

        assertThatThrownBy(() -> new ModelReader(List.of(file)).read("x.proto"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("would generate class SStub, which clashes with message x.SStub");
    }

    @Test
    void read_generatedClassClashesWithOuterClass_fails() {
        FileDescriptorProto file = file("s_grpc.proto", "x")
                .addMessageType(message("M"))
                .addService(service("S", rpc("A", ".x.M", ".x.M")))
                .build();

        assertThatThrownBy(() -> new ModelReader(List.of(file)).read("s_grpc.proto"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("would generate class SGrpc, which clashes with the outer class of s_grpc.proto");
    }

    @Test
    void read_messageNestedInOuterClass_doesNotClash() {
        FileDescriptorProto file = file("x.proto", "x")
                .addMessageType(message("SStub"))
                .addService(service("S", rpc("A", ".x.SStub", ".x.SStub")))
                .build();

        assertThat(new ModelReader(List.of(file)).read("x.proto")).hasSize(1);
    }

    @Test
    void normalizeComment_dropsProtocSpaceAndBlankEdges() {
        assertThat(ModelReader.normalizeComment(" Hello.\n   indented\n\n Bye.  \n"))
                .isEqualTo("Hello.\n  indented\n\nBye.");
        assertThat(ModelReader.normalizeComment("no space\n")).isEqualTo("no space");
        assertThat(ModelReader.normalizeComment("\n\n")).isEmpty();
    }

    private static ServiceModel only(List<ServiceModel> services) {
        assertThat(services).hasSize(1);
        return services.get(0);
    }

    private static FileDescriptorProto.Builder file(String name, String protoPackage) {
        return FileDescriptorProto.newBuilder()
                .setName(name)
                .setPackage(protoPackage)
                .setSyntax("proto3");
    }

    private static DescriptorProto.Builder message(String name) {
        return DescriptorProto.newBuilder().setName(name);
    }

    private static ServiceDescriptorProto.Builder service(String name, MethodDescriptorProto.Builder... rpcs) {
        ServiceDescriptorProto.Builder service =
                ServiceDescriptorProto.newBuilder().setName(name);
        for (MethodDescriptorProto.Builder rpc : rpcs) {
            service.addMethod(rpc);
        }
        return service;
    }

    private static MethodDescriptorProto.Builder rpc(String name, String input, String output) {
        return MethodDescriptorProto.newBuilder()
                .setName(name)
                .setInputType(input)
                .setOutputType(output);
    }

    private static SourceCodeInfo.Location location(String leadingComment, Integer... path) {
        return SourceCodeInfo.Location.newBuilder()
                .addAllPath(List.of(path))
                .setLeadingComments(leadingComment)
                .build();
    }
}
