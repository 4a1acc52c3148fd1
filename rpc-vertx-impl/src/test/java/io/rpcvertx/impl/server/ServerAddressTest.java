package io.rpcvertx.impl.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import io.vertx.core.net.SocketAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link ServerPorts#parseAddress}: the addresses {@code addInsecurePort} accepts. */
@Timeout(10)
class ServerAddressTest {
    private static void assertInet(SocketAddress address, String host, int port) {
        assertThat(address.isInetSocket()).isTrue();
        assertThat(address.host()).isEqualTo(host);
        assertThat(address.port()).isEqualTo(port);
    }

    @Test
    void parseAddress_ipv4PortZero_keepsPortZero() {
        assertInet(ServerPorts.parseAddress("127.0.0.1:0"), "127.0.0.1", 0);
    }

    @Test
    void parseAddress_portOnly_listensOnAllInterfaces() {
        assertInet(ServerPorts.parseAddress(":50051"), "0.0.0.0", 50051);
    }

    @Test
    void parseAddress_bracketedAnyIpv6_hostWithoutBrackets() {
        assertInet(ServerPorts.parseAddress("[::]:0"), "::", 0);
    }

    @Test
    void parseAddress_bracketedIpv6Loopback_hostWithoutBrackets() {
        assertInet(ServerPorts.parseAddress("[::1]:8080"), "::1", 8080);
    }

    @Test
    void parseAddress_unixPath_domainSocket() {
        SocketAddress a = ServerPorts.parseAddress("unix:/tmp/x.sock");

        assertThat(a.isDomainSocket()).isTrue();
        assertThat(a.path()).isEqualTo("/tmp/x.sock");
    }

    @Test
    void parseAddress_unixTripleSlash_absolutePath() {
        SocketAddress a = ServerPorts.parseAddress("unix:///tmp/x.sock");

        assertThat(a.isDomainSocket()).isTrue();
        assertThat(a.path()).isEqualTo("/tmp/x.sock");
    }

    @ParameterizedTest
    @ValueSource(strings = {"nohost", "host:abc", "host:-1", "host:70000", "::1:80", "unix:", "unix://rel"})
    void parseAddress_invalid_throwsIllegalArgumentNamingTheAddress(String address) {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ServerPorts.parseAddress(address))
                .withMessageContaining("\"" + address + "\"");
    }
}
