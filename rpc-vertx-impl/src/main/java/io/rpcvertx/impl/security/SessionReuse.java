package io.rpcvertx.impl.security;

import javax.net.ssl.SSLSession;

/** Whether a TLS handshake resumed an earlier session, from what {@link SSLSession} shows of it. */
final class SessionReuse {
    private SessionReuse() {}

    static boolean isReused(SSLSession session) {
        return session.getLastAccessedTime() > session.getCreationTime();
    }
}
