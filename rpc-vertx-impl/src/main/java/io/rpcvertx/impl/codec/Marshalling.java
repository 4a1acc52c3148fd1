package io.rpcvertx.impl.codec;

import io.netty.buffer.ByteBuf;
import io.rpcvertx.Marshaller;
import io.rpcvertx.StatusCode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.impl.buffer.VertxByteBufAllocator;
import io.vertx.core.internal.buffer.BufferInternal;
import java.nio.ByteBuffer;
import org.jspecify.annotations.Nullable;

/**
 * Runs a {@link Marshaller} on the transports' buffers without intermediate copies when it offers the in-place
 * methods: a request is parsed from a view of the received bytes, and a response is serialized behind its 5-byte
 * prefix in the buffer that goes to the transport (one allocation, no copy). Messages are still marshalled: a
 * marshaller's bugs show as they would through {@link Marshaller#serialize(Object)}.
 */
public final class Marshalling {

    /** Whether a marshaller class overrides {@link Marshaller#deserialize(java.nio.ByteBuffer)}. */
    private static final ClassValue<Boolean> PARSES_IN_PLACE = new ClassValue<>() {
        @Override
        protected Boolean computeValue(Class<?> type) {
            try {
                return type.getMethod("deserialize", ByteBuffer.class).getDeclaringClass() != Marshaller.class;
            } catch (NoSuchMethodException e) {
                throw new IllegalStateException("Marshaller without deserialize(ByteBuffer): " + type, e);
            }
        }
    };

    private Marshalling() {}

    /**
     * The message in {@code payload} (only lent to the marshaller), parsed in place when the marshaller can and the
     * bytes are on the heap. Bytes in direct memory (the Netty transport's receive buffers) are copied to the heap
     * once first, as grpc-java's stream parsing does: protobuf decodes a string from a direct buffer char by char
     * through a {@code char[]} (measured: 3 bytes allocated per byte of a 1 KiB string, and slower), from an array
     * with the JDK's own decoder.
     */
    public static <T> T deserialize(Marshaller<T> marshaller, Buffer payload) {
        if (!PARSES_IN_PLACE.get(marshaller.getClass())) {
            return marshaller.deserialize(payload);
        }
        ByteBuf bytes = ((BufferInternal) payload).getByteBuf();
        int n = bytes.readableBytes();
        if (bytes.hasArray()) {
            return marshaller.deserialize(ByteBuffer.wrap(bytes.array(), bytes.arrayOffset() + bytes.readerIndex(), n));
        }
        byte[] copy = new byte[n];
        bytes.getBytes(bytes.readerIndex(), copy);
        return marshaller.deserialize(ByteBuffer.wrap(copy));
    }

    /**
     * {@code message} framed as an uncompressed gRPC message, serialized straight behind its prefix, or null when the
     * marshaller does not know the size in advance (the caller then serializes and frames as usual).
     *
     * @param maxLength the largest message that may be sent, or -1 for unlimited
     * @throws WireException RESOURCE_EXHAUSTED for a message larger than {@code maxLength}
     * @throws IllegalStateException when the marshaller wrote another number of bytes than it announced
     */
    public static <T> @Nullable Buffer serializeFramed(Marshaller<T> marshaller, T message, int maxLength) {
        int size = serializedSize(marshaller, message, maxLength);
        if (size < 0) {
            return null;
        }
        // a Vert.x heap buffer, like MessageFramer's: it needs no release, and Vert.x writes it as a plain slice
        // (Netty's Unpooled buffers get an unreleasable wrapper too, and count allocator metrics)
        ByteBuf framed = VertxByteBufAllocator.DEFAULT.heapBuffer(MessageFramer.HEADER_LENGTH + size);
        writeFramed(marshaller, message, size, framed);
        return BufferInternal.buffer(framed);
    }

    /**
     * The size {@code message} serializes to, as its marshaller announces it, or -1 when the marshaller does not know
     * it in advance.
     *
     * @param maxLength the largest message that may be sent, or -1 for unlimited
     * @throws WireException RESOURCE_EXHAUSTED for a message larger than {@code maxLength}
     */
    public static <T> int serializedSize(Marshaller<T> marshaller, T message, int maxLength) {
        int size = marshaller.serializedSize(message);
        if (maxLength >= 0 && size > maxLength) {
            throw new WireException(
                    StatusCode.RESOURCE_EXHAUSTED, "Sent message larger than max (" + size + " vs. " + maxLength + ")");
        }
        return size;
    }

    /**
     * Appends {@code message}, framed as an uncompressed gRPC message, to {@code out}: the prefix, then the message
     * serialized in place ({@code size} bytes, as {@link #serializedSize} returned). {@code out} must have that much
     * room ({@link MessageFramer#HEADER_LENGTH} + {@code size} writable bytes without growing). On failure nothing
     * was appended: the writer index moves only once the whole message is written.
     *
     * @throws IllegalStateException when the marshaller wrote another number of bytes than it announced
     * @throws RuntimeException what the marshaller threw (a {@link java.nio.BufferOverflowException} when it wrote
     *     more)
     */
    public static <T> void writeFramed(Marshaller<T> marshaller, T message, int size, ByteBuf out) {
        int at = out.writerIndex();
        int body = at + MessageFramer.HEADER_LENGTH;
        // a view of the buffer's own memory: no ByteBuffer allocated per message
        ByteBuffer view = out.internalNioBuffer(body, size);
        marshaller.serialize(message, view);
        if (view.hasRemaining()) {
            throw new IllegalStateException("marshaller wrote " + (size - view.remaining()) + " of the " + size
                    + " bytes its serializedSize announced");
        }
        out.setByte(at, 0).setInt(at + 1, size).writerIndex(body + size);
    }
}
