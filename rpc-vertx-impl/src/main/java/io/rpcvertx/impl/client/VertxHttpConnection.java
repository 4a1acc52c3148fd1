package io.rpcvertx.impl.client;

import io.rpcvertx.impl.transport.ClientConnection;
import io.rpcvertx.impl.transport.GoAwayDebugData;
import io.rpcvertx.impl.transport.ResponseFramesGuard;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientConnection;

/** A Vert.x {@link HttpClientConnection} as a channel's {@link ClientConnection}. */
final class VertxHttpConnection implements ClientConnection {
    final HttpClientConnection http;

    VertxHttpConnection(HttpClientConnection http) {
        this.http = http;
        ResponseFramesGuard.install(http);
    }

    @Override
    public long maxActiveStreams() {
        return http.maxActiveStreams();
    }

    @Override
    public Future<Void> close() {
        return http.close();
    }

    @Override
    public Future<?> ping(long data) {
        return http.ping(Buffer.buffer().appendLong(data));
    }

    @Override
    public void events(Events events) {
        http.goAwayHandler(ga -> {
            GoAwayDebugData.detach(ga);
            events.onGoAway(ga.getLastStreamId());
        });
        http.shutdownHandler(v -> events.onGoAway(-1));
        http.closeHandler(v -> events.onClosed());
        http.remoteSettingsHandler(s -> events.onRemoteSettings());
        http.exceptionHandler(events::onError);
    }
}
