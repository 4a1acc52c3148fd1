package io.rpcvertx.impl.security;

import io.netty.handler.ssl.NotSslRecordException;
import io.netty.util.NetUtil;
import io.rpcvertx.CallCredentials;
import io.rpcvertx.CallOptions;
import io.rpcvertx.ChannelCredentials;
import io.rpcvertx.ChannelOptions;
import io.rpcvertx.Metadata;
import io.rpcvertx.MethodDescriptor;
import io.rpcvertx.RpcException;
import io.rpcvertx.StatusCode;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VertxException;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientConnection;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpConnectOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.net.ConnectOptions;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.SSLEngineOptions;
import io.vertx.core.net.SocketAddress;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import javax.net.ssl.SSLException;
import org.jspecify.annotations.Nullable;

/**
 * A channel's security, fixed at creation: how its connections are made (TLS settings, the name the server
 * certificate is checked against, ALPN {@code h2} or a local peer required), which {@code :authority} it sends, and
 * the call credentials that may and must run before each call.
 *
 * <p>The channel asks this class in three places: when it builds its HTTP client, when it connects, and when a call
 * is admitted (call credentials).
 */
public final class ChannelSecurity {
    /** The level of the transport, which decides whether call credentials may be sent. */
    private enum Level {
        INSECURE,
        LOCAL,
        TLS
    }

    private static final String H2 = "h2";
    private static final String CLOSED_AFTER_HANDSHAKE = "the server closed the connection during or right after the"
            + " TLS handshake (does it require a client certificate, or not trust this one?)";
    private static final String NO_H2 = "the server did not select HTTP/2 with ALPN (h2) over TLS, which gRPC needs";
    private static final List<String> GENERIC =
            List.of("Failed to create SSL connection", "General OpenSslEngine problem");
    private static final String INSECURE_CALL_CREDENTIALS =
            "call credentials need a secure channel; this channel is insecure";

    private final Level level;
    private final String authority;
    /** For TLS: the name the server certificate must match, also sent as SNI. */
    private final String verifyHost;

    private final List<CallCredentials> channelCallCredentials;
    private final @Nullable SSLEngineOptions engine;
    private final @Nullable PemTrustOptions trust;
    private final @Nullable PemKeyCertOptions keyCert;

    private ChannelSecurity(
            Level level,
            String authority,
            String verifyHost,
            List<CallCredentials> channelCallCredentials,
            @Nullable SSLEngineOptions engine,
            @Nullable PemTrustOptions trust,
            @Nullable PemKeyCertOptions keyCert) {
        this.level = level;
        this.authority = authority;
        this.verifyHost = verifyHost;
        this.channelCallCredentials = channelCallCredentials;
        this.engine = engine;
        this.trust = trust;
        this.keyCert = keyCert;
    }

    /**
     * The security of a channel to a target whose default {@code :authority} is {@code targetAuthority};
     * {@code credentials} {@code null} means an insecure channel.
     *
     * @throws IllegalArgumentException if certificates or keys do not parse
     * @throws IllegalStateException if the chosen TLS engine is unavailable
     */
    public static ChannelSecurity of(
            VertxInternal vertx,
            @Nullable ChannelCredentials credentials,
            ChannelOptions options,
            String targetAuthority) {
        if (credentials == null) {
            String authority = options.defaultAuthority().orElse(targetAuthority);
            return new ChannelSecurity(Level.INSECURE, authority, hostOf(authority), List.of(), null, null, null);
        }
        Optional<String> override = options.sslTargetNameOverride();
        if (credentials.type() == ChannelCredentials.Type.LOCAL) {
            String authority = options.defaultAuthority().orElse(targetAuthority);
            return new ChannelSecurity(
                    Level.LOCAL, authority, hostOf(authority), credentials.callCredentials(), null, null, null);
        }
        // grpc: ssl_target_name_override is also the default authority of the channel
        String authority = options.defaultAuthority().or(() -> override).orElse(targetAuthority);
        String verifyHost = override.orElse(hostOf(authority));
        SSLEngineOptions engine = TlsSettings.engineOptions(options.tlsEngine());
        PemTrustOptions trust = credentials
                .rootCertificates()
                .map(roots -> TlsSettings.trust(vertx, "ChannelCredentials", roots))
                .orElse(null);
        PemKeyCertOptions keyCert = null;
        if (credentials.privateKey().isPresent()
                && credentials.certificateChain().isPresent()) {
            List<String[]> pair = new ArrayList<>();
            pair.add(new String[] {
                credentials.privateKey().get(), credentials.certificateChain().get()
            });
            keyCert = TlsSettings.keyCerts(vertx, "ChannelCredentials", pair);
        }
        return new ChannelSecurity(
                Level.TLS, authority, verifyHost, credentials.callCredentials(), engine, trust, keyCert);
    }

    /** Whether connections run TLS (the requests' {@code :scheme} is https). */
    public boolean isTls() {
        return level == Level.TLS;
    }

    /** The {@code :authority} of every request. */
    public String authority() {
        return authority;
    }

    /** Sets up {@code http}, the options of the channel's HTTP client, for this security. */
    public HttpClientOptions configure(HttpClientOptions http) {
        if (level != Level.TLS) {
            return http;
        }
        http.setSsl(true)
                .setUseAlpn(true)
                // offer h2 only: a server that cannot speak it must not fall back to HTTP/1.1
                .setAlpnVersions(List.of(HttpVersion.HTTP_2))
                .setSslEngineOptions(engine)
                .setEnabledSecureTransportProtocols(TlsSettings.PROTOCOLS)
                .setVerifyHost(true)
                // Vert.x sends no SNI unless forced, and forced it sends IP addresses too, which RFC 6066 forbids
                .setForceSni(!NetUtil.isValidIpV4Address(verifyHost) && !NetUtil.isValidIpV6Address(verifyHost));
        if (trust != null) {
            http.setTrustOptions(trust);
        }
        if (keyCert != null) {
            http.setKeyCertOptions(keyCert);
        }
        return http;
    }

    /** Sets up {@code net}, the options of a Netty-transport channel's socket client, for this security. */
    public NetClientOptions configure(NetClientOptions net) {
        if (level != Level.TLS) {
            return net;
        }
        net.setSsl(true)
                .setUseAlpn(true)
                // offer h2 only: a server that cannot speak it must not fall back to HTTP/1.1
                .setApplicationLayerProtocols(List.of(H2))
                .setSslEngineOptions(engine)
                .setEnabledSecureTransportProtocols(TlsSettings.PROTOCOLS)
                .setHostnameVerificationAlgorithm("HTTPS");
        if (trust != null) {
            net.setTrustOptions(trust);
        }
        if (keyCert != null) {
            net.setKeyCertOptions(keyCert);
        }
        return net;
    }

    /**
     * Opens a socket to {@code address} with {@code client} (built from {@link #configure(NetClientOptions)}) and
     * checks it as {@link #connect(HttpClientAgent, HttpConnectOptions)} checks an HTTP connection: over TLS the
     * certificate is checked against (and SNI names) this channel's host and the server must select {@code h2} with
     * ALPN; with local credentials the peer must be on this machine. A socket that fails the check is closed.
     */
    public Future<NetSocket> connect(NetClient client, SocketAddress address, int timeoutMs) {
        ConnectOptions connect = new ConnectOptions().setRemoteAddress(address).setTimeout(timeoutMs);
        if (level == Level.TLS) {
            // ConnectOptions are plaintext unless told otherwise, whatever the client's options say
            connect.setSsl(true).setHost(verifyHost).setPort(address.port());
            if (!NetUtil.isValidIpV4Address(verifyHost) && !NetUtil.isValidIpV6Address(verifyHost)) {
                connect.setSniServerName(verifyHost);
            }
        }
        if (level == Level.INSECURE) {
            return client.connect(connect);
        }
        return client.connect(connect).recover(this::explain).compose(this::check);
    }

    private Future<NetSocket> check(NetSocket socket) {
        String problem = null;
        if (level == Level.TLS && !H2.equals(socket.applicationLayerProtocol())) {
            problem = NO_H2;
        } else if (level == Level.LOCAL && !isLocal(socket.remoteAddress())) {
            problem = "local channel credentials need a Unix domain socket or loopback peer, not "
                    + socket.remoteAddress();
        }
        if (problem == null) {
            return Future.succeededFuture(socket);
        }
        VertxException failure = new VertxException(problem, true);
        return socket.close().transform(ar -> Future.failedFuture(failure));
    }

    /**
     * Connects with {@code agent} (built from {@link #configure(HttpClientOptions)}) and checks the connection: over
     * TLS the host the certificate is checked against (and sent as SNI) replaces the address's, and the server must
     * select HTTP/2 with ALPN; with local credentials the peer must be on this machine. A connection that fails the
     * check is closed.
     *
     * @return the connection, or a failure whose message says what is wrong
     */
    public Future<HttpClientConnection> connect(HttpClientAgent agent, HttpConnectOptions connect) {
        if (level == Level.INSECURE) {
            return agent.connect(connect);
        }
        if (level == Level.TLS) {
            connect.setHost(verifyHost);
        }
        return agent.connect(connect).recover(this::explain).compose(this::check);
    }

    /** TLS failures get the hint a user needs; the engine's own words follow. */
    private <T> Future<T> explain(Throwable failure) {
        String causes = causes(failure);
        String hint;
        if (causes.toLowerCase(Locale.ROOT).contains("no_application_protocol")) {
            hint = NO_H2;
        } else if (hasCause(failure, NotSslRecordException.class)) {
            hint = "the server did not answer with TLS (a plaintext port?)";
        } else if (hasCause(failure, SSLException.class)) {
            hint = "TLS handshake failed";
        } else if (level == Level.TLS && "Connection was closed".equals(failure.getMessage())) {
            // TLS 1.3 servers refuse a client certificate after the client has finished its handshake
            hint = CLOSED_AFTER_HANDSHAKE;
        } else {
            return Future.failedFuture(failure);
        }
        return Future.failedFuture(new VertxException(hint + ": " + causes, failure));
    }

    /**
     * A Netty-transport connection whose socket connected (its TLS handshake ended, on our side) but which closed with a
     * TLS error before the server's HTTP/2 SETTINGS came: over TLS 1.3 this is how a server refuses the client's
     * certificate, its alert following the client's Finished. Such failures get the hint the Vert.x transport gives.
     */
    public <T> Future<T> explainClosedAfterHandshake(Throwable failure) {
        if (level == Level.TLS && hasCause(failure, SSLException.class)) {
            return Future.failedFuture(new VertxException(CLOSED_AFTER_HANDSHAKE + ": " + causes(failure), failure));
        }
        return Future.failedFuture(failure);
    }

    /** The messages along the cause chain, without the generic wrappers Vert.x and Netty add. */
    static String causes(Throwable failure) {
        List<String> parts = new ArrayList<>();
        for (Throwable t = failure; t != null && parts.size() < 8; t = t.getCause()) {
            String m = t.getMessage();
            if (m == null || GENERIC.contains(m) || parts.stream().anyMatch(p -> p.contains(m))) {
                continue;
            }
            boolean root = t.getCause() == null;
            parts.add(root && !(t instanceof SSLException) ? t.getClass().getSimpleName() + ": " + m : m);
        }
        return parts.isEmpty() ? String.valueOf(failure) : String.join("; ", parts);
    }

    private static boolean hasCause(Throwable failure, Class<? extends Throwable> type) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    private Future<HttpClientConnection> check(HttpClientConnection http) {
        String problem = null;
        if (level == Level.TLS && !isHttp2(http)) {
            problem = NO_H2;
        } else if (level == Level.LOCAL && !isLocal(http.remoteAddress())) {
            problem =
                    "local channel credentials need a Unix domain socket or loopback peer, not " + http.remoteAddress();
        }
        if (problem == null) {
            return Future.succeededFuture(http);
        }
        VertxException failure = new VertxException(problem, true);
        return http.close().transform(ar -> Future.failedFuture(failure));
    }

    private static boolean isHttp2(HttpClientConnection http) {
        // the public API's only sign of the protocol: an HTTP/1.x connection has no SETTINGS
        try {
            http.remoteSettings();
            return true;
        } catch (UnsupportedOperationException e) {
            return false;
        }
    }

    static boolean isLocal(@Nullable SocketAddress remote) {
        if (remote == null) {
            return false;
        }
        if (remote.isDomainSocket()) {
            return true;
        }
        String ip = remote.hostAddress();
        if (ip == null || ip.isEmpty()) {
            return false;
        }
        try {
            // an IP literal: no name lookup
            return InetAddress.getByName(ip).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** Whether a call with {@code options} must run call credentials before it is admitted. */
    public boolean hasCallCredentials(CallOptions options) {
        return !channelCallCredentials.isEmpty() || options.credentials().isPresent();
    }

    /**
     * Runs the channel's call credentials, then the call's, one after the other, and concatenates their metadata.
     * Runs on {@code owner}, where the returned future completes.
     *
     * @return the metadata to send, or a failure with an {@link RpcException}: {@code UNAUTHENTICATED} on an insecure
     *     channel, the plugin's status if it failed with an {@link RpcException}, else {@code UNAVAILABLE}
     */
    public Future<Metadata> callMetadata(CallOptions options, MethodDescriptor<?, ?> method, ContextInternal owner) {
        assert owner.inThread();
        if (level == Level.INSECURE) {
            return owner.failedFuture(new RpcException(StatusCode.UNAUTHENTICATED, INSECURE_CALL_CREDENTIALS));
        }
        List<CallCredentials> all = new ArrayList<>(channelCallCredentials);
        options.credentials().ifPresent(all::add);
        String serviceUrl = serviceUrl(method.serviceName());
        String methodName = method.methodName();
        Future<Metadata> result = Future.succeededFuture(Metadata.EMPTY);
        for (CallCredentials c : all) {
            result = result.compose(
                    md -> invoke(owner, c, serviceUrl, methodName).map(md::merge));
        }
        Promise<Metadata> promise = owner.promise();
        result.onComplete(ar -> {
            if (ar.succeeded()) {
                promise.complete(ar.result());
            } else {
                promise.fail(asRpcException(ar.cause()));
            }
        });
        return promise.future();
    }

    /** Runs one plugin with the channel's context current, as documented; whatever it does wrong fails the call. */
    private static Future<Metadata> invoke(
            ContextInternal owner, CallCredentials credentials, String serviceUrl, String methodName) {
        Promise<Metadata> result = owner.promise();
        owner.dispatch(() -> {
            Future<Metadata> metadata;
            try {
                metadata = credentials.metadata(serviceUrl, methodName);
            } catch (RuntimeException e) {
                result.fail(e);
                return;
            }
            if (metadata == null) {
                result.fail(new IllegalStateException("the call credentials returned no future"));
                return;
            }
            metadata.onComplete(ar -> {
                if (ar.failed()) {
                    result.tryFail(ar.cause());
                } else if (ar.result() == null) {
                    result.tryFail(new IllegalStateException("the call credentials completed with null metadata"));
                } else {
                    result.tryComplete(ar.result());
                }
            });
        });
        return result.future();
    }

    private static RpcException asRpcException(Throwable t) {
        if (t instanceof RpcException) {
            return (RpcException) t;
        }
        // grpc core's wording, so logs read the same across implementations
        return new RpcException(
                StatusCode.UNAVAILABLE, "Getting metadata from plugin failed with error: " + t.getMessage());
    }

    /** grpc's {@code AuthMetadataContext.service_url}: {@code https://authority/package.Service}, no port 443. */
    String serviceUrl(String serviceName) {
        String a = authority.endsWith(":443") ? authority.substring(0, authority.length() - 4) : authority;
        return (level == Level.TLS ? "https://" : "http://") + a + "/" + serviceName;
    }

    /** The host of {@code host:port}, {@code [v6]:port}, {@code host} or {@code [v6]}, without brackets. */
    static String hostOf(String authority) {
        if (authority.startsWith("[")) {
            int close = authority.indexOf(']');
            return close > 0 ? authority.substring(1, close) : authority;
        }
        int colon = authority.lastIndexOf(':');
        return colon >= 0 && authority.indexOf(':') == colon ? authority.substring(0, colon) : authority;
    }
}
