package io.rpcvertx.services.gateway;

import io.rpcvertx.ChannelOptions;
import java.util.Objects;

/** Options of an {@link EventBusGateway}: an immutable value. */
public final class GatewayOptions {
    /** The default request limit: gRPC's default receive limit, 4 MiB of JSON. */
    public static final int DEFAULT_MAX_REQUEST_BYTES = ChannelOptions.DEFAULT_MAX_RECEIVE_MESSAGE_LENGTH;

    /** All defaults: every call admitted, requests up to 4 MiB. */
    public static final GatewayOptions DEFAULT =
            new GatewayOptions(DEFAULT_MAX_REQUEST_BYTES, GatewayAuthorizer.ALLOW_ALL);

    private final int maxRequestBytes;
    private final GatewayAuthorizer authorizer;

    private GatewayOptions(int maxRequestBytes, GatewayAuthorizer authorizer) {
        this.maxRequestBytes = maxRequestBytes;
        this.authorizer = authorizer;
    }

    /** A copy refusing JSON requests longer than {@code bytes} (UTF-8) with {@code RESOURCE_EXHAUSTED}. */
    public GatewayOptions withMaxRequestBytes(int bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("maxRequestBytes: " + bytes + " (expected: >= 0)");
        }
        return new GatewayOptions(bytes, authorizer);
    }

    /** A copy asking {@code authorizer} about each call before it reaches the server. */
    public GatewayOptions withAuthorizer(GatewayAuthorizer authorizer) {
        return new GatewayOptions(maxRequestBytes, Objects.requireNonNull(authorizer, "authorizer"));
    }

    /** The request limit in bytes. */
    public int maxRequestBytes() {
        return maxRequestBytes;
    }

    /** The authorization hook. */
    public GatewayAuthorizer authorizer() {
        return authorizer;
    }
}
