package io.rpcvertx.impl.transport;

import io.rpcvertx.Metadata;
import io.rpcvertx.StatusCode;
import io.rpcvertx.impl.codec.GrpcHeaders;
import io.rpcvertx.impl.codec.MetadataCodec;
import io.rpcvertx.impl.codec.StatusMapping;
import io.rpcvertx.impl.codec.StatusMessages;
import io.vertx.core.MultiMap;
import org.jspecify.annotations.Nullable;

/**
 * A call's status as header fields, both ways: what a server half writes as its trailers (HTTP/2, in-process and
 * event-bus alike) and what a client half reads back from them.
 */
public final class StatusHeaders {
    private StatusHeaders() {}

    /**
     * Puts {@code trailers}, {@code grpc-status} and (when {@code details} is not empty) the percent-encoded {@code
     * grpc-message} into {@code map}.
     *
     * @return {@code map}
     */
    public static MultiMap put(MultiMap map, StatusCode code, String details, Metadata trailers) {
        if (!trailers.isEmpty()) {
            MetadataCodec.toHeaders(trailers, map);
        }
        map.set(GrpcHeaders.GRPC_STATUS, GrpcHeaders.status(code));
        if (!details.isEmpty()) {
            map.set(GrpcHeaders.GRPC_MESSAGE, StatusMessages.encode(details));
        }
        return map;
    }

    /**
     * The status a client half read from the end of a response, kept apart from its delivery so that the stream can
     * leave its channel between the two.
     */
    public record Received(
            @Nullable String grpcStatus, @Nullable String message, Metadata trailers) {
        /** Reads the status, message and trailing metadata of {@code source}. */
        public static Received read(MultiMap source) {
            String grpcStatus = source.get(GrpcHeaders.GRPC_STATUS);
            Metadata trailing = MetadataCodec.fromHeaders(source);
            return new Received(grpcStatus, source.get(GrpcHeaders.GRPC_MESSAGE), trailing);
        }

        /** Hands the status to {@code listener}: UNKNOWN when the response carried no {@code grpc-status}. */
        public void deliver(ClientStreamListener listener) {
            String s = grpcStatus;
            if (s == null) {
                listener.onTrailers(StatusCode.UNKNOWN, "missing grpc-status in response trailers", trailers);
                return;
            }
            String m = message;
            listener.onTrailers(StatusMapping.parseGrpcStatus(s), m == null ? "" : StatusMessages.decode(m), trailers);
        }
    }
}
