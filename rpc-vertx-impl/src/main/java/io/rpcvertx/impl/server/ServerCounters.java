package io.rpcvertx.impl.server;

import io.rpcvertx.ServerStats;
import io.rpcvertx.StatusCode;
import io.rpcvertx.impl.telemetry.CallCounter;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Channelz-lite for one server: its calls over every transport (counted where the call layer admits and ends them,
 * {@link CallDispatcher} and {@link ServerCallImpl}) and its listen sockets. Any thread.
 */
final class ServerCounters {
    private final CallCounter calls = new CallCounter();
    /** Written a few times before start(), read by stats(): copy-on-write keeps the reads lock-free. */
    private final List<String> listenSockets = new CopyOnWriteArrayList<>();

    void callStarted() {
        calls.started();
    }

    void callEnded(StatusCode code) {
        calls.ended(code);
    }

    /** A port was added: {@code host:port}, {@code [v6]:port} or {@code unix:/path}. */
    void listening(ListenAddress address) {
        listenSockets.add(describe(address));
    }

    ServerStats snapshot() {
        return new ServerStats(calls.snapshot(), listenSockets);
    }

    static String describe(ListenAddress address) {
        if (address.domainSocket() != null) {
            return "unix:" + address.domainSocket().path();
        }
        String host = address.host();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + address.port();
    }
}
