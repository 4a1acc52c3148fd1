package io.rpcvertx.protobuf;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import io.rpcvertx.Marshaller;
import io.vertx.core.buffer.Buffer;
import java.util.Objects;

/**
 * A {@link Marshaller} for a protobuf message type: the binary wire format, as generated code uses it. Immutable and
 * thread-safe.
 *
 * <pre>{@code
 * Marshaller<HealthCheckRequest> m = ProtoMarshaller.of(HealthCheckRequest.parser());
 * }</pre>
 *
 * @param <T> the message type
 */
public final class ProtoMarshaller<T extends MessageLite> implements Marshaller<T> {
    private final Parser<T> parser;

    private ProtoMarshaller(Parser<T> parser) {
        this.parser = parser;
    }

    /** A marshaller that parses with {@code parser} (e.g. {@code HelloRequest.parser()}). */
    public static <T extends MessageLite> ProtoMarshaller<T> of(Parser<T> parser) {
        return new ProtoMarshaller<>(Objects.requireNonNull(parser, "parser"));
    }

    /** The message's bytes. */
    @Override
    public Buffer serialize(T message) {
        return Buffer.buffer(message.toByteArray());
    }

    /**
     * The message encoded in {@code data}.
     *
     * @throws IllegalArgumentException if {@code data} is not a valid encoding (the call then ends with
     *     {@code INTERNAL})
     */
    @Override
    public T deserialize(Buffer data) {
        try {
            return parser.parseFrom(data.getBytes());
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
