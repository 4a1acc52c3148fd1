package io.rpcvertx.examples.helloworld;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import io.rpcvertx.Marshaller;
import io.rpcvertx.MethodDescriptor;
import io.rpcvertx.MethodType;
import io.vertx.core.buffer.Buffer;

/**
 * The method descriptors of {@code helloworld.Greeter}, written by hand until rpc-vertx-codegen generates them.
 */
public final class GreeterDescriptors {
    /** The service name. */
    public static final String SERVICE_NAME = "helloworld.Greeter";

    /** {@code rpc SayHello (HelloRequest) returns (HelloReply)}. */
    public static final MethodDescriptor<HelloRequest, HelloReply> SAY_HELLO = MethodDescriptor.of(
            MethodType.UNARY_UNARY,
            SERVICE_NAME + "/SayHello",
            protobuf(HelloRequest.parser()),
            protobuf(HelloReply.parser()));

    /** {@code rpc SayHelloStreamReply (HelloRequest) returns (stream HelloReply)}. */
    public static final MethodDescriptor<HelloRequest, HelloReply> SAY_HELLO_STREAM_REPLY = MethodDescriptor.of(
            MethodType.UNARY_STREAM,
            SERVICE_NAME + "/SayHelloStreamReply",
            protobuf(HelloRequest.parser()),
            protobuf(HelloReply.parser()));

    private GreeterDescriptors() {}

    /** A marshaller for protobuf messages; malformed bytes throw {@link IllegalArgumentException}. */
    static <T extends MessageLite> Marshaller<T> protobuf(Parser<T> parser) {
        return Marshaller.of(message -> Buffer.buffer(message.toByteArray()), data -> {
            try {
                return parser.parseFrom(data.getBytes());
            } catch (InvalidProtocolBufferException e) {
                throw new IllegalArgumentException("malformed protobuf message: " + e.getMessage(), e);
            }
        });
    }
}
