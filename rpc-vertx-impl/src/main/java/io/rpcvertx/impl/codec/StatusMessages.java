package io.rpcvertx.impl.codec;

import java.nio.charset.StandardCharsets;

/**
 * Percent-coding of the {@code grpc-message} header (gRPC over HTTP/2, "Responses"): the UTF-8 bytes of the message,
 * with every byte outside 0x20-0x7E and {@code '%'} itself written as {@code %XX}.
 */
public final class StatusMessages {
    private static final byte[] HEX = "0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);

    private StatusMessages() {}

    /**
     * The header value for {@code details}. Only what the spec requires is escaped (so space and {@code ~} stay as
     * they are); a message that needs no escaping is returned as is. Unpaired surrogates become {@code '?'}.
     */
    public static String encode(String details) {
        int first = 0;
        while (first < details.length() && !needsEscape(details.charAt(first))) {
            first++;
        }
        if (first == details.length()) {
            return details;
        }
        byte[] utf8 = details.substring(first).getBytes(StandardCharsets.UTF_8);
        int escapes = 0;
        for (byte b : utf8) {
            if (needsEscape((char) (b & 0xFF))) {
                escapes++;
            }
        }
        byte[] out = new byte[first + utf8.length + 2 * escapes];
        for (int i = 0; i < first; i++) {
            out[i] = (byte) details.charAt(i);
        }
        int o = first;
        for (byte b : utf8) {
            int u = b & 0xFF;
            if (needsEscape((char) u)) {
                out[o++] = '%';
                out[o++] = HEX[u >>> 4];
                out[o++] = HEX[u & 0xF];
            } else {
                out[o++] = b;
            }
        }
        return new String(out, StandardCharsets.US_ASCII);
    }

    /**
     * The message carried by a {@code grpc-message} value. Decoding is lenient, as the spec asks: a {@code '%'} not
     * followed by two hex digits is kept literally, and malformed UTF-8 becomes U+FFFD. Header values reach us as
     * one char per byte (ISO-8859-1), so unescaped bytes from a non-conforming peer are decoded as UTF-8 too.
     */
    public static String decode(String value) {
        int first = 0;
        while (first < value.length()) {
            char c = value.charAt(first);
            if (c == '%' || c >= 0x80) {
                break;
            }
            first++;
        }
        if (first == value.length()) {
            return value;
        }
        // A char above 0xFF cannot come off the wire; it is kept as its own UTF-8 (at most 3 bytes per char).
        byte[] out = new byte[first + 3 * (value.length() - first)];
        for (int i = 0; i < first; i++) {
            out[i] = (byte) value.charAt(i);
        }
        int o = first;
        int i = first;
        while (i < value.length()) {
            char c = value.charAt(i);
            if (c == '%' && i + 2 < value.length() && hex(value.charAt(i + 1)) >= 0 && hex(value.charAt(i + 2)) >= 0) {
                out[o++] = (byte) ((hex(value.charAt(i + 1)) << 4) | hex(value.charAt(i + 2)));
                i += 3;
            } else if (c <= 0xFF) {
                out[o++] = (byte) c;
                i++;
            } else {
                boolean pair = Character.isHighSurrogate(c)
                        && i + 1 < value.length()
                        && Character.isLowSurrogate(value.charAt(i + 1));
                int end = pair ? i + 2 : i + 1;
                byte[] utf8 = value.substring(i, end).getBytes(StandardCharsets.UTF_8);
                System.arraycopy(utf8, 0, out, o, utf8.length);
                o += utf8.length;
                i = end;
            }
        }
        return new String(out, 0, o, StandardCharsets.UTF_8);
    }

    private static boolean needsEscape(char c) {
        return c < 0x20 || c > 0x7E || c == '%';
    }

    private static int hex(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        return -1;
    }
}
