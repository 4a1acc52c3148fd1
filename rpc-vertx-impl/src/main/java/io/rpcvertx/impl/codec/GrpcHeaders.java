package io.rpcvertx.impl.codec;

import io.netty.util.AsciiString;
import io.rpcvertx.StatusCode;
import io.vertx.grpc.common.GrpcHeaderNames;

/**
 * Header names and values of the gRPC wire protocol as pre-built {@link AsciiString}s: Netty hashes and compares them
 * without converting or validating a {@code String} per call (the hot path sets and reads these on every RPC).
 */
public final class GrpcHeaders {
    public static final AsciiString CONTENT_TYPE = AsciiString.cached("content-type");
    public static final AsciiString TE = AsciiString.cached("te");
    public static final AsciiString USER_AGENT = AsciiString.cached("user-agent");
    public static final AsciiString GRPC_TIMEOUT = GrpcHeaderNames.GRPC_TIMEOUT;
    public static final AsciiString GRPC_ENCODING = GrpcHeaderNames.GRPC_ENCODING;
    public static final AsciiString GRPC_ACCEPT_ENCODING = GrpcHeaderNames.GRPC_ACCEPT_ENCODING;
    public static final AsciiString GRPC_STATUS = GrpcHeaderNames.GRPC_STATUS;
    public static final AsciiString GRPC_MESSAGE = GrpcHeaderNames.GRPC_MESSAGE;

    public static final AsciiString APPLICATION_GRPC = AsciiString.cached(ContentTypes.GRPC);
    public static final AsciiString TRAILERS = AsciiString.cached("trailers");
    public static final AsciiString ACCEPT_ENCODING_VALUE = AsciiString.cached(Encoding.acceptEncodingHeader());

    private static final AsciiString[] STATUS_VALUES = new AsciiString[StatusCode.values().length];

    static {
        for (StatusCode c : StatusCode.values()) {
            STATUS_VALUES[c.ordinal()] = AsciiString.cached(Integer.toString(c.value()));
        }
    }

    private GrpcHeaders() {}

    /** The {@code grpc-status} value of a code. */
    public static AsciiString status(StatusCode code) {
        return STATUS_VALUES[code.ordinal()];
    }
}
