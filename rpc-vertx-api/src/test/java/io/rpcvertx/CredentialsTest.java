package io.rpcvertx;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rpcvertx.ServerCredentials.ClientAuth;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class CredentialsTest {
    private static final KeyCertPair PAIR = KeyCertPair.of("KEY", "CHAIN");
    private static final KeyCertPair OTHER = KeyCertPair.of("KEY2", "CHAIN2");

    @Test
    void ssl_keyWithoutChain_isRejected() {
        assertThatThrownBy(() -> ChannelCredentials.ssl("ROOTS", "KEY", null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("privateKey: given alone (expected: privateKey and certificateChain together, or neither)");
        assertThatThrownBy(() -> ChannelCredentials.ssl(null, null, "CHAIN"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("certificateChain: given alone");
    }

    @Test
    void ssl_blankPem_isRejected() {
        assertThatThrownBy(() -> ChannelCredentials.ssl(" "))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("rootCertificates: blank (expected: PEM text)");
    }

    @Test
    void ssl_withoutArguments_usesSystemTrustStore() {
        ChannelCredentials c = ChannelCredentials.ssl();

        assertThat(c.type()).isEqualTo(ChannelCredentials.Type.SSL);
        assertThat(c.rootCertificates()).isEmpty();
        assertThat(c.privateKey()).isEmpty();
        assertThat(c.callCredentials()).isEmpty();
    }

    @Test
    void composite_appendsCallCredentialsInOrder_keepingTransport() {
        CallCredentials a = (url, method) -> Future.succeededFuture(Metadata.EMPTY);
        CallCredentials b = (url, method) -> Future.succeededFuture(Metadata.EMPTY);
        CallCredentials c = (url, method) -> Future.succeededFuture(Metadata.EMPTY);

        ChannelCredentials composite =
                ChannelCredentials.composite(ChannelCredentials.composite(ChannelCredentials.ssl("ROOTS"), a, b), c);

        assertThat(composite.callCredentials()).containsExactly(a, b, c);
        assertThat(composite.rootCertificates()).contains("ROOTS");
        assertThat(ChannelCredentials.composite(ChannelCredentials.local(), a).type())
                .isEqualTo(ChannelCredentials.Type.LOCAL);
    }

    @Test
    void accessToken_sendsBearerAuthorization() {
        Metadata md = CallCredentials.accessToken("abc")
                .metadata("https://x/y.Z", "M")
                .result();

        assertThat(md.getAll("authorization")).containsExactly("Bearer abc");
        assertThatThrownBy(() -> CallCredentials.accessToken("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> CallCredentials.accessToken("a\nb"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("token: not printable ASCII");
    }

    @Test
    void compositeCall_runsOneAfterAnother_concatenatesInOrder() throws Exception {
        List<String> started = new ArrayList<>();
        Promise<Metadata> first = Promise.promise();
        CallCredentials a = (url, method) -> {
            started.add("a");
            return first.future();
        };
        CallCredentials b = (url, method) -> {
            started.add("b");
            return Future.succeededFuture(Metadata.of("x", "b"));
        };

        Future<Metadata> result = CallCredentials.composite(a, b).metadata("u", "m");
        assertThat(started).containsExactly("a");
        first.complete(Metadata.of("x", "a"));

        assertThat(result.await(5, SECONDS).getAll("x")).containsExactly("a", "b");
        assertThat(started).containsExactly("a", "b");
    }

    @Test
    void compositeCall_firstFailureWins() {
        CallCredentials failing =
                (url, method) -> Future.failedFuture(new RpcException(StatusCode.UNAUTHENTICATED, "no"));
        CallCredentials never = (url, method) -> {
            throw new AssertionError("must not run after a failure");
        };

        Future<Metadata> result = CallCredentials.composite(failing, never).metadata("u", "m");

        assertThat(result.failed()).isTrue();
        assertThat(((RpcException) result.cause()).code()).isEqualTo(StatusCode.UNAUTHENTICATED);
        assertThatThrownBy(() -> CallCredentials.composite(failing)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void serverSsl_clientAuthWithoutRoots_isRejected() {
        assertThatThrownBy(() ->
                        ServerCredentials.ssl(ServerCertificateConfiguration.of(List.of(PAIR)), ClientAuth.REQUIRE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("clientAuth: REQUIRE without rootCertificates");
        assertThatThrownBy(() -> ServerCredentials.ssl(List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("keyCertPairs: empty");
        assertThat(ServerCredentials.ssl(List.of(PAIR)).clientAuth()).isEqualTo(ClientAuth.NONE);
    }

    @Test
    void dynamic_update_reachesListenersInOrder_andChangesCertificates() {
        ServerCertificateConfiguration initial = ServerCertificateConfiguration.of(List.of(PAIR));
        ServerCertificateConfiguration next = ServerCertificateConfiguration.of(List.of(OTHER));
        DynamicServerCredentials credentials = ServerCredentials.dynamicSsl(initial, ClientAuth.NONE);
        List<String> applied = new ArrayList<>();
        DynamicServerCredentials.UpdateListener first = c -> {
            applied.add("first " + c.keyCertPairs().get(0).privateKey());
            return Future.succeededFuture();
        };
        DynamicServerCredentials.UpdateListener second = c -> {
            applied.add("second " + c.keyCertPairs().get(0).privateKey());
            return Future.succeededFuture();
        };

        assertThat(credentials.addUpdateListener(first)).isEqualTo(initial);
        credentials.addUpdateListener(second);
        Future<Void> updated = credentials.update(next);

        assertThat(updated.succeeded()).isTrue();
        assertThat(applied).containsExactly("first KEY2", "second KEY2");
        assertThat(credentials.certificates()).isEqualTo(next);

        credentials.removeUpdateListener(first);
        credentials.update(initial);
        assertThat(applied).containsExactly("first KEY2", "second KEY2", "second KEY");
    }

    @Test
    void dynamic_listenerRejects_updateFails() {
        DynamicServerCredentials credentials =
                ServerCredentials.dynamicSsl(ServerCertificateConfiguration.of(List.of(PAIR)), ClientAuth.NONE);
        credentials.addUpdateListener(c -> Future.failedFuture(new IllegalArgumentException("bad key")));

        Future<Void> updated = credentials.update(ServerCertificateConfiguration.of(List.of(OTHER)));

        assertThat(updated.failed()).isTrue();
        assertThat(updated.cause()).hasMessage("bad key");
    }

    @Test
    void dynamic_clientAuthNeedsRootsInEveryUpdate() {
        DynamicServerCredentials credentials = ServerCredentials.dynamicSsl(
                ServerCertificateConfiguration.of(List.of(PAIR), "ROOTS"), ClientAuth.REQUIRE);

        assertThatThrownBy(() -> credentials.update(ServerCertificateConfiguration.of(List.of(OTHER))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no rootCertificates");
    }

    @Test
    void values_compareByContent_andHideKeys() {
        assertThat(KeyCertPair.of("KEY", "CHAIN")).isEqualTo(PAIR).hasSameHashCodeAs(PAIR);
        assertThat(PAIR.toString()).doesNotContain("KEY");
        assertThat(ServerCertificateConfiguration.of(List.of(PAIR), "R"))
                .isEqualTo(ServerCertificateConfiguration.of(List.of(KeyCertPair.of("KEY", "CHAIN")), "R"))
                .isNotEqualTo(ServerCertificateConfiguration.of(List.of(PAIR)));
    }

    @Test
    void channelOptions_tlsSettings() {
        ChannelOptions options =
                ChannelOptions.DEFAULT.withSslTargetNameOverride("x.test").withTlsEngine(TlsEngine.JDK);

        assertThat(options.sslTargetNameOverride()).contains("x.test");
        assertThat(options.tlsEngine()).isEqualTo(TlsEngine.JDK);
        assertThat(ChannelOptions.DEFAULT.tlsEngine()).isEqualTo(TlsEngine.AUTO);
        assertThat(ServerOptions.DEFAULT.withTlsEngine(TlsEngine.OPENSSL).tlsEngine())
                .isEqualTo(TlsEngine.OPENSSL);
        assertThatThrownBy(() -> ChannelOptions.DEFAULT.withSslTargetNameOverride(""))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
