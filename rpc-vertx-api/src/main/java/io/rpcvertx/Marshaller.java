package io.rpcvertx;

import io.vertx.core.buffer.Buffer;
import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.function.Function;

/**
 * Turns messages of type {@code T} into bytes and back: grpc.aio's serializer and deserializer callables as one
 * value. Protobuf is not required; generated code passes protobuf marshallers.
 *
 * <p>Both functions run on the call's context and must not block. An exception thrown while serializing fails the
 * write (or the call) with {@link StatusCode#INTERNAL}; one thrown while deserializing ends the call with
 * {@link StatusCode#INTERNAL} (client) or {@link StatusCode#INTERNAL} to the peer (server). The buffer passed to
 * {@link #deserialize(Buffer)} is only valid during the call: copy what must outlive it.
 *
 * <p>Four optional methods let a marshaller work on the transport's buffers without intermediate copies: {@link
 * #deserialize(ByteBuffer)} parses in place, {@link #serializeInto} writes a message in one pass into a reusable
 * buffer, {@link #serializedSize} and {@link #serialize(Object, ByteBuffer)} write straight into the outbound buffer
 * once the size is known. The protobuf marshallers that rpc-vertx-codegen emits implement all four; a marshaller
 * that does not gets the plain {@link #serialize(Object)} and {@link #deserialize(Buffer)} calls.
 *
 * @param <T> the message type
 */
public interface Marshaller<T> {
    /** Passes {@link Buffer}s through: unchanged on the way out, copied on the way in (the input is only lent). */
    Marshaller<Buffer> BUFFER = of(b -> b, Buffer::copy);

    /** Passes byte arrays through (copying on the way in). */
    Marshaller<byte[]> BYTES = of(Buffer::buffer, Buffer::getBytes);

    /** The bytes of a message. */
    Buffer serialize(T message);

    /** The message encoded in {@code data}. */
    T deserialize(Buffer data);

    /**
     * The message encoded in the bytes from {@code data}'s position to its limit, the same message {@link
     * #deserialize(Buffer)} returns for them. {@code data} is a view of the transport's receive buffer (heap
     * or direct), to read but not to modify, valid only during the call: the message must not keep it. The call layer uses this method only when
     * a marshaller overrides it; the default copies the bytes and calls {@link #deserialize(Buffer)}.
     */
    @Experimental
    default T deserialize(ByteBuffer data) {
        byte[] bytes = new byte[data.remaining()];
        data.get(bytes);
        return deserialize(Buffer.buffer(bytes));
    }

    /**
     * The number of bytes {@code message} serializes to, when known without serializing it (protobuf's {@code
     * getSerializedSize()}), or -1 (the default): then the call layer calls {@link #serialize(Object)}. Otherwise it
     * calls {@link #serialize(Object, ByteBuffer)} with exactly that much room.
     */
    @Experimental
    default int serializedSize(T message) {
        return -1;
    }

    /**
     * Writes {@code message} into {@code out} from its position on, exactly {@link #serializedSize} bytes (the bytes
     * {@link #serialize(Object)} returns), advancing the position. Called only after {@code serializedSize} returned
     * a size; writing a different number of bytes fails the write with {@link StatusCode#INTERNAL}. The default
     * copies {@link #serialize(Object)}.
     */
    @Experimental
    default void serialize(T message, ByteBuffer out) {
        out.put(serialize(message).getBytes());
    }

    /**
     * Writes {@code message} into {@code out} from {@code offset} on, without being told its size first, and returns
     * the offset after its last byte; or -1 when it does not fit before the end of {@code out} (the bytes of {@code out}
     * from {@code offset} on are then undefined). The marshaller may write anywhere from {@code offset} to the end of
     * the array, and nowhere else.
     *
     * <p>The call layer uses this method, when a marshaller overrides it, for a message that goes into a buffer of its
     * own (a unary response, a request): it serializes into a reusable buffer in one pass and copies the bytes, where
     * {@link #serializedSize} and {@link #serialize(Object, ByteBuffer)} pass over the message twice (protobuf counts
     * the UTF-8 bytes of every string, one character at a time, before writing any). A message that does not fit, and
     * a streamed response written straight into the transport's outbound buffer, take the sized path. The default
     * returns -1.
     */
    @Experimental
    default int serializeInto(T message, byte[] out, int offset) {
        return -1;
    }

    /** A marshaller from two functions. */
    static <T> Marshaller<T> of(Function<? super T, Buffer> serializer, Function<Buffer, ? extends T> deserializer) {
        Objects.requireNonNull(serializer, "serializer");
        Objects.requireNonNull(deserializer, "deserializer");
        return new Marshaller<>() {
            @Override
            public Buffer serialize(T message) {
                return serializer.apply(message);
            }

            @Override
            public T deserialize(Buffer data) {
                return deserializer.apply(data);
            }
        };
    }
}
