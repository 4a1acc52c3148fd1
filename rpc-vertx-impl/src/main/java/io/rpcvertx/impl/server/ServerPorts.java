package io.rpcvertx.impl.server;

import io.rpcvertx.ServerCredentials;
import io.rpcvertx.ServerOptions;
import io.rpcvertx.impl.eventbus.EventBusEndpoint;
import io.rpcvertx.impl.inprocess.InProcessEndpoint;
import io.rpcvertx.impl.inprocess.InProcessRegistry;
import io.rpcvertx.impl.security.ServerSecurity;
import io.vertx.core.http.Http2Settings;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.internal.logging.Logger;
import io.vertx.core.internal.logging.LoggerFactory;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.tracing.TracingPolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;

/**
 * Where a server answers, every kind of port: HTTP/2 addresses (TCP or Unix domain socket, each with its security),
 * event-bus addresses, and the in-process name. The IO verticles serve each of them from their own event loops.
 *
 * <p>HTTP/2: {@code addInsecurePort}/{@code addSecurePort} reserve the address at once without accepting connections on
 * it (a {@link PortReservation}, so the port number is known and a port in use fails there); at start the IO verticles
 * listen on it (all sharing one socket, see notes "Several server instances on one port") and the reservation is
 * released. Nothing connects before the server serves: an open port means a ready server.
 *
 * <p>Ports are added on the server's owner context before start and fixed from then on; the IO verticles read them
 * from their event loops after start() fixed them.
 */
final class ServerPorts {
    private static final Logger log = LoggerFactory.getLogger(ServerPorts.class);

    /** A bound address: where the IO verticles listen, and the port the user was told. */
    record Binding(ListenAddress listenAddress, int port, PortReservation reservation, ServerSecurity security) {}

    private final VertxInternal vertx;
    private final ServerOptions options;
    private final String serverId;
    /** Whether the server takes new calls: what the event-bus and in-process acceptors ask. */
    private final BooleanSupplier accepting;

    private final ServerCounters counters;

    private final List<Binding> bindings = new ArrayList<>();
    private final List<EventBusEndpoint> eventBusEndpoints = new ArrayList<>();
    /** The in-process name ({@code RpcVertx.inProcessServer}, or the gateway's), or null. */
    private volatile @Nullable String inProcessName;
    /** The name's registration, from start until the server has stopped. */
    private volatile @Nullable InProcessEndpoint inProcess;

    ServerPorts(
            VertxInternal vertx,
            ServerOptions options,
            String serverId,
            @Nullable String inProcessName,
            BooleanSupplier accepting,
            ServerCounters counters) {
        this.vertx = vertx;
        this.counters = counters;
        this.options = options;
        this.serverId = serverId;
        this.inProcessName = inProcessName;
        this.accepting = accepting;
    }

    // ---------------------------------------------------------------- HTTP/2 (owner, before start)

    /**
     * Binds {@code address} with the security of {@code credentials} (null: plaintext) and returns the bound port.
     *
     * @throws IOException if the address is in use
     * @throws IllegalArgumentException or {@link IllegalStateException} for unusable credentials
     */
    int addHttp2(SocketAddress address, @Nullable ServerCredentials credentials) throws IOException {
        ServerSecurity security = credentials == null
                ? ServerSecurity.INSECURE
                : ServerSecurity.of(vertx, credentials, options.tlsEngine());
        if (address.isDomainSocket()) {
            deleteStaleSocket(address.path());
        }
        PortReservation reservation;
        try {
            // a local bind, as quick as Vert.x's own listen on this loop
            reservation = PortReservation.bind(address);
        } catch (IOException | RuntimeException e) {
            security.close();
            throw e;
        }
        int port = reservation.port();
        ListenAddress listen = address.isDomainSocket()
                ? ListenAddress.domainSocket(address)
                : ListenAddress.tcp(address.host(), port);
        bindings.add(new Binding(listen, port, reservation, security));
        counters.listening(listen);
        return port;
    }

    /**
     * Just before the IO verticles listen: the addresses they listen on (a Unix domain socket's reservation is
     * released here, as its path must be free for them).
     */
    List<ListenAddress> beforeListen() throws IOException {
        List<ListenAddress> addresses = new ArrayList<>();
        for (Binding b : bindings) {
            addresses.add(b.listenAddress());
            b.reservation().beforeListen();
        }
        return addresses;
    }

    /** Releases the reserved addresses: at the end of start(), when the IO servers listen on them, or of a stop. */
    void releaseReservations() {
        for (Binding b : bindings) {
            try {
                b.reservation().close();
            } catch (IOException e) {
                log.warn("server " + serverId + ": releasing " + b.listenAddress() + " failed", e);
            }
        }
    }

    /** Once the server has terminated: the ports' TLS resources go. */
    void closeSecurity() {
        for (Binding b : bindings) {
            b.security().close();
        }
    }

    /** The security of the port listening on {@code address}. */
    ServerSecurity security(ListenAddress address) {
        for (Binding b : bindings) {
            if (b.listenAddress().equals(address)) {
                return b.security();
            }
        }
        throw new IllegalStateException("no port bound at " + address);
    }

    /** The options of an IO server listening on {@code address}: those of its port's binding. */
    HttpServerOptions httpOptions(ListenAddress address) {
        return security(address).configure(httpOptions());
    }

    /** The HTTP/2 options every IO server shares, before its port's security. */
    HttpServerOptions httpOptions() {
        Http2Settings settings = new Http2Settings()
                .setMaxConcurrentStreams(options.maxConcurrentStreams())
                .setInitialWindowSize(options.initialWindowSize())
                .setMaxHeaderListSize(options.maxHeaderListSize())
                .setMaxFrameSize(options.maxFrameSize());
        return new HttpServerOptions()
                .setReusePort(options.isReusePort())
                // the call layer traces each call (io.rpcvertx.impl.telemetry); an HTTP span per stream would double it
                .setTracingPolicy(TracingPolicy.IGNORE)
                .setInitialSettings(settings)
                .setHttp2ConnectionWindowSize(options.connectionWindowSize())
                .setHttp2RstFloodMaxRstFramePerWindow(options.rstFloodMaxFrames())
                .setHttp2RstFloodWindowDuration((int) options.rstFloodWindow().toSeconds())
                .setHttp2RstFloodWindowDurationTimeUnit(TimeUnit.SECONDS);
    }

    /** {@code host:port}, {@code [v6]:port}, {@code :port}, {@code unix:/path}, {@code unix:///abs/path}. */
    static SocketAddress parseAddress(String address) {
        String a = address.trim();
        if (a.startsWith("unix:")) {
            String path = a.substring(5);
            if (path.startsWith("//")) {
                path = path.substring(2);
                if (!path.startsWith("/")) {
                    throw new IllegalArgumentException(
                            "address: \"" + address + "\" (unix:// needs an absolute path: unix:///abs/path)");
                }
            }
            if (path.isEmpty()) {
                throw new IllegalArgumentException("address: \"" + address + "\" (no socket path)");
            }
            return SocketAddress.domainSocketAddress(path);
        }
        int colon = a.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("address: \"" + address + "\" (expected: host:port)");
        }
        String host = a.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.contains(":")) {
            throw new IllegalArgumentException("address: \"" + address + "\" (IPv6 hosts need brackets)");
        }
        if (host.isEmpty() || host.equals("*")) {
            host = "0.0.0.0";
        }
        int port;
        try {
            port = Integer.parseInt(a.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("address: \"" + address + "\" (port is not a number)");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("address: \"" + address + "\" (port " + port + ", expected 0-65535)");
        }
        return SocketAddress.inetSocketAddress(port, host);
    }

    private static void deleteStaleSocket(String path) {
        // a socket file left by a crashed process blocks bind; gRPC servers unlink it, as do we
        try {
            Files.deleteIfExists(Path.of(path));
        } catch (IOException e) {
            // bind reports the real problem
        }
    }

    // ---------------------------------------------------------------- event bus

    /** Owner, before start: the server also serves on the event-bus {@code address}. */
    void addEventBus(String address) {
        eventBusEndpoints.add(new EventBusEndpoint(address, accepting));
    }

    /** The event-bus addresses the IO instances serve (read by them as they start, after start() fixed the list). */
    List<EventBusEndpoint> eventBusEndpoints() {
        return eventBusEndpoints;
    }

    // ---------------------------------------------------------------- in-process

    /**
     * Before start, under the server's lock: the in-process name the gateway calls through, the server's own or else
     * a private one.
     */
    String gatewayInProcessName() {
        String name = inProcessName;
        if (name == null) {
            name = "rpcvertx.server." + serverId + ".gateway";
            inProcessName = name;
        }
        return name;
    }

    /**
     * Owner, at start: claims the in-process name, if any.
     *
     * @throws IllegalStateException if another server holds it
     */
    void claimInProcessName() {
        String name = inProcessName;
        if (name != null) {
            inProcess = InProcessRegistry.claim(name, vertx, options, accepting);
        }
    }

    /** The in-process name's registration while the server runs, for its IO instances; null without a name. */
    @Nullable
    InProcessEndpoint inProcessEndpoint() {
        return inProcess;
    }

    /** The server has started: in-process channels waiting for its name are told. */
    void publishInProcess() {
        InProcessEndpoint endpoint = inProcess;
        if (endpoint != null) {
            endpoint.publish();
        }
    }

    /** The server has stopped: its in-process name is free again. */
    void releaseInProcessName() {
        InProcessEndpoint endpoint = inProcess;
        if (endpoint != null) {
            InProcessRegistry.release(endpoint);
        }
    }
}
