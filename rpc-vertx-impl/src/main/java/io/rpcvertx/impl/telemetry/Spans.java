package io.rpcvertx.impl.telemetry;

import io.rpcvertx.StatusCode;
import io.vertx.core.spi.tracing.TagExtractor;

/** The span attributes both sides share (OpenTelemetry RPC semantic conventions, gRPC). */
final class Spans {
    private Spans() {}

    /** A span's end: {@code rpc.grpc.status_code}, the status's number. */
    static final TagExtractor<StatusCode> STATUS_TAGS = new TagExtractor<>() {
        @Override
        public int len(StatusCode code) {
            return 1;
        }

        @Override
        public String name(StatusCode code, int index) {
            return "rpc.grpc.status_code";
        }

        @Override
        public String value(StatusCode code, int index) {
            return Integer.toString(code.value());
        }
    };

    /** {@code rpc.service}: the full method name up to its last slash ({@code package.Service}). */
    static String service(String fullMethodName) {
        int slash = fullMethodName.lastIndexOf('/');
        return slash < 0 ? "" : fullMethodName.substring(0, slash);
    }

    /** {@code rpc.method}: the full method name after its last slash. */
    static String method(String fullMethodName) {
        return fullMethodName.substring(fullMethodName.lastIndexOf('/') + 1);
    }
}
