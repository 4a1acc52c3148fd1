package io.rpcvertx;

/**
 * The gRPC status codes (grpc.aio {@code grpc.StatusCode}).
 *
 * <p>{@link #value()} is the number carried in the {@code grpc-status} trailer; {@link #fromValue(int)} maps a number
 * back, turning codes this enum does not know into {@link #UNKNOWN}, as the gRPC spec asks of receivers.
 */
public enum StatusCode {
    OK(0),
    CANCELLED(1),
    UNKNOWN(2),
    INVALID_ARGUMENT(3),
    DEADLINE_EXCEEDED(4),
    NOT_FOUND(5),
    ALREADY_EXISTS(6),
    PERMISSION_DENIED(7),
    RESOURCE_EXHAUSTED(8),
    FAILED_PRECONDITION(9),
    ABORTED(10),
    OUT_OF_RANGE(11),
    UNIMPLEMENTED(12),
    INTERNAL(13),
    UNAVAILABLE(14),
    DATA_LOSS(15),
    UNAUTHENTICATED(16);

    private static final StatusCode[] BY_VALUE = values();

    private final int value;

    StatusCode(int value) {
        this.value = value;
    }

    /** The wire value of this code, as sent in {@code grpc-status}. */
    public int value() {
        return value;
    }

    /** The code for a wire value; values outside 0..16 give {@link #UNKNOWN}. */
    public static StatusCode fromValue(int value) {
        return value >= 0 && value < BY_VALUE.length ? BY_VALUE[value] : UNKNOWN;
    }
}
