package io.rpcvertx.impl.server;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * One IO instance of a server: an {@link HttpServer} per bound address, all instances sharing each socket, so
 * connections spread over the instances' event loops. Every call lives on its connection's loop.
 */
final class ServerIoVerticle extends VerticleBase {
    private final ServerImpl server;
    private final List<ListenAddress> addresses;
    private final List<HttpServer> httpServers = new ArrayList<>();
    private final Set<HttpConnection> connections = new LinkedHashSet<>();
    private boolean goingAway;

    ServerIoVerticle(ServerImpl server, List<ListenAddress> addresses) {
        this.server = server;
        this.addresses = addresses;
    }

    @Override
    public Future<?> start() {
        List<Future<HttpServer>> listening = new ArrayList<>();
        for (ListenAddress address : addresses) {
            HttpServer http = vertx.createHttpServer(server.httpOptions())
                    .connectionHandler(this::onConnection)
                    .requestHandler(req -> ServerCallImpl.serve(req, server));
            httpServers.add(http);
            listening.add(address.listen(http));
        }
        return Future.all(listening);
    }

    private void onConnection(HttpConnection connection) {
        if (goingAway) {
            connection.goAway(0);
            return;
        }
        connections.add(connection);
        connection.closeHandler(v -> connections.remove(connection));
    }

    /** Server stop: tell every client to open no new stream here (GOAWAY NO_ERROR); running streams continue. */
    void goAway() {
        context.runOnContext(v -> {
            goingAway = true;
            for (HttpConnection c : new ArrayList<>(connections)) {
                c.goAway(0);
            }
        });
    }

    @Override
    public Future<?> stop() {
        List<Future<Void>> closing = new ArrayList<>();
        for (HttpServer http : httpServers) {
            closing.add(http.close());
        }
        return Future.join(closing);
    }
}
