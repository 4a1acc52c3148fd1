package io.rpcvertx.impl.telemetry;

import io.rpcvertx.StatusCode;

/**
 * Where the call layer records gRPC's per-call metrics (gRFC A66 "OpenTelemetry Metrics"). A Vert.x metrics SPI
 * implementation that also implements this interface ({@code vertx.metrics() instanceof RpcMetrics}) receives them;
 * this interface names no metrics library, so checking for it loads none. Methods are called on event loops, once per
 * event, with bounded labels only (method name or {@code other}, target, status).
 */
public interface RpcMetrics {
    /** The label value for a method the server has not registered (a generic handler's, or an unknown one). */
    String OTHER_METHOD = "other";

    /** {@code grpc.client.attempt.started}. */
    void clientAttemptStarted(String method, String target);

    /**
     * {@code grpc.client.attempt.duration} and the attempt's {@code sent}/{@code rcvd_total_compressed_message_size}.
     */
    void clientAttemptEnded(
            String method, String target, StatusCode code, long durationNanos, long sentBytes, long receivedBytes);

    /** {@code grpc.client.call.duration}: the whole call, all its attempts and the waits between them. */
    void clientCallEnded(String method, String target, StatusCode code, long durationNanos);

    /** {@code grpc.server.call.started}. */
    void serverCallStarted(String method);

    /** {@code grpc.server.call.duration} and the call's {@code sent}/{@code rcvd_total_compressed_message_size}. */
    void serverCallEnded(String method, StatusCode code, long durationNanos, long sentBytes, long receivedBytes);
}
