package io.rpcvertx.impl.client;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.net.SocketAddress;
import io.vertx.junit5.VertxExtension;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
@Timeout(30)
class NameResolverTest {
    private static ContextInternal context(Vertx vertx) {
        return ((VertxInternal) vertx).createEventLoopContext();
    }

    @Test
    void resolve_localhostWithJdkResolver_includes127001(Vertx vertx) throws Exception {
        NameResolver r = new NameResolver(context(vertx), Target.parse("dns:///localhost:4242"), NameResolver.JDK);

        List<SocketAddress> addresses = r.resolve().await(10, SECONDS);

        assertThat(r.isDynamic()).isTrue();
        assertThat(addresses).contains(SocketAddress.inetSocketAddress(4242, "127.0.0.1"));
        assertThat(addresses).allSatisfy(a -> assertThat(a.port()).isEqualTo(4242));
    }

    @Test
    void resolve_allRecordsInOrderWithoutDuplicates(Vertx vertx) throws Exception {
        NameResolver.Lookup lookup = host -> new InetAddress[] {
            InetAddress.getByAddress(host, new byte[] {10, 0, 0, 1}),
            InetAddress.getByAddress(host, new byte[] {10, 0, 0, 2}),
            InetAddress.getByAddress(host, new byte[] {10, 0, 0, 1}),
            InetAddress.getByAddress(host, new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1})
        };
        NameResolver r = new NameResolver(context(vertx), Target.parse("svc.test:7"), lookup);

        assertThat(r.resolve().await(5, SECONDS))
                .extracting(SocketAddress::host)
                .containsExactly("10.0.0.1", "10.0.0.2", "0:0:0:0:0:0:0:1");
    }

    @Test
    void resolve_runsOffTheEventLoop_completesOnTheOwner(Vertx vertx) throws Exception {
        AtomicReference<String> lookupThread = new AtomicReference<>();
        NameResolver.Lookup lookup = host -> {
            lookupThread.set(Thread.currentThread().getName());
            return new InetAddress[] {InetAddress.getByAddress(host, new byte[] {10, 0, 0, 1})};
        };
        ContextInternal owner = context(vertx);
        CompletableFuture<Boolean> completedOnOwner = new CompletableFuture<>();
        NameResolver r = new NameResolver(owner, Target.parse("svc.test:7"), lookup);

        owner.runOnContext(v -> r.resolve().onComplete(ar -> completedOnOwner.complete(owner.inThread())));

        assertThat(completedOnOwner.get(5, SECONDS)).isTrue();
        assertThat(lookupThread.get()).doesNotContain("eventloop");
    }

    @Test
    void resolve_unknownHost_fails(Vertx vertx) {
        NameResolver r = new NameResolver(context(vertx), Target.parse("nope.test:7"), host -> {
            throw new UnknownHostException(host);
        });

        assertThatThrownBy(() -> r.resolve().await(5, SECONDS))
                .isInstanceOf(UnknownHostException.class)
                .hasMessageContaining("nope.test");
    }

    @Test
    void resolve_ipLiteral_staticWithoutLookup(Vertx vertx) throws Exception {
        NameResolver r = new NameResolver(context(vertx), Target.parse("ipv4:127.0.0.1:5,127.0.0.1:6"), host -> {
            throw new AssertionError("no lookup for literals");
        });

        assertThat(r.isDynamic()).isFalse();
        assertThat(r.resolve().await(5, SECONDS))
                .extracting(SocketAddress::port)
                .containsExactly(5, 6);
    }
}
