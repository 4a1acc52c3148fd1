package io.rpcvertx.impl.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(10)
class GrpcTimeoutTest {

    @ParameterizedTest
    @CsvSource({
        "1n, 1",
        "1u, 1000",
        "1m, 1000000",
        "1S, 1000000000",
        "1M, 60000000000",
        "1H, 3600000000000",
        "0n, 0",
        "0H, 0",
        "00000000S, 0",
        "00000007m, 7000000",
        "99999999n, 99999999",
        "99999999u, 99999999000",
        "99999999m, 99999999000000",
        "99999999S, 99999999000000000",
        "99999999M, 5999999940000000000",
        "2562047H, 9223369200000000000",
        "2562048H, 9223372036854775807",
        "99999999H, 9223372036854775807",
    })
    void parseNanos_validValue_returnsNanoseconds(String value, long expected) {
        assertThat(GrpcTimeout.parseNanos(value)).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "1",
                "S",
                "n",
                "123456789n",
                "000000000S",
                "1x",
                "1s",
                "1h",
                "1N",
                "-1S",
                "+1S",
                " 1S",
                "1S ",
                "1 S",
                "1.5S",
                "1e3n",
                "١S",
                "1SS",
                "0x1S"
            })
    void parseNanos_invalidValue_throwsIllegalArgument(String value) {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> GrpcTimeout.parseNanos(value))
                .withMessage(
                        "grpc-timeout: \"" + value + "\" (expected: 1 to 8 digits followed by one of H M S m u n)");
    }

    @ParameterizedTest
    @CsvSource({
        "-9223372036854775808, 0n",
        "-1, 0n",
        "0, 0n",
        "1, 1n",
        "99999999, 99999999n",
        "100000000, 100000u",
        "100000001, 100001u",
        "1000000000, 1000000u",
        "99999999000, 99999999u",
        "99999999001, 100000m",
        "3600000000000, 3600000m",
        "99999999000000, 99999999m",
        "99999999000001, 100000S",
        "99999999000000000, 99999999S",
        "99999999000000001, 1666667M",
        "5999999940000000000, 99999999M",
        "5999999940000000001, 1666667H",
        "9223372036854775807, 2562048H",
    })
    void format_nanos_usesFinestUnitWithinEightDigitsRoundingUp(long nanos, String expected) {
        assertThat(GrpcTimeout.format(nanos)).isEqualTo(expected);
    }

    @Test
    void format_thenParse_neverShortensAndOvershootsByLessThanOneUnit() {
        Random random = new Random(42);
        List<Long> values = new ArrayList<>(List.of(1L, 999L, 1_000L, 1_001L, 99_999_999L, 100_000_000L));
        for (int i = 0; i < 10_000; i++) {
            // Spread over every magnitude, so every unit is chosen.
            values.add(random.nextLong() >>> random.nextInt(64));
        }
        for (long nanos : values) {
            if (nanos <= 0) {
                continue;
            }
            String formatted = GrpcTimeout.format(nanos);
            long parsed = GrpcTimeout.parseNanos(formatted);
            long unit = GrpcTimeout.parseNanos("1" + formatted.charAt(formatted.length() - 1));

            assertThat(formatted.length()).as("%d -> %s", nanos, formatted).isBetween(2, 9);
            assertThat(parsed).as("%d -> %s", nanos, formatted).isGreaterThanOrEqualTo(nanos);
            assertThat(parsed - nanos).as("%d -> %s", nanos, formatted).isLessThan(unit);
        }
    }

    @Test
    void format_eachUnitBoundary_picksTheFinerUnitWhenItFits() {
        long[] units = {1L, 1_000L, 1_000_000L, 1_000_000_000L, 60_000_000_000L};
        String[] names = {"n", "u", "m", "S", "M"};
        for (int i = 0; i < units.length; i++) {
            assertThat(GrpcTimeout.format(99_999_999L * units[i])).isEqualTo("99999999" + names[i]);
        }
    }
}
