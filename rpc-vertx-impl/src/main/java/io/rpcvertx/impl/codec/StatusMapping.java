package io.rpcvertx.impl.codec;

import io.rpcvertx.StatusCode;
import org.jspecify.annotations.Nullable;

/** Maps HTTP statuses, HTTP/2 error codes and {@code grpc-status} values to gRPC status codes. */
public final class StatusMapping {
    private StatusMapping() {}

    /**
     * The status of a response whose HTTP status is not 200 and that has no {@code grpc-status} (gRPC spec, "HTTP to
     * gRPC Status Code Mapping").
     */
    public static StatusCode fromHttpStatus(int httpStatus) {
        switch (httpStatus) {
            case 400:
                return StatusCode.INTERNAL;
            case 401:
                return StatusCode.UNAUTHENTICATED;
            case 403:
                return StatusCode.PERMISSION_DENIED;
            case 404:
                return StatusCode.UNIMPLEMENTED;
            case 429:
            case 502:
            case 503:
            case 504:
                return StatusCode.UNAVAILABLE;
            default:
                return StatusCode.UNKNOWN;
        }
    }

    /**
     * The status of a call ended by RST_STREAM or GOAWAY with this HTTP/2 error code (gRPC over HTTP/2, "Errors").
     * Unlike vertx-grpc-common's {@code GrpcError}, CONNECT_ERROR maps to INTERNAL as the spec says, and codes the
     * table does not list (STREAM_CLOSED, HTTP_1_1_REQUIRED, unknown) map to INTERNAL rather than null.
     */
    public static StatusCode fromHttp2ErrorCode(long code) {
        if (code == 0x7) { // REFUSED_STREAM: the peer did not process the stream, so a retry is safe
            return StatusCode.UNAVAILABLE;
        }
        if (code == 0x8) { // CANCEL
            return StatusCode.CANCELLED;
        }
        if (code == 0xB) { // ENHANCE_YOUR_CALM
            return StatusCode.RESOURCE_EXHAUSTED;
        }
        if (code == 0xC) { // INADEQUATE_SECURITY
            return StatusCode.PERMISSION_DENIED;
        }
        // NO_ERROR, PROTOCOL_ERROR, INTERNAL_ERROR, FLOW_CONTROL_ERROR, SETTINGS_TIMEOUT, STREAM_CLOSED,
        // FRAME_SIZE_ERROR, COMPRESSION_ERROR, CONNECT_ERROR, HTTP_1_1_REQUIRED and unknown codes
        return StatusCode.INTERNAL;
    }

    /**
     * Whether a {@code grpc-status} value is a code we know (1*DIGIT, 0-16); when it is not, {@link #parseGrpcStatus}
     * gives UNKNOWN and the details should say why.
     */
    public static boolean isKnownGrpcStatus(@Nullable String value) {
        if (value == null || value.isEmpty() || value.length() > 2) {
            return false;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return Integer.parseInt(value) <= StatusCode.UNAUTHENTICATED.value();
    }

    /**
     * The code carried by a {@code grpc-status} value; a missing, empty, non-numeric or unknown value gives UNKNOWN
     * (gRPC over HTTP/2, "Responses": receivers treat unknown codes as UNKNOWN).
     */
    public static StatusCode parseGrpcStatus(@Nullable String value) {
        if (value == null || value.isEmpty()) {
            return StatusCode.UNKNOWN;
        }
        int code = 0;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') {
                return StatusCode.UNKNOWN;
            }
            code = code * 10 + (c - '0');
            if (code > StatusCode.UNAUTHENTICATED.value()) { // also stops before int overflow
                return StatusCode.UNKNOWN;
            }
        }
        return StatusCode.fromValue(code);
    }
}
