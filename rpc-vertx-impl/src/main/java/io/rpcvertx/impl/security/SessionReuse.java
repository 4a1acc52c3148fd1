package io.rpcvertx.impl.security;

import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.handler.ssl.SslHandler;
import io.netty.internal.tcnative.SSL;
import io.vertx.core.net.impl.ConnectionBase;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import org.jspecify.annotations.Nullable;

/**
 * Whether a connection's TLS handshake resumed an earlier session (grpc's {@code ssl_session_reused}).
 *
 * <p>{@link SSLSession} has no such flag. The JDK engine shows it in the times: a resumed session keeps its creation
 * time and is accessed again when resumed, while a new one was last accessed when created (measured for TLS 1.2 and
 * 1.3). The OpenSSL engine keeps both times equal, so there BoringSSL is asked directly.
 */
final class SessionReuse {
    private SessionReuse() {}

    static boolean isReused(Object connection, SSLSession session) {
        SSLEngine engine = engineOf(connection);
        if (engine instanceof ReferenceCountedOpenSslEngine) {
            ReferenceCountedOpenSslEngine openSsl = (ReferenceCountedOpenSslEngine) engine;
            // shutdown() frees the native SSL under the engine's lock; holding it keeps the pointer valid
            synchronized (openSsl) {
                long ssl = openSsl.sslPointer();
                return ssl != 0 && SSL.isSessionReused(ssl);
            }
        }
        return session.getLastAccessedTime() > session.getCreationTime();
    }

    /**
     * The one place that reaches past Vert.x's public API: the Netty {@link SslHandler} of a connection (an HTTP
     * connection or a {@code NetSocket}, both Vert.x {@link ConnectionBase}s).
     */
    private static @Nullable SSLEngine engineOf(Object connection) {
        if (connection instanceof ConnectionBase) {
            SslHandler ssl = ((ConnectionBase) connection).channel().pipeline().get(SslHandler.class);
            return ssl == null ? null : ssl.engine();
        }
        return null;
    }
}
