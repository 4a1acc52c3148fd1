package io.rpcvertx.impl.client;

import io.rpcvertx.StatusCode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Typed reads of a service config's JSON values ({@link ServiceConfig}): each read names the path of the value in the
 * message of the {@link IllegalArgumentException} it throws, so a user can find the typo in their config.
 */
final class ServiceConfigJson {
    private static final Pattern DURATION = Pattern.compile("(\\d{1,12})(?:\\.(\\d{1,9}))?s");

    private ServiceConfigJson() {}

    static void checkFields(JsonObject object, String path, String... known) {
        List<String> allowed = List.of(known);
        for (String field : object.fieldNames()) {
            if (!allowed.contains(field)) {
                throw new IllegalArgumentException(
                        path + ": unknown field \"" + field + "\" (expected: one of " + allowed + ")");
            }
        }
    }

    static Object required(JsonObject object, String field, String path) {
        Object value = object.getValue(field);
        if (value == null) {
            throw new IllegalArgumentException(path + "." + field + ": missing (required)");
        }
        return value;
    }

    static JsonObject object(@Nullable Object value, String path) {
        if (value instanceof JsonObject) {
            return (JsonObject) value;
        }
        throw invalid(path, value, "an object");
    }

    static JsonArray array(@Nullable Object value, String path) {
        if (value instanceof JsonArray) {
            return (JsonArray) value;
        }
        throw invalid(path, value, "an array");
    }

    static String string(@Nullable Object value, String path) {
        if (value instanceof String) {
            return (String) value;
        }
        throw invalid(path, value, "a string");
    }

    static String optionalString(JsonObject object, String field, String path) {
        Object value = object.getValue(field);
        return value == null ? "" : string(value, path + "." + field);
    }

    static boolean bool(@Nullable Object value, String path) {
        if (value instanceof Boolean) {
            return (Boolean) value;
        }
        throw invalid(path, value, "true or false");
    }

    static double number(@Nullable Object value, String path) {
        if (value instanceof Number) {
            return ((Number) value).doubleValue();
        }
        throw invalid(path, value, "a number");
    }

    /** An integer: a JSON number without fraction, or a string of digits (proto3 JSON allows both). */
    static long integer(@Nullable Object value, String path) {
        if (value instanceof Integer || value instanceof Long || value instanceof Short) {
            return ((Number) value).longValue();
        }
        try {
            if (value instanceof BigInteger) {
                return ((BigInteger) value).longValueExact();
            }
            if (value instanceof Number) {
                return new BigDecimal(value.toString()).longValueExact();
            }
            if (value instanceof String) {
                return Long.parseLong((String) value);
            }
        } catch (ArithmeticException | NumberFormatException e) {
            throw invalid(path, value, "an integer");
        }
        throw invalid(path, value, "an integer");
    }

    /** A {@code google.protobuf.UInt32Value}, clamped to {@code int} (a bigger limit is no limit in practice). */
    static int uint32AsInt(@Nullable Object value, String path) {
        long n = integer(value, path);
        if (n < 0 || n > 0xFFFF_FFFFL) {
            throw invalid(path, value, "an integer in 0..4294967295");
        }
        return (int) Math.min(n, Integer.MAX_VALUE);
    }

    /** A non-negative {@code google.protobuf.Duration} in JSON, e.g. {@code "1.5s"}. */
    static Duration duration(@Nullable Object value, String path) {
        if (value instanceof String) {
            Matcher m = DURATION.matcher((String) value);
            if (m.matches()) {
                long seconds = Long.parseLong(m.group(1));
                String fraction = m.group(2);
                long nanos = fraction == null ? 0 : Long.parseLong((fraction + "00000000").substring(0, 9));
                return Duration.ofSeconds(seconds, nanos);
            }
        }
        throw invalid(path, value, "a duration like \"1.5s\" (seconds with up to 9 decimals and an s)");
    }

    static Set<StatusCode> statusCodes(Object value, String path, boolean nonEmpty) {
        JsonArray list = array(value, path);
        if (nonEmpty && list.isEmpty()) {
            throw invalid(path, "[]", "at least one status code");
        }
        Set<StatusCode> codes = EnumSet.noneOf(StatusCode.class);
        for (int i = 0; i < list.size(); i++) {
            codes.add(statusCode(list.getValue(i), path + "[" + i + "]"));
        }
        return Collections.unmodifiableSet(codes);
    }

    static StatusCode statusCode(@Nullable Object value, String path) {
        StatusCode code = null;
        if (value instanceof String) {
            for (StatusCode c : StatusCode.values()) {
                if (c.name().equals(value)) {
                    code = c;
                }
            }
        } else if (value instanceof Number) {
            long n = integer(value, path);
            if (n >= 0 && n <= 16) {
                code = StatusCode.fromValue((int) n);
            }
        }
        if (code == null) {
            throw invalid(path, value, "a status code name like \"UNAVAILABLE\" or a number 1..16");
        }
        if (code == StatusCode.OK) {
            throw invalid(path, value, "an error code, not OK");
        }
        return code;
    }

    static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    private static String quote(@Nullable Object value) {
        return value instanceof String ? "\"" + value + "\"" : String.valueOf(value);
    }

    static IllegalArgumentException invalid(String path, @Nullable Object value, String expected) {
        // encoded objects and arrays are passed as their JSON text and shown unquoted
        boolean json =
                value instanceof String && (((String) value).startsWith("{") || ((String) value).startsWith("["));
        String shown = json ? (String) value : quote(value);
        return new IllegalArgumentException(path + ": " + shown + " (expected: " + expected + ")");
    }
}
