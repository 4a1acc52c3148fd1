package io.rpcvertx.it.server;

import io.grpc.MethodDescriptor;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** grpc-java descriptors of the {@link StopLoad} and {@link HeldCalls} unary methods, with UTF-8 strings. */
final class GrpcJavaMethods {
    static final MethodDescriptor.Marshaller<String> STRING = new MethodDescriptor.Marshaller<>() {
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
    static final MethodDescriptor<String, String> UNARY = unary(StopLoad.UNARY.fullMethodName());
    static final MethodDescriptor<String, String> HOLD = unary(HeldCalls.HOLD.fullMethodName());

    private GrpcJavaMethods() {}

    private static MethodDescriptor<String, String> unary(String fullMethodName) {
        return MethodDescriptor.<String, String>newBuilder()
                .setType(MethodDescriptor.MethodType.UNARY)
                .setFullMethodName(fullMethodName)
                .setRequestMarshaller(STRING)
                .setResponseMarshaller(STRING)
                .build();
    }
}
