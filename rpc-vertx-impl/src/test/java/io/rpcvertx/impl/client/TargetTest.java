package io.rpcvertx.impl.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.net.SocketAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(10)
class TargetTest {
    private static void assertInet(SocketAddress address, String host, int port) {
        assertThat(address.isInetSocket()).isTrue();
        assertThat(address.host()).isEqualTo(host);
        assertThat(address.port()).isEqualTo(port);
    }

    private static void assertDomainSocket(Target target, String path) {
        assertThat(target.addresses).singleElement().satisfies(a -> {
            assertThat(a.isDomainSocket()).isTrue();
            assertThat(a.path()).isEqualTo(path);
        });
        assertThat(target.authority).isEqualTo("localhost");
    }

    @Test
    void parse_hostPort_oneAddressAndHostPortAuthority() {
        Target t = Target.parse("example.com:50051");

        assertThat(t.addresses).singleElement().satisfies(a -> assertInet(a, "example.com", 50051));
        assertThat(t.authority).isEqualTo("example.com:50051");
        assertThat(t.text).isEqualTo("example.com:50051");
    }

    @Test
    void parse_hostWithoutPort_usesPort443() {
        Target t = Target.parse("example.com");

        assertThat(t.addresses).singleElement().satisfies(a -> assertInet(a, "example.com", Target.DEFAULT_PORT));
        assertThat(Target.DEFAULT_PORT).isEqualTo(443);
    }

    @Test
    void parse_hostWithoutPort_authorityIsTheHostAsWritten() {
        // grpc-java (DnsNameResolver) and gRPC core both send :authority "example.com" for this target
        assertThat(Target.parse("example.com").authority).isEqualTo("example.com");
    }

    @Test
    void parse_bracketedIpv6WithPort_parsesHostWithoutBrackets() {
        Target t = Target.parse("[::1]:50051");

        assertThat(t.addresses).singleElement().satisfies(a -> assertInet(a, "::1", 50051));
        assertThat(t.authority).isEqualTo("[::1]:50051");
    }

    @Test
    void parse_dnsTripleSlash_hostPort() {
        Target t = Target.parse("dns:///example.com:50051");

        assertThat(t.addresses).singleElement().satisfies(a -> assertInet(a, "example.com", 50051));
        assertThat(t.authority).isEqualTo("example.com:50051");
    }

    @Test
    void parse_dnsWithoutSlashes_hostPort() {
        Target t = Target.parse("dns:example.com:50051");

        assertThat(t.addresses).singleElement().satisfies(a -> assertInet(a, "example.com", 50051));
        assertThat(t.authority).isEqualTo("example.com:50051");
    }

    @Test
    void parse_dnsWithServerAuthority_ignoresTheDnsServer() {
        Target t = Target.parse("dns://8.8.8.8/example.com:50051");

        assertThat(t.addresses).singleElement().satisfies(a -> assertInet(a, "example.com", 50051));
        assertThat(t.authority).isEqualTo("example.com:50051");
    }

    @Test
    void parse_ipv4List_allAddressesAndAuthorityOfTheFirst() {
        Target t = Target.parse("ipv4:1.2.3.4:5,1.2.3.5:6");

        assertThat(t.addresses).hasSize(2);
        assertInet(t.addresses.get(0), "1.2.3.4", 5);
        assertInet(t.addresses.get(1), "1.2.3.5", 6);
        assertThat(t.authority).isEqualTo("1.2.3.4:5");
    }

    @Test
    void parse_ipv6_bracketedAddressWithPort() {
        Target t = Target.parse("ipv6:[::1]:5");

        assertThat(t.addresses).singleElement().satisfies(a -> assertInet(a, "::1", 5));
        assertThat(t.authority).isEqualTo("[::1]:5");
    }

    @Test
    void parse_unixRelativePath_keepsItRelative() {
        assertDomainSocket(Target.parse("unix:relative/path"), "relative/path");
    }

    @Test
    void parse_unixAbsolutePath_domainSocket() {
        assertDomainSocket(Target.parse("unix:/abs"), "/abs");
    }

    @Test
    void parse_unixTripleSlash_absolutePath() {
        assertDomainSocket(Target.parse("unix:///abs"), "/abs");
    }

    @Test
    void parse_addresses_areImmutable() {
        Target t = Target.parse("ipv4:1.2.3.4:5");

        assertThatThrownBy(() -> t.addresses.clear()).isInstanceOf(UnsupportedOperationException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"example.com:50051", "dns:///localhost:1", "dns:localhost:1", "localhost"})
    void parse_hostName_isResolvedWithDns(String target) {
        assertThat(Target.parse(target).dnsHost).isIn("example.com", "localhost");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {"127.0.0.1:1", "dns:///127.0.0.1:1", "[::1]:1", "ipv4:1.2.3.4:5", "ipv6:[::1]:5", "unix:/x"})
    void parse_literalAddresses_needNoResolution(String target) {
        assertThat(Target.parse(target).dnsHost).isNull();
    }

    @Test
    void parse_dnsTarget_portOfTheName() {
        assertThat(Target.parse("dns:///example.com:8443").port()).isEqualTo(8443);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "host:",
                "host:abc",
                "host:70000",
                "host:0",
                "::1:80",
                "unix:",
                "unix://rel",
                "http://x:1",
                "ipv4:[::1]:5",
                "ipv6:1.2.3.4:5",
                "[::1:80",
                "dns://8.8.8.8"
            })
    void parse_invalid_throwsIllegalArgumentNamingTheTarget(String target) {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> Target.parse(target))
                .withMessageContaining("\"" + target + "\"");
    }
}
