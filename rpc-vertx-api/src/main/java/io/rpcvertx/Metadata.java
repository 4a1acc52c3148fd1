package io.rpcvertx;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Request or response metadata: an immutable, ordered multimap of keys to text or binary values (grpc.aio
 * {@code aio.Metadata}).
 *
 * <p>Keys are lowercase ASCII ({@code 0-9 a-z - _ .}); they are lowercased when added. A key ending in {@code -bin}
 * holds binary values (sent base64-encoded); any other key holds text values of printable ASCII (0x20–0x7E).
 * Headers reserved by the gRPC protocol ({@code :path}, {@code content-type}, {@code te}, {@code grpc-*} except
 * {@code grpc-status-details-bin}, ...) are not accepted as metadata on the receiving side and are dropped when
 * sending.
 *
 * <pre>{@code
 * Metadata md = Metadata.builder()
 *     .add("x-request-id", "42")
 *     .addBinary("trace-bin", new byte[] {1, 2, 3})
 *     .build();
 * Optional<String> id = md.get("x-request-id");
 * }</pre>
 */
public final class Metadata {
    /** Metadata without entries. */
    public static final Metadata EMPTY = new Metadata(List.of());

    private final List<Entry> entries;

    private Metadata(List<Entry> entries) {
        this.entries = entries;
    }

    /** A new builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** Metadata with the given text entries, given as alternating keys and values. */
    public static Metadata of(String... keysAndValues) {
        if (keysAndValues.length % 2 != 0) {
            throw new IllegalArgumentException(
                    "keysAndValues: " + keysAndValues.length + " strings (expected: an even number)");
        }
        Builder b = builder();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            b.add(keysAndValues[i], keysAndValues[i + 1]);
        }
        return b.build();
    }

    /** A builder holding these entries, to add more. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.entries.addAll(entries);
        return b;
    }

    /** All entries in the order they were added. */
    public List<Entry> entries() {
        return entries;
    }

    /** The distinct keys, in first-seen order. */
    public Set<String> keys() {
        Set<String> keys = new LinkedHashSet<>();
        for (Entry e : entries) {
            keys.add(e.key());
        }
        return Collections.unmodifiableSet(keys);
    }

    /** The number of entries. */
    public int size() {
        return entries.size();
    }

    /** Whether there are no entries. */
    public boolean isEmpty() {
        return entries.isEmpty();
    }

    /** Whether any entry has this key. */
    public boolean containsKey(String key) {
        String k = normalizeKey(key);
        for (Entry e : entries) {
            if (e.key().equals(k)) {
                return true;
            }
        }
        return false;
    }

    /** The first text value of a key, if any; for a {@code -bin} key use {@link #getBinary(String)}. */
    public Optional<String> get(String key) {
        String k = normalizeKey(key);
        for (Entry e : entries) {
            if (e.key().equals(k) && !e.isBinary()) {
                return Optional.of(e.value());
            }
        }
        return Optional.empty();
    }

    /** Every text value of a key, in order. */
    public List<String> getAll(String key) {
        String k = normalizeKey(key);
        List<String> values = new ArrayList<>();
        for (Entry e : entries) {
            if (e.key().equals(k) && !e.isBinary()) {
                values.add(e.value());
            }
        }
        return Collections.unmodifiableList(values);
    }

    /** The first binary value of a {@code -bin} key, if any (a copy). */
    public Optional<byte[]> getBinary(String key) {
        String k = normalizeKey(key);
        for (Entry e : entries) {
            if (e.key().equals(k) && e.isBinary()) {
                return Optional.of(e.binaryValue());
            }
        }
        return Optional.empty();
    }

    /** Every binary value of a {@code -bin} key, in order (copies). */
    public List<byte[]> getAllBinary(String key) {
        String k = normalizeKey(key);
        List<byte[]> values = new ArrayList<>();
        for (Entry e : entries) {
            if (e.key().equals(k) && e.isBinary()) {
                values.add(e.binaryValue());
            }
        }
        return Collections.unmodifiableList(values);
    }

    /** These entries followed by those of {@code other}. */
    public Metadata merge(Metadata other) {
        if (other.isEmpty()) {
            return this;
        }
        if (isEmpty()) {
            return other;
        }
        List<Entry> all = new ArrayList<>(entries.size() + other.entries.size());
        all.addAll(entries);
        all.addAll(other.entries);
        return new Metadata(Collections.unmodifiableList(all));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Metadata && ((Metadata) o).entries.equals(entries);
    }

    @Override
    public int hashCode() {
        return entries.hashCode();
    }

    @Override
    public String toString() {
        return "Metadata" + entries;
    }

    /** Whether a key names binary values (ends in {@code -bin}). */
    public static boolean isBinaryKey(String key) {
        return key.endsWith("-bin");
    }

    static String normalizeKey(String key) {
        Objects.requireNonNull(key, "key");
        String k = key.toLowerCase(Locale.ROOT);
        if (k.isEmpty()) {
            throw new IllegalArgumentException("key: empty (expected: 1 or more of 0-9 a-z - _ .)");
        }
        for (int i = 0; i < k.length(); i++) {
            char c = k.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
            if (!ok) {
                throw new IllegalArgumentException("key: \"" + key + "\" (expected: only 0-9 a-z - _ .)");
            }
        }
        return k;
    }

    /** One key and its text or binary value. */
    public static final class Entry {
        private final String key;
        private final Object value;

        private Entry(String key, Object value) {
            this.key = key;
            this.value = value;
        }

        /** A text entry; the key must not end in {@code -bin} and the value must be printable ASCII. */
        public static Entry of(String key, String value) {
            String k = normalizeKey(key);
            Objects.requireNonNull(value, "value");
            if (isBinaryKey(k)) {
                throw new IllegalArgumentException("key: \"" + k + "\" is binary (expected: a byte[] value)");
            }
            for (int i = 0; i < value.length(); i++) {
                char c = value.charAt(i);
                if (c < 0x20 || c > 0x7e) {
                    throw new IllegalArgumentException("value of \"" + k + "\": character 0x" + Integer.toHexString(c)
                            + " at " + i + " (expected: printable ASCII 0x20-0x7E)");
                }
            }
            return new Entry(k, value);
        }

        /** A binary entry; the key must end in {@code -bin}. The array is copied. */
        public static Entry ofBinary(String key, byte[] value) {
            String k = normalizeKey(key);
            Objects.requireNonNull(value, "value");
            if (!isBinaryKey(k)) {
                throw new IllegalArgumentException("key: \"" + k + "\" (expected: a key ending in -bin)");
            }
            return new Entry(k, value.clone());
        }

        /** The lowercase key. */
        public String key() {
            return key;
        }

        /** Whether the value is binary (the key ends in {@code -bin}). */
        public boolean isBinary() {
            return value instanceof byte[];
        }

        /** The text value; throws {@link IllegalStateException} for a binary entry. */
        public String value() {
            if (value instanceof String) {
                return (String) value;
            }
            throw new IllegalStateException("\"" + key + "\" is binary: use binaryValue()");
        }

        /** The binary value (a copy); throws {@link IllegalStateException} for a text entry. */
        public byte[] binaryValue() {
            if (value instanceof byte[]) {
                return ((byte[]) value).clone();
            }
            throw new IllegalStateException("\"" + key + "\" is text: use value()");
        }

        @Override
        public boolean equals(Object o) {
            if (!(o instanceof Entry)) {
                return false;
            }
            Entry e = (Entry) o;
            if (!e.key.equals(key)) {
                return false;
            }
            if (value instanceof byte[] && e.value instanceof byte[]) {
                return Arrays.equals((byte[]) value, (byte[]) e.value);
            }
            return value.equals(e.value);
        }

        @Override
        public int hashCode() {
            return 31 * key.hashCode() + (value instanceof byte[] ? Arrays.hashCode((byte[]) value) : value.hashCode());
        }

        @Override
        public String toString() {
            return key + "=" + (value instanceof byte[] ? Arrays.toString((byte[]) value) : value);
        }
    }

    /** Collects entries in order. Not thread-safe. */
    public static final class Builder {
        private final List<Entry> entries = new ArrayList<>();

        private Builder() {}

        /** Adds a text value. */
        public Builder add(String key, String value) {
            entries.add(Entry.of(key, value));
            return this;
        }

        /** Adds a binary value to a {@code -bin} key. */
        public Builder addBinary(String key, byte[] value) {
            entries.add(Entry.ofBinary(key, value));
            return this;
        }

        /** Adds an entry. */
        public Builder add(Entry entry) {
            entries.add(Objects.requireNonNull(entry, "entry"));
            return this;
        }

        /** Adds every entry of {@code metadata}. */
        public Builder addAll(Metadata metadata) {
            entries.addAll(metadata.entries);
            return this;
        }

        /** Removes every value of a key. */
        public Builder removeAll(String key) {
            String k = normalizeKey(key);
            entries.removeIf(e -> e.key().equals(k));
            return this;
        }

        /** The immutable metadata. */
        public Metadata build() {
            return entries.isEmpty() ? EMPTY : new Metadata(List.copyOf(entries));
        }
    }
}
