package io.rpcvertx.examples.interop;

import com.google.protobuf.ByteString;
import io.rpcvertx.Compression;
import io.rpcvertx.Metadata;
import io.rpcvertx.RpcException;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code grpc.testing.TestService} as the interop spec's "Server" section asks (grpc/grpc
 * {@code doc/interop-test-descriptions.md}): payloads of zeros of the requested sizes, {@code EchoStatus}, the echo
 * headers (every value, in order, whatever status the call ends with), response compression on request, the
 * {@code expect_compressed} check, {@code fill_server_id}, the per-call ORCA load report {@code orca_per_rpc} asks
 * for ({@code orca_per_query_report} back in the {@value OrcaLoadReports#TRAILER} trailer), and every method: {@code HalfDuplexCall} answers once the
 * requests are all in, {@code CacheableUnaryCall} answers a timestamp with {@code cache-control} (as grpc's C++ server),
 * and {@code UnimplementedCall} answers {@code UNIMPLEMENTED}, which the {@code unimplemented_method} case expects.
 */
final class InteropTestService implements TestServiceServicer {
    static final String ECHO_INITIAL = "x-grpc-test-echo-initial";
    static final String ECHO_TRAILING = "x-grpc-test-echo-trailing-bin";
    /** The most requests {@code HalfDuplexCall} holds before it answers; beyond, RESOURCE_EXHAUSTED. */
    static final int MAX_HALF_DUPLEX_REQUESTS = 10_000;

    private final Vertx vertx;
    private final String serverId;
    private final OrcaOob orcaOob;

    /**
     * @param serverId what {@code fill_server_id} answers: the same for every call to this server, different between
     *     servers
     * @param orcaOob the server's out-of-band load report, which {@code orca_oob_report} requests set
     */
    InteropTestService(Vertx vertx, String serverId, OrcaOob orcaOob) {
        this.orcaOob = orcaOob;
        this.vertx = vertx;
        this.serverId = serverId;
    }

    @Override
    public Future<Empty> emptyCall(Empty request, ServicerContext<Empty, Empty> context) {
        return begin(context, Optional.empty()).map(v -> Empty.getDefaultInstance());
    }

    /** The echo headers go out before the compression check, so a refused request still echoes them. */
    @Override
    public Future<SimpleResponse> unaryCall(
            SimpleRequest request, ServicerContext<SimpleRequest, SimpleResponse> context) {
        Optional<Compression> compression = request.hasResponseCompressed()
                ? Optional.of(compressionFor(request.getResponseCompressed()))
                : Optional.empty();
        return begin(context, compression).compose(v -> {
            if (!isCompressedAsExpected(request.hasExpectCompressed(), request.getExpectCompressed(), context)) {
                return context.abort(
                        StatusCode.INVALID_ARGUMENT, "expected a compressed request, got an uncompressed one");
            }
            if (request.hasResponseStatus() && request.getResponseStatus().getCode() != 0) {
                return abort(context, request.getResponseStatus());
            }
            SimpleResponse.Builder response = SimpleResponse.newBuilder().setPayload(zeros(request.getResponseSize()));
            if (request.getFillServerId()) {
                response.setServerId(serverId);
            }
            if (request.hasOrcaPerQueryReport()) {
                context.setTrailingMetadata(echoedTrailers(context).toBuilder()
                        .addBinary(OrcaLoadReports.TRAILER, OrcaLoadReports.encode(request.getOrcaPerQueryReport()))
                        .build());
            }
            return Future.succeededFuture(response.build());
        });
    }

    /**
     * A response that changes with every call (the time in nanoseconds), marked cacheable, so that a caching proxy in
     * front of the server shows: the {@code cacheable_unary} case expects equal answers to equal requests from it.
     */
    @Override
    public Future<SimpleResponse> cacheableUnaryCall(
            SimpleRequest request, ServicerContext<SimpleRequest, SimpleResponse> context) {
        return begin(context, Optional.empty(), Metadata.of("cache-control", "max-age=60, public"))
                .map(v -> SimpleResponse.newBuilder()
                        .setPayload(
                                Payload.newBuilder().setBody(ByteString.copyFromUtf8(Long.toString(System.nanoTime()))))
                        .build());
    }

    @Override
    public Future<Empty> unimplementedCall(Empty request, ServicerContext<Empty, Empty> context) {
        return begin(context, Optional.empty())
                .compose(v -> context.abort(
                        StatusCode.UNIMPLEMENTED,
                        "Method grpc.testing.TestService/UnimplementedCall is unimplemented"));
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
     * the answers to this one are written); a request with a non-OK {@code response_status} ends the call with it, and
     * one with an {@code orca_oob_report} first makes it the server's out-of-band load report ({@link OrcaOob}).
     */
    @Override
    public Future<Void> fullDuplexCall(
            ReadStream<StreamingOutputCallRequest> requests,
            ServicerContext<StreamingOutputCallRequest, StreamingOutputCallResponse> context) {
        boolean[] holdsOrcaLock = {false};
        return begin(context, Optional.empty()).compose(v -> duplex(context, holdsOrcaLock));
    }

    /**
     * Reads every request first (at most {@value #MAX_HALF_DUPLEX_REQUESTS}), then answers them in order as
     * {@code FullDuplexCall} would; a request with a non-OK {@code response_status} ends the call with it.
     */
    @Override
    public Future<Void> halfDuplexCall(
            ReadStream<StreamingOutputCallRequest> requests,
            ServicerContext<StreamingOutputCallRequest, StreamingOutputCallResponse> context) {
        return begin(context, Optional.empty())
                .compose(v -> readAll(context, new ArrayList<>()))
                .compose(all -> respondAll(all, 0, context));
    }

    private static Future<List<StreamingOutputCallRequest>> readAll(
            ServicerContext<StreamingOutputCallRequest, StreamingOutputCallResponse> context,
            List<StreamingOutputCallRequest> into) {
        return context.read().compose(next -> {
            if (next.isEmpty()) {
                return Future.succeededFuture(into);
            }
            if (into.size() == MAX_HALF_DUPLEX_REQUESTS) {
                return context.abort(
                        StatusCode.RESOURCE_EXHAUSTED,
                        "HalfDuplexCall holds at most " + MAX_HALF_DUPLEX_REQUESTS + " requests");
            }
            into.add(next.get());
            return readAll(context, into);
        });
    }

    private Future<Void> respondAll(
            List<StreamingOutputCallRequest> requests,
            int index,
            ServicerContext<StreamingOutputCallRequest, StreamingOutputCallResponse> context) {
        if (index == requests.size()) {
            return Future.succeededFuture();
        }
        return respond(requests.get(index), context).compose(v -> respondAll(requests, index + 1, context));
    }

    private Future<Void> duplex(
            ServicerContext<StreamingOutputCallRequest, StreamingOutputCallResponse> context, boolean[] holdsOrcaLock) {
        return context.read().compose(next -> {
            if (next.isEmpty()) {
                return Future.succeededFuture();
            }
            StreamingOutputCallRequest request = next.get();
            Future<Void> reported = request.hasOrcaOobReport()
                    ? orcaOob.setReport(request.getOrcaOobReport(), context, holdsOrcaLock)
                    : Future.succeededFuture();
            return reported.compose(v -> respond(request, context)).compose(v -> duplex(context, holdsOrcaLock));
        });
    }

    private Future<Void> respond(
            StreamingOutputCallRequest request,
            ServicerContext<StreamingOutputCallRequest, StreamingOutputCallResponse> context) {
        Future<Void> written = Future.succeededFuture();
        for (ResponseParameters parameters : request.getResponseParametersList()) {
            written = written.compose(v -> delay(parameters.getIntervalUs(), context))
                    .compose(v -> {
                        if (parameters.hasCompressed()
                                && !parameters.getCompressed().getValue()) {
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

    private static Future<Void> begin(ServicerContext<?, ?> context, Optional<Compression> compression) {
        return begin(context, compression, Metadata.EMPTY);
    }

    /**
     * Applies the response compression (only possible before the headers go out), then echoes the interop headers,
     * every value in the order received: {@value #ECHO_INITIAL} at once in the response headers (with
     * {@code headers}), {@value #ECHO_TRAILING} into the trailers, which every status keeps (an {@code abort} without
     * trailing metadata keeps what was set). Every method calls this first, before any check can end the call.
     */
    private static Future<Void> begin(
            ServicerContext<?, ?> context, Optional<Compression> compression, Metadata headers) {
        compression.ifPresent(context::setCompression);
        Metadata trailing = echoedTrailers(context);
        if (!trailing.isEmpty()) {
            context.setTrailingMetadata(trailing);
        }
        List<String> initial = context.invocationMetadata().getAll(ECHO_INITIAL);
        if (initial.isEmpty() && headers.isEmpty()) {
            return Future.succeededFuture();
        }
        Metadata.Builder echoed = Metadata.builder().addAll(headers);
        initial.forEach(value -> echoed.add(ECHO_INITIAL, value));
        return context.sendInitialMetadata(echoed.build());
    }

    /** Every {@value #ECHO_TRAILING} value of the request, in order. */
    private static Metadata echoedTrailers(ServicerContext<?, ?> context) {
        Metadata.Builder echoed = Metadata.builder();
        context.invocationMetadata()
                .getAllBinary(ECHO_TRAILING)
                .forEach(value -> echoed.addBinary(ECHO_TRAILING, value));
        return echoed.build();
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

    /**
     * Completes after {@code intervalMicros}, or fails at once when the call ends first (cancelled, or a server stop
     * without grace): a handler must end with its call, since the server's stop waits for every handler.
     */
    private Future<Void> delay(int intervalMicros, ServicerContext<?, ?> context) {
        if (intervalMicros <= 0) {
            return Future.succeededFuture();
        }
        Promise<Void> elapsed = Promise.promise();
        long timer = vertx.setTimer(Math.max(1, intervalMicros / 1000), id -> elapsed.tryComplete());
        context.addDoneCallback(v -> {
            if (vertx.cancelTimer(timer)) {
                elapsed.tryFail(new RpcException(StatusCode.CANCELLED, "the call ended during a response interval"));
            }
        });
        return elapsed.future();
    }

    static Payload zeros(int size) {
        return Payload.newBuilder().setBody(ByteString.copyFrom(new byte[size])).build();
    }
}
