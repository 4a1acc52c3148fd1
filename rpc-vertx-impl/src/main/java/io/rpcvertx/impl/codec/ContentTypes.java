package io.rpcvertx.impl.codec;

import org.jspecify.annotations.Nullable;

/** Recognises gRPC content types. */
public final class ContentTypes {
    /** The content type sent with every request and response. */
    public static final String GRPC = "application/grpc";

    private ContentTypes() {}

    /**
     * Whether {@code contentType} is a gRPC content type: {@code application/grpc}, optionally followed by
     * {@code +<format>} or {@code ;<parameters>} (gRPC over HTTP/2, "Content-Type"); the type is case-insensitive.
     * {@code application/grpc-web*} and everything else is not.
     */
    public static boolean isGrpc(@Nullable String contentType) {
        if (contentType == null || !contentType.regionMatches(true, 0, GRPC, 0, GRPC.length())) {
            return false;
        }
        if (contentType.length() == GRPC.length()) {
            return true;
        }
        int i = GRPC.length();
        if (contentType.charAt(i) == '+') {
            return true;
        }
        // Parameters may follow optional whitespace (RFC 9110, "Media Type").
        while (i < contentType.length() && (contentType.charAt(i) == ' ' || contentType.charAt(i) == '\t')) {
            i++;
        }
        return i == contentType.length() || contentType.charAt(i) == ';';
    }
}
