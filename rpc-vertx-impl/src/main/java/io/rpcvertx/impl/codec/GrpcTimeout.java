package io.rpcvertx.impl.codec;

/**
 * Parses and formats the {@code grpc-timeout} header (gRPC over HTTP/2, "Requests": {@code TimeoutValue} is at most 8
 * ASCII digits, {@code TimeoutUnit} one of {@code H M S m u n}).
 */
public final class GrpcTimeout {
    private static final int MAX_DIGITS = 8;
    private static final long MAX_VALUE = 99_999_999L;

    // Finest first, so format() picks the most precise unit that fits in 8 digits.
    private static final char[] UNITS = {'n', 'u', 'm', 'S', 'M', 'H'};

    private GrpcTimeout() {}

    /**
     * The timeout in nanoseconds, saturating at {@link Long#MAX_VALUE} (99999999H does not fit in a {@code long}).
     *
     * @throws IllegalArgumentException unless the value is 1 to 8 ASCII digits followed by one unit character
     */
    public static long parseNanos(String value) {
        int digits = value.length() - 1;
        if (digits < 1 || digits > MAX_DIGITS) {
            throw invalid(value);
        }
        long amount = 0;
        for (int i = 0; i < digits; i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') {
                throw invalid(value);
            }
            amount = amount * 10 + (c - '0');
        }
        long nanosPerUnit = nanosPerUnit(value.charAt(digits));
        if (nanosPerUnit < 0) {
            throw invalid(value);
        }
        return amount > Long.MAX_VALUE / nanosPerUnit ? Long.MAX_VALUE : amount * nanosPerUnit;
    }

    /**
     * The header value for a timeout of {@code nanos}: the finest unit whose amount fits in 8 digits, rounded up so
     * that the peer never sees a shorter timeout than ours. {@code nanos <= 0} gives {@code "0n"} (already expired).
     * Every {@code long} fits: {@link Long#MAX_VALUE} formats as {@code "2562048H"}.
     */
    public static String format(long nanos) {
        if (nanos <= 0) {
            return "0n";
        }
        for (char unit : UNITS) {
            long perUnit = nanosPerUnit(unit);
            long amount = nanos / perUnit + (nanos % perUnit == 0 ? 0 : 1);
            if (amount <= MAX_VALUE) {
                return Long.toString(amount) + unit;
            }
        }
        // Unreachable for a long (Long.MAX_VALUE ns is about 2562048H); kept as the spec's ceiling.
        return MAX_VALUE + "H";
    }

    private static long nanosPerUnit(char unit) {
        switch (unit) {
            case 'n':
                return 1L;
            case 'u':
                return 1_000L;
            case 'm':
                return 1_000_000L;
            case 'S':
                return 1_000_000_000L;
            case 'M':
                return 60_000_000_000L;
            case 'H':
                return 3_600_000_000_000L;
            default:
                return -1;
        }
    }

    private static IllegalArgumentException invalid(String value) {
        return new IllegalArgumentException(
                "grpc-timeout: \"" + value + "\" (expected: 1 to 8 digits followed by one of H M S m u n)");
    }
}
