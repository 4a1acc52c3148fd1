package io.rpcvertx.examples.interop;

import com.google.protobuf.ByteString;
import io.rpcvertx.Compression;
import io.rpcvertx.Metadata;
import io.rpcvertx.ServicerContext;
import io.rpcvertx.StatusCode;
import io.rpcvertx.examples.interop.proto.EmptyProtos.Empty;
import io.rpcvertx.examples.interop.proto.Messages.BoolValue;
import io.rpcvertx.examples.interop.proto.Messages.EchoStatus;
import io.rpcvertx.examples.interop.proto.Messages.Payload;
import io.rpcvertx.examples.interop.proto.Messages.ResponseParameters;
import io.rpcvertx.examples.interop.proto.Messages.SimpleRequest;
import io.rpcvertx.examples.interop.proto.Messages.SimpleResponse;
import io.rpcvertx.examples.interop.proto.Messages.StreamingInputCallRequest;
import io.rpcvertx.examples.interop.proto.Messages.StreamingInputCallResponse;
import io.rpcvertx.examples.interop.proto.Messages.StreamingOutputCallRequest;
import io.rpcvertx.examples.interop.proto.Messages.StreamingOutputCallResponse;
import io.rpcvertx.examples.interop.proto.TestServiceServicer;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.streams.ReadStream;
import java.util.List;
import java.util.Optional;

/**
 * {@code grpc.testing.TestService} as the interop spec's "Server" section asks (grpc/grpc
 * {@code doc/interop-test-descriptions.md}): payloads of zeros of the requested sizes, {@code EchoStatus}, the echo
 * headers, response compression on request, and the {@code expect_compressed} check. {@code UnimplementedCall},
 * {@code HalfDuplexCall} and {@code CacheableUnaryCall} keep the generated {@code UNIMPLEMENTED} answer, which the
 * {@code unimplemented_method} case relies on.
 */
final class InteropTestService implements TestServiceServicer {
    static final String ECHO_INITIAL = "x-grpc-test-echo-initial";
    static final String ECHO_TRAILING = "x-grpc-test-echo-trailing-bin";

    private final Vertx vertx;

    InteropTestService(Vertx vertx) {
        this.vertx = vertx;
    }

    @Override
    public Future<Empty> emptyCall(Empty request, ServicerContext<Empty, Empty> context) {
        return begin(context, Optional.empty()).map(v -> Empty.getDefaultInstance());
    }

    @Override
    public Future<SimpleResponse> unaryCall(
            SimpleRequest request, ServicerContext<SimpleRequest, SimpleResponse> context) {
        if (!isCompressedAsExpected(request.hasExpectCompressed(), request.getExpectCompressed(), context)) {
            return context.abort(StatusCode.INVALID_ARGUMENT, "expected a compressed request, got an uncompressed one");
        }
        Optional<Compression> compression = request.hasResponseCompressed()
                ? Optional.of(compressionFor(request.getResponseCompressed()))
                : Optional.empty();
        return begin(context, compression).compose(v -> {
            if (request.hasResponseStatus() && request.getResponseStatus().getCode() != 0) {
                return abort(context, request.getResponseStatus());
            }
            return Future.succeededFuture(SimpleResponse.newBuilder()
                    .setPayload(zeros(request.getResponseSize()))
                    .build());
        });
    }

    @Override
    public Future<Void> streamingOutputCall(
            StreamingOutputCallRequest request,
            ServicerContext<StreamingOutputCallRequest, StreamingOutputCallResponse> context) {
        return begin(context, streamCompression(request.getResponseParametersList()))
                .compose(v -> respond(request, context));
    }

    @Override
    public Future<StreamingInputCallResponse> streamingInputCall(
            ReadStream<StreamingInputCallRequest> requests,
            ServicerContext<StreamingInputCallRequest, StreamingInputCallResponse> context) {
        return begin(context, Optional.empty()).compose(v -> {
            Promise<StreamingInputCallResponse> done = Promise.promise();
            int[] aggregated = {0};
            requests.exceptionHandler(done::tryFail);
            requests.endHandler(v2 -> done.tryComplete(StreamingInputCallResponse.newBuilder()
                    .setAggregatedPayloadSize(aggregated[0])
                    .build()));
            requests.handler(request -> {
                if (!isCompressedAsExpected(request.hasExpectCompressed(), request.getExpectCompressed(), context)) {
                    context.<Void>abort(
                                    StatusCode.INVALID_ARGUMENT,
                                    "expected a compressed request, got an uncompressed one")
                            .onFailure(done::tryFail);
                    return;
                }
                aggregated[0] += request.getPayload().getBody().size();
            });
            return done.future();
        });
    }

    /**
     * Answers each request in turn with its response parameters (pull style, so the next request is read only once
     * the answers to this one are written); a request with a non-OK {@code response_status} ends the call with it.
     */
    @Override
    public Future<Void> fullDuplexCall(
            ReadStream<StreamingOutputCallRequest> requests,
            ServicerContext<StreamingOutputCallRequest, StreamingOutputCallResponse> context) {
        return begin(context, Optional.empty()).compose(v -> duplex(context));
    }

    private Future<Void> duplex(ServicerContext<StreamingOutputCallRequest, StreamingOutputCallResponse> context) {
        return context.read().compose(next -> {
            if (next.isEmpty()) {
                return Future.succeededFuture();
            }
            return respond(next.get(), context).compose(v -> duplex(context));
        });
    }

    private Future<Void> respond(
            StreamingOutputCallRequest request,
            ServicerContext<StreamingOutputCallRequest, StreamingOutputCallResponse> context) {
        Future<Void> written = Future.succeededFuture();
        for (ResponseParameters parameters : request.getResponseParametersList()) {
            written = written.compose(v -> delay(parameters.getIntervalUs())).compose(v -> {
                if (parameters.hasCompressed() && !parameters.getCompressed().getValue()) {
                    context.disableNextMessageCompression();
                }
                return context.write(StreamingOutputCallResponse.newBuilder()
                        .setPayload(zeros(parameters.getSize()))
                        .build());
            });
        }
        return written.compose(v -> {
            if (request.hasResponseStatus() && request.getResponseStatus().getCode() != 0) {
                return abort(context, request.getResponseStatus());
            }
            return Future.succeededFuture();
        });
    }

    /**
     * Applies the response compression (only possible before the headers go out), then echoes the interop headers:
     * {@value #ECHO_INITIAL} at once in the response headers, {@value #ECHO_TRAILING} into the trailers.
     */
    private static Future<Void> begin(ServicerContext<?, ?> context, Optional<Compression> compression) {
        compression.ifPresent(context::setCompression);
        Metadata invocation = context.invocationMetadata();
        invocation
                .getBinary(ECHO_TRAILING)
                .ifPresent(value -> context.setTrailingMetadata(
                        Metadata.builder().addBinary(ECHO_TRAILING, value).build()));
        Optional<String> initial = invocation.get(ECHO_INITIAL);
        if (initial.isEmpty()) {
            return Future.succeededFuture();
        }
        return context.sendInitialMetadata(Metadata.of(ECHO_INITIAL, initial.get()));
    }

    /**
     * The interop spec's check: a request that says it was sent compressed must have been. What the API shows is the
     * request stream's declared encoding, which is what a client that compresses sets.
     */
    private static boolean isCompressedAsExpected(
            boolean hasExpectation, BoolValue expected, ServicerContext<?, ?> context) {
        return !hasExpectation || !expected.getValue() || context.requestCompression() != Compression.NO_COMPRESSION;
    }

    /** gzip for the whole call when any message asks for compression; the others opt out one by one. */
    private static Optional<Compression> streamCompression(List<ResponseParameters> parameters) {
        for (ResponseParameters p : parameters) {
            if (p.hasCompressed() && p.getCompressed().getValue()) {
                return Optional.of(Compression.GZIP);
            }
        }
        return Optional.empty();
    }

    private static Compression compressionFor(BoolValue compressed) {
        return compressed.getValue() ? Compression.GZIP : Compression.NO_COMPRESSION;
    }

    private static <T> Future<T> abort(ServicerContext<?, ?> context, EchoStatus status) {
        return context.abort(StatusCode.fromValue(status.getCode()), status.getMessage());
    }

    private Future<Void> delay(int intervalMicros) {
        if (intervalMicros <= 0) {
            return Future.succeededFuture();
        }
        Promise<Void> elapsed = Promise.promise();
        vertx.setTimer(Math.max(1, intervalMicros / 1000), id -> elapsed.complete());
        return elapsed.future();
    }

    static Payload zeros(int size) {
        return Payload.newBuilder().setBody(ByteString.copyFrom(new byte[size])).build();
    }
}
