package io.rpcvertx.it.testservice;

import io.grpc.CompressorRegistry;
import io.grpc.DecompressorRegistry;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.rpcvertx.Marshaller;
import io.rpcvertx.MethodDescriptor;
import io.rpcvertx.MethodType;
import io.rpcvertx.ServiceDefinition;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * The shared test service, {@code rpcvertx.it.TestService}: four methods on raw bytes, steered by request metadata.
 * The rpc-vertx servicer ({@link #rpcVertxService}), the grpc-java servicer ({@link #grpcJavaService}) and the Python
 * (grpcio) script implement the same contract, so one client test runs against any of them.
 *
 * <ul>
 *   <li>{@code UnaryCall} (unary): the response is the request.
 *   <li>{@code StreamingOutputCall} (server streaming): the request is sent back {@value #X_COUNT} times (decimal,
 *       default {@value #DEFAULT_COUNT}), each write held back by flow control before the next.
 *   <li>{@code StreamingInputCall} (client streaming): the response is the UTF-8 text {@code
 *       "<messages>:<totalBytes>"} of what was received.
 *   <li>{@code FullDuplexCall} (bidirectional): each request is echoed as it arrives; the call ends OK when the
 *       client half-closes.
 * </ul>
 *
 * <p>Behaviour metadata, honoured by every method:
 *
 * <ul>
 *   <li>{@value #X_ECHO_INITIAL} (text), {@value #X_ECHO_INITIAL_BIN} (binary): copied into the response headers
 *       under the same key; when present, the headers are sent as soon as the call starts.
 *   <li>{@value #X_ECHO_TRAILING}, {@value #X_ECHO_TRAILING_BIN}: copied into the trailers.
 *   <li>{@value #X_STATUS} (decimal code) with optional {@value #X_DETAILS_BIN} (UTF-8 bytes of the details): after
 *       the normal messages (none for a unary response), the call ends with that status; the trailer echo still
 *       applies.
 *   <li>{@value #X_HANG}{@code : 1}: never respond; the call ends only when cancelled or its deadline passes.
 *   <li>{@value #X_COMPRESS}{@code : gzip|deflate}: responses are compressed with that algorithm.
 * </ul>
 *
 * <p>Every servicer reports to a {@link TestServiceEvents}: the call's start (after it can observe cancellation),
 * cancellation, messages sent, and (grpc-java) when flow control stopped it.
 */
public final class TestServiceContract {
    /** The service name. */
    public static final String SERVICE = "rpcvertx.it.TestService";

    /** Number of responses of {@code StreamingOutputCall}, decimal. */
    public static final String X_COUNT = "x-count";
    /** {@value #X_COUNT} when absent. */
    public static final int DEFAULT_COUNT = 3;
    /** Text value copied into the response headers. */
    public static final String X_ECHO_INITIAL = "x-echo-initial";
    /** Binary value copied into the response headers. */
    public static final String X_ECHO_INITIAL_BIN = "x-echo-initial-bin";
    /** Text value copied into the trailers. */
    public static final String X_ECHO_TRAILING = "x-echo-trailing";
    /** Binary value copied into the trailers. */
    public static final String X_ECHO_TRAILING_BIN = "x-echo-trailing-bin";
    /** Status code (decimal) the call ends with after its normal messages. */
    public static final String X_STATUS = "x-status";
    /** UTF-8 bytes of the status details sent with {@value #X_STATUS}. */
    public static final String X_DETAILS_BIN = "x-details-bin";
    /** {@code 1}: never respond. */
    public static final String X_HANG = "x-hang";
    /** {@code gzip} or {@code deflate}: compress responses. */
    public static final String X_COMPRESS = "x-compress";

    public static final MethodDescriptor<byte[], byte[]> UNARY_CALL = method(MethodType.UNARY_UNARY, "UnaryCall");
    public static final MethodDescriptor<byte[], byte[]> STREAMING_OUTPUT_CALL =
            method(MethodType.UNARY_STREAM, "StreamingOutputCall");
    public static final MethodDescriptor<byte[], byte[]> STREAMING_INPUT_CALL =
            method(MethodType.STREAM_UNARY, "StreamingInputCall");
    public static final MethodDescriptor<byte[], byte[]> FULL_DUPLEX_CALL =
            method(MethodType.STREAM_STREAM, "FullDuplexCall");

    /** grpc-java's view of raw-bytes messages. */
    public static final io.grpc.MethodDescriptor.Marshaller<byte[]> GRPC_BYTES = new GrpcByteArrayMarshaller();

    public static final io.grpc.MethodDescriptor<byte[], byte[]> GRPC_UNARY_CALL =
            grpcMethod(io.grpc.MethodDescriptor.MethodType.UNARY, SERVICE + "/UnaryCall");
    public static final io.grpc.MethodDescriptor<byte[], byte[]> GRPC_STREAMING_OUTPUT_CALL =
            grpcMethod(io.grpc.MethodDescriptor.MethodType.SERVER_STREAMING, SERVICE + "/StreamingOutputCall");
    public static final io.grpc.MethodDescriptor<byte[], byte[]> GRPC_STREAMING_INPUT_CALL =
            grpcMethod(io.grpc.MethodDescriptor.MethodType.CLIENT_STREAMING, SERVICE + "/StreamingInputCall");
    public static final io.grpc.MethodDescriptor<byte[], byte[]> GRPC_FULL_DUPLEX_CALL =
            grpcMethod(io.grpc.MethodDescriptor.MethodType.BIDI_STREAMING, SERVICE + "/FullDuplexCall");

    private TestServiceContract() {}

    /** The contract served on the rpc-vertx API. */
    public static ServiceDefinition rpcVertxService(TestServiceEvents events) {
        return RpcVertxTestService.create(events);
    }

    /**
     * The contract served by grpc-java. For {@code deflate} (requests or {@value #X_COMPRESS}), build the server with
     * {@link #grpcJavaCompressors()} and {@link #grpcJavaDecompressors()}.
     */
    public static ServerServiceDefinition grpcJavaService(TestServiceEvents events) {
        return GrpcJavaTestService.create(events);
    }

    /**
     * A raw-bytes grpc-java descriptor for any method name ({@code package.Service/Method}), e.g. one the server does
     * not have.
     */
    public static io.grpc.MethodDescriptor<byte[], byte[]> grpcMethod(
            io.grpc.MethodDescriptor.MethodType type, String fullMethodName) {
        return io.grpc.MethodDescriptor.<byte[], byte[]>newBuilder()
                .setType(type)
                .setFullMethodName(fullMethodName)
                .setRequestMarshaller(GRPC_BYTES)
                .setResponseMarshaller(GRPC_BYTES)
                .build();
    }

    /**
     * grpc-java compressors: gzip (grpc-java's default) plus {@code deflate}, which grpc-java does not ship. A fresh
     * registry, since grpc-java's default instance is shared.
     */
    public static CompressorRegistry grpcJavaCompressors() {
        CompressorRegistry registry = CompressorRegistry.newEmptyInstance();
        CompressorRegistry defaults = CompressorRegistry.getDefaultInstance();
        registry.register(defaults.lookupCompressor("identity"));
        registry.register(defaults.lookupCompressor("gzip"));
        registry.register(new GrpcDeflateCodec());
        return registry;
    }

    /** grpc-java decompressors: the defaults (identity, gzip) plus {@code deflate}, all advertised. */
    public static DecompressorRegistry grpcJavaDecompressors() {
        return DecompressorRegistry.getDefaultInstance().with(new GrpcDeflateCodec(), true);
    }

    private static MethodDescriptor<byte[], byte[]> method(MethodType type, String name) {
        return MethodDescriptor.of(type, SERVICE + "/" + name, Marshaller.BYTES, Marshaller.BYTES);
    }

    private static final class GrpcByteArrayMarshaller implements io.grpc.MethodDescriptor.Marshaller<byte[]> {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw Status.INTERNAL
                        .withDescription("reading a message")
                        .withCause(e)
                        .asRuntimeException();
            }
        }
    }
}
