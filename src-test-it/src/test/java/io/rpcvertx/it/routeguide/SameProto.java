package io.rpcvertx.it.routeguide;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Moves a message between the examples' classes and grpc-java's: both are generated from the same proto (only
 * {@code java_package} differs), so the wire bytes of one parse as the other.
 */
final class SameProto {
    private SameProto() {}

    static <T> T as(Parser<T> parser, MessageLite message) {
        try {
            return parser.parseFrom(message.toByteString());
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("not the same proto: " + e.getMessage(), e);
        }
    }

    static <T> List<T> allAs(Parser<T> parser, List<? extends MessageLite> messages) {
        return messages.stream().map(m -> as(parser, m)).collect(Collectors.toList());
    }
}
