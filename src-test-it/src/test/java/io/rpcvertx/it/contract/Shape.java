package io.rpcvertx.it.contract;

import io.rpcvertx.Marshaller;
import io.rpcvertx.MethodDescriptor;
import io.rpcvertx.MethodType;
import io.rpcvertx.it.testservice.TestServiceContract;

/** The four RPC shapes, each with its test-service method and its probe method (raw bytes both). */
enum Shape {
    UNARY_UNARY(MethodType.UNARY_UNARY, TestServiceContract.UNARY_CALL),
    UNARY_STREAM(MethodType.UNARY_STREAM, TestServiceContract.STREAMING_OUTPUT_CALL),
    STREAM_UNARY(MethodType.STREAM_UNARY, TestServiceContract.STREAMING_INPUT_CALL),
    STREAM_STREAM(MethodType.STREAM_STREAM, TestServiceContract.FULL_DUPLEX_CALL);

    /** The service of the probe methods, whose handlers each test writes itself. */
    static final String PROBE_SERVICE = "rpcvertx.it.contract.Probe";

    private final MethodType type;
    private final MethodDescriptor<byte[], byte[]> testService;
    private final MethodDescriptor<byte[], byte[]> probe;

    Shape(MethodType type, MethodDescriptor<byte[], byte[]> testService) {
        this.type = type;
        this.testService = testService;
        this.probe = MethodDescriptor.of(type, PROBE_SERVICE + "/" + name(), Marshaller.BYTES, Marshaller.BYTES);
    }

    MethodType type() {
        return type;
    }

    /** The {@link TestServiceContract} method of this shape. */
    MethodDescriptor<byte[], byte[]> testService() {
        return testService;
    }

    /** {@code rpcvertx.it.contract.Probe/<SHAPE>}. */
    MethodDescriptor<byte[], byte[]> probe() {
        return probe;
    }

    boolean clientStreaming() {
        return type.isClientStreaming();
    }

    boolean serverStreaming() {
        return type.isServerStreaming();
    }
}
