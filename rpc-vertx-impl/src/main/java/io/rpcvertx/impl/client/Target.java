package io.rpcvertx.impl.client;

import io.vertx.core.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A parsed channel target (gRPC Name Resolution, "Naming"): the addresses to connect to and the default
 * {@code :authority}.
 *
 * <p>Forms: {@code host:port}, {@code host} (port 443), {@code dns:host:port}, {@code dns:///host:port},
 * {@code ipv4:a.b.c.d[:port][,...]}, {@code ipv6:[addr][:port][,...]}, {@code unix:path}, {@code unix:///abs/path}.
 * A host name (in {@code host:port} or {@code dns:}) is resolved by the channel ({@link NameResolver}) into all its
 * A/AAAA records; an IP literal there is used as it is.
 */
final class Target {
    static final int DEFAULT_PORT = 443;
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    final String text;
    /** The addresses to connect to; for a host name, the one unresolved {@code host:port}. */
    final List<SocketAddress> addresses;

    final String authority;
    /** The host name to resolve with DNS, or null when {@link #addresses} are final (IP literals, unix paths). */
    final @Nullable String dnsHost;

    private Target(String text, List<SocketAddress> addresses, String authority, @Nullable String dnsHost) {
        this.text = text;
        this.addresses = List.copyOf(addresses);
        this.authority = authority;
        this.dnsHost = dnsHost;
    }

    private Target(String text, List<SocketAddress> addresses, String authority) {
        this(text, addresses, authority, null);
    }

    /** The port of a DNS target. */
    int port() {
        return addresses.get(0).port();
    }

    static Target parse(String target) {
        String t = target.trim();
        if (t.isEmpty()) {
            throw bad(target, "empty");
        }
        if (t.startsWith("unix:")) {
            String path = t.substring("unix:".length());
            if (path.startsWith("//")) {
                path = path.substring(2); // unix:///abs/path -> /abs/path
                if (!path.startsWith("/")) {
                    throw bad(target, "unix:// needs an absolute path (unix:///abs/path)");
                }
            }
            if (path.isEmpty()) {
                throw bad(target, "no socket path");
            }
            return new Target(target, List.of(SocketAddress.domainSocketAddress(path)), "localhost");
        }
        if (t.startsWith("ipv4:") || t.startsWith("ipv6:")) {
            boolean v6 = t.startsWith("ipv6:");
            List<SocketAddress> addresses = new ArrayList<>();
            String first = null;
            for (String part : t.substring(5).split(",")) {
                HostPort hp = HostPort.parse(part.trim(), target);
                if (v6 != hp.host.contains(":")) {
                    throw bad(target, "\"" + part + "\" is not an " + (v6 ? "IPv6" : "IPv4") + " address");
                }
                addresses.add(SocketAddress.inetSocketAddress(hp.port, hp.host));
                if (first == null) {
                    first = hp.authority();
                }
            }
            return new Target(target, addresses, first);
        }
        String hostPort = t;
        if (t.startsWith("dns:")) {
            hostPort = t.substring(4);
            if (hostPort.startsWith("//")) {
                int slash = hostPort.indexOf('/', 2);
                if (slash < 0) {
                    throw bad(target, "dns://authority/ needs a host after the authority");
                }
                hostPort = hostPort.substring(slash + 1); // the DNS server authority is ignored
            }
        } else if (t.contains("://")) {
            throw bad(target, "unsupported scheme " + t.substring(0, t.indexOf("://")));
        }
        HostPort hp = HostPort.parse(hostPort, target);
        boolean literal = hp.host.contains(":") || IPV4.matcher(hp.host).matches();
        return new Target(
                target,
                List.of(SocketAddress.inetSocketAddress(hp.port, hp.host)),
                hp.authority(),
                literal ? null : hp.host);
    }

    static IllegalArgumentException bad(String target, String why) {
        return new IllegalArgumentException("target: \"" + target + "\" (" + why + ")");
    }

    /** host and port of {@code host:port}, {@code [v6]:port}, {@code host}, {@code [v6]}. */
    static final class HostPort {
        final String host;
        final int port;
        final boolean portGiven;

        private HostPort(String host, int port, boolean portGiven) {
            this.host = host;
            this.port = port;
            this.portGiven = portGiven;
        }

        /** The default {@code :authority}: host and port as the target wrote them (no port added), as grpc does. */
        String authority() {
            String h = host.contains(":") ? "[" + host + "]" : host;
            return portGiven ? h + ":" + port : h;
        }

        static HostPort parse(String s, String target) {
            String host;
            String portText = null;
            if (s.startsWith("[")) {
                int close = s.indexOf(']');
                if (close < 0) {
                    throw bad(target, "unclosed [");
                }
                host = s.substring(1, close);
                String rest = s.substring(close + 1);
                if (!rest.isEmpty()) {
                    if (!rest.startsWith(":")) {
                        throw bad(target, "expected :port after ]");
                    }
                    portText = rest.substring(1);
                }
            } else {
                int colon = s.lastIndexOf(':');
                if (colon >= 0 && s.indexOf(':') != colon) {
                    throw bad(target, "IPv6 addresses need brackets: [addr]:port");
                }
                host = colon < 0 ? s : s.substring(0, colon);
                portText = colon < 0 ? null : s.substring(colon + 1);
            }
            if (host.isEmpty()) {
                throw bad(target, "no host");
            }
            int port = DEFAULT_PORT;
            if (portText != null) {
                try {
                    port = Integer.parseInt(portText);
                } catch (NumberFormatException e) {
                    throw bad(target, "port \"" + portText + "\" is not a number");
                }
                if (port < 1 || port > 65535) {
                    throw bad(target, "port " + port + " (expected: 1-65535)");
                }
            }
            return new HostPort(host, port, portText != null);
        }
    }
}
