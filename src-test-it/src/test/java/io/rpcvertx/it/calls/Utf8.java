package io.rpcvertx.it.calls;

import io.grpc.Status;
import io.rpcvertx.Marshaller;
import io.rpcvertx.MethodDescriptor;
import io.rpcvertx.MethodType;
import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/** UTF-8 string messages for both rpc-vertx and grpc-java, and descriptors of any method name. */
final class Utf8 {
    static final Marshaller<String> MARSHALLER =
            Marshaller.of(s -> Buffer.buffer(s, "UTF-8"), b -> b.toString(StandardCharsets.UTF_8));

    static final io.grpc.MethodDescriptor.Marshaller<String> GRPC = new io.grpc.MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(String value) {
            return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String parse(InputStream stream) {
            try {
                return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw Status.INTERNAL.withCause(e).asRuntimeException();
            }
        }
    };

    private Utf8() {}

    static MethodDescriptor<String, String> method(MethodType type, String fullName) {
        return MethodDescriptor.of(type, fullName, MARSHALLER, MARSHALLER);
    }

    static io.grpc.MethodDescriptor<String, String> grpcMethod(
            io.grpc.MethodDescriptor.MethodType type, String fullName) {
        return io.grpc.MethodDescriptor.<String, String>newBuilder()
                .setType(type)
                .setFullMethodName(fullName)
                .setRequestMarshaller(GRPC)
                .setResponseMarshaller(GRPC)
                .build();
    }
}
