package io.rpcvertx.impl.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;

/** Writes the gRPC length-prefixed message framing (gRPC over HTTP/2, "Length-Prefixed-Message"). */
public final class MessageFramer {
    /** Compressed-Flag (1 byte) plus Message-Length (4 bytes, big-endian). */
    public static final int HEADER_LENGTH = 5;

    private MessageFramer() {}

    /**
     * The framed message: the 5-byte prefix (flag 0 or 1, big-endian unsigned length) followed by {@code payload}.
     * The payload is not copied: the result is a composite buffer sharing its memory, so the caller must not modify
     * {@code payload} afterwards.
     */
    public static Buffer frame(Buffer payload, boolean compressed) {
        int length = payload.length();
        ByteBuf header =
                Unpooled.buffer(HEADER_LENGTH).writeByte(compressed ? 1 : 0).writeInt(length);
        if (length == 0) {
            return BufferInternal.buffer(header);
        }
        return BufferInternal.buffer(Unpooled.wrappedBuffer(header, ((BufferInternal) payload).getByteBuf()));
    }
}
