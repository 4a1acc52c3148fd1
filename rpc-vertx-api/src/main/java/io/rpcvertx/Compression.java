package io.rpcvertx;

/**
 * Message compression algorithms (grpc.aio {@code grpc.Compression}).
 *
 * <p>Used for channel, server and per-call defaults. A sender only compresses with an algorithm the peer listed in
 * {@code grpc-accept-encoding}; otherwise it sends uncompressed messages.
 */
public enum Compression {
    /** No compression ({@code identity}). */
    NO_COMPRESSION("identity"),
    /** zlib/deflate ({@code deflate}). */
    DEFLATE("deflate"),
    /** gzip ({@code gzip}). */
    GZIP("gzip");

    private final String encoding;

    Compression(String encoding) {
        this.encoding = encoding;
    }

    /** The name used in the {@code grpc-encoding} and {@code grpc-accept-encoding} headers. */
    public String encoding() {
        return encoding;
    }
}
