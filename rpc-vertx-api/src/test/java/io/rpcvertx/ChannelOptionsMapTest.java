package io.rpcvertx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@link ChannelOptions#fromMap} (grpc channel arguments) and the connection options' validation. */
@Timeout(10)
class ChannelOptionsMapTest {
    @Test
    void fromMap_grpcArgumentNames_setTheOptions() {
        Map<String, Object> args = new HashMap<>();
        args.put("grpc.max_receive_message_length", 16 << 20);
        args.put("grpc.max_send_message_length", 1024L);
        args.put("grpc.primary_user_agent", "my-app/1.0");
        args.put("grpc.default_authority", "override.example");
        args.put("grpc.default_compression_algorithm", 2);
        args.put("grpc.http2.lookahead_bytes", 1 << 17);
        args.put("grpc.keepalive_time_ms", 30_000);
        args.put("grpc.keepalive_timeout_ms", 5_000);
        args.put("grpc.keepalive_permit_without_calls", 1);
        args.put("grpc.initial_reconnect_backoff_ms", 100);
        args.put("grpc.max_reconnect_backoff_ms", 5_000);
        args.put("grpc.min_reconnect_backoff_ms", 3_000);
        args.put("grpc.client_idle_timeout_ms", 60_000);
        args.put("grpc.lb_policy_name", "round_robin");
        args.put("grpc.dns_min_time_between_resolutions_ms", 0);

        ChannelOptions o = ChannelOptions.fromMap(args);

        assertThat(o.maxReceiveMessageLength()).isEqualTo(16 << 20);
        assertThat(o.maxSendMessageLength()).isEqualTo(1024);
        assertThat(o.primaryUserAgent()).contains("my-app/1.0");
        assertThat(o.defaultAuthority()).contains("override.example");
        assertThat(o.compression()).isEqualTo(Compression.GZIP);
        assertThat(o.initialWindowSize()).isEqualTo(1 << 17);
        assertThat(o.keepaliveTime()).contains(Duration.ofSeconds(30));
        assertThat(o.keepaliveTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(o.isKeepalivePermitWithoutCalls()).isTrue();
        assertThat(o.initialReconnectBackoff()).isEqualTo(Duration.ofMillis(100));
        assertThat(o.maxReconnectBackoff()).isEqualTo(Duration.ofSeconds(5));
        assertThat(o.connectTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(o.idleTimeout()).isEqualTo(Duration.ofMinutes(1));
        assertThat(o.loadBalancingPolicy()).isEqualTo(ChannelOptions.ROUND_ROBIN);
        assertThat(o.dnsMinTimeBetweenResolutions()).isZero();
    }

    @Test
    void fromMap_rpcvertxKeys_setOptionsGrpcHasNoArgumentFor() {
        ChannelOptions o = ChannelOptions.fromMap(Map.of(
                "rpcvertx.connection_window_size",
                1 << 22,
                "rpcvertx.max_concurrent_streams",
                8,
                "rpcvertx.max_pending_calls",
                5,
                "rpcvertx.reconnect_backoff_multiplier",
                2.0,
                "rpcvertx.reconnect_backoff_jitter",
                0.1,
                "rpcvertx.dns_refresh_interval_ms",
                1000));

        assertThat(o.connectionWindowSize()).isEqualTo(1 << 22);
        assertThat(o.maxConcurrentStreams()).hasValue(8);
        assertThat(o.maxPendingCalls()).isEqualTo(5);
        assertThat(o.reconnectBackoffMultiplier()).isEqualTo(2.0);
        assertThat(o.reconnectBackoffJitter()).isEqualTo(0.1);
        assertThat(o.dnsRefreshInterval()).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void fromMap_empty_isTheDefaults() {
        ChannelOptions o = ChannelOptions.fromMap(Map.of());

        assertThat(o.keepaliveTime()).isEmpty();
        assertThat(o.keepaliveTimeout()).isEqualTo(Duration.ofSeconds(20));
        assertThat(o.isKeepalivePermitWithoutCalls()).isFalse();
        assertThat(o.initialReconnectBackoff()).isEqualTo(Duration.ofSeconds(1));
        assertThat(o.maxReconnectBackoff()).isEqualTo(Duration.ofSeconds(120));
        assertThat(o.reconnectBackoffMultiplier()).isEqualTo(1.6);
        assertThat(o.reconnectBackoffJitter()).isEqualTo(0.2);
        assertThat(o.connectTimeout()).isEqualTo(Duration.ofSeconds(20));
        assertThat(o.idleTimeout()).isEqualTo(Duration.ofMinutes(30));
        assertThat(o.loadBalancingPolicy()).isEqualTo(ChannelOptions.PICK_FIRST);
        assertThat(o.maxConcurrentStreams()).isEmpty();
    }

    @Test
    void fromMap_keepaliveTimeIntMax_meansOff() {
        ChannelOptions o = ChannelOptions.fromMap(Map.of("grpc.keepalive_time_ms", Integer.MAX_VALUE));

        assertThat(o.keepaliveTime()).isEmpty();
    }

    @Test
    void fromMap_unknownKey_rejectedNamingTheKeyAndTheKnownOnes() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ChannelOptions.fromMap(Map.of("grpc.keepalive_tme_ms", 1000)))
                .withMessageContaining("\"grpc.keepalive_tme_ms\" is unknown")
                .withMessageContaining("grpc.keepalive_time_ms");
    }

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "grpc.keepalive_time_ms | abc | expected: a 32-bit integer",
                "grpc.lb_policy_name | grpclb | expected: pick_first or round_robin",
                "grpc.keepalive_time_ms | 0 | expected: > 0",
                "grpc.max_receive_message_length | -2 | expected: >= 0, or -1 for unlimited",
                "grpc.keepalive_permit_without_calls | 2 | expected: a boolean, or 0 or 1",
                "grpc.default_compression_algorithm | 3 | expected: 0 none, 1 deflate or 2 gzip",
                "rpcvertx.reconnect_backoff_jitter | 1.5 | expected: 0 to 1"
            })
    void fromMap_badValue_rejectedNamingTheKey(String key, String text, String expectation) {
        Object value = parse(text);

        assertThatIllegalArgumentException()
                .isThrownBy(() -> ChannelOptions.fromMap(Map.of(key, value)))
                .withMessageContaining(expectation)
                .withMessageStartingWith(key + ": ");
    }

    @Test
    void fromMap_fractionForAnInteger_rejected() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ChannelOptions.fromMap(Map.of("grpc.max_send_message_length", 1.5)))
                .withMessageContaining("grpc.max_send_message_length: 1.5 (Double)");
    }

    @Test
    void fromMap_nullValue_rejected() {
        Map<String, Object> args = new HashMap<>();
        args.put("grpc.primary_user_agent", null);

        assertThatIllegalArgumentException()
                .isThrownBy(() -> ChannelOptions.fromMap(args))
                .withMessage("grpc.primary_user_agent: null (expected: a value)");
    }

    @Test
    void argumentNames_sortedAndIncludeLbPolicy() {
        assertThat(new java.util.ArrayList<>(ChannelOptions.argumentNames()))
                .isSorted()
                .contains("grpc.lb_policy_name", "grpc.keepalive_time_ms");
    }

    @Test
    void withLoadBalancingPolicy_unknownName_rejected() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ChannelOptions.DEFAULT.withLoadBalancingPolicy("weighted"))
                .withMessage("loadBalancingPolicy: \"weighted\" (expected: pick_first or round_robin)");
    }

    @Test
    void withDurations_zeroOrNegative_rejected() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ChannelOptions.DEFAULT.withKeepaliveTime(Duration.ZERO))
                .withMessage("keepaliveTime: PT0S (expected: > 0)");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ChannelOptions.DEFAULT.withIdleTimeout(Duration.ofMillis(-1)))
                .withMessageContaining("idleTimeout");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ChannelOptions.DEFAULT.withReconnectBackoffMultiplier(0.5))
                .withMessage("reconnectBackoffMultiplier: 0.5 (expected: >= 1)");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ChannelOptions.DEFAULT.withMaxConcurrentStreams(0))
                .withMessage("maxConcurrentStreams: 0 (expected: > 0)");
    }

    @Test
    void withX_leavesTheOriginalUnchanged() {
        ChannelOptions base = ChannelOptions.DEFAULT;
        ChannelOptions changed = base.withKeepaliveTime(Duration.ofSeconds(10)).withLoadBalancingPolicy("round_robin");

        assertThat(base.keepaliveTime()).isEmpty();
        assertThat(base.loadBalancingPolicy()).isEqualTo("pick_first");
        assertThat(changed.keepaliveTime()).contains(Duration.ofSeconds(10));
    }

    private static Object parse(String text) {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            try {
                return Double.parseDouble(text);
            } catch (NumberFormatException e2) {
                return text;
            }
        }
    }
}
