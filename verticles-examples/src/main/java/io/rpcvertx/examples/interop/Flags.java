package io.rpcvertx.examples.interop;

import java.nio.file.Path;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** Parsing of grpc-java-style flag values ({@code --use_tls=true}) for the interop programs. */
final class Flags {
    private Flags() {}

    /** {@code true} or {@code false} (an empty value, {@code --use_tls}, is {@code true}); absent gives the default. */
    static boolean bool(Map<String, String> flags, String key, boolean defaultValue) {
        String value = flags.get(key);
        if (value == null) {
            return defaultValue;
        }
        if (value.isEmpty() || value.equals("true")) {
            return true;
        }
        if (value.equals("false")) {
            return false;
        }
        throw new IllegalArgumentException("--" + key + ": \"" + value + "\" (expected: true or false)");
    }

    /** A file path, or null when absent. */
    static @Nullable Path path(Map<String, String> flags, String key) {
        String value = flags.get(key);
        if (value == null) {
            return null;
        }
        if (value.isBlank()) {
            throw new IllegalArgumentException("--" + key + ": empty (expected: a file path)");
        }
        return Path.of(value);
    }
}
