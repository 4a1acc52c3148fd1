package io.rpcvertx.protobuf;

import com.google.protobuf.InvalidProtocolBufferException;
import io.rpcvertx.Metadata;
import io.rpcvertx.RpcException;
import io.rpcvertx.StatusCode;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Rich errors: a {@code google.rpc.Status} (code, message and typed details such as {@code BadRequest} or
 * {@code ErrorInfo}) sent in the {@code grpc-status-details-bin} trailer next to {@code grpc-status} and
 * {@code grpc-message}. The wire form is the one grpc-java's {@code io.grpc.protobuf.StatusProto}, grpcio's
 * {@code grpc_status.rpc_status} and grpc-go's {@code status.FromError} use, so details travel between all of them.
 *
 * <p>A servicer fails its call with a rich status:
 *
 * <pre>{@code
 * com.google.rpc.Status status = com.google.rpc.Status.newBuilder()
 *     .setCode(Code.INVALID_ARGUMENT.getNumber())
 *     .setMessage("name is empty")
 *     .addDetails(Any.pack(BadRequest.newBuilder()
 *         .addFieldViolations(FieldViolation.newBuilder().setField("name").setDescription("must not be empty"))
 *         .build()))
 *     .build();
 * return Future.failedFuture(StatusProtos.toRpcException(status));
 * }</pre>
 *
 * and a client reads it back:
 *
 * <pre>{@code
 * call.response().onFailure(e -> StatusProtos.fromThrowable(e).ifPresent(status -> ...));
 * }</pre>
 *
 * All methods are static, thread-safe and do no I/O.
 */
public final class StatusProtos {
    /** The trailer that carries the serialized {@code google.rpc.Status}. */
    public static final String STATUS_DETAILS_KEY = "grpc-status-details-bin";

    private StatusProtos() {}

    /**
     * An exception that ends a call with {@code status}: its code becomes {@code grpc-status}, its message
     * {@code grpc-message}, and the whole status the {@code grpc-status-details-bin} trailer.
     *
     * @throws IllegalArgumentException if the code is {@code OK} (0) or not a gRPC code (outside 1..16)
     */
    public static RpcException toRpcException(com.google.rpc.Status status) {
        return toRpcException(status, Metadata.EMPTY);
    }

    /**
     * As {@link #toRpcException(com.google.rpc.Status)}, with more trailing metadata; a
     * {@code grpc-status-details-bin} entry in {@code trailingMetadata} is replaced by {@code status}.
     *
     * @throws IllegalArgumentException if the code is {@code OK} (0) or not a gRPC code (outside 1..16)
     */
    public static RpcException toRpcException(com.google.rpc.Status status, Metadata trailingMetadata) {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(trailingMetadata, "trailingMetadata");
        StatusCode code = codeOf(status);
        Metadata trailers = trailingMetadata.toBuilder()
                .removeAll(STATUS_DETAILS_KEY)
                .addBinary(STATUS_DETAILS_KEY, status.toByteArray())
                .build();
        return new RpcException(code, status.getMessage(), trailers);
    }

    /**
     * The rich status of the first {@link RpcException} in {@code throwable}'s cause chain (grpc-java
     * {@code StatusProto.fromThrowable}), or empty if there is none. See {@link #fromRpcException}.
     *
     * @throws IllegalArgumentException as {@link #fromRpcException}
     */
    public static Optional<com.google.rpc.Status> fromThrowable(Throwable throwable) {
        Objects.requireNonNull(throwable, "throwable");
        Throwable t = throwable;
        // bounded, so a cyclic cause chain cannot loop forever
        for (int depth = 0; t != null && depth < 100; depth++) {
            if (t instanceof RpcException) {
                return Optional.of(fromRpcException((RpcException) t));
            }
            t = t.getCause();
        }
        return Optional.empty();
    }

    /**
     * The rich status of a failed call: the {@code google.rpc.Status} of its {@code grpc-status-details-bin} trailer,
     * or, without that trailer, a status holding just the call's code and details.
     *
     * @throws IllegalArgumentException if the trailer does not parse, or its code differs from the call's status code
     *     (as grpc-java's {@code StatusProto} requires)
     */
    public static com.google.rpc.Status fromRpcException(RpcException exception) {
        Objects.requireNonNull(exception, "exception");
        Optional<com.google.rpc.Status> details = fromMetadata(exception.trailingMetadata());
        if (details.isEmpty()) {
            return com.google.rpc.Status.newBuilder()
                    .setCode(exception.code().value())
                    .setMessage(exception.details())
                    .build();
        }
        com.google.rpc.Status status = details.get();
        if (status.getCode() != exception.code().value()) {
            throw new IllegalArgumentException("grpc-status-details-bin: code " + status.getCode()
                    + " (expected: the call's status code " + exception.code().value() + ", " + exception.code()
                    + ")");
        }
        return status;
    }

    /**
     * The {@code google.rpc.Status} in a {@code grpc-status-details-bin} entry of {@code metadata}, or empty. With
     * several entries, the last one counts (as in grpc-java).
     *
     * @throws IllegalArgumentException if the entry does not parse as a {@code google.rpc.Status}
     */
    public static Optional<com.google.rpc.Status> fromMetadata(Metadata metadata) {
        Objects.requireNonNull(metadata, "metadata");
        List<byte[]> values = metadata.getAllBinary(STATUS_DETAILS_KEY);
        if (values.isEmpty()) {
            return Optional.empty();
        }
        byte[] last = values.get(values.size() - 1);
        try {
            return Optional.of(com.google.rpc.Status.parseFrom(last));
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException(
                    "grpc-status-details-bin: " + last.length + " bytes (expected: a google.rpc.Status)", e);
        }
    }

    private static StatusCode codeOf(com.google.rpc.Status status) {
        int value = status.getCode();
        if (value <= 0 || value > 16) {
            throw new IllegalArgumentException("status.code: " + value + " (expected: an error code, 1..16)");
        }
        return StatusCode.fromValue(value);
    }
}
