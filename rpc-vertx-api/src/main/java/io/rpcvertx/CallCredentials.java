package io.rpcvertx;

import io.vertx.core.Future;

/**
 * Per-call credentials (grpc.aio {@code grpc.CallCredentials}): a source of metadata attached to each RPC, such as an
 * access token.
 *
 * <p>gRPC only sends call credentials over a secure connection: on an insecure channel a call that carries them
 * fails with {@link StatusCode#UNAUTHENTICATED} before anything is sent, as grpc.aio and grpc-java do.
 */
@FunctionalInterface
public interface CallCredentials {
    /**
     * The metadata to add to one call.
     *
     * @param serviceUrl {@code scheme://authority/package.Service}
     * @param methodName the method's simple name
     * @return metadata to merge into the request headers; a failed future ends the call with
     *     {@link StatusCode#UNAVAILABLE}, or with the status of a failing {@link RpcException}
     */
    Future<Metadata> metadata(String serviceUrl, String methodName);
}
