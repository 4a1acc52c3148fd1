package io.rpcvertx.impl.client;

import io.vertx.core.Future;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.net.SocketAddress;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Turns a {@link Target} into the addresses to connect to (gRPC Name Resolution). IP literals and unix paths are
 * final; a host name is looked up with the JDK resolver ({@link InetAddress#getAllByName}: /etc/hosts, then DNS, all A
 * and AAAA records in the JDK's order) on Vert.x's internal worker pool, never on the event loop.
 */
final class NameResolver {
    /** A blocking host lookup; tests substitute their own. */
    @FunctionalInterface
    interface Lookup {
        InetAddress[] lookup(String host) throws UnknownHostException;
    }

    static final Lookup JDK = InetAddress::getAllByName;

    private final ContextInternal owner;
    private final Target target;
    private final Lookup lookup;

    NameResolver(ContextInternal owner, Target target, Lookup lookup) {
        this.owner = owner;
        this.target = target;
        this.lookup = lookup;
    }

    /** Whether {@link #resolve()} may give a different answer later (a DNS name). */
    boolean isDynamic() {
        return target.dnsHost != null;
    }

    /**
     * The target's addresses, without duplicates, completing on the owner context; fails with an {@link
     * UnknownHostException} when the name does not resolve.
     */
    Future<List<SocketAddress>> resolve() {
        String host = target.dnsHost;
        if (host == null) {
            return owner.succeededFuture(target.addresses);
        }
        int port = target.port();
        return owner.executeBlockingInternal(() -> addresses(lookup.lookup(host), port, host));
    }

    private static List<SocketAddress> addresses(InetAddress[] found, int port, String host)
            throws UnknownHostException {
        Set<String> ips = new LinkedHashSet<>();
        for (InetAddress a : found) {
            ips.add(a.getHostAddress());
        }
        if (ips.isEmpty()) {
            throw new UnknownHostException(host + ": no addresses");
        }
        List<SocketAddress> result = new ArrayList<>(ips.size());
        for (String ip : ips) {
            result.add(SocketAddress.inetSocketAddress(port, ip));
        }
        return result;
    }
}
