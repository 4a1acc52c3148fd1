package io.rpcvertx;

import java.time.Duration;
import java.util.Collection;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiFunction;
import org.jspecify.annotations.Nullable;

/**
 * grpc channel and server arguments (aio {@code options=[(key, value), ...]}) read into {@link ChannelOptions} or
 * {@link ServerOptions}. Each side has a table of the keys it implements; every other key C-core knows is accepted and
 * ignored with one warning per {@code fromMap} call (grpc.aio ignores them silently); any other key is rejected, with
 * the closest known key as a hint.
 */
final class GrpcArguments<O> {
    /** Applies one argument; returns {@code null} when the argument is accepted but has no effect here. */
    @FunctionalInterface
    interface Argument<O> {
        @Nullable
        O apply(O options, String key, Object value);
    }

    /**
     * Every channel argument key of C-core ({@code include/grpc/impl/channel_arg_names.h}), channel and server alike.
     * Keys neither side implements are accepted with a warning instead of being rejected as typos.
     */
    static final Set<String> C_CORE_KEYS = Set.of(
            "grpc.census",
            "grpc.loadreporting",
            "grpc.server_call_metric_recording",
            "grpc.minimal_stack",
            "grpc.max_concurrent_streams",
            "grpc.max_receive_message_length",
            "grpc.max_send_message_length",
            "grpc.max_connection_idle_ms",
            "grpc.max_connection_age_ms",
            "grpc.max_connection_age_grace_ms",
            "grpc.client_idle_timeout_ms",
            "grpc.per_message_compression",
            "grpc.per_message_decompression",
            "grpc.http2.initial_sequence_number",
            "grpc.http2.lookahead_bytes",
            "grpc.http2.hpack_table_size.decoder",
            "grpc.http2.hpack_table_size.encoder",
            "grpc.http2.max_frame_size",
            "grpc.http2.bdp_probe",
            "grpc.http2.min_time_between_pings_ms",
            "grpc.http2.min_ping_interval_without_data_ms",
            "grpc.server_max_unrequested_time_in_server",
            "grpc.http2_scheme",
            "grpc.http2.max_pings_without_data",
            "grpc.http2.max_ping_strikes",
            "grpc.http2.write_buffer_size",
            "grpc.http2.true_binary",
            "grpc.experimental.http2.enable_preferred_frame_size",
            "grpc.keepalive_time_ms",
            "grpc.keepalive_timeout_ms",
            "grpc.keepalive_permit_without_calls",
            "grpc.default_authority",
            "grpc.primary_user_agent",
            "grpc.secondary_user_agent",
            "grpc.min_reconnect_backoff_ms",
            "grpc.max_reconnect_backoff_ms",
            "grpc.initial_reconnect_backoff_ms",
            "grpc.dns_min_time_between_resolutions_ms",
            "grpc.server_handshake_timeout_ms",
            "grpc.ssl_target_name_override",
            "grpc.ssl_session_cache",
            "grpc.tsi.max_frame_size",
            "grpc.max_metadata_size",
            "grpc.absolute_max_metadata_size",
            "grpc.so_reuseport",
            "grpc.resource_quota",
            "grpc.expand_wildcard_addrs",
            "grpc.service_config",
            "grpc.service_config_disable_resolution",
            "grpc.lb_policy_name",
            "grpc.lb.ring_hash.ring_size_cap",
            "grpc.socket_mutator",
            "grpc.socket_factory",
            "grpc.max_channel_trace_event_memory_per_node",
            "grpc.enable_channelz",
            "grpc.use_cronet_packet_coalescing",
            "grpc.experimental.tcp_read_chunk_size",
            "grpc.experimental.tcp_min_read_chunk_size",
            "grpc.experimental.tcp_max_read_chunk_size",
            "grpc.experimental.tcp_tx_zerocopy_enabled",
            "grpc.experimental.tcp_tx_zerocopy_send_bytes_threshold",
            "grpc.experimental.tcp_tx_zerocopy_max_simultaneous_sends",
            "grpc.tcp_receive_buffer_size",
            "grpc.grpclb_call_timeout_ms",
            "grpc.grpclb_fallback_timeout_ms",
            "grpc.experimental.grpclb_channel_args",
            "grpc.priority_failover_timeout_ms",
            "grpc.workaround.cronet_compression",
            "grpc.optimization_target",
            "grpc.enable_retries",
            "grpc.experimental.enable_hedging",
            "grpc.per_rpc_retry_buffer_size",
            "grpc.mobile_log_context",
            "grpc.disable_client_authority_filter",
            "grpc.enable_http_proxy",
            "grpc.http_proxy",
            "grpc.address_http_proxy",
            "grpc.address_http_proxy_enabled_addresses",
            "grpc.surface_user_agent",
            "grpc.inhibit_health_checking",
            "grpc.dns_enable_srv_queries",
            "grpc.dns_ares_query_timeout",
            "grpc.use_local_subchannel_pool",
            "grpc.channel_pooling_domain",
            "grpc.channel_id",
            "grpc.authorization_policy_provider",
            "grpc.experimental.server_config_change_drain_grace_time_ms",
            "grpc.dscp",
            "grpc.happy_eyeballs_connection_attempt_delay_ms",
            "grpc.event_engine_use_memory_allocator_factory",
            "grpc.max_allowed_incoming_connections",
            "grpc.experimental.stats_plugins",
            "grpc.security_frame_allowed",
            // compression_types.h
            "grpc.default_compression_algorithm",
            "grpc.default_compression_level",
            "grpc.compression_enabled_algorithms_bitset");

    private final String kind;
    private final String namesMethod;
    private final Map<String, Argument<O>> implemented;
    private final BiFunction<O, Set<String>, O> withIgnored;
    private final System.Logger log;

    /**
     * @param kind "channel argument" or "server argument", for messages
     * @param owner the options class, which names the logger and the {@code argumentNames()} hint
     * @param implemented the keys this side implements
     * @param withIgnored records the accepted-but-ignored keys on the result
     */
    GrpcArguments(
            String kind,
            Class<O> owner,
            Map<String, Argument<O>> implemented,
            BiFunction<O, Set<String>, O> withIgnored) {
        this.kind = kind;
        this.namesMethod = owner.getSimpleName() + ".argumentNames()";
        this.implemented = implemented;
        this.withIgnored = withIgnored;
        this.log = System.getLogger(owner.getName());
    }

    /** The keys this side implements, sorted. */
    Set<String> names() {
        return new TreeSet<>(implemented.keySet());
    }

    /** {@code defaults} with every argument applied; see the class comment for the rules. */
    O apply(O defaults, Map<String, ?> arguments) {
        Objects.requireNonNull(arguments, "arguments");
        O options = defaults;
        Set<String> ignored = new TreeSet<>();
        for (Map.Entry<String, ?> e : arguments.entrySet()) {
            String key = e.getKey();
            if (key == null) {
                throw new IllegalArgumentException(kind + ": null key");
            }
            Argument<O> argument = implemented.get(key);
            if (argument == null && !C_CORE_KEYS.contains(key)) {
                throw new IllegalArgumentException(kind + ": \"" + key + "\" is unknown (" + hint(key) + ")");
            }
            if (e.getValue() == null) {
                throw new IllegalArgumentException(key + ": null (expected: a value)");
            }
            if (argument == null) {
                ignored.add(key);
                continue;
            }
            O next;
            try {
                next = argument.apply(options, key, e.getValue());
            } catch (IllegalArgumentException bad) {
                String message = String.valueOf(bad.getMessage());
                throw message.startsWith(key) ? bad : new IllegalArgumentException(key + ": " + message, bad);
            }
            if (next == null) {
                ignored.add(key);
            } else {
                options = next;
            }
        }
        if (!ignored.isEmpty()) {
            log.log(
                    System.Logger.Level.WARNING,
                    "rpc-vertx ignores these grpc " + kind + "s, which it does not implement (grpc.aio would ignore"
                            + " unknown ones silently): " + ignored);
        }
        return withIgnored.apply(options, Collections.unmodifiableSet(ignored));
    }

    /** "did you mean ..." for a near miss, else the accepted keys. */
    private String hint(String key) {
        Collection<String> candidates = new TreeSet<>(implemented.keySet());
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : candidates) {
            int d = distance(key, candidate);
            if (d < bestDistance) {
                best = candidate;
                bestDistance = d;
            }
        }
        for (String candidate : C_CORE_KEYS) {
            int d = distance(key, candidate);
            if (d < bestDistance) {
                best = candidate;
                bestDistance = d;
            }
        }
        if (best != null && bestDistance <= Math.max(2, key.length() / 4)) {
            return "did you mean \"" + best + "\"? " + namesMethod + " lists the implemented ones";
        }
        return "expected one of: " + candidates;
    }

    /** Levenshtein distance. */
    static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitute = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitute, Math.min(previous[j] + 1, current[j - 1] + 1));
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }

    // ---------------------------------------------------------------- values

    static int intArg(String key, Object value) {
        if (value instanceof Number) {
            Number n = (Number) value;
            double d = n.doubleValue();
            if (d == Math.rint(d) && d >= Integer.MIN_VALUE && d <= Integer.MAX_VALUE) {
                return (int) d;
            }
        }
        throw new IllegalArgumentException(key + ": " + describe(value) + " (expected: a 32-bit integer)");
    }

    static double doubleArg(String key, Object value) {
        if (value instanceof Number) {
            return ((Number) value).doubleValue();
        }
        throw new IllegalArgumentException(key + ": " + describe(value) + " (expected: a number)");
    }

    static String stringArg(String key, Object value) {
        if (value instanceof String) {
            return (String) value;
        }
        throw new IllegalArgumentException(key + ": " + describe(value) + " (expected: a string)");
    }

    static boolean booleanArg(String key, Object value) {
        if (value instanceof Boolean) {
            return (Boolean) value;
        }
        if (value instanceof Number && (((Number) value).doubleValue() == 0 || ((Number) value).doubleValue() == 1)) {
            return ((Number) value).doubleValue() == 1;
        }
        throw new IllegalArgumentException(key + ": " + describe(value) + " (expected: a boolean, or 0 or 1)");
    }

    /** A positive number of milliseconds. */
    static Duration millisArg(String key, Object value) {
        int ms = intArg(key, value);
        if (ms <= 0) {
            throw new IllegalArgumentException(key + ": " + ms + " (expected: > 0)");
        }
        return Duration.ofMillis(ms);
    }

    /** grpc_compression_algorithm: 0 none, 1 deflate, 2 gzip. */
    static Compression compressionArg(String key, Object value) {
        switch (intArg(key, value)) {
            case 0:
                return Compression.NO_COMPRESSION;
            case 1:
                return Compression.DEFLATE;
            case 2:
                return Compression.GZIP;
            default:
                throw new IllegalArgumentException(
                        key + ": " + describe(value) + " (expected: 0 none, 1 deflate or 2 gzip)");
        }
    }

    static String describe(Object value) {
        return value instanceof String
                ? "\"" + value + "\""
                : value + " (" + value.getClass().getSimpleName() + ")";
    }
}
