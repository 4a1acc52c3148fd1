package io.rpcvertx.it.calls;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.rpcvertx.MethodDescriptor;
import io.rpcvertx.MethodType;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * A grpc-java server whose methods fail their first attempts on request, for retry tests. Every attempt is recorded
 * with the {@code grpc-previous-rpc-attempts} header it carried.
 *
 * <p>Request metadata: {@value #X_KEY} groups the attempts of one RPC; {@value #X_FAIL} is how many attempts fail
 * (default 0); {@value #X_CODE} their status code (default 14, UNAVAILABLE); {@value #X_FAIL_AT} when they fail:
 * {@code start} (default; trailers-only, before reading anything), {@code end} (client streaming: after the request
 * stream ended), {@code after-message} (server streaming: after one response message); {@value #X_PUSHBACK} a
 * {@code grpc-retry-pushback-ms} trailer on failures.
 *
 * <p>Methods of {@value #SERVICE}: {@code Unary} answers {@code echo:<request>}; {@code ServerStream} sends
 * {@code <request>1} and {@code <request>2}; {@code ClientStream} answers {@code count:<messages>}.
 */
final class FlakyGrpcJavaServer implements AutoCloseable {
    static final String SERVICE = "calls.Flaky";
    static final String X_KEY = "x-key";
    static final String X_FAIL = "x-fail";
    static final String X_CODE = "x-code";
    static final String X_FAIL_AT = "x-fail-at";
    static final String X_PUSHBACK = "x-pushback";

    static final MethodDescriptor<String, String> UNARY = Utf8.method(MethodType.UNARY_UNARY, SERVICE + "/Unary");
    static final MethodDescriptor<String, String> SERVER_STREAM =
            Utf8.method(MethodType.UNARY_STREAM, SERVICE + "/ServerStream");
    static final MethodDescriptor<String, String> CLIENT_STREAM =
            Utf8.method(MethodType.STREAM_UNARY, SERVICE + "/ClientStream");

    private static final Metadata.Key<String> PREVIOUS =
            Metadata.Key.of("grpc-previous-rpc-attempts", Metadata.ASCII_STRING_MARSHALLER);
    private static final Metadata.Key<String> PUSHBACK =
            Metadata.Key.of("grpc-retry-pushback-ms", Metadata.ASCII_STRING_MARSHALLER);
    private static final Context.Key<Failure> FAILURE = Context.key("failure");

    /** One attempt as the server saw it. */
    record Attempt(int number, @Nullable String previousAttempts) {}

    private record Failure(Status status, Metadata trailers, String at) {}

    private final Map<String, List<Attempt>> attempts = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<Void>> arrivals = new ConcurrentHashMap<>();
    private final io.grpc.Server server;

    FlakyGrpcJavaServer() throws Exception {
        ServerServiceDefinition service = ServerServiceDefinition.builder(SERVICE)
                .addMethod(
                        Utf8.grpcMethod(io.grpc.MethodDescriptor.MethodType.UNARY, UNARY.fullMethodName()),
                        ServerCalls.asyncUnaryCall((String request, StreamObserver<String> out) -> {
                            out.onNext("echo:" + request);
                            out.onCompleted();
                        }))
                .addMethod(
                        Utf8.grpcMethod(
                                io.grpc.MethodDescriptor.MethodType.SERVER_STREAMING, SERVER_STREAM.fullMethodName()),
                        ServerCalls.asyncServerStreamingCall((String request, StreamObserver<String> out) -> {
                            out.onNext(request + "1");
                            Failure f = FAILURE.get();
                            if (f != null && f.at().equals("after-message")) {
                                out.onError(f.status().asRuntimeException(f.trailers()));
                                return;
                            }
                            out.onNext(request + "2");
                            out.onCompleted();
                        }))
                .addMethod(
                        Utf8.grpcMethod(
                                io.grpc.MethodDescriptor.MethodType.CLIENT_STREAMING, CLIENT_STREAM.fullMethodName()),
                        ServerCalls.asyncClientStreamingCall(FlakyGrpcJavaServer::count))
                .build();
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(ServerInterceptors.intercept(service, new Flaky()))
                .build()
                .start();
    }

    private static StreamObserver<String> count(StreamObserver<String> out) {
        Failure f = FAILURE.get();
        AtomicInteger messages = new AtomicInteger();
        return new StreamObserver<>() {
            @Override
            public void onNext(String value) {
                messages.incrementAndGet();
            }

            @Override
            public void onError(Throwable t) {}

            @Override
            public void onCompleted() {
                if (f != null && f.at().equals("end")) {
                    out.onError(f.status().asRuntimeException(f.trailers()));
                    return;
                }
                out.onNext("count:" + messages.get());
                out.onCompleted();
            }
        };
    }

    int port() {
        return server.getPort();
    }

    /** The attempts made for {@code key}, in arrival order. */
    List<Attempt> attempts(String key) {
        return List.copyOf(attempts.getOrDefault(key, List.of()));
    }

    /** Completes when attempt {@code number} of {@code key} has arrived. */
    CompletableFuture<Void> attemptArrived(String key, int number) {
        return arrival(key, number);
    }

    private CompletableFuture<Void> arrival(String key, int number) {
        return arrivals.computeIfAbsent(key + "#" + number, k -> new CompletableFuture<>());
    }

    @Override
    public void close() throws InterruptedException {
        server.shutdownNow();
        if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
            throw new IllegalStateException("grpc-java server did not terminate");
        }
    }

    private final class Flaky implements ServerInterceptor {
        @Override
        public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
                ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
            String key = header(headers, X_KEY, "none");
            List<Attempt> seen = attempts.computeIfAbsent(key, k -> new CopyOnWriteArrayList<>());
            int number;
            synchronized (seen) {
                number = seen.size() + 1;
                seen.add(new Attempt(number, headers.get(PREVIOUS)));
            }
            arrival(key, number).complete(null);
            if (number > Integer.parseInt(header(headers, X_FAIL, "0"))) {
                return next.startCall(call, headers);
            }
            Status status = Status.fromCodeValue(Integer.parseInt(header(headers, X_CODE, "14")))
                    .withDescription("attempt " + number + " fails");
            Metadata trailers = new Metadata();
            String pushback = headers.get(Metadata.Key.of(X_PUSHBACK, Metadata.ASCII_STRING_MARSHALLER));
            if (pushback != null) {
                trailers.put(PUSHBACK, pushback);
            }
            String at = header(headers, X_FAIL_AT, "start");
            if (at.equals("start")) {
                call.close(status, trailers);
                return new ServerCall.Listener<>() {};
            }
            Context context = Context.current().withValue(FAILURE, new Failure(status, trailers, at));
            return Contexts.interceptCall(context, call, headers, next);
        }

        private String header(Metadata headers, String name, String otherwise) {
            String value = headers.get(Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER));
            return value != null ? value : otherwise;
        }
    }
}
