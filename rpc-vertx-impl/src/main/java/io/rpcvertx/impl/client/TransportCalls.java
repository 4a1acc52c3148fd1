package io.rpcvertx.impl.client;

import io.rpcvertx.CallCounts;
import io.rpcvertx.ChannelCredentials;
import io.rpcvertx.ChannelOptions;
import io.rpcvertx.MethodDescriptor;
import io.rpcvertx.MethodType;
import io.rpcvertx.StreamStreamMultiCallable;
import io.rpcvertx.StreamUnaryMultiCallable;
import io.rpcvertx.UnaryStreamMultiCallable;
import io.rpcvertx.UnaryUnaryMultiCallable;
import io.rpcvertx.impl.security.ChannelSecurity;
import io.rpcvertx.impl.transport.ClientTransport;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import java.util.Objects;

/**
 * The call layer of a channel whose streams come from a transport other than Vert.x HTTP/2 (the in-process one): the
 * same multi-callables, client interceptors, service config (limits, retries, hedging) and deadline propagation as
 * {@link ChannelImpl}'s, over any {@link ClientTransport} whose streams live on {@code owner}.
 *
 * <p>Such a channel has no connection to secure: call credentials are sent as over a local connection.
 */
public final class TransportCalls {
    private final MultiCallables callables;

    /**
     * @param authority what call credentials see as the channel's authority
     * @throws IllegalArgumentException for a malformed service config in {@code options}
     */
    public TransportCalls(
            VertxInternal vertx,
            ContextInternal owner,
            ChannelOptions options,
            ClientTransport transport,
            String authority) {
        ServiceConfig serviceConfig =
                ServiceConfig.parse(options.serviceConfig().orElse(null));
        ChannelSecurity security = ChannelSecurity.of(vertx, ChannelCredentials.local(), options, authority);
        this.callables =
                new MultiCallables(vertx, owner, options, transport, security, serviceConfig, authority, authority);
    }

    /** The {@code user-agent} of a channel with {@code options}, as {@link ChannelImpl} sends it. */
    public static String userAgent(ChannelOptions options) {
        String base = "grpc-java-rpcvertx/" + ChannelImpl.VERSION;
        return options.primaryUserAgent().map(p -> p + " " + base).orElse(base);
    }

    /** See {@link io.rpcvertx.Channel#unaryUnary}. */
    public <Req, Resp> UnaryUnaryMultiCallable<Req, Resp> unaryUnary(MethodDescriptor<Req, Resp> method) {
        check(method, MethodType.UNARY_UNARY);
        return callables.unaryUnary(method);
    }

    /** See {@link io.rpcvertx.Channel#unaryStream}. */
    public <Req, Resp> UnaryStreamMultiCallable<Req, Resp> unaryStream(MethodDescriptor<Req, Resp> method) {
        check(method, MethodType.UNARY_STREAM);
        return callables.unaryStream(method);
    }

    /** See {@link io.rpcvertx.Channel#streamUnary}. */
    public <Req, Resp> StreamUnaryMultiCallable<Req, Resp> streamUnary(MethodDescriptor<Req, Resp> method) {
        check(method, MethodType.STREAM_UNARY);
        return callables.streamUnary(method);
    }

    /** See {@link io.rpcvertx.Channel#streamStream}. */
    public <Req, Resp> StreamStreamMultiCallable<Req, Resp> streamStream(MethodDescriptor<Req, Resp> method) {
        check(method, MethodType.STREAM_STREAM);
        return callables.streamStream(method);
    }

    /** The counts of the channel's calls (channelz-lite); any thread. */
    public CallCounts counts() {
        return callables.calls.snapshot();
    }

    /** The channel starts closing: retrying calls waiting for their next attempt end now (owner context). */
    public void onChannelClosing() {
        callables.onChannelClosing();
    }

    /** A multi-callable's method must be of its shape. */
    static void check(MethodDescriptor<?, ?> method, MethodType expected) {
        Objects.requireNonNull(method, "method");
        if (method.type() != expected) {
            throw new IllegalArgumentException(
                    "method: " + method.fullMethodName() + " is " + method.type() + " (expected: " + expected + ")");
        }
    }
}
