package io.rpcvertx.codegen;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileOptions;
import com.google.protobuf.DescriptorProtos.ServiceDescriptorProto;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@Timeout(10)
class JavaNamesTest {
    @ParameterizedTest
    @CsvSource({
        "GetFeature, getFeature",
        "get_feature, getFeature",
        "Foo_Bar, fooBar",
        "getHTTPStatus, getHTTPStatus",
        "A, a",
        "V2_beta, v2Beta",
        "_Leading, leading",
    })
    void lowerCamel_followsGrpcJava(String proto, String java) {
        assertThat(JavaNames.lowerCamel(proto)).isEqualTo(java);
    }

    @ParameterizedTest
    @CsvSource({
        "SayHello, SAY_HELLO",
        "GetFeature, GET_FEATURE",
        "Foo_Bar, FOO_BAR",
        "FooBar, FOO_BAR",
        "get_http_status, GET_HTTP_STATUS",
        "GetHTTPStatus, GET_HTTP_STATUS",
        "HTTPGet, HTTP_GET",
        "Get2Things, GET2_THINGS",
        "ping, PING",
    })
    void upperSnake_splitsWords(String proto, String constant) {
        assertThat(JavaNames.upperSnake(proto)).isEqualTo(constant);
    }

    @Test
    void isReservedMethodName_keywordsObjectMethodsAndGeneratedMembers() {
        assertThat(JavaNames.isReservedMethodName("import")).isTrue();
        assertThat(JavaNames.isReservedMethodName("default")).isTrue();
        assertThat(JavaNames.isReservedMethodName("null")).isTrue();
        assertThat(JavaNames.isReservedMethodName("yield")).isTrue();
        assertThat(JavaNames.isReservedMethodName("toString")).isTrue();
        assertThat(JavaNames.isReservedMethodName("getClass")).isTrue();
        assertThat(JavaNames.isReservedMethodName("withCallOptions")).isTrue();
        assertThat(JavaNames.isReservedMethodName("bindService")).isTrue();
        assertThat(JavaNames.isReservedMethodName("newStub")).isTrue();
        assertThat(JavaNames.isReservedMethodName("sayHello")).isFalse();
        assertThat(JavaNames.isReservedMethodName("record")).isFalse();
        assertThat(JavaNames.isReservedConstantName("SERVICE_NAME")).isTrue();
        assertThat(JavaNames.isReservedConstantName("SAY_HELLO")).isFalse();
    }

    @ParameterizedTest
    @CsvSource({
        "route_guide.proto, RouteGuide",
        "a/b/route_guide.proto, RouteGuide",
        "helloworld.proto, Helloworld",
        "v2_api.proto, V2Api",
        "foo-bar.baz.proto, FooBarBaz",
        "CamelCase.proto, CamelCase",
        "x2y.proto, X2Y",
        "legacy.protodevel, Legacy",
    })
    void defaultOuterClassName_camelCasesTheBaseName(String file, String outer) {
        assertThat(JavaNames.defaultOuterClassName(file)).isEqualTo(outer);
    }

    @Test
    void outerClassName_explicitOptionWins() {
        FileDescriptorProto file = file("greeter.proto")
                .setOptions(FileOptions.newBuilder().setJavaOuterClassname("GreeterProtos"))
                .addMessageType(DescriptorProto.newBuilder().setName("GreeterProtos"))
                .build();
        assertThat(JavaNames.outerClassName(file)).isEqualTo("GreeterProtos");
    }

    @Test
    void outerClassName_noClash_isTheFileName() {
        assertThat(JavaNames.outerClassName(file("greeter.proto")
                        .addMessageType(DescriptorProto.newBuilder().setName("greeter"))
                        .build()))
                .as("protoc compares exact names only")
                .isEqualTo("Greeter");
    }

    @Test
    void outerClassName_clashWithMessageEnumServiceOrNestedType_appendsOuterClass() {
        assertThat(JavaNames.outerClassName(file("greeter.proto")
                        .addMessageType(DescriptorProto.newBuilder().setName("Greeter"))
                        .build()))
                .isEqualTo("GreeterOuterClass");
        assertThat(JavaNames.outerClassName(file("greeter.proto")
                        .addEnumType(EnumDescriptorProto.newBuilder().setName("Greeter"))
                        .build()))
                .isEqualTo("GreeterOuterClass");
        assertThat(JavaNames.outerClassName(file("greeter.proto")
                        .addService(ServiceDescriptorProto.newBuilder().setName("Greeter"))
                        .build()))
                .isEqualTo("GreeterOuterClass");
        assertThat(JavaNames.outerClassName(file("greeter.proto")
                        .addMessageType(DescriptorProto.newBuilder()
                                .setName("Wrapper")
                                .addNestedType(DescriptorProto.newBuilder().setName("Greeter")))
                        .build()))
                .isEqualTo("GreeterOuterClass");
        assertThat(JavaNames.outerClassName(file("greeter.proto")
                        .addMessageType(DescriptorProto.newBuilder()
                                .setName("Wrapper")
                                .addEnumType(EnumDescriptorProto.newBuilder().setName("Greeter")))
                        .build()))
                .isEqualTo("GreeterOuterClass");
    }

    @Test
    void javaPackage_javaPackageOptionElseProtoPackage() {
        assertThat(JavaNames.javaPackage(file("x.proto")
                        .setPackage("a.b")
                        .setOptions(FileOptions.newBuilder().setJavaPackage("com.example"))
                        .build()))
                .isEqualTo("com.example");
        assertThat(JavaNames.javaPackage(file("x.proto").setPackage("a.b").build()))
                .isEqualTo("a.b");
        assertThat(JavaNames.javaPackage(file("x.proto").build())).isEmpty();
    }

    private static FileDescriptorProto.Builder file(String name) {
        return FileDescriptorProto.newBuilder().setName(name).setSyntax("proto3");
    }
}
