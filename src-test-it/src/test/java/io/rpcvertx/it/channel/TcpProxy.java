package io.rpcvertx.it.channel;

import static java.util.concurrent.TimeUnit.SECONDS;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP proxy on 127.0.0.1 in front of one backend port that can switch to black-holing: after {@link #blackhole()}
 * it keeps every connection open and reads everything, but forwards nothing either way, like a peer that vanished
 * without closing its sockets (a crashed host, a dropped NAT entry).
 */
final class TcpProxy {
    private final NetServer server;
    private final NetClient client;
    private final Set<NetSocket> sockets = ConcurrentHashMap.newKeySet();
    private volatile boolean blackholing;
    private int port;

    private TcpProxy(Vertx vertx, int targetPort) {
        this.client = vertx.createNetClient();
        this.server = vertx.createNetServer().connectHandler(front -> {
            sockets.add(front);
            front.pause();
            client.connect(targetPort, "127.0.0.1")
                    .onSuccess(back -> {
                        sockets.add(back);
                        front.handler(data -> {
                            if (!blackholing) {
                                back.write(data);
                            }
                        });
                        back.handler(data -> {
                            if (!blackholing) {
                                front.write(data);
                            }
                        });
                        front.closeHandler(v -> back.close());
                        back.closeHandler(v -> front.close());
                        front.resume();
                    })
                    .onFailure(e -> front.close());
        });
    }

    static TcpProxy start(Vertx vertx, int targetPort) throws Exception {
        TcpProxy proxy = new TcpProxy(vertx, targetPort);
        proxy.port = proxy.server.listen(0, "127.0.0.1").await(5, SECONDS).actualPort();
        return proxy;
    }

    int port() {
        return port;
    }

    /** From now on nothing is forwarded; connections stay open. */
    void blackhole() {
        blackholing = true;
    }

    void close() throws Exception {
        List<Future<Void>> closing = new ArrayList<>();
        for (NetSocket s : sockets) {
            closing.add(s.close());
        }
        Future.join(closing).await(5, SECONDS);
        server.close().await(5, SECONDS);
        client.close().await(5, SECONDS);
    }
}
