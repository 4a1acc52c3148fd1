package io.rpcvertx.impl.security;

import io.rpcvertx.DynamicServerCredentials;
import io.rpcvertx.KeyCertPair;
import io.rpcvertx.ServerCertificateConfiguration;
import io.rpcvertx.ServerCredentials;
import io.rpcvertx.TlsEngine;
import io.vertx.core.Future;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.SSLEngineOptions;
import io.vertx.core.net.ServerSSLOptions;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The TLS of one secure server port: the HTTP server options of its reservation and IO servers, and for
 * {@link DynamicServerCredentials} the live servers that each update is pushed to with
 * {@link HttpServer#updateSSLOptions}.
 *
 * <p>Every server of a port shares one socket; Vert.x takes the TLS context of the first one bound (the reservation)
 * for all of them, and forwards {@code updateSSLOptions} on any of them to it. All of them get the same options
 * anyway, so nothing depends on which one Vert.x picks.
 */
public final class ServerSecurity {
    /** A plaintext port. */
    public static final ServerSecurity INSECURE = new ServerSecurity();

    private final @Nullable VertxInternal vertx;
    private final @Nullable SSLEngineOptions engine;
    private final ClientAuth clientAuth;
    private final @Nullable DynamicServerCredentials dynamic;
    private final DynamicServerCredentials.@Nullable UpdateListener listener;
    /** Guarded by {@code servers}. */
    private final List<HttpServer> servers = new ArrayList<>();
    /** The Netty transport's listeners of the port; guarded by {@code servers}. */
    private final List<NetServer> netServers = new ArrayList<>();
    /** The options new servers of the port start with: the latest update's. */
    private volatile @Nullable ServerSSLOptions current;

    private ServerSecurity() {
        this.vertx = null;
        this.engine = null;
        this.clientAuth = ClientAuth.NONE;
        this.dynamic = null;
        this.listener = null;
    }

    private ServerSecurity(VertxInternal vertx, ServerCredentials credentials, TlsEngine tlsEngine) {
        this.vertx = vertx;
        this.engine = TlsSettings.engineOptions(tlsEngine);
        this.clientAuth = clientAuth(credentials.clientAuth());
        if (credentials instanceof DynamicServerCredentials) {
            DynamicServerCredentials d = (DynamicServerCredentials) credentials;
            DynamicServerCredentials.UpdateListener l = this::update;
            this.dynamic = d;
            this.listener = l;
            ServerSSLOptions initial;
            try {
                initial = sslOptions(d.addUpdateListener(l));
            } catch (RuntimeException e) {
                d.removeUpdateListener(l);
                throw e;
            }
            synchronized (servers) {
                if (current == null) {
                    current = initial; // unless an update raced ahead of us
                }
            }
        } else {
            this.dynamic = null;
            this.listener = null;
            this.current = sslOptions(credentials.certificates());
        }
    }

    /**
     * The TLS of a port bound with {@code credentials}. With {@link DynamicServerCredentials} it follows their updates
     * until {@link #close()}.
     *
     * @throws IllegalArgumentException if certificates or keys do not parse
     * @throws IllegalStateException if the TLS engine is unavailable
     */
    public static ServerSecurity of(VertxInternal vertx, ServerCredentials credentials, TlsEngine engine) {
        return new ServerSecurity(vertx, credentials, engine);
    }

    /** Sets up the options of one HTTP server of the port. */
    public HttpServerOptions configure(HttpServerOptions options) {
        ServerSSLOptions ssl = current;
        if (ssl == null) {
            return options;
        }
        options.setSsl(true)
                .setUseAlpn(true)
                // h2 only: a client that cannot speak it gets no ALPN protocol, then HTTP 505 (see ServerCallImpl)
                .setAlpnVersions(List.of(HttpVersion.HTTP_2))
                .setSslEngineOptions(engine)
                .setEnabledSecureTransportProtocols(TlsSettings.PROTOCOLS)
                .setKeyCertOptions(ssl.getKeyCertOptions())
                .setClientAuth(ssl.getClientAuth())
                .setSni(ssl.isSni());
        if (ssl.getTrustOptions() != null) {
            options.setTrustOptions(ssl.getTrustOptions());
        }
        return options;
    }

    /** A server of the port is listening: later updates reach it. */
    public void serving(HttpServer server) {
        if (dynamic != null) {
            synchronized (servers) {
                servers.add(server);
            }
        }
    }

    /** A Netty-transport listener of the port is listening: later updates reach it. */
    public void serving(NetServer server) {
        if (dynamic != null) {
            synchronized (servers) {
                netServers.add(server);
            }
        }
    }

    /** A server of the port is closing: updates no longer reach it. */
    public void closing(HttpServer server) {
        if (dynamic != null) {
            synchronized (servers) {
                servers.remove(server);
            }
        }
    }

    /** The port is gone: stop following the dynamic credentials. Idempotent. */
    public void close() {
        DynamicServerCredentials d = dynamic;
        DynamicServerCredentials.UpdateListener l = listener;
        if (d != null && l != null) {
            d.removeUpdateListener(l);
            synchronized (servers) {
                servers.clear();
                netServers.clear();
            }
        }
    }

    /** Called by the credentials in update order, under their lock: only starts the work. */
    private Future<Void> update(ServerCertificateConfiguration next) {
        ServerSSLOptions ssl;
        try {
            ssl = sslOptions(next);
        } catch (IllegalArgumentException e) {
            return Future.failedFuture(e);
        }
        List<HttpServer> targets;
        List<NetServer> netTargets;
        synchronized (servers) {
            current = ssl;
            targets = new ArrayList<>(servers);
            netTargets = new ArrayList<>(netServers);
        }
        List<Future<Boolean>> updates = new ArrayList<>();
        for (HttpServer server : targets) {
            try {
                // force: the PEM values may be equal to earlier ones, the point is to rebuild the TLS context
                updates.add(server.updateSSLOptions(ssl.copy(), true));
            } catch (IllegalStateException e) {
                // the server stopped listening between our snapshot and now: nothing to update
            }
        }
        for (NetServer server : netTargets) {
            try {
                // a NetServer adds no ALPN protocol of its own (an HttpServer adds its HTTP versions)
                updates.add(server.updateSSLOptions(ssl.copy().setApplicationLayerProtocols(List.of("h2")), true));
            } catch (IllegalStateException e) {
                // stopped listening since the snapshot
            }
        }
        return Future.all(updates).mapEmpty();
    }

    private ServerSSLOptions sslOptions(ServerCertificateConfiguration certificates) {
        VertxInternal v = vertx;
        assert v != null;
        List<String[]> pairs = new ArrayList<>();
        for (KeyCertPair pair : certificates.keyCertPairs()) {
            pairs.add(new String[] {pair.privateKey(), pair.certificateChain()});
        }
        ServerSSLOptions ssl = new ServerSSLOptions()
                .setKeyCertOptions(TlsSettings.keyCerts(v, "ServerCredentials", pairs))
                .setClientAuth(clientAuth)
                // several certificates: pick by the name the client asked for (SNI), as grpc core does
                .setSni(pairs.size() > 1)
                .setUseAlpn(true)
                .setEnabledSecureTransportProtocols(TlsSettings.PROTOCOLS);
        certificates
                .rootCertificates()
                .ifPresent(roots -> ssl.setTrustOptions(TlsSettings.trust(v, "ServerCredentials", roots)));
        return ssl;
    }

    private static ClientAuth clientAuth(ServerCredentials.ClientAuth clientAuth) {
        switch (clientAuth) {
            case REQUIRE:
                return ClientAuth.REQUIRED;
            case OPTIONAL:
                return ClientAuth.REQUEST;
            case NONE:
            default:
                return ClientAuth.NONE;
        }
    }
}
