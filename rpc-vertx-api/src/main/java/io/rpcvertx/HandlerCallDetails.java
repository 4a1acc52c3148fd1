package io.rpcvertx;

/**
 * What a {@link GenericRpcHandler} sees of an incoming RPC before it is dispatched (grpc.aio
 * {@code HandlerCallDetails}).
 *
 * @param method the full method name, {@code /package.Service/Method}
 * @param invocationMetadata the request metadata
 */
public record HandlerCallDetails(String method, Metadata invocationMetadata) {}
