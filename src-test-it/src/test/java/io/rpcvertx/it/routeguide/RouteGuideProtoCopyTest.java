package io.rpcvertx.it.routeguide;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** src/test/proto/routeguide/route_guide.proto must stay the examples' proto with another java_package. */
@Timeout(30)
class RouteGuideProtoCopyTest {
    @Test
    void grpcJavaCopy_differsOnlyInJavaPackage() {
        FileDescriptorProto examples =
                io.rpcvertx.examples.routeguide.RouteGuideProto.getDescriptor().toProto();
        FileDescriptorProto copy = io.rpcvertx.it.routeguide.grpcjava.RouteGuideProto.getDescriptor()
                .toProto();

        assertThat(examples.getOptions().getJavaPackage()).isEqualTo("io.rpcvertx.examples.routeguide");
        assertThat(copy.getOptions().getJavaPackage()).isEqualTo("io.rpcvertx.it.routeguide.grpcjava");
        assertThat(withoutJavaPackage(copy)).isEqualTo(withoutJavaPackage(examples));
    }

    private static FileDescriptorProto withoutJavaPackage(FileDescriptorProto file) {
        FileDescriptorProto.Builder builder = file.toBuilder();
        builder.getOptionsBuilder().clearJavaPackage();
        return builder.build();
    }
}
