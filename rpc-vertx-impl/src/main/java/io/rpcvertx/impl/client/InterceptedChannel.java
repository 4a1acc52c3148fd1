package io.rpcvertx.impl.client;

import io.rpcvertx.CallOptions;
import io.rpcvertx.Channel;
import io.rpcvertx.ChannelConnectivity;
import io.rpcvertx.ChannelStats;
import io.rpcvertx.ClientCallDetails;
import io.rpcvertx.ClientInterceptor;
import io.rpcvertx.ConnectRequest;
import io.rpcvertx.MethodDescriptor;
import io.rpcvertx.MethodType;
import io.rpcvertx.StreamStreamCall;
import io.rpcvertx.StreamStreamMultiCallable;
import io.rpcvertx.StreamUnaryCall;
import io.rpcvertx.StreamUnaryMultiCallable;
import io.rpcvertx.UnaryStreamMultiCallable;
import io.rpcvertx.UnaryUnaryMultiCallable;
import io.vertx.core.Future;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.streams.ReadStream;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A channel with client interceptors in front of another ({@code RpcVertx.interceptChannel}): its RPCs run these
 * interceptors, and the last continuation starts the RPC on the wrapped channel (which runs its own interceptors).
 * Connectivity and close are the wrapped channel's.
 */
public final class InterceptedChannel implements Channel {
    private final Channel delegate;
    private final MultiCallables.Interceptors interceptors;
    private final @Nullable VertxInternal vertx;

    public InterceptedChannel(Channel delegate, List<ClientInterceptor> interceptors) {
        this.delegate = Objects.requireNonNull(delegate, "channel");
        this.interceptors = new MultiCallables.Interceptors(interceptors);
        this.vertx = vertxOf(delegate);
    }

    private static @Nullable VertxInternal vertxOf(Channel channel) {
        if (channel instanceof ChannelImpl) {
            return ((ChannelImpl) channel).vertx;
        }
        if (channel instanceof InterceptedChannel) {
            return ((InterceptedChannel) channel).vertx;
        }
        return null;
    }

    /** The caller's context; a channel of our own also serves callers outside Vert.x (their sticky event loop). */
    private ContextInternal caller() {
        ContextInternal current = ContextInternal.current();
        if (current != null) {
            return current;
        }
        VertxInternal v = vertx;
        if (v == null) {
            throw new IllegalStateException(
                    "RPCs on an intercepted " + delegate.getClass().getName() + " must start on a Vert.x thread");
        }
        return v.getOrCreateContext();
    }

    private static <Req, Resp> MethodDescriptor<Req, Resp> method(
            MethodDescriptor<Req, Resp> method, ClientCallDetails details) {
        if (details.method().equals(method.path())) {
            return method;
        }
        return MethodDescriptor.of(
                method.type(), details.method(), method.requestMarshaller(), method.responseMarshaller());
    }

    private static void check(MethodDescriptor<?, ?> method, MethodType expected) {
        Objects.requireNonNull(method, "method");
        if (method.type() != expected) {
            throw new IllegalArgumentException(
                    "method: " + method.fullMethodName() + " is " + method.type() + " (expected: " + expected + ")");
        }
    }

    @Override
    public String target() {
        return delegate.target();
    }

    @Override
    public <Req, Resp> UnaryUnaryMultiCallable<Req, Resp> unaryUnary(MethodDescriptor<Req, Resp> method) {
        check(method, MethodType.UNARY_UNARY);
        if (interceptors.unaryUnary.isEmpty()) {
            return delegate.unaryUnary(method);
        }
        return (request, options) -> InterceptorChain.unaryUnary(
                interceptors.unaryUnary,
                method,
                Objects.requireNonNull(request, "request"),
                Objects.requireNonNull(options, "options"),
                caller(),
                (d, r) -> Future.succeededFuture(
                        delegate.unaryUnary(method(method, d)).call(r, d.callOptions())));
    }

    @Override
    public <Req, Resp> UnaryStreamMultiCallable<Req, Resp> unaryStream(MethodDescriptor<Req, Resp> method) {
        check(method, MethodType.UNARY_STREAM);
        if (interceptors.unaryStream.isEmpty()) {
            return delegate.unaryStream(method);
        }
        return (request, options) -> InterceptorChain.unaryStream(
                interceptors.unaryStream,
                method,
                Objects.requireNonNull(request, "request"),
                Objects.requireNonNull(options, "options"),
                caller(),
                (d, r) -> Future.succeededFuture(
                        delegate.unaryStream(method(method, d)).call(r, d.callOptions())));
    }

    @Override
    public <Req, Resp> StreamUnaryMultiCallable<Req, Resp> streamUnary(MethodDescriptor<Req, Resp> method) {
        check(method, MethodType.STREAM_UNARY);
        if (interceptors.streamUnary.isEmpty()) {
            return delegate.streamUnary(method);
        }
        return new StreamUnaryMultiCallable<>() {
            @Override
            public StreamUnaryCall<Req, Resp> call(CallOptions options) {
                return InterceptorChain.streamUnary(
                        interceptors.streamUnary,
                        method,
                        Objects.requireNonNull(options, "options"),
                        caller(),
                        d -> Future.succeededFuture(
                                delegate.streamUnary(method(method, d)).call(d.callOptions())));
            }

            @Override
            public StreamUnaryCall<Req, Resp> call(ReadStream<Req> requests, CallOptions options) {
                Objects.requireNonNull(requests, "requests");
                StreamUnaryCall<Req, Resp> call = call(options);
                requests.pipe().endOnFailure(false).to(call.requests()).onFailure(t -> call.cancel());
                return call;
            }
        };
    }

    @Override
    public <Req, Resp> StreamStreamMultiCallable<Req, Resp> streamStream(MethodDescriptor<Req, Resp> method) {
        check(method, MethodType.STREAM_STREAM);
        if (interceptors.streamStream.isEmpty()) {
            return delegate.streamStream(method);
        }
        return new StreamStreamMultiCallable<>() {
            @Override
            public StreamStreamCall<Req, Resp> call(CallOptions options) {
                return InterceptorChain.streamStream(
                        interceptors.streamStream,
                        method,
                        Objects.requireNonNull(options, "options"),
                        caller(),
                        d -> Future.succeededFuture(
                                delegate.streamStream(method(method, d)).call(d.callOptions())));
            }

            @Override
            public StreamStreamCall<Req, Resp> call(ReadStream<Req> requests, CallOptions options) {
                Objects.requireNonNull(requests, "requests");
                StreamStreamCall<Req, Resp> call = call(options);
                requests.pipe().endOnFailure(false).to(call.requests()).onFailure(t -> call.cancel());
                return call;
            }
        };
    }

    @Override
    public ChannelConnectivity getState(ConnectRequest request) {
        return delegate.getState(request);
    }

    @Override
    public Future<ChannelStats> stats() {
        return delegate.stats();
    }

    @Override
    public Future<ChannelConnectivity> waitForStateChange(ChannelConnectivity lastObserved) {
        return delegate.waitForStateChange(lastObserved);
    }

    @Override
    public Future<Void> channelReady() {
        return delegate.channelReady();
    }

    @Override
    public Future<Void> close(Duration grace) {
        return delegate.close(grace);
    }

    @Override
    public String toString() {
        return "InterceptedChannel{" + delegate + "}";
    }
}
