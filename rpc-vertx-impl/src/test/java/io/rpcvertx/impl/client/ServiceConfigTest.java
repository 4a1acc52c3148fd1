package io.rpcvertx.impl.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rpcvertx.CallOptions;
import io.rpcvertx.StatusCode;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Parsing and validating the gRPC service config JSON, and applying a method's config to call options. */
@Timeout(10)
class ServiceConfigTest {

    private static ServiceConfig parse(String json) {
        return ServiceConfig.parse(json.replace('\'', '"'));
    }

    private static void assertInvalid(String json, String message) {
        assertThatThrownBy(() -> parse(json))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(message);
    }

    @Test
    void parse_null_isEmpty() {
        assertThat(ServiceConfig.parse(null)).isSameAs(ServiceConfig.EMPTY);
        assertThat(ServiceConfig.EMPTY.lookup("a.B/C")).isSameAs(ServiceConfig.MethodConfig.NONE);
    }

    @Test
    void lookup_methodBeatsServiceBeatsDefault() {
        ServiceConfig config = parse("{'methodConfig': ["
                + "{'name': [{}], 'timeout': '1s'},"
                + "{'name': [{'service': 'pkg.S'}], 'timeout': '2s'},"
                + "{'name': [{'service': 'pkg.S', 'method': 'M'}, {'service': 'pkg.T', 'method': 'N'}],"
                + " 'timeout': '3s'}]}");

        assertThat(config.lookup("pkg.S/M").timeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(config.lookup("/pkg.T/N").timeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(config.lookup("pkg.S/Other").timeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(config.lookup("pkg.T/Other").timeout()).isEqualTo(Duration.ofSeconds(1));
        assertThat(config.lookup("other.X/Y").timeout()).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void lookup_noMatchWithoutDefault_isNone() {
        ServiceConfig config = parse("{'methodConfig': [{'name': [{'service': 'pkg.S'}], 'waitForReady': true}]}");

        assertThat(config.lookup("pkg.T/M")).isSameAs(ServiceConfig.MethodConfig.NONE);
        assertThat(config.lookup("pkg.S/M").waitForReady()).isTrue();
    }

    @Test
    void methodConfig_allFields_parsed() {
        ServiceConfig.MethodConfig mc = parse("{'methodConfig': [{'name': [{'service': 's.S'}],"
                        + " 'timeout': '1.5s', 'waitForReady': false,"
                        + " 'maxRequestMessageBytes': 1024, 'maxResponseMessageBytes': '4096',"
                        + " 'retryPolicy': {'maxAttempts': 4, 'initialBackoff': '0.1s', 'maxBackoff': '1s',"
                        + "   'backoffMultiplier': 2.5, 'retryableStatusCodes': ['UNAVAILABLE', 10]}}]}")
                .lookup("s.S/M");

        assertThat(mc.timeout()).isEqualTo(Duration.ofMillis(1500));
        assertThat(mc.waitForReady()).isFalse();
        assertThat(mc.maxRequestBytes()).isEqualTo(1024);
        assertThat(mc.maxResponseBytes()).isEqualTo(4096);
        ServiceConfig.RetryPolicy rp = mc.retryPolicy();
        assertThat(rp).isNotNull();
        assertThat(rp.maxAttempts()).isEqualTo(4);
        assertThat(rp.initialBackoffNanos()).isEqualTo(100_000_000L);
        assertThat(rp.maxBackoffNanos()).isEqualTo(1_000_000_000L);
        assertThat(rp.backoffMultiplier()).isEqualTo(2.5);
        assertThat(rp.retryableStatusCodes()).containsExactlyInAnyOrder(StatusCode.UNAVAILABLE, StatusCode.ABORTED);
        assertThat(mc.hedgingPolicy()).isNull();
        assertThat(mc.isRetrying()).isTrue();
    }

    @Test
    void retryPolicy_maxAttemptsAboveFive_cappedAtFive() {
        ServiceConfig.MethodConfig mc = parse("{'methodConfig': [{'name': [{}], 'retryPolicy': {'maxAttempts': 9,"
                        + " 'initialBackoff': '1s', 'maxBackoff': '1s', 'backoffMultiplier': 1,"
                        + " 'retryableStatusCodes': ['UNAVAILABLE']}}]}")
                .lookup("a.B/C");

        assertThat(mc.retryPolicy().maxAttempts()).isEqualTo(5);
    }

    @Test
    void hedgingPolicy_defaults_zeroDelayNoNonFatalCodes() {
        ServiceConfig.MethodConfig mc = parse("{'methodConfig': [{'name': [{}], 'hedgingPolicy': {'maxAttempts': 7}}]}")
                .lookup("a.B/C");

        ServiceConfig.HedgingPolicy hp = mc.hedgingPolicy();
        assertThat(hp.maxAttempts()).isEqualTo(5);
        assertThat(hp.hedgingDelayNanos()).isZero();
        assertThat(hp.nonFatalStatusCodes()).isEmpty();
    }

    @Test
    void hedgingPolicy_delayAndCodes_parsed() {
        ServiceConfig.HedgingPolicy hp = parse("{'methodConfig': [{'name': [{}], 'hedgingPolicy': {'maxAttempts': 3,"
                        + " 'hedgingDelay': '0.000000001s', 'nonFatalStatusCodes': ['UNAVAILABLE', 'INTERNAL']}}]}")
                .lookup("a.B/C")
                .hedgingPolicy();

        assertThat(hp.hedgingDelayNanos()).isEqualTo(1);
        assertThat(hp.nonFatalStatusCodes()).containsExactlyInAnyOrder(StatusCode.UNAVAILABLE, StatusCode.INTERNAL);
    }

    @Test
    void retryThrottling_parsedInThousandths() {
        ServiceConfig config = parse("{'retryThrottling': {'maxTokens': 10, 'tokenRatio': 0.1239}}");

        assertThat(config.throttling()).hasValueSatisfying(t -> {
            assertThat(t.maxTokens()).isEqualTo(10);
            assertThat(t.tokenRatioThousandths()).isEqualTo(123);
        });
    }

    @Test
    void loadBalancingConfig_firstSupportedWins() {
        assertThat(parse("{'loadBalancingConfig': [{'grpclb': {}}, {'round_robin': {}}, {'pick_first': {}}]}")
                        .loadBalancingPolicy())
                .hasValue("round_robin");
        assertThat(parse("{'loadBalancingPolicy': 'ROUND_ROBIN'}").loadBalancingPolicy())
                .hasValue("round_robin");
        assertThat(parse("{'loadBalancingConfig': [{'pick_first': {}}], 'loadBalancingPolicy': 'round_robin'}")
                        .loadBalancingPolicy())
                .hasValue("pick_first");
        assertThat(parse("{}").loadBalancingPolicy()).isEmpty();
    }

    @Test
    void healthCheckConfig_acceptedAndIgnored() {
        assertThat(parse("{'healthCheckConfig': {'serviceName': 'x'}}").lookup("a.B/C"))
                .isSameAs(ServiceConfig.MethodConfig.NONE);
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "0s|0",
                "1s|1000000000",
                "1.5s|1500000000",
                "0.001s|1000000",
                "2.000000007s|2000000007",
            })
    void duration_validForms_parsed(String text, long nanos) {
        assertThat(ServiceConfigJson.duration(text, "x").toNanos()).isEqualTo(nanos);
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {"1", "1.5", "-1s", "1.s", ".5s", "1.0000000001s", "1 s", "1ms", "PT1S"})
    void duration_invalidForms_rejectedWithExample(String text) {
        assertThatThrownBy(() -> ServiceConfigJson.duration(text, "serviceConfig.methodConfig[0].timeout"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("serviceConfig.methodConfig[0].timeout: \"" + text
                        + "\" (expected: a duration like \"1.5s\" (seconds with up to 9 decimals and an s))");
    }

    @Test
    void invalid_notJson_rejected() {
        assertThatThrownBy(() -> ServiceConfig.parse("{methodConfig"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("serviceConfig: not a JSON object (");
    }

    @Test
    void invalid_unknownTopLevelField_rejectedWithKnownFields() {
        assertInvalid(
                "{'methodConfigs': []}",
                "serviceConfig: unknown field \"methodConfigs\" (expected: one of [loadBalancingConfig,"
                        + " loadBalancingPolicy, methodConfig, retryThrottling, healthCheckConfig])");
    }

    @Test
    void invalid_typoInRetryPolicy_rejected() {
        assertInvalid(
                "{'methodConfig': [{'name': [{}], 'retryPolicy': {'maxAttemps': 3}}]}",
                "serviceConfig.methodConfig[0].retryPolicy: unknown field \"maxAttemps\" (expected: one of"
                        + " [maxAttempts, initialBackoff, maxBackoff, backoffMultiplier, retryableStatusCodes])");
    }

    @Test
    void invalid_retryPolicyMaxAttemptsOne_rejected() {
        assertInvalid(
                "{'methodConfig': [{'name': [{}], 'retryPolicy': {'maxAttempts': 1, 'initialBackoff': '1s',"
                        + " 'maxBackoff': '1s', 'backoffMultiplier': 2, 'retryableStatusCodes': ['UNAVAILABLE']}}]}",
                "serviceConfig.methodConfig[0].retryPolicy.maxAttempts: 1 (expected: an integer > 1)");
    }

    @Test
    void invalid_retryPolicyMissingField_rejected() {
        assertInvalid(
                "{'methodConfig': [{'name': [{}], 'retryPolicy': {'maxAttempts': 2, 'initialBackoff': '1s',"
                        + " 'backoffMultiplier': 2, 'retryableStatusCodes': ['UNAVAILABLE']}}]}",
                "serviceConfig.methodConfig[0].retryPolicy.maxBackoff: missing (required)");
    }

    @Test
    void invalid_retryPolicyZeroBackoff_rejected() {
        assertInvalid(
                "{'methodConfig': [{'name': [{}], 'retryPolicy': {'maxAttempts': 2, 'initialBackoff': '0s',"
                        + " 'maxBackoff': '1s', 'backoffMultiplier': 2, 'retryableStatusCodes': ['UNAVAILABLE']}}]}",
                "serviceConfig.methodConfig[0].retryPolicy.initialBackoff: \"0s\" (expected: a duration > 0s)");
    }

    @Test
    void invalid_retryPolicyNegativeMultiplier_rejected() {
        assertInvalid(
                "{'methodConfig': [{'name': [{}], 'retryPolicy': {'maxAttempts': 2, 'initialBackoff': '1s',"
                        + " 'maxBackoff': '1s', 'backoffMultiplier': -1, 'retryableStatusCodes': ['UNAVAILABLE']}}]}",
                "serviceConfig.methodConfig[0].retryPolicy.backoffMultiplier: -1 (expected: a number > 0)");
    }

    @Test
    void invalid_retryPolicyNoCodes_rejected() {
        assertInvalid(
                "{'methodConfig': [{'name': [{}], 'retryPolicy': {'maxAttempts': 2, 'initialBackoff': '1s',"
                        + " 'maxBackoff': '1s', 'backoffMultiplier': 2, 'retryableStatusCodes': []}}]}",
                "serviceConfig.methodConfig[0].retryPolicy.retryableStatusCodes: [] (expected: at least one status"
                        + " code)");
    }

    @Test
    void invalid_unknownStatusName_rejected() {
        assertInvalid(
                "{'methodConfig': [{'name': [{}], 'hedgingPolicy': {'maxAttempts': 2,"
                        + " 'nonFatalStatusCodes': ['unavailable']}}]}",
                "serviceConfig.methodConfig[0].hedgingPolicy.nonFatalStatusCodes[0]: \"unavailable\" (expected: a"
                        + " status code name like \"UNAVAILABLE\" or a number 1..16)");
    }

    @Test
    void invalid_okAsRetryableCode_rejected() {
        assertInvalid(
                "{'methodConfig': [{'name': [{}], 'hedgingPolicy': {'maxAttempts': 2, 'nonFatalStatusCodes': [0]}}]}",
                "serviceConfig.methodConfig[0].hedgingPolicy.nonFatalStatusCodes[0]: 0 (expected: an error code, not"
                        + " OK)");
    }

    @Test
    void invalid_retryAndHedgingTogether_rejected() {
        assertInvalid(
                "{'methodConfig': [{'name': [{}], 'hedgingPolicy': {'maxAttempts': 2},"
                        + " 'retryPolicy': {'maxAttempts': 2}}]}",
                "serviceConfig.methodConfig[0]: both retryPolicy and hedgingPolicy (expected: at most one of them)");
    }

    @Test
    void invalid_methodWithoutService_rejected() {
        assertInvalid(
                "{'methodConfig': [{'name': [{'method': 'M'}]}]}",
                "serviceConfig.methodConfig[0].name[0]: {\"method\":\"M\"} (expected: a service when a method is"
                        + " named)");
    }

    @Test
    void invalid_duplicateName_rejected() {
        assertInvalid(
                "{'methodConfig': [{'name': [{'service': 's.S'}]}, {'name': [{'service': 's.S'}]}]}",
                "serviceConfig.methodConfig[1].name[0]: {\"service\":\"s.S\"} (expected: each name in one"
                        + " methodConfig entry only)");
    }

    @Test
    void invalid_missingName_rejected() {
        assertInvalid(
                "{'methodConfig': [{'timeout': '1s'}]}", "serviceConfig.methodConfig[0].name: missing (required)");
    }

    @Test
    void invalid_wrongTypes_rejected() {
        assertInvalid(
                "{'methodConfig': [{'name': [{}], 'waitForReady': 'yes'}]}",
                "serviceConfig.methodConfig[0].waitForReady: \"yes\" (expected: true or false)");
        assertInvalid(
                "{'methodConfig': [{'name': [{}], 'maxRequestMessageBytes': 1.5}]}",
                "serviceConfig.methodConfig[0].maxRequestMessageBytes: 1.5 (expected: an integer)");
        assertInvalid(
                "{'methodConfig': [{'name': [{}], 'maxResponseMessageBytes': -1}]}",
                "serviceConfig.methodConfig[0].maxResponseMessageBytes: -1 (expected: an integer in 0..4294967295)");
        assertInvalid("{'methodConfig': {}}", "serviceConfig.methodConfig: {} (expected: an array)");
    }

    @Test
    void invalid_throttling_rejected() {
        assertInvalid(
                "{'retryThrottling': {'maxTokens': 0, 'tokenRatio': 1}}",
                "serviceConfig.retryThrottling.maxTokens: 0 (expected: an integer in 1..1000)");
        assertInvalid(
                "{'retryThrottling': {'maxTokens': 10, 'tokenRatio': 0.0001}}",
                "serviceConfig.retryThrottling.tokenRatio: 1.0E-4 (expected: a number >= 0.001 with up to 3 decimal"
                        + " places)");
    }

    @Test
    void invalid_unsupportedLoadBalancing_rejected() {
        assertInvalid(
                "{'loadBalancingConfig': [{'grpclb': {}}]}",
                "serviceConfig.loadBalancingConfig: [{\"grpclb\":{}}] (expected: a list naming a supported policy, one"
                        + " of [pick_first, round_robin])");
        assertInvalid(
                "{'loadBalancingPolicy': 'weighted'}",
                "serviceConfig.loadBalancingPolicy: \"weighted\" (expected: one of [pick_first, round_robin])");
    }

    @Test
    void apply_smallerTimeoutWins() {
        ServiceConfig.MethodConfig mc = new ServiceConfig.MethodConfig(Duration.ofSeconds(2), null, -1, -1, null, null);

        assertThat(mc.apply(CallOptions.DEFAULT).timeout()).hasValue(Duration.ofSeconds(2));
        assertThat(mc.apply(CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(5)))
                        .timeout())
                .hasValue(Duration.ofSeconds(2));
        assertThat(mc.apply(CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(1)))
                        .timeout())
                .hasValue(Duration.ofSeconds(1));
    }

    @Test
    void apply_explicitWaitForReadyWins() {
        ServiceConfig.MethodConfig mc = new ServiceConfig.MethodConfig(null, true, -1, -1, null, null);

        assertThat(mc.apply(CallOptions.DEFAULT).waitForReady()).hasValue(true);
        assertThat(mc.apply(CallOptions.DEFAULT.withWaitForReady(false)).waitForReady())
                .hasValue(false);
    }

    @Test
    void smallerLimit_minusOneIsUnlimited() {
        assertThat(ServiceConfig.MethodConfig.smallerLimit(-1, -1)).isEqualTo(-1);
        assertThat(ServiceConfig.MethodConfig.smallerLimit(-1, 10)).isEqualTo(10);
        assertThat(ServiceConfig.MethodConfig.smallerLimit(5, -1)).isEqualTo(5);
        assertThat(ServiceConfig.MethodConfig.smallerLimit(5, 10)).isEqualTo(5);
        assertThat(ServiceConfig.MethodConfig.smallerLimit(50, 10)).isEqualTo(10);
    }

    @Test
    void throttle_belowHalf_stopsRetriesAndSuccessesRefill() {
        RetryThrottle throttle = new RetryThrottle(new ServiceConfig.Throttling(4, 500));

        assertThat(throttle.isRetryAllowed()).isTrue();
        assertThat(throttle.onFailure()).isTrue(); // 3 > 2
        assertThat(throttle.onFailure()).isFalse(); // 2, not above half
        assertThat(throttle.isRetryAllowed()).isFalse();
        throttle.onSuccess(); // 2.5
        assertThat(throttle.isRetryAllowed()).isTrue();
        for (int i = 0; i < 10; i++) {
            throttle.onSuccess();
        }
        assertThat(throttle.tokensThousandths()).isEqualTo(4000); // capped at maxTokens
        for (int i = 0; i < 10; i++) {
            throttle.onFailure();
        }
        assertThat(throttle.tokensThousandths()).isZero(); // never negative
    }
}
