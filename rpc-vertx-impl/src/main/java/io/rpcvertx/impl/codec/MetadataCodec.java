package io.rpcvertx.impl.codec;

import io.rpcvertx.Metadata;
import io.rpcvertx.StatusCode;
import io.vertx.core.MultiMap;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Converts between {@link Metadata} and HTTP/2 headers or trailers (gRPC over HTTP/2, "Custom-Metadata"): lowercase
 * keys, base64 for {@code -bin} values, and protocol headers kept out of metadata.
 *
 * <p>Two reservation rules: {@link #isReserved} decides what a receiver hides from the application; {@link
 * #isReservedForSend} additionally keeps {@code user-agent}, which the transport sets itself, out of what the
 * application may send. {@code user-agent} stays visible on receive, as in grpc.aio.
 */
public final class MetadataCodec {
    private static final String GRPC_PREFIX = "grpc-";
    private static final String STATUS_DETAILS_BIN = "grpc-status-details-bin";
    private static final String USER_AGENT = "user-agent";
    // HTTP/2 connection-specific and gRPC transport headers (RFC 9113, "Connection-Specific Header Fields").
    private static final String[] RESERVED = {
        "content-type",
        "content-length",
        "te",
        "host",
        "connection",
        "keep-alive",
        "proxy-connection",
        "transfer-encoding",
        "upgrade"
    };
    // The spec sends -bin values unpadded and lets receivers accept both; java.util's decoder accepts both.
    private static final Base64.Encoder BASE64 = Base64.getEncoder().withoutPadding();
    private static final Base64.Decoder BASE64_DECODER = Base64.getDecoder();

    private MetadataCodec() {}

    /**
     * The metadata in received headers or trailers, in order. Reserved headers are skipped, keys lowercased,
     * {@code -bin} values base64-decoded (padded or not; a comma-joined value yields several values, and a part that
     * does not decode is dropped). Entries that {@link Metadata} would reject (bad key characters, text outside
     * 0x20-0x7E) are dropped rather than failing the call.
     */
    public static Metadata fromHeaders(MultiMap headers) {
        return read(headers, false);
    }

    /**
     * {@link #fromHeaders}, for the headers or trailers of a response: a field name that HTTP/2 forbids makes the
     * response malformed (RFC 9113, "Field Validity": no bytes 0x00-0x20, 0x41-0x5A or 0x7F-0xFF, and no colon but a
     * pseudo-header's leading one), as grpc-java's Netty validation has it; the client must not read it as OK.
     *
     * @throws WireException INTERNAL naming the field
     */
    public static Metadata fromResponseHeaders(MultiMap headers) {
        return read(headers, true);
    }

    private static Metadata read(MultiMap headers, boolean strict) {
        Metadata.@Nullable Builder builder = null;
        for (Map.Entry<String, String> header : headers) {
            if (strict && !isValidFieldName(header.getKey())) {
                throw new WireException(
                        StatusCode.INTERNAL, "Malformed response: invalid header name '" + header.getKey() + "'");
            }
            String key = lowercase(header.getKey());
            if (isReserved(key) || !isValidKey(key)) {
                continue;
            }
            String value = header.getValue();
            if (Metadata.isBinaryKey(key)) {
                builder = addBinary(builder, key, value);
            } else if (isPrintableAscii(value)) {
                if (builder == null) {
                    builder = Metadata.builder();
                }
                builder.add(key, value);
            }
        }
        return builder == null ? Metadata.EMPTY : builder.build();
    }

    /**
     * Adds {@code metadata} to headers or trailers with {@link MultiMap#add}, so repeated keys stay repeated. Keys
     * reserved for sending are skipped; {@code -bin} values are sent as unpadded base64.
     */
    public static void toHeaders(Metadata metadata, MultiMap headers) {
        for (Metadata.Entry entry : metadata.entries()) {
            String key = entry.key();
            if (isReservedForSend(key)) {
                continue;
            }
            headers.add(key, entry.isBinary() ? BASE64.encodeToString(entry.binaryValue()) : entry.value());
        }
    }

    /**
     * Whether a received header is protocol rather than metadata: pseudo-headers ({@code :path} ...), HTTP/2
     * connection headers, {@code content-type}, {@code te}, and every {@code grpc-*} header except
     * {@code grpc-status-details-bin}, which carries rich error details as metadata. Case-insensitive.
     */
    public static boolean isReserved(String key) {
        if (key.isEmpty()) {
            return false;
        }
        if (key.charAt(0) == ':') {
            return true;
        }
        if (key.regionMatches(true, 0, GRPC_PREFIX, 0, GRPC_PREFIX.length())) {
            return !key.equalsIgnoreCase(STATUS_DETAILS_BIN);
        }
        for (String reserved : RESERVED) {
            if (reserved.equalsIgnoreCase(key)) {
                return true;
            }
        }
        return false;
    }

    /** Whether an application metadata key must not be sent: {@link #isReserved} plus {@code user-agent}. */
    public static boolean isReservedForSend(String key) {
        return isReserved(key) || USER_AGENT.equalsIgnoreCase(key);
    }

    private static Metadata.@Nullable Builder addBinary(Metadata.@Nullable Builder builder, String key, String value) {
        // Several binary values may arrive comma-joined in one header (gRPC over HTTP/2, "Custom-Metadata").
        int start = 0;
        while (start <= value.length()) {
            int comma = value.indexOf(',', start);
            int end = comma < 0 ? value.length() : comma;
            byte[] decoded = decodeBase64(value.substring(start, end).trim());
            if (decoded != null) {
                if (builder == null) {
                    builder = Metadata.builder();
                }
                builder.addBinary(key, decoded);
            }
            start = end + 1;
        }
        return builder;
    }

    private static byte @Nullable [] decodeBase64(String value) {
        try {
            return BASE64_DECODER.decode(value);
        } catch (IllegalArgumentException e) {
            return null; // a value we cannot decode is not metadata; drop it, as grpc-java does
        }
    }

    private static boolean isValidFieldName(String name) {
        for (int i = name.startsWith(":") ? 1 : 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c <= 0x20 || (c >= 'A' && c <= 'Z') || c >= 0x7F || c == ':') {
                return false;
            }
        }
        return !name.isEmpty();
    }

    private static String lowercase(String key) {
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c >= 'A' && c <= 'Z') {
                return key.toLowerCase(Locale.ROOT);
            }
        }
        return key;
    }

    /** The key rule of {@link Metadata}: 1 or more of {@code 0-9 a-z - _ .} (checked here to drop, not throw). */
    private static boolean isValidKey(String key) {
        if (key.isEmpty()) {
            return false;
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.')) {
                return false;
            }
        }
        return true;
    }

    private static boolean isPrintableAscii(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c > 0x7E) {
                return false;
            }
        }
        return true;
    }
}
