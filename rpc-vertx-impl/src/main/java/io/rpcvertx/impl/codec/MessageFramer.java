package io.rpcvertx.impl.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;

/** Writes the gRPC length-prefixed message framing (gRPC over HTTP/2, "Length-Prefixed-Message"). */
public final class MessageFramer {
    /** Compressed-Flag (1 byte) plus Message-Length (4 bytes, big-endian). */
    public static final int HEADER_LENGTH = 5;

    /**
     * Payloads up to this size are copied behind the prefix into one buffer. The socket needs direct memory, so Netty
     * copies a heap buffer once more on the way out; a composite buffer costs that copy plus a merge of its components
     * and the component objects, which outweighs one small copy. Larger payloads stay shared, sliced into DATA frames.
     */
    static final int COPY_THRESHOLD = 16 * 1024;

    private MessageFramer() {}

    /**
     * The framed message: the 5-byte prefix (flag 0 or 1, big-endian unsigned length) followed by {@code payload}.
     * A large payload is not copied: the result then shares its memory, so the caller must not modify {@code payload}
     * afterwards.
     */
    public static Buffer frame(Buffer payload, boolean compressed) {
        int length = payload.length();
        if (length <= COPY_THRESHOLD) {
            // A Vert.x heap buffer, copied from the payload's bytes without a view of them: Vert.x writes its own
            // buffers as plain slices, where Netty's Unpooled ones get an unreleasable wrapper too, and they count no
            // allocation metrics (two objects and a LongAdder update fewer per message)
            return BufferInternal.buffer(HEADER_LENGTH + length)
                    .appendByte(compressed ? (byte) 1 : (byte) 0)
                    .appendInt(length)
                    .appendBuffer(payload);
        }
        ByteBuf data = ((BufferInternal) payload).getByteBuf();
        ByteBuf header =
                Unpooled.buffer(HEADER_LENGTH).writeByte(compressed ? 1 : 0).writeInt(length);
        return BufferInternal.buffer(Unpooled.wrappedBuffer(header, data));
    }
}
