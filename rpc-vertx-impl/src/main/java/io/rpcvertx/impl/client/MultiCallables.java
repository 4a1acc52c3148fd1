package io.rpcvertx.impl.client;

import io.rpcvertx.CallOptions;
import io.rpcvertx.ChannelOptions;
import io.rpcvertx.ClientCallDetails;
import io.rpcvertx.ClientInterceptor;
import io.rpcvertx.MethodDescriptor;
import io.rpcvertx.RpcContext;
import io.rpcvertx.StreamStreamCall;
import io.rpcvertx.StreamStreamClientInterceptor;
import io.rpcvertx.StreamStreamMultiCallable;
import io.rpcvertx.StreamUnaryCall;
import io.rpcvertx.StreamUnaryClientInterceptor;
import io.rpcvertx.StreamUnaryMultiCallable;
import io.rpcvertx.UnaryStreamClientInterceptor;
import io.rpcvertx.UnaryStreamMultiCallable;
import io.rpcvertx.UnaryUnaryClientInterceptor;
import io.rpcvertx.UnaryUnaryMultiCallable;
import io.rpcvertx.impl.security.ChannelSecurity;
import io.rpcvertx.impl.telemetry.CallCounter;
import io.rpcvertx.impl.telemetry.Telemetry;
import io.rpcvertx.impl.transport.ClientTransport;
import io.rpcvertx.impl.transport.Contexts;
import io.rpcvertx.impl.transport.ServerCallLocal;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.streams.ReadStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * A channel's multi-callables and the layers between them and a single attempt, outermost first: deadline
 * propagation, client interceptors ({@link InterceptedCall}), the service config's per-method settings, and retries or
 * hedging ({@link RetryingStream}, a stream under the call). Each layer costs nothing on a call it does not apply
 * to: without interceptors, propagation or a retry policy for the method, a call is one {@link ClientCallImpl} on one
 * transport stream.
 *
 * <p>The method's service config is looked up once, when the multi-callable is created.
 */
final class MultiCallables {
    private final VertxInternal vertx;
    private final ContextInternal owner;
    private final ChannelOptions options;
    /** Where calls get their streams: the channel's admission (HTTP/2), or another transport (in-process). */
    private final ClientTransport transport;
    /** Spans and metrics; null when the Vert.x instance has neither a tracer nor gRPC metrics. */
    private final @Nullable Telemetry telemetry;
    /** Channelz-lite: every call of the channel, counted by the call layer whatever the transport. */
    final CallCounter calls = new CallCounter();

    private final ChannelSecurity security;
    private final ServiceConfig serviceConfig;
    private final boolean propagation;
    private final Interceptors interceptors;
    final @Nullable RetryThrottle throttle;
    final int retryBufferSize;
    /** The setup of calls to methods without a service config. */
    private final CallSetup plain;
    /** Setups by method config (multi-callables are called from any thread). */
    private final Map<ServiceConfig.MethodConfig, CallSetup> setups = new ConcurrentHashMap<>();
    // owner context: retrying calls, so that closing the channel reaches those waiting for their next attempt
    private final Set<RetryingStream> retrying = new LinkedHashSet<>();
    private boolean closing;

    MultiCallables(ChannelImpl channel, ServiceConfig serviceConfig) {
        this(
                channel.vertx,
                channel.owner,
                channel.options,
                channel.transport,
                channel.security,
                serviceConfig,
                channel.target(),
                channel.authority);
    }

    /**
     * The call layer of a channel whose calls get their streams from {@code transport}, on {@code owner}; {@code
     * target} labels its metrics ({@code grpc.target}), {@code authority} its spans ({@code server.address}).
     */
    MultiCallables(
            VertxInternal vertx,
            ContextInternal owner,
            ChannelOptions options,
            ClientTransport transport,
            ChannelSecurity security,
            ServiceConfig serviceConfig,
            String target,
            String authority) {
        this.vertx = vertx;
        this.owner = owner;
        this.options = options;
        // the one observability hook of the client: every attempt's stream (whatever the transport) is observed
        this.telemetry = Telemetry.client(vertx, options, target, authority);
        this.transport = telemetry == null ? transport : telemetry.observe(transport);
        this.security = security;
        this.serviceConfig = serviceConfig;
        this.propagation = options.isDeadlinePropagation();
        this.interceptors = new Interceptors(options.interceptors());
        this.throttle = serviceConfig.throttling().map(RetryThrottle::new).orElse(null);
        this.retryBufferSize = options.perRpcRetryBufferSize();
        this.plain = new CallSetup(
                owner,
                this.transport,
                security,
                options.compression(),
                options.maxSendMessageLength(),
                options.maxReceiveMessageLength(),
                options.isRetriesEnabled(),
                telemetry,
                calls);
    }

    // ---------------------------------------------------------------- the four shapes

    <Req, Resp> UnaryUnaryMultiCallable<Req, Resp> unaryUnary(MethodDescriptor<Req, Resp> method) {
        ServiceConfig.MethodConfig config = serviceConfig.lookup(method.fullMethodName());
        var chain = interceptors.unaryUnary;
        return (request, options) -> {
            Objects.requireNonNull(request, "request");
            Objects.requireNonNull(options, "options");
            ContextInternal caller = Contexts.caller(vertx);
            RpcContext parent = propagation ? ServerCallLocal.get(caller) : null;
            CallOptions o = parent == null ? options : inherit(options, parent);
            ClientCall<Req, Resp> call = chain.isEmpty()
                    ? startUnaryRequest(method, config, request, o, caller)
                    : InterceptorChain.unaryUnary(
                            chain,
                            method,
                            request,
                            o,
                            caller,
                            (d, r) -> caller.succeededFuture(startUnaryRequest(
                                    method(method, d), config(method, config, d), r, d.callOptions(), caller)));
            return parent == null ? call : link(parent, call);
        };
    }

    <Req, Resp> UnaryStreamMultiCallable<Req, Resp> unaryStream(MethodDescriptor<Req, Resp> method) {
        ServiceConfig.MethodConfig config = serviceConfig.lookup(method.fullMethodName());
        var chain = interceptors.unaryStream;
        return (request, options) -> {
            Objects.requireNonNull(request, "request");
            Objects.requireNonNull(options, "options");
            ContextInternal caller = Contexts.caller(vertx);
            RpcContext parent = propagation ? ServerCallLocal.get(caller) : null;
            CallOptions o = parent == null ? options : inherit(options, parent);
            ClientCall<Req, Resp> call = chain.isEmpty()
                    ? startUnaryRequest(method, config, request, o, caller)
                    : InterceptorChain.unaryStream(
                            chain,
                            method,
                            request,
                            o,
                            caller,
                            (d, r) -> caller.succeededFuture(startUnaryRequest(
                                    method(method, d), config(method, config, d), r, d.callOptions(), caller)));
            return parent == null ? call : link(parent, call);
        };
    }

    <Req, Resp> StreamUnaryMultiCallable<Req, Resp> streamUnary(MethodDescriptor<Req, Resp> method) {
        ServiceConfig.MethodConfig config = serviceConfig.lookup(method.fullMethodName());
        var chain = interceptors.streamUnary;
        return new StreamUnaryMultiCallable<>() {
            @Override
            public StreamUnaryCall<Req, Resp> call(CallOptions options) {
                return streaming(options, null);
            }

            @Override
            public StreamUnaryCall<Req, Resp> call(ReadStream<Req> requests, CallOptions options) {
                return streaming(options, Objects.requireNonNull(requests, "requests"));
            }

            private ClientCall<Req, Resp> streaming(CallOptions options, @Nullable ReadStream<Req> requests) {
                Objects.requireNonNull(options, "options");
                ContextInternal caller = Contexts.caller(vertx);
                RpcContext parent = propagation ? ServerCallLocal.get(caller) : null;
                CallOptions o = parent == null ? options : inherit(options, parent);
                ClientCall<Req, Resp> call = chain.isEmpty()
                        ? startStreaming(method, config, o, caller)
                        : InterceptorChain.streamUnary(
                                chain,
                                method,
                                o,
                                caller,
                                d -> caller.succeededFuture(startStreaming(
                                        method(method, d), config(method, config, d), d.callOptions(), caller)));
                return pipe(parent == null ? call : link(parent, call), requests);
            }
        };
    }

    <Req, Resp> StreamStreamMultiCallable<Req, Resp> streamStream(MethodDescriptor<Req, Resp> method) {
        ServiceConfig.MethodConfig config = serviceConfig.lookup(method.fullMethodName());
        var chain = interceptors.streamStream;
        return new StreamStreamMultiCallable<>() {
            @Override
            public StreamStreamCall<Req, Resp> call(CallOptions options) {
                return streaming(options, null);
            }

            @Override
            public StreamStreamCall<Req, Resp> call(ReadStream<Req> requests, CallOptions options) {
                return streaming(options, Objects.requireNonNull(requests, "requests"));
            }

            private ClientCall<Req, Resp> streaming(CallOptions options, @Nullable ReadStream<Req> requests) {
                Objects.requireNonNull(options, "options");
                ContextInternal caller = Contexts.caller(vertx);
                RpcContext parent = propagation ? ServerCallLocal.get(caller) : null;
                CallOptions o = parent == null ? options : inherit(options, parent);
                ClientCall<Req, Resp> call = chain.isEmpty()
                        ? startStreaming(method, config, o, caller)
                        : InterceptorChain.streamStream(
                                chain,
                                method,
                                o,
                                caller,
                                d -> caller.succeededFuture(startStreaming(
                                        method(method, d), config(method, config, d), d.callOptions(), caller)));
                return pipe(parent == null ? call : link(parent, call), requests);
            }
        };
    }

    // ---------------------------------------------------------------- one call below the interceptors

    private <Req, Resp> ClientCall<Req, Resp> startUnaryRequest(
            MethodDescriptor<Req, Resp> method,
            ServiceConfig.MethodConfig config,
            Req request,
            CallOptions options,
            ContextInternal caller) {
        ClientCallImpl<Req, Resp> call = newCall(method, config, options, caller);
        call.start(request);
        return call;
    }

    private <Req, Resp> ClientCall<Req, Resp> startStreaming(
            MethodDescriptor<Req, Resp> method,
            ServiceConfig.MethodConfig config,
            CallOptions options,
            ContextInternal caller) {
        ClientCallImpl<Req, Resp> call = newCall(method, config, options, caller);
        call.start(null);
        return call;
    }

    private <Req, Resp> ClientCallImpl<Req, Resp> newCall(
            MethodDescriptor<Req, Resp> method,
            ServiceConfig.MethodConfig config,
            CallOptions options,
            ContextInternal caller) {
        if (config == ServiceConfig.MethodConfig.NONE) {
            return new ClientCallImpl<>(plain, method, options, caller);
        }
        return new ClientCallImpl<>(setups.computeIfAbsent(config, this::setup), method, config.apply(options), caller);
    }

    /**
     * What the calls of a method with {@code config} share: the service config's message limits, and for a retry or
     * hedging policy a {@link RetryingTransport} as their transport. Made once per config.
     */
    private CallSetup setup(ServiceConfig.MethodConfig config) {
        if (config == ServiceConfig.MethodConfig.NONE) {
            return plain;
        }
        return new CallSetup(
                owner,
                config.isRetrying() ? new RetryingTransport(transport, this, owner, config) : transport,
                security,
                options.compression(),
                ServiceConfig.MethodConfig.smallerLimit(options.maxSendMessageLength(), config.maxRequestBytes()),
                ServiceConfig.MethodConfig.smallerLimit(options.maxReceiveMessageLength(), config.maxResponseBytes()),
                options.isRetriesEnabled(),
                telemetry,
                calls);
    }

    private static <Req, Resp> ClientCall<Req, Resp> pipe(
            ClientCall<Req, Resp> call, @Nullable ReadStream<Req> requests) {
        if (requests != null) {
            requests.pipe().endOnFailure(false).to(call.requests()).onFailure(t -> call.cancel());
        }
        return call;
    }

    /** The descriptor for the method an interceptor chose: the same shape and marshallers under its name. */
    private static <Req, Resp> MethodDescriptor<Req, Resp> method(
            MethodDescriptor<Req, Resp> method, ClientCallDetails details) {
        if (details.method().equals(method.path())) {
            return method;
        }
        return MethodDescriptor.of(
                method.type(), details.method(), method.requestMarshaller(), method.responseMarshaller());
    }

    private ServiceConfig.MethodConfig config(
            MethodDescriptor<?, ?> method, ServiceConfig.MethodConfig config, ClientCallDetails details) {
        return details.method().equals(method.path()) ? config : serviceConfig.lookup(details.method());
    }

    // ---------------------------------------------------------------- deadline propagation

    /** The call's options with the parent server call's remaining time, if that is sooner. */
    private static CallOptions inherit(CallOptions options, RpcContext parent) {
        Optional<Duration> remaining = parent.timeRemaining();
        if (remaining.isEmpty()) {
            return options;
        }
        Optional<Duration> own = options.timeout();
        return own.isPresent() && own.get().compareTo(remaining.get()) <= 0
                ? options
                : options.withTimeout(remaining.get());
    }

    /** Cancels {@code call} when the parent server call is cancelled (by its client, deadline or server stop). */
    private static <Req, Resp> ClientCall<Req, Resp> link(RpcContext parent, ClientCall<Req, Resp> call) {
        parent.addDoneCallback(v -> {
            if (parent.isCancelled()) {
                call.cancel();
            }
        });
        return call;
    }

    // ---------------------------------------------------------------- retrying calls and channel close (owner)

    void retryingStarted(RetryingStream call) {
        retrying.add(call);
    }

    void retryingEnded(RetryingStream call) {
        retrying.remove(call);
    }

    boolean isClosing() {
        return closing;
    }

    /** The channel starts closing: calls waiting between attempts end now, running ones get no further attempt. */
    void onChannelClosing() {
        closing = true;
        for (RetryingStream call : new ArrayList<>(retrying)) {
            call.onChannelClosing();
        }
    }

    /** A channel's interceptors, split by shape, in order (the first is the outermost). */
    static final class Interceptors {
        final List<UnaryUnaryClientInterceptor> unaryUnary = new ArrayList<>();
        final List<UnaryStreamClientInterceptor> unaryStream = new ArrayList<>();
        final List<StreamUnaryClientInterceptor> streamUnary = new ArrayList<>();
        final List<StreamStreamClientInterceptor> streamStream = new ArrayList<>();

        Interceptors(List<ClientInterceptor> all) {
            for (ClientInterceptor i : all) {
                Objects.requireNonNull(i, "interceptor");
                if (i instanceof UnaryUnaryClientInterceptor) {
                    unaryUnary.add((UnaryUnaryClientInterceptor) i);
                }
                if (i instanceof UnaryStreamClientInterceptor) {
                    unaryStream.add((UnaryStreamClientInterceptor) i);
                }
                if (i instanceof StreamUnaryClientInterceptor) {
                    streamUnary.add((StreamUnaryClientInterceptor) i);
                }
                if (i instanceof StreamStreamClientInterceptor) {
                    streamStream.add((StreamStreamClientInterceptor) i);
                }
            }
        }

        boolean isEmpty() {
            return unaryUnary.isEmpty() && unaryStream.isEmpty() && streamUnary.isEmpty() && streamStream.isEmpty();
        }
    }
}
