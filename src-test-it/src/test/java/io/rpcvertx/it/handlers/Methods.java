package io.rpcvertx.it.handlers;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.rpcvertx.Marshaller;
import io.rpcvertx.MethodDescriptor;
import io.rpcvertx.MethodType;
import io.vertx.core.buffer.Buffer;

/** UTF-8 string methods of the service {@value #SERVICE} used by the handler tests. */
final class Methods {
    static final String SERVICE = "it.Handlers";
    static final Marshaller<String> UTF8 = Marshaller.of(s -> Buffer.buffer(s.getBytes(UTF_8)), b -> b.toString(UTF_8));

    static final MethodDescriptor<String, String> UNARY = unary("Unary");
    static final MethodDescriptor<String, String> OTHER_UNARY = unary("OtherUnary");
    static final MethodDescriptor<String, String> SERVER_STREAM = method(MethodType.UNARY_STREAM, "ServerStream");
    static final MethodDescriptor<String, String> CLIENT_STREAM = method(MethodType.STREAM_UNARY, "ClientStream");
    static final MethodDescriptor<String, String> BIDI = method(MethodType.STREAM_STREAM, "Bidi");

    private Methods() {}

    static MethodDescriptor<String, String> unary(String name) {
        return method(MethodType.UNARY_UNARY, name);
    }

    static MethodDescriptor<String, String> method(MethodType type, String name) {
        return MethodDescriptor.of(type, SERVICE + "/" + name, UTF8, UTF8);
    }
}
