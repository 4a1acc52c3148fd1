package io.rpcvertx.impl.client;

import io.rpcvertx.StatusCode;
import io.rpcvertx.impl.transport.ClientStream;
import io.rpcvertx.impl.transport.ClientTransport;
import io.rpcvertx.impl.transport.RequestHead;
import io.vertx.core.internal.ContextInternal;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The retry or hedging policy of one method on one channel (gRFC A6): a transport whose streams are
 * {@link RetryingStream}s, each running its attempts on the channel's own transport. Made once per method config.
 */
final class RetryingTransport implements ClientTransport {
    final ClientTransport transport;
    final MultiCallables callables;
    final ContextInternal owner;
    final ServiceConfig.@Nullable RetryPolicy retry;
    final ServiceConfig.@Nullable HedgingPolicy hedging;
    final Set<StatusCode> retryableCodes;
    final int maxAttempts;

    RetryingTransport(
            ClientTransport transport, MultiCallables callables, ContextInternal owner, ServiceConfig.MethodConfig c) {
        this.transport = transport;
        this.callables = callables;
        this.owner = owner;
        this.retry = c.retryPolicy();
        this.hedging = c.hedgingPolicy();
        ServiceConfig.RetryPolicy r = retry;
        ServiceConfig.HedgingPolicy h = hedging;
        if (r != null) {
            this.retryableCodes = r.retryableStatusCodes();
            this.maxAttempts = r.maxAttempts();
        } else if (h != null) {
            this.retryableCodes = h.nonFatalStatusCodes();
            this.maxAttempts = h.maxAttempts();
        } else {
            throw new IllegalArgumentException("config: " + c + " (expected: a retry or hedging policy)");
        }
    }

    @Override
    public ClientStream newStream(RequestHead head) {
        return new RetryingStream(this, head);
    }
}
