package io.rpcvertx;

import java.util.Objects;

/**
 * The failure of an RPC (grpc.aio {@code AioRpcError}): a non-OK status code, its details, and the metadata the peer
 * sent.
 *
 * <p>Client futures ({@code response()}, {@code read()}, {@code write()}) fail with this exception when the call ends
 * with a status other than {@link StatusCode#OK}. A servicer may also return a future failed with it to end its call
 * with that status and trailing metadata.
 */
public final class RpcException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final StatusCode code;
    private final String details;
    private final transient Metadata initialMetadata;
    private final transient Metadata trailingMetadata;

    /** An exception with a code and details, without metadata. */
    public RpcException(StatusCode code, String details) {
        this(code, details, Metadata.EMPTY, Metadata.EMPTY);
    }

    /** An exception with a code, details and trailing metadata. */
    public RpcException(StatusCode code, String details, Metadata trailingMetadata) {
        this(code, details, Metadata.EMPTY, trailingMetadata);
    }

    /** An exception with everything the peer sent. */
    public RpcException(StatusCode code, String details, Metadata initialMetadata, Metadata trailingMetadata) {
        super(code + ": " + details, null, false, false);
        this.code = Objects.requireNonNull(code, "code");
        this.details = Objects.requireNonNull(details, "details");
        this.initialMetadata = Objects.requireNonNull(initialMetadata, "initialMetadata");
        this.trailingMetadata = Objects.requireNonNull(trailingMetadata, "trailingMetadata");
        if (code == StatusCode.OK) {
            throw new IllegalArgumentException("code: OK (expected: an error code)");
        }
    }

    /** The status code; never {@link StatusCode#OK}. */
    public StatusCode code() {
        return code;
    }

    /** The status details ({@code grpc-message}), possibly empty. */
    public String details() {
        return details;
    }

    /** The metadata received in the response headers, or empty. */
    public Metadata initialMetadata() {
        return initialMetadata;
    }

    /** The metadata received in the trailers, or empty. */
    public Metadata trailingMetadata() {
        return trailingMetadata;
    }

    /** A one-line description for logs (aio's {@code debug_error_string()}). */
    public String debugErrorString() {
        return "RpcException{code=" + code + ", details=\"" + details + "\", trailing=" + trailingMetadata + "}";
    }
}
