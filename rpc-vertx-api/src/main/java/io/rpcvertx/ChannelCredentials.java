package io.rpcvertx;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * How a channel secures its connection, plus call credentials applied to each of its RPCs (grpc.aio
 * {@code ssl_channel_credentials}, {@code local_channel_credentials}, {@code composite_channel_credentials}), for
 * {@link RpcVertx#secureChannel}. Immutable.
 *
 * <p>TLS channels speak TLS 1.2 or 1.3 only and require the server to select HTTP/2 with ALPN ({@code h2}); a server
 * that does not fails the connection with {@link StatusCode#UNAVAILABLE}. The server certificate must chain to the
 * root certificates (the JVM's default trust store when none are given) and match the host name: the target's host,
 * or {@link ChannelOptions#withSslTargetNameOverride}. The host name is also sent as SNI unless it is an IP address.
 *
 * <pre>{@code
 * ChannelCredentials mtls = ChannelCredentials.ssl(caPem, clientKeyPem, clientChainPem);
 * Channel channel = RpcVertx.secureChannel(vertx, "greeter.example:443", mtls);
 * }</pre>
 */
public final class ChannelCredentials {
    /** The transport security of a channel. */
    public enum Type {
        /** TLS. */
        SSL,
        /**
         * No encryption, for connections that never leave the machine: the peer must be a Unix domain socket or a
         * loopback address, else the connection fails. Call credentials are allowed, as over TLS.
         */
        LOCAL
    }

    private final Type type;
    private final @Nullable String rootCertificates;
    private final @Nullable String privateKey;
    private final @Nullable String certificateChain;
    private final List<CallCredentials> callCredentials;

    private ChannelCredentials(
            Type type,
            @Nullable String rootCertificates,
            @Nullable String privateKey,
            @Nullable String certificateChain,
            List<CallCredentials> callCredentials) {
        this.type = type;
        this.rootCertificates = rootCertificates;
        this.privateKey = privateKey;
        this.certificateChain = certificateChain;
        this.callCredentials = callCredentials;
    }

    /** TLS trusting the JVM's default trust store, without a client certificate. */
    public static ChannelCredentials ssl() {
        return ssl(null, null, null);
    }

    /** TLS trusting these PEM CA certificates, without a client certificate. */
    public static ChannelCredentials ssl(String rootCertificates) {
        Objects.requireNonNull(rootCertificates, "rootCertificates");
        return ssl(rootCertificates, null, null);
    }

    /**
     * TLS (grpc.aio {@code ssl_channel_credentials}): every argument is optional PEM text. Without
     * {@code rootCertificates} the JVM's default trust store is used; {@code privateKey} and {@code certificateChain}
     * (leaf first) are the client certificate for mutual TLS and come together. They are parsed when the channel is
     * created.
     *
     * @throws IllegalArgumentException if only one of {@code privateKey} and {@code certificateChain} is given, or one
     *     is blank
     */
    public static ChannelCredentials ssl(
            @Nullable String rootCertificates, @Nullable String privateKey, @Nullable String certificateChain) {
        if ((privateKey == null) != (certificateChain == null)) {
            throw new IllegalArgumentException((privateKey == null ? "certificateChain" : "privateKey")
                    + ": given alone (expected: privateKey and certificateChain together, or neither)");
        }
        if (rootCertificates != null) {
            Pem.checkNotBlank("rootCertificates", rootCertificates);
        }
        if (privateKey != null && certificateChain != null) {
            Pem.checkNotBlank("privateKey", privateKey);
            Pem.checkNotBlank("certificateChain", certificateChain);
        }
        return new ChannelCredentials(Type.SSL, rootCertificates, privateKey, certificateChain, List.of());
    }

    /**
     * No encryption, for a peer on this machine (grpc.aio {@code local_channel_credentials}): a Unix domain socket
     * ({@code unix:} targets) or a loopback address. Call credentials are sent.
     */
    public static ChannelCredentials local() {
        return new ChannelCredentials(Type.LOCAL, null, null, null, List.of());
    }

    /**
     * {@code channelCredentials} plus call credentials applied to every RPC of the channel, in this order, before
     * those of the call's own {@link CallOptions#withCredentials} (grpc.aio {@code composite_channel_credentials}).
     */
    public static ChannelCredentials composite(
            ChannelCredentials channelCredentials, CallCredentials... callCredentials) {
        Objects.requireNonNull(channelCredentials, "channelCredentials");
        Objects.requireNonNull(callCredentials, "callCredentials");
        List<CallCredentials> all = new ArrayList<>(channelCredentials.callCredentials);
        for (CallCredentials c : callCredentials) {
            all.add(Objects.requireNonNull(c, "callCredentials element"));
        }
        ChannelCredentials base = channelCredentials;
        return new ChannelCredentials(
                base.type, base.rootCertificates, base.privateKey, base.certificateChain, List.copyOf(all));
    }

    /** The transport security. */
    public Type type() {
        return type;
    }

    /** The CA certificates the server certificate must chain to (PEM); empty means the JVM's default trust store. */
    public Optional<String> rootCertificates() {
        return Optional.ofNullable(rootCertificates);
    }

    /** The client's private key (PEM), for mutual TLS. */
    public Optional<String> privateKey() {
        return Optional.ofNullable(privateKey);
    }

    /** The client's certificate chain (PEM, leaf first), for mutual TLS. */
    public Optional<String> certificateChain() {
        return Optional.ofNullable(certificateChain);
    }

    /** The call credentials applied to every RPC, in order. */
    public List<CallCredentials> callCredentials() {
        return callCredentials;
    }

    @Override
    public String toString() {
        return "ChannelCredentials{" + type + ", rootCertificates=" + (rootCertificates != null)
                + ", clientCertificate=" + (certificateChain != null) + ", callCredentials=" + callCredentials.size()
                + "}";
    }
}
