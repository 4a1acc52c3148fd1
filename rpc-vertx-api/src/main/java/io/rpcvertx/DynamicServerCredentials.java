package io.rpcvertx;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Server credentials whose certificates can be replaced while servers use them (grpc.aio
 * {@code dynamic_ssl_server_credentials}), created with {@link ServerCredentials#dynamicSsl}.
 *
 * <p>After {@link #update}, new TLS handshakes on every port bound with these credentials use the new configuration;
 * connections that are already open, and their calls, carry on with the certificates they negotiated. Thread-safe.
 *
 * <pre>{@code
 * DynamicServerCredentials credentials = ServerCredentials.dynamicSsl(initial, ClientAuth.NONE);
 * server.addSecurePort("127.0.0.1:0", credentials);
 * ...
 * credentials.update(ServerCertificateConfiguration.of(List.of(KeyCertPair.of(newKey, newChain))));
 * }</pre>
 */
public final class DynamicServerCredentials extends ServerCredentials {
    /**
     * How a server port applies updates. Servers register one per bound port; applications call {@link #update}.
     */
    @FunctionalInterface
    public interface UpdateListener {
        /**
         * Makes new handshakes on one port use {@code next}. Called in update order, under the credentials' lock, so
         * it must only start the work and return.
         *
         * @return completes once new handshakes use {@code next}; fails if the port rejects it
         */
        Future<Void> onUpdate(ServerCertificateConfiguration next);
    }

    private final List<UpdateListener> listeners = new ArrayList<>();
    private ServerCertificateConfiguration current;

    DynamicServerCredentials(ServerCertificateConfiguration initial, ClientAuth clientAuth) {
        super(initial, clientAuth);
        this.current = initial;
    }

    /**
     * Replaces the certificates of every port bound with these credentials, for handshakes that start from now on.
     * May be called from any thread; the returned future completes on the caller's context.
     *
     * @return completes once every bound port uses {@code next} (at once if none is bound); fails if a port rejects it
     *     (for example a key that does not parse), and that port keeps its previous certificates
     * @throws IllegalArgumentException if the client authentication needs root certificates and {@code next} has none
     */
    public Future<Void> update(ServerCertificateConfiguration next) {
        Objects.requireNonNull(next, "next");
        if (clientAuth() != ClientAuth.NONE && next.rootCertificates().isEmpty()) {
            throw new IllegalArgumentException("next: no rootCertificates (expected: the CA certificates client "
                    + "certificates chain to, since clientAuth is " + clientAuth() + ")");
        }
        List<Future<Void>> applied = new ArrayList<>();
        synchronized (this) {
            current = next;
            // under the lock: ports see updates in the order they were made
            for (UpdateListener listener : listeners) {
                applied.add(listener.onUpdate(next));
            }
        }
        Context caller = Vertx.currentContext();
        Future<Void> all = Future.all(applied).mapEmpty();
        if (caller == null) {
            return all;
        }
        Promise<Void> promise = Promise.promise();
        all.onComplete(ar -> caller.runOnContext(v -> promise.handle(ar)));
        return promise.future();
    }

    /** The configuration the latest {@link #update} set, or the initial one. */
    @Override
    public synchronized ServerCertificateConfiguration certificates() {
        return current;
    }

    /**
     * For servers: registers {@code listener} for every later {@link #update}, and returns the configuration to start
     * with, read under the same lock, so no update is missed between the two.
     */
    public synchronized ServerCertificateConfiguration addUpdateListener(UpdateListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
        return current;
    }

    /** For servers: unregisters a listener added with {@link #addUpdateListener}, when its port closes. */
    public synchronized void removeUpdateListener(UpdateListener listener) {
        listeners.remove(listener);
    }
}
