package io.rpcvertx.it.channel;

import static io.rpcvertx.it.channel.Backend.WHO;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.rpcvertx.Channel;
import io.rpcvertx.ChannelConnectivity;
import io.rpcvertx.ChannelOptions;
import io.rpcvertx.RpcVertx;
import io.rpcvertx.UnaryUnaryCall;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** Load balancing over several addresses ({@code ipv4:} lists and a DNS name) with real servers. */
@ExtendWith(VertxExtension.class)
@Timeout(60)
class LoadBalancingIT {
    Vertx vertx;
    final List<Channel> channels = new ArrayList<>();
    final List<Backend> backends = new ArrayList<>();

    @BeforeEach
    void setUp(Vertx vertx) {
        this.vertx = vertx;
    }

    @AfterEach
    void tearDown() throws Exception {
        for (Channel c : channels) {
            c.close().await(5, SECONDS);
        }
        for (Backend b : backends) {
            b.stop();
        }
    }

    Backend backend(String name) throws Exception {
        Backend b = Backend.start(vertx, name, 0);
        backends.add(b);
        return b;
    }

    Channel channel(String target, ChannelOptions options) {
        Channel c = RpcVertx.insecureChannel(vertx, target, options);
        channels.add(c);
        return c;
    }

    static String ipv4(Backend... backends) {
        return "ipv4:" + java.util.Arrays.stream(backends).map(Backend::address).collect(Collectors.joining(","));
    }

    static String who(Channel channel) throws Exception {
        return channel.unaryUnary(WHO).call("x").response().await(5, SECONDS);
    }

    @Test
    void roundRobin_threeServers_callsSpreadEvenly_oneConnectionEach() throws Exception {
        Backend a = backend("a");
        Backend b = backend("b");
        Backend c = backend("c");
        Channel channel = channel(ipv4(a, b, c), ChannelOptions.DEFAULT.withLoadBalancingPolicy("round_robin"));
        // until every address is connected, calls go to those that are
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 200 && seen.size() < 3; i++) {
            seen.add(who(channel));
        }
        assertThat(seen).containsExactlyInAnyOrder("a", "b", "c");

        List<UnaryUnaryCall<String, String>> calls = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            calls.add(channel.unaryUnary(WHO).call("x"));
        }
        List<String> answers = new ArrayList<>();
        for (UnaryUnaryCall<String, String> call : calls) {
            answers.add(call.response().await(10, SECONDS));
        }

        Map<String, Long> counts =
                answers.stream().collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
        assertThat(counts).containsOnlyKeys("a", "b", "c").containsValues(100L, 100L, 100L);
        for (Backend backend : List.of(a, b, c)) {
            assertThat(new HashSet<>(backend.peers))
                    .as("connections to %s", backend.name)
                    .hasSize(1);
        }
    }

    @Test
    void roundRobin_oneAddressDown_callsGoToTheOthersAndChannelIsReady() throws Exception {
        Backend a = backend("a");
        Backend dead = backend("dead");
        Backend c = backend("c");
        String target = ipv4(a, dead, c);
        dead.stop();
        Channel channel = channel(target, ChannelOptions.DEFAULT.withLoadBalancingPolicy("round_robin"));
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 200 && seen.size() < 2; i++) {
            seen.add(who(channel));
        }

        List<String> answers = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            answers.add(who(channel));
        }

        assertThat(seen).containsExactlyInAnyOrder("a", "c");
        assertThat(answers).containsOnly("a", "c").filteredOn("a"::equals).hasSize(5);
        assertThat(channel.getState()).isEqualTo(ChannelConnectivity.READY);
    }

    @Test
    void pickFirst_default_usesOnlyTheFirstAddress() throws Exception {
        Backend a = backend("a");
        Backend b = backend("b");
        Channel channel = channel(ipv4(a, b), ChannelOptions.DEFAULT);

        for (int i = 0; i < 20; i++) {
            assertThat(who(channel)).isEqualTo("a");
        }

        assertThat(new HashSet<>(a.peers)).hasSize(1);
        assertThat(b.peers).isEmpty();
    }

    @Test
    void pickFirst_firstDies_failsOverToTheSecond() throws Exception {
        Backend a = backend("a");
        Backend b = backend("b");
        Channel channel = channel(ipv4(a, b), ChannelOptions.DEFAULT);
        assertThat(who(channel)).isEqualTo("a");

        a.stop();
        channel.waitForStateChange(ChannelConnectivity.READY).await(5, SECONDS);

        assertThat(who(channel)).isEqualTo("b");
        assertThat(who(channel)).isEqualTo("b");
        assertThat(channel.getState()).isEqualTo(ChannelConnectivity.READY);
    }

    @Test
    void pickFirst_firstAddressRefused_secondUsedWithoutFailingTheCall() throws Exception {
        Backend a = backend("a");
        Backend b = backend("b");
        String target = ipv4(a, b);
        a.stop();
        Channel channel = channel(target, ChannelOptions.DEFAULT);

        assertThat(who(channel)).isEqualTo("b");
    }

    @Test
    void dnsTarget_localhost_resolvesTo127001() throws Exception {
        Backend a = backend("a");
        // /etc/hosts maps localhost to 127.0.0.1 (and perhaps ::1, where nothing listens: pick_first moves on)
        Channel channel = channel("dns:///localhost:" + a.port(), ChannelOptions.DEFAULT);

        assertThat(who(channel)).isEqualTo("a");
        assertThat(who(channel)).isEqualTo("a");

        assertThat(a.peers).hasSize(2).allSatisfy(peer -> assertThat(peer).startsWith("ipv4:127.0.0.1:"));
    }

    @Test
    void dnsTarget_localhostWithRoundRobin_onlyAddressesThatWorkAreUsed() throws Exception {
        Backend a = backend("a");
        Channel channel =
                channel("localhost:" + a.port(), ChannelOptions.DEFAULT.withLoadBalancingPolicy("round_robin"));

        for (int i = 0; i < 10; i++) {
            assertThat(who(channel)).isEqualTo("a");
        }

        assertThat(a.peers).allSatisfy(peer -> assertThat(peer).startsWith("ipv4:127.0.0.1:"));
    }
}
