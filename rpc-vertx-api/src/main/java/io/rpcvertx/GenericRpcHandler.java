package io.rpcvertx;

import java.util.Optional;

/**
 * Finds the handler of an incoming RPC (grpc.aio {@code GenericRpcHandler}). Registered on a {@link Server} before
 * {@code start()}; consulted in registration order, the first non-empty answer wins, and no answer means
 * {@link StatusCode#UNIMPLEMENTED}. Runs on an event loop: it must be fast and must not block.
 */
@FunctionalInterface
public interface GenericRpcHandler {
    /** The handler for this call, or empty if this handler does not serve it. */
    Optional<RpcMethodHandler<?, ?>> service(HandlerCallDetails details);
}
