package io.rpcvertx.impl.server;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One IO instance of a server: an {@link HttpServer} per bound address, all instances sharing each socket, so
 * connections spread over the instances' event loops. Every call lives on its connection's loop.
 */
final class ServerIoVerticle extends VerticleBase {
    /** Vert.x hard-closes connections this long after our own grace deadline, as a backstop only. */
    private static final long HARD_CLOSE_MARGIN_MS = 1000;

    private final ServerImpl server;
    private final List<ListenAddress> addresses;
    private final List<HttpServer> httpServers = new ArrayList<>();

    ServerIoVerticle(ServerImpl server, List<ListenAddress> addresses) {
        this.server = server;
        this.addresses = addresses;
    }

    @Override
    public Future<?> start() {
        List<Future<HttpServer>> listening = new ArrayList<>();
        for (ListenAddress address : addresses) {
            HttpServer http = vertx.createHttpServer(server.httpOptions(address))
                    .requestHandler(req -> ServerCallImpl.serve(req, server));
            httpServers.add(http);
            listening.add(
                    address.listen(http).onSuccess(s -> server.security(address).serving(http)));
        }
        return Future.all(listening);
    }

    /**
     * Server stop: unbind (new connections are refused) and send every connection GOAWAY, so clients open no new stream
     * here; running streams continue. The server cancels what is left at its grace deadline, before Vert.x would.
     */
    void shutdown(long graceMillis) {
        context.runOnContext(v -> {
            for (HttpServer http : httpServers) {
                http.shutdown(graceMillis + HARD_CLOSE_MARGIN_MS, TimeUnit.MILLISECONDS);
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
