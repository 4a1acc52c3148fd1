package io.rpcvertx.opentelemetry;

import io.opentelemetry.api.trace.StatusCode;
import io.rpcvertx.RpcException;
import io.vertx.core.Context;
import io.vertx.core.spi.tracing.SpanKind;
import io.vertx.core.spi.tracing.TagExtractor;
import io.vertx.core.spi.tracing.VertxTracer;
import io.vertx.core.tracing.TracingPolicy;
import io.vertx.tracing.opentelemetry.Operation;
import java.util.Map;
import java.util.function.BiConsumer;
import org.jspecify.annotations.Nullable;

/**
 * vertx-opentelemetry's tracer with the span status of gRPC calls: vertx-opentelemetry (5.0.8) records a call's failure
 * as an exception event but leaves the status UNSET. A gRPC span ends with its {@link io.rpcvertx.StatusCode} as the
 * response (the call layer's spans do, on every transport); before the span ends, this sets ERROR as the OpenTelemetry
 * RPC semantic conventions say for gRPC: on a CLIENT span for every code but OK, on a SERVER span for UNKNOWN,
 * DEADLINE_EXCEEDED, UNIMPLEMENTED, INTERNAL, UNAVAILABLE and DATA_LOSS (the others are the client's errors, and leave
 * the server's status UNSET). Other spans (HTTP) pass through untouched.
 */
final class GrpcSpanStatus implements VertxTracer<Operation, Operation> {
    private final VertxTracer<Operation, Operation> tracer;

    GrpcSpanStatus(VertxTracer<Operation, Operation> tracer) {
        this.tracer = tracer;
    }

    /** Whether a SERVER span ending with {@code code} is an error (OpenTelemetry RPC semantic conventions, gRPC). */
    static boolean isServerError(io.rpcvertx.StatusCode code) {
        switch (code) {
            case UNKNOWN:
            case DEADLINE_EXCEEDED:
            case UNIMPLEMENTED:
            case INTERNAL:
            case UNAVAILABLE:
            case DATA_LOSS:
                return true;
            default:
                return false;
        }
    }

    private static void setError(Operation operation, @Nullable Throwable failure) {
        String description = failure instanceof RpcException
                ? ((RpcException) failure).details()
                : failure == null ? "" : String.valueOf(failure.getMessage());
        operation.span().setStatus(StatusCode.ERROR, description);
    }

    @Override
    public <R> @Nullable Operation receiveRequest(
            Context context,
            SpanKind kind,
            TracingPolicy policy,
            R request,
            String operation,
            Iterable<Map.Entry<String, String>> headers,
            TagExtractor<R> tagExtractor) {
        return tracer.receiveRequest(context, kind, policy, request, operation, headers, tagExtractor);
    }

    @Override
    public <R> void sendResponse(
            Context context,
            R response,
            @Nullable Operation payload,
            @Nullable Throwable failure,
            TagExtractor<R> tagExtractor) {
        if (payload != null
                && response instanceof io.rpcvertx.StatusCode
                && isServerError((io.rpcvertx.StatusCode) response)) {
            setError(payload, failure);
        }
        tracer.sendResponse(context, response, payload, failure, tagExtractor);
    }

    @Override
    public <R> @Nullable Operation sendRequest(
            Context context,
            SpanKind kind,
            TracingPolicy policy,
            R request,
            String operation,
            BiConsumer<String, String> headers,
            TagExtractor<R> tagExtractor) {
        return tracer.sendRequest(context, kind, policy, request, operation, headers, tagExtractor);
    }

    @Override
    public <R> void receiveResponse(
            Context context,
            R response,
            @Nullable Operation payload,
            @Nullable Throwable failure,
            TagExtractor<R> tagExtractor) {
        if (payload != null && response instanceof io.rpcvertx.StatusCode && response != io.rpcvertx.StatusCode.OK) {
            setError(payload, failure);
        }
        tracer.receiveResponse(context, response, payload, failure, tagExtractor);
    }

    @Override
    public void close() {
        tracer.close();
    }
}
