package io.rpcvertx.impl.codec;

import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.concurrent.FastThreadLocalThread;
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
 * prefix either in one pass into the thread's reusable buffer, then copied once ({@link Marshaller#serializeInto}),
 * or, sized first, into the buffer that goes to the transport. Messages are still marshalled: a marshaller's bugs
 * show as they would through {@link Marshaller#serialize(Object)}.
 *
 * <p>One pass and a copy beat sizing first: protobuf sizes a string by counting its UTF-8 bytes one character at a
 * time, a loop that the JIT compiles far slower once the process has seen one non-ASCII string (measured: 51 % of the
 * server's CPU at unary 16 KiB), while the copy is a memory copy.
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

    /** Whether a marshaller class overrides {@link Marshaller#serializeInto}. */
    private static final ClassValue<Boolean> SERIALIZES_INTO = new ClassValue<>() {
        @Override
        protected Boolean computeValue(Class<?> type) {
            try {
                return type.getMethod("serializeInto", Object.class, byte[].class, int.class)
                                .getDeclaringClass()
                        != Marshaller.class;
            } catch (NoSuchMethodException e) {
                throw new IllegalStateException("Marshaller without serializeInto: " + type, e);
            }
        }
    };

    /**
     * The first size of a thread's serialization buffer, and the most it grows to after a message that did not fit
     * (4 MiB, gRPC's usual largest message; a larger one is serialized sized first).
     */
    static final int SCRATCH_FIRST = 64 * 1024;

    static final int SCRATCH_MAX = 4 * 1024 * 1024;

    /**
     * Each thread's serialization buffer for {@link Marshaller#serializeInto} (null while in use: a marshaller that
     * sends a message while serializing one gets a buffer of its own).
     */
    private static final FastThreadLocal<Framed> SCRATCH = new FastThreadLocal<>() {
        @Override
        protected Framed initialValue() {
            return new Framed(SCRATCH_FIRST);
        }
    };

    /**
     * A thread's buffer, and the message last serialized and framed (uncompressed) into it in one pass: its prefix and
     * bytes are {@code bytes[0, length)}, valid until the thread serializes the next message.
     */
    private static final class Framed {
        private byte[] bytes;
        private int length;
        /** Whether the last message did not fit (then {@link #fitNext} learns its size). */
        private boolean missed;

        private Framed(int capacity) {
            bytes = new byte[capacity];
        }
    }

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
     * {@code message} framed as an uncompressed gRPC message in a buffer of its own: serialized in one pass and copied
     * ({@link #serializeFramedInOnePass}), or serialized straight behind its prefix when the marshaller announces its
     * size; null when it does neither (the caller then serializes and frames as usual).
     *
     * @param maxLength the largest message that may be sent, or -1 for unlimited
     * @throws WireException RESOURCE_EXHAUSTED for a message larger than {@code maxLength}
     * @throws IllegalStateException when the marshaller wrote another number of bytes than it announced
     */
    public static <T> @Nullable Buffer serializeFramed(Marshaller<T> marshaller, T message, int maxLength) {
        Framed onePass = serializeFramedInOnePass(marshaller, message, maxLength);
        if (onePass != null) {
            return copyOf(onePass);
        }
        int size = serializedSize(marshaller, message, maxLength);
        if (size < 0) {
            return null;
        }
        fitNext(size);
        // a Vert.x heap buffer, like MessageFramer's: it needs no release, and Vert.x writes it as a plain slice
        // (Netty's Unpooled buffers get an unreleasable wrapper too, and count allocator metrics)
        ByteBuf framed = VertxByteBufAllocator.DEFAULT.heapBuffer(MessageFramer.HEADER_LENGTH + size);
        writeFramed(marshaller, message, size, framed);
        return BufferInternal.buffer(framed);
    }

    /**
     * {@code message} serialized and framed in one pass into this thread's buffer, when its marshaller serializes
     * without announcing a size first ({@link Marshaller#serializeInto}); null when it does not, or when the message
     * did not fit (the caller takes the sized path, and tells {@link #fitNext} the size). The result is valid until
     * this thread serializes again: copy it at once.
     *
     * @param maxLength the largest message that may be sent, or -1 for unlimited
     * @throws WireException RESOURCE_EXHAUSTED for a message larger than {@code maxLength}
     * @throws RuntimeException what the marshaller threw
     */
    private static <T> @Nullable Framed serializeFramedInOnePass(Marshaller<T> marshaller, T message, int maxLength) {
        // Vert.x's threads only (event loops and workers): a thread of the application's keeps no buffer
        if (!SERIALIZES_INTO.get(marshaller.getClass()) || !(Thread.currentThread() instanceof FastThreadLocalThread)) {
            return null;
        }
        Framed f = SCRATCH.get();
        boolean own = f == null;
        if (own) {
            f = new Framed(SCRATCH_FIRST);
        } else {
            SCRATCH.set(null);
        }
        try {
            int end = marshaller.serializeInto(message, f.bytes, MessageFramer.HEADER_LENGTH);
            if (end < 0) {
                f.missed = true;
                return null;
            }
            f.missed = false;
            if (end > f.bytes.length || end < MessageFramer.HEADER_LENGTH) {
                throw new IllegalStateException(
                        "marshaller's serializeInto returned " + end + " for a buffer of " + f.bytes.length + " bytes");
            }
            int size = end - MessageFramer.HEADER_LENGTH;
            checkLength(size, maxLength);
            byte[] b = f.bytes;
            b[0] = 0;
            b[1] = (byte) (size >>> 24);
            b[2] = (byte) (size >>> 16);
            b[3] = (byte) (size >>> 8);
            b[4] = (byte) size;
            f.length = end;
            return f;
        } finally {
            if (!own) {
                SCRATCH.set(f);
            }
        }
    }

    /**
     * The bytes of {@code message} (unframed): serialized in one pass and copied when the marshaller can, else its
     * {@link Marshaller#serialize(Object)}. For messages that are kept or compressed before they are framed.
     *
     * @throws RuntimeException what the marshaller threw
     */
    public static <T> Buffer serialize(Marshaller<T> marshaller, T message) {
        Framed f = serializeFramedInOnePass(marshaller, message, -1);
        if (f == null) {
            Buffer bytes = marshaller.serialize(message);
            fitNext(bytes.length());
            return bytes;
        }
        int size = f.length - MessageFramer.HEADER_LENGTH;
        return BufferInternal.buffer(
                VertxByteBufAllocator.DEFAULT.heapBuffer(size).writeBytes(f.bytes, MessageFramer.HEADER_LENGTH, size));
    }

    /** A copy of {@code framed} in a Vert.x heap buffer of its size (no release needed, as {@link MessageFramer}'s). */
    private static Buffer copyOf(Framed framed) {
        return BufferInternal.buffer(
                VertxByteBufAllocator.DEFAULT.heapBuffer(framed.length).writeBytes(framed.bytes, 0, framed.length));
    }

    /**
     * After a message of {@code size} bytes did not fit this thread's buffer and was serialized sized first: the
     * buffer grows to the next power of two that fits one like it, up to {@link #SCRATCH_MAX}, so that a thread sending
     * large messages misses once, not once per doubling.
     */
    private static void fitNext(int size) {
        Framed f = SCRATCH.getIfExists();
        if (f != null && f.missed) {
            f.missed = false;
            int framed = MessageFramer.HEADER_LENGTH + size;
            if (framed > f.bytes.length && framed <= SCRATCH_MAX) {
                f.bytes = new byte[Integer.highestOneBit(framed - 1) << 1];
            }
        }
    }

    private static void checkLength(int size, int maxLength) {
        if (maxLength >= 0 && size > maxLength) {
            throw new WireException(
                    StatusCode.RESOURCE_EXHAUSTED, "Sent message larger than max (" + size + " vs. " + maxLength + ")");
        }
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
        checkLength(size, maxLength);
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
