package io.rpcvertx.impl.codec;

import io.rpcvertx.Metadata;
import io.rpcvertx.StatusCode;
import io.vertx.core.MultiMap;
import org.jspecify.annotations.Nullable;

/**
 * The client's rules for a response's headers and trailers (gRPC over HTTP/2, "Responses"), shared by every HTTP/2
 * client transport: the HTTP status, the content-type, trailers-only responses, the message encoding, and the call
 * status the trailers carry.
 */
public final class ResponseRules {
    private ResponseRules() {}

    /** The call's end as the trailers say it: the status, its details, and the trailing metadata. */
    public record Outcome(StatusCode code, String details, Metadata trailers) {}

    /**
     * The HTTP status of a response head, from its {@code :status} value.
     *
     * @throws WireException INTERNAL when it is missing or not a number
     */
    public static int httpStatus(@Nullable CharSequence status) {
        if (status != null && status.length() == 3) {
            int code = 0;
            for (int i = 0; i < 3; i++) {
                char c = status.charAt(i);
                if (c < '0' || c > '9') {
                    code = -1;
                    break;
                }
                code = code * 10 + (c - '0');
            }
            if (code >= 100) {
                return code;
            }
        }
        throw new WireException(
                StatusCode.INTERNAL,
                "Malformed response headers, :status missing or not a status code (" + status + ")");
    }

    /** Whether the response head is a trailers-only response (it carries {@code grpc-status}). */
    public static boolean isTrailersOnly(MultiMap headers) {
        return headers.contains(GrpcHeaders.GRPC_STATUS);
    }

    /**
     * Checks a response head with HTTP status {@code httpStatus}.
     *
     * @throws WireException for a status other than 200 (the code of the spec's HTTP table), or a response with
     *     messages whose content-type is not gRPC (INTERNAL)
     */
    public static void checkHead(int httpStatus, MultiMap headers) {
        if (httpStatus != 200) {
            throw new WireException(
                    StatusMapping.fromHttpStatus(httpStatus),
                    "HTTP status code " + httpStatus
                            + (headers.contains(GrpcHeaders.GRPC_STATUS) ? "" : ", no grpc-status"));
        }
        if (!isTrailersOnly(headers) && !ContentTypes.isGrpc(headers.get(GrpcHeaders.CONTENT_TYPE))) {
            throw new WireException(
                    StatusCode.INTERNAL, "invalid content-type: " + headers.get(GrpcHeaders.CONTENT_TYPE));
        }
    }

    /**
     * The encoding of the response's messages ({@code grpc-encoding}).
     *
     * @throws WireException INTERNAL for an encoding we cannot decompress
     */
    public static Encoding encoding(MultiMap headers) {
        String name = headers.get(GrpcHeaders.GRPC_ENCODING);
        if (name == null) {
            return Encoding.IDENTITY;
        }
        Encoding encoding = Encoding.forName(name);
        if (encoding == null) {
            throw new WireException(StatusCode.INTERNAL, "Can't find decompressor for " + name);
        }
        return encoding;
    }

    /**
     * The call's end from {@code source}, the trailers (or the head of a trailers-only response): UNKNOWN when
     * {@code grpc-status} is missing or not a status code, the metadata's own error when it is malformed.
     */
    public static Outcome outcome(MultiMap source) {
        String grpcStatus = source.get(GrpcHeaders.GRPC_STATUS);
        Metadata trailing;
        try {
            trailing = MetadataCodec.fromResponseHeaders(source);
        } catch (WireException e) {
            return new Outcome(e.code(), e.getMessage(), Metadata.EMPTY);
        }
        if (grpcStatus == null) {
            return new Outcome(StatusCode.UNKNOWN, "missing grpc-status in response trailers", trailing);
        }
        String message = source.get(GrpcHeaders.GRPC_MESSAGE);
        StatusCode code = StatusMapping.parseGrpcStatus(grpcStatus);
        String details = message == null ? "" : StatusMessages.decode(message);
        if (code == StatusCode.UNKNOWN && !StatusMapping.isKnownGrpcStatus(grpcStatus)) {
            details = "Invalid grpc-status '" + grpcStatus + "'" + (details.isEmpty() ? "" : ": " + details);
        }
        return new Outcome(code, details, trailing);
    }

    /** The message of a stream whose DATA ended inside a message. */
    public static final String END_MID_FRAME = "Encountered end-of-stream mid-frame";
}
