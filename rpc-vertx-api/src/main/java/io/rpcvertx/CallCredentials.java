package io.rpcvertx;

import io.vertx.core.Future;
import java.util.List;
import java.util.Objects;

/**
 * Per-call credentials (grpc.aio {@code grpc.CallCredentials}): a source of metadata attached to each RPC, such as an
 * access token. The interface itself is grpc.aio's metadata plugin ({@code metadata_call_credentials}): an
 * asynchronous function of the service URL and method name.
 *
 * <p>Call credentials come from {@link CallOptions#withCredentials} and from
 * {@link ChannelCredentials#composite}; the channel's run first. They run on the channel's event loop before the
 * call takes a stream, and their metadata is sent with the request headers. gRPC only sends call credentials over a
 * secure connection (TLS or {@link ChannelCredentials#local()}): on an insecure channel a call that carries them fails
 * with {@link StatusCode#UNAUTHENTICATED} before anything is sent.
 *
 * <pre>{@code
 * CallCredentials token = CallCredentials.accessToken(System.getenv("TOKEN"));
 * CallCredentials tenant = (serviceUrl, methodName) -> Future.succeededFuture(Metadata.of("x-tenant", "blue"));
 * CallOptions options = CallOptions.DEFAULT.withCredentials(CallCredentials.composite(token, tenant));
 * }</pre>
 */
@FunctionalInterface
public interface CallCredentials {
    /**
     * The metadata to add to one call. Runs on the channel's event loop: it must not block.
     *
     * @param serviceUrl {@code https://authority/package.Service} (port 443 omitted; {@code http://} on local channels)
     * @param methodName the method's simple name
     * @return metadata to add to the request headers; a failed future ends the call with
     *     {@link StatusCode#UNAVAILABLE}, or with the status of a failing {@link RpcException}
     */
    Future<Metadata> metadata(String serviceUrl, String methodName);

    /**
     * Sends {@code authorization: Bearer <token>} (grpc.aio {@code access_token_call_credentials}).
     *
     * @throws IllegalArgumentException if the token is empty or not printable ASCII
     */
    static CallCredentials accessToken(String token) {
        Objects.requireNonNull(token, "token");
        if (token.isEmpty()) {
            throw new IllegalArgumentException("token: empty");
        }
        Metadata md;
        try {
            md = Metadata.of("authorization", "Bearer " + token);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("token: not printable ASCII", e);
        }
        return (serviceUrl, methodName) -> Future.succeededFuture(md);
    }

    /**
     * All of {@code credentials}, one after the other; their metadata is concatenated in this order and the first
     * failure ends the call (grpc.aio {@code composite_call_credentials}).
     *
     * @throws IllegalArgumentException if fewer than two are given
     */
    static CallCredentials composite(CallCredentials... credentials) {
        Objects.requireNonNull(credentials, "credentials");
        if (credentials.length < 2) {
            throw new IllegalArgumentException(
                    "credentials: " + credentials.length + " given (expected: at least 2 to compose)");
        }
        List<CallCredentials> all = List.of(credentials);
        return (serviceUrl, methodName) -> {
            Future<Metadata> result = Future.succeededFuture(Metadata.EMPTY);
            for (CallCredentials c : all) {
                result = result.compose(md -> c.metadata(serviceUrl, methodName).map(md::merge));
            }
            return result;
        };
    }
}
