package io.rpcvertx.impl.client;

import io.rpcvertx.Compression;
import io.rpcvertx.impl.security.ChannelSecurity;
import io.rpcvertx.impl.telemetry.Telemetry;
import io.rpcvertx.impl.transport.ClientTransport;
import io.vertx.core.internal.ContextInternal;
import org.jspecify.annotations.Nullable;

/**
 * What every call of one method on one channel shares, made once per multi-callable: the owner loop, the transport
 * that gives calls their streams (the channel's admission, or a retrying transport over it), call credentials, the
 * default compression and the message limits (channel options narrowed by the service config).
 */
record CallSetup(
        ContextInternal owner,
        ClientTransport transport,
        ChannelSecurity security,
        Compression compression,
        int maxSendBytes,
        int maxReceiveBytes,
        @Nullable Telemetry telemetry) {}
