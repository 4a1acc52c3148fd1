package io.rpcvertx;

import java.util.Objects;

/**
 * Describes one RPC method: its full name ({@code package.Service/Method}), its {@link MethodType}, and the
 * marshallers of its request and response messages. Used by both sides: the client serializes requests and
 * deserializes responses, the server does the reverse. Immutable; generated code declares one constant per method.
 *
 * <pre>{@code
 * MethodDescriptor<HelloRequest, HelloReply> SAY_HELLO = MethodDescriptor.of(
 *     MethodType.UNARY_UNARY, "helloworld.Greeter/SayHello",
 *     Marshaller.of(m -> Buffer.buffer(m.toByteArray()), b -> HelloRequest.parseFrom(b.getBytes())),
 *     Marshaller.of(m -> Buffer.buffer(m.toByteArray()), b -> HelloReply.parseFrom(b.getBytes())));
 * }</pre>
 *
 * @param <Req> the request message type
 * @param <Resp> the response message type
 */
public final class MethodDescriptor<Req, Resp> {
    private final MethodType type;
    private final String fullMethodName;
    private final String path;
    private final String serviceName;
    private final String methodName;
    private final Marshaller<Req> requestMarshaller;
    private final Marshaller<Resp> responseMarshaller;

    private MethodDescriptor(
            MethodType type,
            String fullMethodName,
            Marshaller<Req> requestMarshaller,
            Marshaller<Resp> responseMarshaller) {
        this.type = type;
        this.fullMethodName = fullMethodName;
        this.path = "/" + fullMethodName;
        int slash = fullMethodName.indexOf('/');
        this.serviceName = fullMethodName.substring(0, slash);
        this.methodName = fullMethodName.substring(slash + 1);
        this.requestMarshaller = requestMarshaller;
        this.responseMarshaller = responseMarshaller;
    }

    /**
     * A descriptor.
     *
     * @param fullMethodName {@code package.Service/Method}; a leading {@code /} (grpc.aio's form) is accepted
     * @throws IllegalArgumentException if the name is not {@code service/method} with both parts non-empty
     */
    public static <Req, Resp> MethodDescriptor<Req, Resp> of(
            MethodType type,
            String fullMethodName,
            Marshaller<Req> requestMarshaller,
            Marshaller<Resp> responseMarshaller) {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(fullMethodName, "fullMethodName");
        Objects.requireNonNull(requestMarshaller, "requestMarshaller");
        Objects.requireNonNull(responseMarshaller, "responseMarshaller");
        String name = fullMethodName.startsWith("/") ? fullMethodName.substring(1) : fullMethodName;
        int slash = name.indexOf('/');
        if (slash <= 0 || slash == name.length() - 1 || name.indexOf('/', slash + 1) >= 0) {
            throw new IllegalArgumentException(
                    "fullMethodName: \"" + fullMethodName + "\" (expected: package.Service/Method)");
        }
        return new MethodDescriptor<>(type, name, requestMarshaller, responseMarshaller);
    }

    /** The RPC shape. */
    public MethodType type() {
        return type;
    }

    /** {@code package.Service/Method}. */
    public String fullMethodName() {
        return fullMethodName;
    }

    /** The HTTP/2 {@code :path}: {@code /package.Service/Method}. */
    public String path() {
        return path;
    }

    /** {@code package.Service}. */
    public String serviceName() {
        return serviceName;
    }

    /** {@code Method}. */
    public String methodName() {
        return methodName;
    }

    /** Serializes requests (client) and deserializes them (server). */
    public Marshaller<Req> requestMarshaller() {
        return requestMarshaller;
    }

    /** Serializes responses (server) and deserializes them (client). */
    public Marshaller<Resp> responseMarshaller() {
        return responseMarshaller;
    }

    @Override
    public String toString() {
        return "MethodDescriptor{" + type + " " + fullMethodName + "}";
    }
}
