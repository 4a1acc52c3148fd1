package io.rpcvertx.services.gateway;

import io.rpcvertx.Metadata;
import io.vertx.core.Future;

/**
 * Admits or refuses each gateway call before it reaches the server: it sees the full method name and the call's
 * metadata (the event-bus headers, e.g. {@code authorization: Bearer ...}). A refusal is a future failed with an
 * {@code RpcException}, usually {@code UNAUTHENTICATED} or {@code PERMISSION_DENIED}; it reaches the caller as a
 * {@code ReplyException} with that code. Any other failure refuses the call with {@code PERMISSION_DENIED}.
 */
@FunctionalInterface
public interface GatewayAuthorizer {
    /** Admits every call (the default; server interceptors still run). */
    GatewayAuthorizer ALLOW_ALL = (method, metadata) -> Future.succeededFuture();

    /** Succeeds to admit the call to {@code method} ({@code package.Service/Method}). */
    Future<Void> authorize(String method, Metadata metadata);
}
