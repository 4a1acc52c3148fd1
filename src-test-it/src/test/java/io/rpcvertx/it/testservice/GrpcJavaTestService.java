package io.rpcvertx.it.testservice;

import static io.rpcvertx.it.testservice.TestServiceContract.GRPC_FULL_DUPLEX_CALL;
import static io.rpcvertx.it.testservice.TestServiceContract.GRPC_STREAMING_INPUT_CALL;
import static io.rpcvertx.it.testservice.TestServiceContract.GRPC_STREAMING_OUTPUT_CALL;
import static io.rpcvertx.it.testservice.TestServiceContract.GRPC_UNARY_CALL;
import static io.rpcvertx.it.testservice.TestServiceContract.SERVICE;
import static java.nio.charset.StandardCharsets.UTF_8;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.rpcvertx.StatusCode;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@link TestServiceContract} on grpc-java. A {@link ServerInterceptor} applies what is common to every method (parse
 * the behaviour, compression, echoed headers and trailers); the handlers do the rest.
 */
final class GrpcJavaTestService {
    private static final Context.Key<Behaviour> BEHAVIOUR = Context.key("rpcvertx-it-behaviour");

    private final TestServiceEvents events;

    private GrpcJavaTestService(TestServiceEvents events) {
        this.events = events;
    }

    static ServerServiceDefinition create(TestServiceEvents events) {
        GrpcJavaTestService service = new GrpcJavaTestService(events);
        ServerServiceDefinition definition = ServerServiceDefinition.builder(SERVICE)
                .addMethod(GRPC_UNARY_CALL, ServerCalls.asyncUnaryCall(service::unaryCall))
                .addMethod(
                        GRPC_STREAMING_OUTPUT_CALL, ServerCalls.asyncServerStreamingCall(service::streamingOutputCall))
                .addMethod(GRPC_STREAMING_INPUT_CALL, ServerCalls.asyncClientStreamingCall(service::streamingInputCall))
                .addMethod(GRPC_FULL_DUPLEX_CALL, ServerCalls.asyncBidiStreamingCall(service::fullDuplexCall))
                .build();
        return ServerInterceptors.intercept(definition, new BehaviourInterceptor());
    }

    private void unaryCall(byte[] request, StreamObserver<byte[]> responses) {
        Behaviour behaviour = begin(responses);
        if (behaviour.hang()) {
            return;
        }
        Optional<Status> status = status(behaviour);
        if (status.isPresent()) {
            responses.onError(status.get().asRuntimeException());
            return;
        }
        responses.onNext(request);
        responses.onCompleted();
    }

    private void streamingOutputCall(byte[] request, StreamObserver<byte[]> responses) {
        Behaviour behaviour = begin(responses);
        if (behaviour.hang()) {
            return;
        }
        ServerCallStreamObserver<byte[]> call = (ServerCallStreamObserver<byte[]>) responses;
        ReadyPump pump = new ReadyPump(call, request, behaviour);
        call.setOnReadyHandler(pump);
        pump.run();
    }

    private StreamObserver<byte[]> streamingInputCall(StreamObserver<byte[]> responses) {
        Behaviour behaviour = begin(responses);
        return new StreamObserver<>() {
            private long messages;
            private long bytes;

            @Override
            public void onNext(byte[] message) {
                messages++;
                bytes += message.length;
            }

            @Override
            public void onError(Throwable t) {
                // The call was cancelled: the cancel handler has recorded it, and there is no one to answer.
            }

            @Override
            public void onCompleted() {
                if (behaviour.hang()) {
                    return;
                }
                Optional<Status> status = status(behaviour);
                if (status.isPresent()) {
                    responses.onError(status.get().asRuntimeException());
                    return;
                }
                responses.onNext((messages + ":" + bytes).getBytes(UTF_8));
                responses.onCompleted();
            }
        };
    }

    private StreamObserver<byte[]> fullDuplexCall(StreamObserver<byte[]> responses) {
        Behaviour behaviour = begin(responses);
        return new StreamObserver<>() {
            @Override
            public void onNext(byte[] message) {
                if (behaviour.hang()) {
                    return;
                }
                responses.onNext(message);
                events.recordMessageSent();
            }

            @Override
            public void onError(Throwable t) {
                // The call was cancelled: the cancel handler has recorded it, and there is no one to answer.
            }

            @Override
            public void onCompleted() {
                if (behaviour.hang()) {
                    return;
                }
                Optional<Status> status = status(behaviour);
                if (status.isPresent()) {
                    responses.onError(status.get().asRuntimeException());
                    return;
                }
                responses.onCompleted();
            }
        };
    }

    /**
     * Registers for cancellation, then records the call, so a test may cancel as soon as it sees the call. grpc-java
     * only accepts a cancel handler while the handler method runs.
     */
    private Behaviour begin(StreamObserver<byte[]> responses) {
        ServerCallStreamObserver<byte[]> call = (ServerCallStreamObserver<byte[]>) responses;
        call.setOnCancelHandler(events::recordCancelled);
        Behaviour behaviour = BEHAVIOUR.get();
        events.recordCallStarted(behaviour.requestMetadata());
        return behaviour;
    }

    private static Optional<Status> status(Behaviour behaviour) {
        Optional<StatusCode> code = behaviour.status();
        if (code.isEmpty()) {
            return Optional.empty();
        }
        Status status = Status.fromCodeValue(code.get().value());
        return Optional.of(behaviour.details().isEmpty() ? status : status.withDescription(behaviour.details()));
    }

    /**
     * Sends the response {@code count} times, only while the call is ready: grpc-java's flow control. Runs on the
     * call's serialized executor (from the handler, then from each onReady), so its fields need no locking.
     */
    private final class ReadyPump implements Runnable {
        private final ServerCallStreamObserver<byte[]> call;
        private final byte[] message;
        private final Behaviour behaviour;
        private int remaining;
        private boolean finished;

        ReadyPump(ServerCallStreamObserver<byte[]> call, byte[] message, Behaviour behaviour) {
            this.call = call;
            this.message = message;
            this.behaviour = behaviour;
            this.remaining = behaviour.count();
        }

        @Override
        public void run() {
            if (finished) {
                return;
            }
            while (remaining > 0) {
                if (call.isCancelled()) {
                    return;
                }
                if (!call.isReady()) {
                    events.recordNotReady();
                    return;
                }
                call.onNext(message);
                remaining--;
                events.recordMessageSent();
            }
            finished = true;
            Optional<Status> status = status(behaviour);
            if (status.isPresent()) {
                call.onError(status.get().asRuntimeException());
            } else {
                call.onCompleted();
            }
        }
    }

    /**
     * Parses the behaviour into the call's {@link Context}, sets compression, and echoes metadata: into the response
     * headers (sent at once when there is something to echo) and into the trailers.
     */
    private static final class BehaviourInterceptor implements ServerInterceptor {
        @Override
        public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
                ServerCall<ReqT, RespT> call, io.grpc.Metadata headers, ServerCallHandler<ReqT, RespT> next) {
            Behaviour behaviour = Behaviour.of(GrpcJavaMetadata.toRpcVertx(headers));
            if (!behaviour.compression().isEmpty()) {
                // Before any headers go out; grpc-java compresses only if the client accepts the encoding.
                call.setCompression(behaviour.compression());
            }
            EchoingServerCall<ReqT, RespT> echoing = new EchoingServerCall<>(call, behaviour);
            if (!behaviour.echoInitial().isEmpty()) {
                echoing.sendHeaders(new io.grpc.Metadata());
            }
            return Contexts.interceptCall(Context.current().withValue(BEHAVIOUR, behaviour), echoing, headers, next);
        }
    }

    private static final class EchoingServerCall<ReqT, RespT>
            extends ForwardingServerCall.SimpleForwardingServerCall<ReqT, RespT> {
        private final Behaviour behaviour;
        private final AtomicBoolean headersSent = new AtomicBoolean();

        EchoingServerCall(ServerCall<ReqT, RespT> delegate, Behaviour behaviour) {
            super(delegate);
            this.behaviour = behaviour;
        }

        @Override
        public void sendHeaders(io.grpc.Metadata headers) {
            // The stub sends headers before its first message; if the interceptor already did, that is a no-op.
            if (headersSent.compareAndSet(false, true)) {
                headers.merge(GrpcJavaMetadata.toGrpc(behaviour.echoInitial()));
                super.sendHeaders(headers);
            }
        }

        @Override
        public void close(Status status, io.grpc.Metadata trailers) {
            trailers.merge(GrpcJavaMetadata.toGrpc(behaviour.echoTrailing()));
            super.close(status, trailers);
        }
    }
}
