package io.rpcvertx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * grpc channel and server arguments ({@link ChannelOptions#fromMap}, {@link ServerOptions#fromMap}): one case per
 * implemented key (the value reaches its option), the warning for known keys we do not implement, and the hint for
 * misspelt ones.
 */
@Timeout(10)
class GrpcArgumentsTest {
    /** One case per channel key: the argument, its value, and the option it must change (read back). */
    static Stream<Arguments> channelKeys() {
        return Stream.of(
                channel("grpc.max_receive_message_length", 16 << 20, ChannelOptions::maxReceiveMessageLength, 16 << 20),
                channel("grpc.max_send_message_length", 1024, ChannelOptions::maxSendMessageLength, 1024),
                channel(
                        "grpc.primary_user_agent",
                        "app/1.0",
                        o -> o.primaryUserAgent().orElse(null),
                        "app/1.0"),
                channel(
                        "grpc.default_authority",
                        "a.example",
                        o -> o.defaultAuthority().orElse(null),
                        "a.example"),
                channel(
                        "grpc.ssl_target_name_override",
                        "foo.test.google.fr",
                        o -> o.sslTargetNameOverride().orElse(null),
                        "foo.test.google.fr"),
                channel("grpc.default_compression_algorithm", 2, ChannelOptions::compression, Compression.GZIP),
                channel("grpc.http2.lookahead_bytes", 1 << 17, ChannelOptions::initialWindowSize, 1 << 17),
                channel("grpc.keepalive_time_ms", 30_000, o -> o.keepaliveTime().orElse(null), Duration.ofSeconds(30)),
                channel("grpc.keepalive_timeout_ms", 5_000, ChannelOptions::keepaliveTimeout, Duration.ofSeconds(5)),
                channel("grpc.keepalive_permit_without_calls", 1, ChannelOptions::isKeepalivePermitWithoutCalls, true),
                channel(
                        "grpc.initial_reconnect_backoff_ms",
                        100,
                        ChannelOptions::initialReconnectBackoff,
                        Duration.ofMillis(100)),
                channel(
                        "grpc.max_reconnect_backoff_ms",
                        5_000,
                        ChannelOptions::maxReconnectBackoff,
                        Duration.ofSeconds(5)),
                channel("grpc.min_reconnect_backoff_ms", 3_000, ChannelOptions::connectTimeout, Duration.ofSeconds(3)),
                channel("grpc.client_idle_timeout_ms", 60_000, ChannelOptions::idleTimeout, Duration.ofMinutes(1)),
                channel("grpc.lb_policy_name", "round_robin", ChannelOptions::loadBalancingPolicy, "round_robin"),
                channel("grpc.service_config", "{}", o -> o.serviceConfig().orElse(null), "{}"),
                channel("grpc.enable_retries", 0, ChannelOptions::isRetriesEnabled, false),
                channel("grpc.per_rpc_retry_buffer_size", 4096, ChannelOptions::perRpcRetryBufferSize, 4096),
                channel(
                        "grpc.dns_min_time_between_resolutions_ms",
                        0,
                        ChannelOptions::dnsMinTimeBetweenResolutions,
                        Duration.ZERO),
                channel("grpc.enable_http_proxy", 0, ChannelOptions::ignoredArguments, Set.of()),
                channel("rpcvertx.connection_window_size", 1 << 22, ChannelOptions::connectionWindowSize, 1 << 22),
                channel(
                        "rpcvertx.max_concurrent_streams",
                        7,
                        o -> o.maxConcurrentStreams().orElse(-1),
                        7),
                channel("rpcvertx.max_pending_calls", 9, ChannelOptions::maxPendingCalls, 9),
                channel("rpcvertx.reconnect_backoff_multiplier", 2.5, ChannelOptions::reconnectBackoffMultiplier, 2.5),
                channel("rpcvertx.reconnect_backoff_jitter", 0.1, ChannelOptions::reconnectBackoffJitter, 0.1),
                channel(
                        "rpcvertx.dns_refresh_interval_ms",
                        1_000,
                        ChannelOptions::dnsRefreshInterval,
                        Duration.ofSeconds(1)));
    }

    /** One case per server key. */
    static Stream<Arguments> serverKeys() {
        return Stream.of(
                server("grpc.max_receive_message_length", 1 << 20, ServerOptions::maxReceiveMessageLength, 1 << 20),
                server("grpc.max_send_message_length", 2048, ServerOptions::maxSendMessageLength, 2048),
                server("grpc.max_concurrent_streams", 100, ServerOptions::maxConcurrentStreams, 100),
                server("grpc.max_metadata_size", 16_384, ServerOptions::maxHeaderListSize, 16_384),
                server("grpc.default_compression_algorithm", 1, ServerOptions::compression, Compression.DEFLATE),
                server("grpc.http2.lookahead_bytes", 1 << 18, ServerOptions::initialWindowSize, 1 << 18),
                server("grpc.http2.max_frame_size", 1 << 20, ServerOptions::maxFrameSize, 1 << 20),
                server(
                        "grpc.http2.min_ping_interval_without_data_ms",
                        10_000,
                        ServerOptions::permitKeepAliveTime,
                        Duration.ofSeconds(10)),
                server("grpc.keepalive_time_ms", 60_000, ServerOptions::keepAliveTime, Duration.ofMinutes(1)),
                server("grpc.keepalive_timeout_ms", 3_000, ServerOptions::keepAliveTimeout, Duration.ofSeconds(3)),
                server("grpc.keepalive_permit_without_calls", 1, ServerOptions::isPermitKeepAliveWithoutCalls, true),
                server(
                        "grpc.max_connection_idle_ms",
                        30_000,
                        o -> o.maxConnectionIdle().orElse(null),
                        Duration.ofSeconds(30)),
                server(
                        "grpc.max_connection_age_ms",
                        300_000,
                        o -> o.maxConnectionAge().orElse(null),
                        Duration.ofMinutes(5)),
                server(
                        "grpc.max_connection_age_grace_ms",
                        5_000,
                        o -> o.maxConnectionAgeGrace().orElse(null),
                        Duration.ofSeconds(5)),
                server("grpc.so_reuseport", 1, ServerOptions::isReusePort, true),
                server("rpcvertx.connection_window_size", 1 << 21, ServerOptions::connectionWindowSize, 1 << 21),
                server(
                        "rpcvertx.maximum_concurrent_rpcs",
                        50,
                        o -> o.maximumConcurrentRpcs().orElse(-1),
                        50),
                server("rpcvertx.io_instances", 3, ServerOptions::ioInstances, 3));
    }

    private final List<LogRecord> warnings = new ArrayList<>();
    private final List<Logger> loggers =
            List.of(Logger.getLogger(ChannelOptions.class.getName()), Logger.getLogger(ServerOptions.class.getName()));
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
                warnings.add(record);
            }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };

    @BeforeEach
    void captureWarnings() {
        loggers.forEach(l -> l.addHandler(capture));
    }

    @AfterEach
    void stopCapturing() {
        loggers.forEach(l -> l.removeHandler(capture));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("channelKeys")
    void channelFromMap_implementedKey_setsItsOptionWithoutWarning(
            String key, Object value, Function<ChannelOptions, Object> read, Object expected) {
        assertThat(read.apply(ChannelOptions.DEFAULT)).as("the default differs").isNotEqualTo(expected(key, expected));

        ChannelOptions options = ChannelOptions.fromMap(Map.of(key, value));

        assertThat(read.apply(options)).isEqualTo(expected);
        assertThat(options.ignoredArguments()).isEmpty();
        assertThat(warnings).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("serverKeys")
    void serverFromMap_implementedKey_setsItsOptionWithoutWarning(
            String key, Object value, Function<ServerOptions, Object> read, Object expected) {
        assertThat(read.apply(ServerOptions.DEFAULT)).as("the default differs").isNotEqualTo(expected);

        ServerOptions options = ServerOptions.fromMap(Map.of(key, value));

        assertThat(read.apply(options)).isEqualTo(expected);
        assertThat(options.ignoredArguments()).isEmpty();
        assertThat(warnings).isEmpty();
    }

    @Test
    void everyImplementedKey_hasACase() {
        assertThat(channelKeys().map(a -> (String) a.get()[0]).collect(Collectors.toSet()))
                .isEqualTo(ChannelOptions.argumentNames());
        assertThat(serverKeys().map(a -> (String) a.get()[0]).collect(Collectors.toSet()))
                .isEqualTo(ServerOptions.argumentNames());
    }

    @Test
    void channelFromMap_knownUnimplementedKeys_acceptedWithOneWarningNamingThem() {
        ChannelOptions options = ChannelOptions.fromMap(Map.of(
                "grpc.enable_channelz", 0,
                "grpc.http2.bdp_probe", 1,
                "grpc.enable_http_proxy", 1,
                "grpc.keepalive_time_ms", 30_000));

        assertThat(options.ignoredArguments())
                .containsExactly("grpc.enable_channelz", "grpc.enable_http_proxy", "grpc.http2.bdp_probe");
        assertThat(options.keepaliveTime()).contains(Duration.ofSeconds(30));
        assertThat(warnings).hasSize(1);
        assertThat(warnings.get(0).getMessage())
                .contains("channel argument")
                .contains("[grpc.enable_channelz, grpc.enable_http_proxy, grpc.http2.bdp_probe]");
    }

    @Test
    void serverFromMap_channelOnlyKey_acceptedWithOneWarning() {
        ServerOptions options = ServerOptions.fromMap(
                Map.of("grpc.ssl_target_name_override", "x.example", "grpc.server_handshake_timeout_ms", 5_000));

        assertThat(options.ignoredArguments())
                .containsExactly("grpc.server_handshake_timeout_ms", "grpc.ssl_target_name_override");
        assertThat(warnings).hasSize(1);
        assertThat(warnings.get(0).getMessage()).contains("server argument").contains("grpc.ssl_target_name_override");
    }

    @Test
    void channelFromMap_misspeltKey_failsWithDidYouMean() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ChannelOptions.fromMap(Map.of("grpc.enable_retry", 0)))
                .withMessage("channel argument: \"grpc.enable_retry\" is unknown (did you mean \"grpc.enable_retries\"?"
                        + " ChannelOptions.argumentNames() lists the implemented ones)");
        assertThat(warnings).isEmpty();
    }

    @Test
    void serverFromMap_misspeltKey_failsWithDidYouMean() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ServerOptions.fromMap(Map.of("grpc.max_conection_age_ms", 1000)))
                .withMessageContaining("\"grpc.max_conection_age_ms\" is unknown")
                .withMessageContaining("did you mean \"grpc.max_connection_age_ms\"?");
    }

    @Test
    void fromMap_farFromAnyKey_listsTheImplementedOnes() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ServerOptions.fromMap(Map.of("maxConnectionAge", 1000)))
                .withMessageContaining("expected one of: [grpc.")
                .withMessageContaining("grpc.so_reuseport");
    }

    @Test
    void serverFromMap_intMaxConnectionLimits_meanUnlimited() {
        ServerOptions options = ServerOptions.fromMap(Map.of(
                "grpc.max_connection_idle_ms", Integer.MAX_VALUE,
                "grpc.max_connection_age_ms", Integer.MAX_VALUE,
                "grpc.max_connection_age_grace_ms", Integer.MAX_VALUE));

        assertThat(options.maxConnectionIdle()).isEmpty();
        assertThat(options.maxConnectionAge()).isEmpty();
        assertThat(options.maxConnectionAgeGrace()).isEmpty();
    }

    @Test
    void serverFromMap_badValue_failsNamingTheKey() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ServerOptions.fromMap(Map.of("grpc.http2.max_frame_size", 100)))
                .withMessageStartingWith("grpc.http2.max_frame_size: ")
                .withMessageContaining("expected: 16384 to 16777215");
    }

    private static Object expected(String key, Object expected) {
        // grpc.enable_http_proxy = 0 is the default behaviour (no proxy): nothing to differ from
        return key.equals("grpc.enable_http_proxy") ? "not-the-default" : expected;
    }

    private static Arguments channel(String key, Object value, Function<ChannelOptions, Object> read, Object expected) {
        return Arguments.of(key, value, read, expected);
    }

    private static Arguments server(String key, Object value, Function<ServerOptions, Object> read, Object expected) {
        return Arguments.of(key, value, read, expected);
    }
}
