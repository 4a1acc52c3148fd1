package io.rpcvertx;

import io.vertx.core.buffer.Buffer;
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
