package io.rpcvertx.impl.client;

import static io.rpcvertx.impl.client.ServiceConfigJson.array;
import static io.rpcvertx.impl.client.ServiceConfigJson.bool;
import static io.rpcvertx.impl.client.ServiceConfigJson.checkFields;
import static io.rpcvertx.impl.client.ServiceConfigJson.duration;
import static io.rpcvertx.impl.client.ServiceConfigJson.integer;
import static io.rpcvertx.impl.client.ServiceConfigJson.invalid;
import static io.rpcvertx.impl.client.ServiceConfigJson.number;
import static io.rpcvertx.impl.client.ServiceConfigJson.object;
import static io.rpcvertx.impl.client.ServiceConfigJson.optionalString;
import static io.rpcvertx.impl.client.ServiceConfigJson.required;
import static io.rpcvertx.impl.client.ServiceConfigJson.saturatedNanos;
import static io.rpcvertx.impl.client.ServiceConfigJson.statusCodes;
import static io.rpcvertx.impl.client.ServiceConfigJson.string;
import static io.rpcvertx.impl.client.ServiceConfigJson.uint32AsInt;

import io.rpcvertx.CallOptions;
import io.rpcvertx.StatusCode;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A parsed gRPC service config (gRPC "Service Config in JSON", gRFC A6 "Client Retries"): immutable, checked strictly
 * when the channel is created. Unknown fields are errors (they are usually typos); {@code healthCheckConfig} is
 * accepted and ignored (no client-side health checking).
 *
 * <p>Method lookup follows the spec: an entry naming the service and method, else one naming only the service, else
 * the default entry (empty name).
 */
final class ServiceConfig {
    static final ServiceConfig EMPTY = new ServiceConfig(Map.of(), Map.of(), null, null, null);

    /** A6: larger {@code maxAttempts} values are treated as 5. */
    static final int MAX_ATTEMPTS_CAP = 5;

    static final String PICK_FIRST = "pick_first";
    static final String ROUND_ROBIN = "round_robin";
    private static final List<String> SUPPORTED_LB = List.of(PICK_FIRST, ROUND_ROBIN);

    // google.protobuf.Duration in JSON: seconds with up to 9 fractional digits and an "s" suffix

    private final Map<String, MethodConfig> byMethod;
    private final Map<String, MethodConfig> byService;
    private final @Nullable MethodConfig defaultConfig;
    private final @Nullable Throttling throttling;
    private final @Nullable String loadBalancingPolicy;

    private ServiceConfig(
            Map<String, MethodConfig> byMethod,
            Map<String, MethodConfig> byService,
            @Nullable MethodConfig defaultConfig,
            @Nullable Throttling throttling,
            @Nullable String loadBalancingPolicy) {
        this.byMethod = byMethod;
        this.byService = byService;
        this.defaultConfig = defaultConfig;
        this.throttling = throttling;
        this.loadBalancingPolicy = loadBalancingPolicy;
    }

    /** The per-method settings that apply to one method. */
    record MethodConfig(
            @Nullable Duration timeout,
            @Nullable Boolean waitForReady,
            int maxRequestBytes,
            int maxResponseBytes,
            @Nullable RetryPolicy retryPolicy,
            @Nullable HedgingPolicy hedgingPolicy) {
        static final MethodConfig NONE = new MethodConfig(null, null, -1, -1, null, null);

        /**
         * The call's options with this config applied. Explicit options win: the smaller timeout applies, and a
         * wait-for-ready choice made on the call beats the config's.
         */
        CallOptions apply(CallOptions options) {
            CallOptions result = options;
            Duration t = timeout;
            if (t != null) {
                Optional<Duration> own = options.timeout();
                if (own.isEmpty() || own.get().compareTo(t) > 0) {
                    result = result.withTimeout(t);
                }
            }
            Boolean w = waitForReady;
            if (w != null && options.waitForReady().isEmpty()) {
                result = result.withWaitForReady(w);
            }
            return result;
        }

        /** This config without its retry and hedging policies. */
        MethodConfig withoutRetries() {
            return new MethodConfig(timeout, waitForReady, maxRequestBytes, maxResponseBytes, null, null);
        }

        /** Whether a retry or hedging policy applies. */
        boolean isRetrying() {
            return retryPolicy != null || hedgingPolicy != null;
        }

        /** The smaller of a channel limit and this config's (-1 means unlimited on either side). */
        static int smallerLimit(int channelLimit, int configLimit) {
            if (configLimit < 0) {
                return channelLimit;
            }
            return channelLimit < 0 ? configLimit : Math.min(channelLimit, configLimit);
        }
    }

    /** A6 {@code retryPolicy}; {@code maxAttempts} already capped. */
    record RetryPolicy(
            int maxAttempts,
            long initialBackoffNanos,
            long maxBackoffNanos,
            double backoffMultiplier,
            Set<StatusCode> retryableStatusCodes) {}

    /** A6 {@code hedgingPolicy}; {@code maxAttempts} already capped. */
    record HedgingPolicy(int maxAttempts, long hedgingDelayNanos, Set<StatusCode> nonFatalStatusCodes) {}

    /** A6 {@code retryThrottling}; the ratio in thousandths (the spec keeps 3 decimal places). */
    record Throttling(int maxTokens, int tokenRatioThousandths) {}

    /** The config that applies to {@code fullMethodName} ({@code package.Service/Method}, with or without "/"). */
    MethodConfig lookup(String fullMethodName) {
        if (this == EMPTY) {
            return MethodConfig.NONE;
        }
        String name = fullMethodName.startsWith("/") ? fullMethodName.substring(1) : fullMethodName;
        MethodConfig exact = byMethod.get(name);
        if (exact != null) {
            return exact;
        }
        int slash = name.indexOf('/');
        MethodConfig service = slash > 0 ? byService.get(name.substring(0, slash)) : null;
        if (service != null) {
            return service;
        }
        MethodConfig d = defaultConfig;
        return d != null ? d : MethodConfig.NONE;
    }

    /** This config without retry and hedging policies and without throttling ({@code grpc.enable_retries} = 0). */
    ServiceConfig withoutRetries() {
        if (this == EMPTY) {
            return EMPTY;
        }
        Map<String, MethodConfig> methods = new HashMap<>();
        byMethod.forEach((name, config) -> methods.put(name, config.withoutRetries()));
        Map<String, MethodConfig> services = new HashMap<>();
        byService.forEach((name, config) -> services.put(name, config.withoutRetries()));
        MethodConfig d = defaultConfig;
        return new ServiceConfig(
                Map.copyOf(methods),
                Map.copyOf(services),
                d == null ? null : d.withoutRetries(),
                null,
                loadBalancingPolicy);
    }

    /** The retry throttling policy, if configured. */
    Optional<Throttling> throttling() {
        return Optional.ofNullable(throttling);
    }

    /**
     * The load-balancing policy chosen by {@code loadBalancingConfig} (the first supported entry) or the deprecated
     * {@code loadBalancingPolicy}, if any: {@value #PICK_FIRST} or {@value #ROUND_ROBIN}.
     */
    Optional<String> loadBalancingPolicy() {
        return Optional.ofNullable(loadBalancingPolicy);
    }

    // ---------------------------------------------------------------- parsing

    /**
     * Parses a service config; {@code null} gives {@link #EMPTY}.
     *
     * @throws IllegalArgumentException naming the first offending field, e.g. {@code
     *     serviceConfig.methodConfig[0].retryPolicy.maxAttempts: 1 (expected: an integer > 1)}
     */
    static ServiceConfig parse(@Nullable String json) {
        if (json == null) {
            return EMPTY;
        }
        JsonObject root;
        try {
            root = new JsonObject(json);
        } catch (DecodeException e) {
            throw new IllegalArgumentException("serviceConfig: not a JSON object (" + e.getMessage() + ")");
        }
        String path = "serviceConfig";
        checkFields(
                root,
                path,
                "loadBalancingConfig",
                "loadBalancingPolicy",
                "methodConfig",
                "retryThrottling",
                "healthCheckConfig");
        Map<String, MethodConfig> byMethod = new HashMap<>();
        Map<String, MethodConfig> byService = new HashMap<>();
        MethodConfig defaultConfig = null;
        Object methodConfigs = root.getValue("methodConfig");
        if (methodConfigs != null) {
            JsonArray list = array(methodConfigs, path + ".methodConfig");
            for (int i = 0; i < list.size(); i++) {
                String p = path + ".methodConfig[" + i + "]";
                JsonObject mc = object(list.getValue(i), p);
                MethodConfig config = methodConfig(mc, p);
                JsonArray names = array(required(mc, "name", p), p + ".name");
                if (names.isEmpty()) {
                    throw invalid(p + ".name", "[]", "at least one {service, method} entry");
                }
                for (int j = 0; j < names.size(); j++) {
                    String np = p + ".name[" + j + "]";
                    JsonObject name = object(names.getValue(j), np);
                    checkFields(name, np, "service", "method");
                    String service = optionalString(name, "service", np);
                    String method = optionalString(name, "method", np);
                    if (service.isEmpty() && !method.isEmpty()) {
                        throw invalid(np, name.encode(), "a service when a method is named");
                    }
                    MethodConfig previous;
                    if (service.isEmpty()) {
                        previous = defaultConfig;
                        defaultConfig = config;
                    } else if (method.isEmpty()) {
                        previous = byService.put(service, config);
                    } else {
                        previous = byMethod.put(service + "/" + method, config);
                    }
                    if (previous != null) {
                        throw invalid(np, name.encode(), "each name in one methodConfig entry only");
                    }
                }
            }
        }
        Throttling throttling = null;
        Object rt = root.getValue("retryThrottling");
        if (rt != null) {
            throttling = throttling(object(rt, path + ".retryThrottling"), path + ".retryThrottling");
        }
        String lb = null;
        Object lbConfig = root.getValue("loadBalancingConfig");
        if (lbConfig != null) {
            lb = loadBalancingConfig(array(lbConfig, path + ".loadBalancingConfig"), path + ".loadBalancingConfig");
        } else {
            Object lbPolicy = root.getValue("loadBalancingPolicy");
            if (lbPolicy != null) {
                String p = path + ".loadBalancingPolicy";
                String name = string(lbPolicy, p).toLowerCase(Locale.ROOT);
                if (!SUPPORTED_LB.contains(name)) {
                    throw invalid(p, lbPolicy, "one of " + SUPPORTED_LB);
                }
                lb = name;
            }
        }
        return new ServiceConfig(Map.copyOf(byMethod), Map.copyOf(byService), defaultConfig, throttling, lb);
    }

    private static MethodConfig methodConfig(JsonObject mc, String path) {
        checkFields(
                mc,
                path,
                "name",
                "timeout",
                "waitForReady",
                "maxRequestMessageBytes",
                "maxResponseMessageBytes",
                "retryPolicy",
                "hedgingPolicy");
        Duration timeout = mc.containsKey("timeout") ? duration(mc.getValue("timeout"), path + ".timeout") : null;
        Boolean waitForReady =
                mc.containsKey("waitForReady") ? bool(mc.getValue("waitForReady"), path + ".waitForReady") : null;
        int maxRequest = mc.containsKey("maxRequestMessageBytes")
                ? uint32AsInt(mc.getValue("maxRequestMessageBytes"), path + ".maxRequestMessageBytes")
                : -1;
        int maxResponse = mc.containsKey("maxResponseMessageBytes")
                ? uint32AsInt(mc.getValue("maxResponseMessageBytes"), path + ".maxResponseMessageBytes")
                : -1;
        RetryPolicy retry = null;
        HedgingPolicy hedging = null;
        if (mc.containsKey("retryPolicy") && mc.containsKey("hedgingPolicy")) {
            throw new IllegalArgumentException(
                    path + ": both retryPolicy and hedgingPolicy (expected: at most one of them)");
        }
        if (mc.containsKey("retryPolicy")) {
            retry = retryPolicy(object(mc.getValue("retryPolicy"), path + ".retryPolicy"), path + ".retryPolicy");
        }
        if (mc.containsKey("hedgingPolicy")) {
            hedging = hedgingPolicy(
                    object(mc.getValue("hedgingPolicy"), path + ".hedgingPolicy"), path + ".hedgingPolicy");
        }
        return new MethodConfig(timeout, waitForReady, maxRequest, maxResponse, retry, hedging);
    }

    private static RetryPolicy retryPolicy(JsonObject rp, String path) {
        checkFields(
                rp, path, "maxAttempts", "initialBackoff", "maxBackoff", "backoffMultiplier", "retryableStatusCodes");
        int maxAttempts = maxAttempts(rp, path);
        Duration initial = duration(required(rp, "initialBackoff", path), path + ".initialBackoff");
        if (initial.isZero()) {
            throw invalid(path + ".initialBackoff", rp.getValue("initialBackoff"), "a duration > 0s");
        }
        Duration max = duration(required(rp, "maxBackoff", path), path + ".maxBackoff");
        if (max.isZero()) {
            throw invalid(path + ".maxBackoff", rp.getValue("maxBackoff"), "a duration > 0s");
        }
        double multiplier = number(required(rp, "backoffMultiplier", path), path + ".backoffMultiplier");
        if (!(multiplier > 0) || Double.isInfinite(multiplier)) {
            throw invalid(path + ".backoffMultiplier", rp.getValue("backoffMultiplier"), "a number > 0");
        }
        Set<StatusCode> codes = statusCodes(
                required(rp, "retryableStatusCodes", path), path + ".retryableStatusCodes", /* nonEmpty= */ true);
        return new RetryPolicy(maxAttempts, saturatedNanos(initial), saturatedNanos(max), multiplier, codes);
    }

    private static HedgingPolicy hedgingPolicy(JsonObject hp, String path) {
        checkFields(hp, path, "maxAttempts", "hedgingDelay", "nonFatalStatusCodes");
        int maxAttempts = maxAttempts(hp, path);
        Duration delay = hp.containsKey("hedgingDelay")
                ? duration(hp.getValue("hedgingDelay"), path + ".hedgingDelay")
                : Duration.ZERO;
        Set<StatusCode> codes = hp.containsKey("nonFatalStatusCodes")
                ? statusCodes(hp.getValue("nonFatalStatusCodes"), path + ".nonFatalStatusCodes", false)
                : Set.of();
        return new HedgingPolicy(maxAttempts, saturatedNanos(delay), codes);
    }

    private static int maxAttempts(JsonObject policy, String path) {
        Object value = required(policy, "maxAttempts", path);
        long n = integer(value, path + ".maxAttempts");
        if (n < 2) {
            throw invalid(path + ".maxAttempts", value, "an integer > 1");
        }
        return (int) Math.min(n, MAX_ATTEMPTS_CAP);
    }

    private static Throttling throttling(JsonObject rt, String path) {
        checkFields(rt, path, "maxTokens", "tokenRatio");
        Object tokensValue = required(rt, "maxTokens", path);
        long maxTokens = integer(tokensValue, path + ".maxTokens");
        if (maxTokens < 1 || maxTokens > 1000) {
            throw invalid(path + ".maxTokens", tokensValue, "an integer in 1..1000");
        }
        Object ratioValue = required(rt, "tokenRatio", path);
        double ratio = number(ratioValue, path + ".tokenRatio");
        // the spec keeps 3 decimal places: 0.0001 is 0
        long thousandths = (long) Math.floor(ratio * 1000 + 1e-9);
        if (!(ratio > 0) || thousandths < 1 || thousandths > 1000L * 1000) {
            throw invalid(path + ".tokenRatio", ratioValue, "a number >= 0.001 with up to 3 decimal places");
        }
        return new Throttling((int) maxTokens, (int) thousandths);
    }

    private static String loadBalancingConfig(JsonArray configs, String path) {
        for (int i = 0; i < configs.size(); i++) {
            String p = path + "[" + i + "]";
            JsonObject entry = object(configs.getValue(i), p);
            if (entry.size() != 1) {
                throw invalid(p, entry.encode(), "an object with exactly one policy name");
            }
            String name = entry.fieldNames().iterator().next();
            object(entry.getValue(name), p + "." + name);
            if (SUPPORTED_LB.contains(name)) {
                return name; // the first supported policy wins; unknown ones are skipped (spec)
            }
        }
        throw invalid(path, configs.encode(), "a list naming a supported policy, one of " + SUPPORTED_LB);
    }
}
