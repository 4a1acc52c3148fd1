package io.rpcvertx.it.security;

import io.rpcvertx.Marshaller;
import io.rpcvertx.MethodDescriptor;
import io.rpcvertx.MethodType;
import io.rpcvertx.RpcMethodHandler;
import io.rpcvertx.ServiceDefinition;
import io.vertx.core.Future;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A unary method, {@code rpcvertx.it.AuthProbe/Probe}, that echoes its request and records what its
 * {@code ServicerContext} says about the peer.
 */
final class AuthProbe {
    static final MethodDescriptor<byte[], byte[]> PROBE = MethodDescriptor.of(
            MethodType.UNARY_UNARY, "rpcvertx.it.AuthProbe/Probe", Marshaller.BYTES, Marshaller.BYTES);

    /** What one call's context said. */
    record Seen(
            Map<String, List<byte[]>> authContext,
            List<byte[]> peerIdentities,
            Optional<String> peerIdentityKey,
            String peer) {}

    private volatile CompletableFuture<Seen> seen = new CompletableFuture<>();

    ServiceDefinition service() {
        return ServiceDefinition.of("rpcvertx.it.AuthProbe", RpcMethodHandler.unaryUnary(PROBE, (request, context) -> {
            seen.complete(new Seen(
                    context.authContext(), context.peerIdentities(), context.peerIdentityKey(), context.peer()));
            return Future.succeededFuture(request);
        }));
    }

    /** What the next probe call will see (or the last one saw, until {@link #reset()}). */
    CompletableFuture<Seen> seen() {
        return seen;
    }

    void reset() {
        seen = new CompletableFuture<>();
    }
}
