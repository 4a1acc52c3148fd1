package io.rpcvertx.impl.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.rpcvertx.Compression;
import io.rpcvertx.StatusCode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;
import org.jspecify.annotations.Nullable;

/**
 * The message encodings of {@code grpc-encoding} (gRPC "Compression"): identity, gzip (RFC 1952) and deflate, which
 * gRPC means as the zlib format (RFC 1950), not raw deflate. Compression uses {@code java.util.zip}; decompression is
 * bounded, so a small compressed message cannot inflate past the receive limit (zip bomb).
 */
public enum Encoding {
    IDENTITY("identity"),
    GZIP("gzip"),
    DEFLATE("deflate");

    private static final String ACCEPT_ENCODING = "gzip,deflate";
    private static final Encoding[] VALUES = values();

    // RFC 1952, "Member format"
    private static final int GZIP_MAGIC_1 = 0x1f;
    private static final int GZIP_MAGIC_2 = 0x8b;
    private static final int GZIP_CM_DEFLATE = 8;
    private static final int FHCRC = 0x02;
    private static final int FEXTRA = 0x04;
    private static final int FNAME = 0x08;
    private static final int FCOMMENT = 0x10;
    private static final int GZIP_HEADER_LENGTH = 10;
    private static final int GZIP_TRAILER_LENGTH = 8;
    private static final byte[] GZIP_HEADER = {
        (byte) GZIP_MAGIC_1, (byte) GZIP_MAGIC_2, GZIP_CM_DEFLATE, 0, 0, 0, 0, 0, 0, (byte) 0xff // OS unknown
    };

    private static final int MIN_OUTPUT_CAPACITY = 256;
    // Largest array the JVM reliably allocates; the output limit when the receive size is unlimited.
    private static final int MAX_ARRAY_LENGTH = Integer.MAX_VALUE - 8;

    private final String headerValue;

    Encoding(String headerValue) {
        this.headerValue = headerValue;
    }

    /** The name used in {@code grpc-encoding} and {@code grpc-accept-encoding}. */
    public String headerValue() {
        return headerValue;
    }

    /** The encoding called {@code name} (case-insensitive), or null if we do not support it. */
    public static @Nullable Encoding forName(String name) {
        for (Encoding e : VALUES) {
            if (e.headerValue.equalsIgnoreCase(name)) {
                return e;
            }
        }
        return null;
    }

    /** The encoding for an API compression choice. */
    public static Encoding of(Compression compression) {
        switch (compression) {
            case GZIP:
                return GZIP;
            case DEFLATE:
                return DEFLATE;
            case NO_COMPRESSION:
            default:
                return IDENTITY;
        }
    }

    /** The API compression choice for this encoding. */
    public Compression toCompression() {
        switch (this) {
            case GZIP:
                return Compression.GZIP;
            case DEFLATE:
                return Compression.DEFLATE;
            case IDENTITY:
            default:
                return Compression.NO_COMPRESSION;
        }
    }

    /** The {@code grpc-accept-encoding} value we send; identity is implied and not listed. */
    public static String acceptEncodingHeader() {
        return ACCEPT_ENCODING;
    }

    /**
     * Whether a peer that sent this {@code grpc-accept-encoding} value accepts {@code encoding}: the value is a
     * comma-separated list, compared case-insensitively with surrounding spaces ignored. Identity is always accepted.
     */
    public static boolean accepts(@Nullable String grpcAcceptEncodingHeader, Encoding encoding) {
        if (encoding == IDENTITY) {
            return true;
        }
        if (grpcAcceptEncodingHeader == null) {
            return false;
        }
        String name = encoding.headerValue;
        String header = grpcAcceptEncodingHeader;
        int start = 0;
        while (start <= header.length()) {
            int comma = header.indexOf(',', start);
            int end = comma < 0 ? header.length() : comma;
            int s = start;
            int e = end;
            while (s < e && isSpace(header.charAt(s))) {
                s++;
            }
            while (e > s && isSpace(header.charAt(e - 1))) {
                e--;
            }
            if (e - s == name.length() && header.regionMatches(true, s, name, 0, name.length())) {
                return true;
            }
            start = end + 1;
        }
        return false;
    }

    /** {@code data} compressed with this encoding; identity returns {@code data} itself. */
    public Buffer compress(Buffer data) {
        if (this == IDENTITY) {
            return data;
        }
        ByteBuf in = byteBuf(data);
        Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, this == GZIP);
        try {
            deflater.setInput(in.nioBuffer());
            deflater.finish();
            int estimate = Math.max(MIN_OUTPUT_CAPACITY, in.readableBytes() / 2 + GZIP_HEADER_LENGTH);
            ByteBuf out = Unpooled.buffer(estimate);
            if (this == GZIP) {
                out.writeBytes(GZIP_HEADER);
            }
            while (!deflater.finished()) {
                out.ensureWritable(MIN_OUTPUT_CAPACITY);
                int n = deflater.deflate(out.array(), out.arrayOffset() + out.writerIndex(), out.writableBytes());
                out.writerIndex(out.writerIndex() + n);
            }
            if (this == GZIP) {
                CRC32 crc = new CRC32();
                crc.update(in.nioBuffer());
                out.writeIntLE((int) crc.getValue());
                out.writeIntLE(in.readableBytes());
            }
            return BufferInternal.buffer(out);
        } finally {
            deflater.end();
        }
    }

    /**
     * {@code data} decompressed with this encoding; identity returns {@code data} itself.
     *
     * @param maxLength the largest decompressed size accepted, or -1 for unlimited. Inflating stops as soon as the
     *     output exceeds it, so the work done is bounded by the limit, not by the compression ratio.
     * @throws WireException RESOURCE_EXHAUSTED if the output exceeds {@code maxLength}; INTERNAL if the data is
     *     corrupt or truncated
     */
    public Buffer decompress(Buffer data, int maxLength) {
        if (this == IDENTITY) {
            return data;
        }
        ByteBuf in = byteBuf(data);
        byte[] input;
        int offset;
        if (in.hasArray()) {
            input = in.array();
            offset = in.arrayOffset() + in.readerIndex();
        } else {
            input = ByteBufUtil.getBytes(in);
            offset = 0;
        }
        int end = offset + in.readableBytes();
        int limit = maxLength < 0 ? MAX_ARRAY_LENGTH : maxLength;
        ByteBuf out = Unpooled.buffer(initialCapacity(in.readableBytes(), limit));
        try {
            if (this == GZIP) {
                inflateGzip(input, offset, end, out, limit);
            } else {
                Inflater inflater = new Inflater(false);
                try {
                    inflater.setInput(input, offset, end - offset);
                    inflate(inflater, out, limit);
                } finally {
                    inflater.end();
                }
            }
        } catch (DataFormatException e) {
            throw corrupt(e.getMessage());
        }
        return BufferInternal.buffer(out);
    }

    private void inflateGzip(byte[] input, int offset, int end, ByteBuf out, int limit) throws DataFormatException {
        // A gzip body may hold several members (RFC 1952, "Overall conventions"); senders use one, we accept more.
        int pos = offset;
        do {
            pos = skipGzipHeader(input, pos, end);
            int memberStart = out.writerIndex();
            Inflater inflater = new Inflater(true);
            try {
                inflater.setInput(input, pos, end - pos);
                inflate(inflater, out, limit);
                pos = end - inflater.getRemaining();
            } finally {
                inflater.end();
            }
            if (end - pos < GZIP_TRAILER_LENGTH) {
                throw corrupt("truncated gzip trailer");
            }
            CRC32 crc = new CRC32();
            crc.update(out.array(), out.arrayOffset() + memberStart, out.writerIndex() - memberStart);
            if ((int) crc.getValue() != intLE(input, pos)) {
                throw corrupt("gzip CRC mismatch");
            }
            if (out.writerIndex() - memberStart != intLE(input, pos + 4)) {
                throw corrupt("gzip size mismatch");
            }
            pos += GZIP_TRAILER_LENGTH;
        } while (pos < end);
    }

    private static int skipGzipHeader(byte[] input, int offset, int end) {
        if (end - offset < GZIP_HEADER_LENGTH
                || (input[offset] & 0xFF) != GZIP_MAGIC_1
                || (input[offset + 1] & 0xFF) != GZIP_MAGIC_2
                || input[offset + 2] != GZIP_CM_DEFLATE) {
            throw corrupt("not in gzip format");
        }
        int flags = input[offset + 3] & 0xFF;
        int pos = offset + GZIP_HEADER_LENGTH;
        if ((flags & FEXTRA) != 0) {
            if (end - pos < 2) {
                throw corrupt("truncated gzip header");
            }
            pos += 2 + ((input[pos] & 0xFF) | (input[pos + 1] & 0xFF) << 8);
        }
        if ((flags & FNAME) != 0) {
            pos = skipZeroTerminated(input, pos, end);
        }
        if ((flags & FCOMMENT) != 0) {
            pos = skipZeroTerminated(input, pos, end);
        }
        if ((flags & FHCRC) != 0) {
            pos += 2;
        }
        if (pos > end) {
            throw corrupt("truncated gzip header");
        }
        return pos;
    }

    private static int skipZeroTerminated(byte[] input, int pos, int end) {
        while (pos < end && input[pos] != 0) {
            pos++;
        }
        if (pos == end) {
            throw corrupt("truncated gzip header");
        }
        return pos + 1;
    }

    /** Inflates until the stream ends, failing once the total output of {@code out} exceeds {@code limit}. */
    private static void inflate(Inflater inflater, ByteBuf out, int limit) throws DataFormatException {
        // Room for one byte past the limit, so that exceeding it is detected without inflating further.
        long maxCapacity = Math.min((long) limit + 1, MAX_ARRAY_LENGTH);
        while (!inflater.finished()) {
            if (out.writerIndex() > limit) {
                throw tooLarge(limit);
            }
            if (!out.isWritable()) {
                if (out.capacity() >= maxCapacity) {
                    throw tooLarge(limit);
                }
                out.capacity((int) Math.min(maxCapacity, Math.max(2L * out.capacity(), MIN_OUTPUT_CAPACITY)));
            }
            int n = inflater.inflate(out.array(), out.arrayOffset() + out.writerIndex(), out.writableBytes());
            out.writerIndex(out.writerIndex() + n);
            if (n == 0 && !inflater.finished()) {
                if (inflater.needsDictionary()) {
                    throw corrupt("compressed data needs a preset dictionary");
                }
                if (inflater.needsInput()) {
                    throw corrupt("truncated compressed data");
                }
            }
        }
        if (out.writerIndex() > limit) {
            throw tooLarge(limit);
        }
    }

    private static int initialCapacity(int compressedLength, int limit) {
        // Protobuf typically compresses 2-5x; start there and double, never beyond the limit plus one byte.
        long estimate = Math.max(MIN_OUTPUT_CAPACITY, 4L * compressedLength);
        return (int) Math.min(estimate, Math.min((long) limit + 1, MAX_ARRAY_LENGTH));
    }

    private static ByteBuf byteBuf(Buffer data) {
        return ((BufferInternal) data).getByteBuf();
    }

    private static int intLE(byte[] a, int i) {
        return (a[i] & 0xFF) | (a[i + 1] & 0xFF) << 8 | (a[i + 2] & 0xFF) << 16 | (a[i + 3] & 0xFF) << 24;
    }

    private static boolean isSpace(char c) {
        return c == ' ' || c == '\t';
    }

    private static WireException tooLarge(int limit) {
        return new WireException(
                StatusCode.RESOURCE_EXHAUSTED, "Decompressed gRPC message exceeds maximum size " + limit);
    }

    private static WireException corrupt(@Nullable String reason) {
        return new WireException(StatusCode.INTERNAL, "Can't decompress gRPC message: " + reason);
    }
}
