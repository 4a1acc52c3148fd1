package io.rpcvertx.impl.client;

import io.rpcvertx.Compression;
import io.rpcvertx.impl.security.ChannelSecurity;
import io.rpcvertx.impl.telemetry.CallCounter;
import io.rpcvertx.impl.telemetry.Telemetry;
import io.rpcvertx.impl.transport.ClientTransport;
import io.vertx.core.internal.ContextInternal;
import org.jspecify.annotations.Nullable;

/**
 * What every call of one method on one channel shares, made once per multi-callable: the owner loop, the transport
 * that gives calls their streams (the channel's admission, or a retrying transport over it), call credentials, the
 * default compression, the message limits (channel options narrowed by the service config), and whether a stream the
 * server never processed may be replayed transparently ({@code grpc.enable_retries = 0} turns that off, as in C-core), the call telemetry (null when neither a tracer nor metrics are configured), and the channel's call counters.
 */
record CallSetup(
        ContextInternal owner,
        ClientTransport transport,
        ChannelSecurity security,
        Compression compression,
        int maxSendBytes,
        int maxReceiveBytes,
        boolean transparentRetry,
        @Nullable Telemetry telemetry,
        CallCounter calls) {}
