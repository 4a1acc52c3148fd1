package io.rpcvertx.examples;

import io.rpcvertx.Server;
import io.rpcvertx.services.gateway.EventBusGateway;
import io.rpcvertx.services.gateway.GatewayBridges;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServerOptions;
import io.vertx.ext.eventbus.bridge.tcp.TcpEventBusBridge;
import io.vertx.ext.web.Router;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The JSON gateway of a server program and the event-bus bridges in front of it, both closed by default (see
 * {@link GatewayBridges}: only the gateway's method addresses and the stream addresses are permitted):
 *
 * <ul>
 *   <li>{@code --sockjs-bridge-port=N}: an HTTP server with the SockJS bridge at {@code /eventbus}, and, when the server
 *       has {@code helloworld.Greeter}, the page {@value #PAGE} (also at {@code /}) that calls it through
 *       {@code @vertx/eventbus-bridge-client.js}, served from this jar so it works offline;
 *   <li>{@code --tcp-bridge-port=N}: the TCP bridge (4-byte length, then a JSON frame).
 * </ul>
 *
 * <p>0 picks a free port; {@link #describe()} tells which. Without either flag nothing is attached. Use: {@link
 * #attach} after the services are added and before the server starts, {@link #listen} once it has started, {@link
 * #close} after it has stopped.
 */
public final class GatewayBridgeServer {
    public static final String SOCKJS_FLAG = "sockjs-bridge-port";
    public static final String TCP_FLAG = "tcp-bridge-port";
    /** The page calling the greeter. */
    public static final String PAGE = "/greeter.html";

    static final String SOCKJS_KEY = "sockJsBridgePort";
    static final String TCP_KEY = "tcpBridgePort";
    private static final String GREETER = "helloworld.Greeter/SayHello";
    private static final String WEB = "io/rpcvertx/examples/web/";

    private final Vertx vertx;
    private final @Nullable EventBusGateway gateway;
    private final int sockJsPort;
    private final int tcpPort;
    private String host = "";
    private @Nullable HttpServer http;
    private @Nullable TcpEventBusBridge tcp;
    private volatile int boundSockJsPort = -1;
    private volatile int boundTcpPort = -1;

    private GatewayBridgeServer(Vertx vertx, @Nullable EventBusGateway gateway, int sockJsPort, int tcpPort) {
        this.vertx = vertx;
        this.gateway = gateway;
        this.sockJsPort = sockJsPort;
        this.tcpPort = tcpPort;
    }

    /**
     * Puts {@code config}'s bridge ports ({@value #SOCKJS_KEY}, {@value #TCP_KEY}) from the flags.
     *
     * @throws IllegalArgumentException for a value that is not a port (0 to 65535), naming the flag
     */
    static void fromFlags(Map<String, String> flags, JsonObject config) {
        putPort(flags, SOCKJS_FLAG, config, SOCKJS_KEY);
        putPort(flags, TCP_FLAG, config, TCP_KEY);
    }

    private static void putPort(Map<String, String> flags, String flag, JsonObject config, String key) {
        String value = flags.get(flag);
        if (value == null) {
            return;
        }
        int port;
        try {
            port = Integer.parseInt(value);
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("--" + flag + ": \"" + value + "\" (expected: a port, 0 to 65535)");
        }
        config.put(key, port);
    }

    /**
     * Attaches the JSON gateway to {@code server} if {@code config} asks for a bridge. Call after the services are
     * added and before the server starts.
     */
    public static GatewayBridgeServer attach(Vertx vertx, Server server, JsonObject config) {
        int sockJs = config.getInteger(SOCKJS_KEY, -1);
        int tcp = config.getInteger(TCP_KEY, -1);
        EventBusGateway gateway = sockJs < 0 && tcp < 0 ? null : EventBusGateway.attach(vertx, server);
        return new GatewayBridgeServer(vertx, gateway, sockJs, tcp);
    }

    /** Starts the bridges asked for on {@code host}; fails if a port cannot be bound. */
    public Future<Void> listen(String host) {
        EventBusGateway attached = gateway;
        if (attached == null) {
            return Future.succeededFuture();
        }
        this.host = host;
        Future<Void> started = attached.ready();
        if (sockJsPort >= 0) {
            started = started.compose(v -> listenSockJs(attached, host));
        }
        if (tcpPort >= 0) {
            started = started.compose(v -> listenTcp(attached, host));
        }
        return started;
    }

    private Future<Void> listenSockJs(EventBusGateway attached, String host) {
        Router router = Router.router(vertx);
        router.route("/eventbus/*").subRouter(GatewayBridges.sockJs(vertx, attached));
        Future<Void> routed = Future.succeededFuture();
        if (attached.addresses().contains(GREETER)) {
            routed = vertx.executeBlocking(() -> {
                        serve(router, PAGE, "text/html; charset=utf-8", "greeter.html");
                        serve(router, "/vertx-eventbus.js", "text/javascript; charset=utf-8", "vertx-eventbus.js");
                        serve(router, "/sockjs.min.js", "text/javascript; charset=utf-8", "sockjs.min.js");
                        return null;
                    })
                    .mapEmpty();
            router.get("/").handler(ctx -> ctx.redirect(PAGE));
        }
        return routed.compose(
                        v -> vertx.createHttpServer().requestHandler(router).listen(sockJsPort, host))
                .map(server -> {
                    http = server;
                    boundSockJsPort = server.actualPort();
                    return null;
                });
    }

    /** Reads a resource of this jar (blocking: runs on a worker) and serves it at {@code path}. */
    private static void serve(Router router, String path, String contentType, String resource) throws IOException {
        Buffer body;
        try (InputStream in = GatewayBridgeServer.class.getClassLoader().getResourceAsStream(WEB + resource)) {
            if (in == null) {
                throw new IOException("resource " + WEB + resource + " missing from the examples jar");
            }
            body = Buffer.buffer(in.readAllBytes());
        }
        router.get(path)
                .handler(ctx -> ctx.response()
                        .putHeader("content-type", contentType)
                        .putHeader("cache-control", "no-cache")
                        .end(body));
    }

    private Future<Void> listenTcp(EventBusGateway attached, String host) {
        TcpEventBusBridge bridge = GatewayBridges.tcp(vertx, attached, new NetServerOptions());
        return GatewayBridges.listen(vertx, bridge, host, tcpPort).map(port -> {
            tcp = bridge;
            boundTcpPort = port;
            return null;
        });
    }

    /** What listens where, one line each ({@code sockjs bridge on http://...}, {@code tcp bridge on ...}). */
    public List<String> describe() {
        List<String> lines = new ArrayList<>();
        EventBusGateway attached = gateway;
        int sockJs = boundSockJsPort;
        if (sockJs >= 0) {
            String base = "http://" + hostForUrl() + ":" + sockJs;
            lines.add("sockjs bridge on " + base + "/eventbus"
                    + (attached != null && attached.addresses().contains(GREETER)
                            ? " (page " + base + PAGE + ")"
                            : ""));
        }
        int tcpBound = boundTcpPort;
        if (tcpBound >= 0) {
            lines.add("tcp bridge on " + hostForUrl() + ":" + tcpBound);
        }
        return lines;
    }

    private String hostForUrl() {
        return host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host;
    }

    /** Closes the bridges and the gateway. */
    public Future<Void> close() {
        List<Future<?>> closing = new ArrayList<>();
        if (http != null) {
            closing.add(http.close());
        }
        if (tcp != null) {
            closing.add(tcp.close());
        }
        if (gateway != null) {
            closing.add(gateway.close());
        }
        return Future.join(closing).mapEmpty();
    }
}
