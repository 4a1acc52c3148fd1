package io.rpcvertx.impl.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.rpcvertx.Marshaller;
import io.rpcvertx.StatusCode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class MarshallingTest {

    /** Strings as ISO-8859-1 bytes, with the in-place methods; {@code extra} bytes more than announced are written. */
    private static final class InPlaceMarshaller implements Marshaller<String> {
        final List<ByteBuffer> views = new ArrayList<>();
        int bufferCalls;
        int extra;
        int missing;

        @Override
        public Buffer serialize(String message) {
            return Buffer.buffer(message.getBytes(StandardCharsets.ISO_8859_1));
        }

        @Override
        public String deserialize(Buffer data) {
            bufferCalls++;
            return data.toString(StandardCharsets.ISO_8859_1);
        }

        @Override
        public String deserialize(ByteBuffer data) {
            views.add(data);
            byte[] bytes = new byte[data.remaining()];
            data.get(bytes);
            return new String(bytes, StandardCharsets.ISO_8859_1);
        }

        @Override
        public int serializedSize(String message) {
            return message.length() - extra;
        }

        @Override
        public void serialize(String message, ByteBuffer out) {
            out.put(message.substring(0, message.length() - missing).getBytes(StandardCharsets.ISO_8859_1));
        }
    }

    @Test
    void deserialize_inPlaceMarshaller_heapBytes_readsAViewOfTheirArray() {
        InPlaceMarshaller m = new InPlaceMarshaller();
        byte[] array = "xxhelloyy".getBytes(StandardCharsets.ISO_8859_1);
        Buffer payload = BufferInternal.buffer(Unpooled.wrappedBuffer(array).slice(2, 5));

        assertThat(Marshalling.deserialize(m, payload)).isEqualTo("hello");
        assertThat(m.bufferCalls).isZero();
        assertThat(m.views).singleElement().satisfies(v -> assertThat(v.array()).isSameAs(array));
    }

    @Test
    void deserialize_inPlaceMarshaller_directBytes_readsAHeapCopy() {
        InPlaceMarshaller m = new InPlaceMarshaller();
        ByteBuf direct = Unpooled.directBuffer(16).writeBytes("xxhelloyy".getBytes(StandardCharsets.ISO_8859_1));
        try {
            Buffer payload = BufferInternal.buffer(direct.slice(2, 5));

            assertThat(Marshalling.deserialize(m, payload)).isEqualTo("hello");
            assertThat(m.bufferCalls).isZero();
            assertThat(m.views)
                    .singleElement()
                    .satisfies(v -> assertThat(v.hasArray()).isTrue());
        } finally {
            direct.release();
        }
    }

    @Test
    void deserialize_plainMarshaller_getsTheBufferAsBefore() {
        List<Buffer> seen = new ArrayList<>();
        Marshaller<String> m = Marshaller.of(Buffer::buffer, b -> {
            seen.add(b);
            return b.toString();
        });
        Buffer payload = Buffer.buffer("abc");

        assertThat(Marshalling.deserialize(m, payload)).isEqualTo("abc");
        assertThat(seen).containsExactly(payload);
    }

    @Test
    void serializeFramed_inPlaceMarshaller_writesThePrefixAndTheMessageInOneBuffer() {
        Buffer framed = Marshalling.serializeFramed(new InPlaceMarshaller(), "hello", -1);

        assertThat(framed).isNotNull();
        assertThat(framed.length()).isEqualTo(10);
        assertThat(framed.getByte(0)).isZero();
        assertThat(framed.getInt(1)).isEqualTo(5);
        assertThat(framed.getString(5, 10, "ISO-8859-1")).isEqualTo("hello");
        assertThat(framed).isEqualTo(MessageFramer.frame(Buffer.buffer("hello"), false));
    }

    @Test
    void serializeFramed_emptyMessage_isTheBarePrefix() {
        Buffer framed = Marshalling.serializeFramed(new InPlaceMarshaller(), "", 0);

        assertThat(framed).isEqualTo(MessageFramer.frame(Buffer.buffer(), false));
    }

    @Test
    void serializeFramed_sizeUnknown_returnsNull() {
        assertThat(Marshalling.serializeFramed(Marshaller.of(Buffer::buffer, Buffer::toString), "x", -1))
                .isNull();
    }

    @Test
    void serializeFramed_largerThanMax_failsResourceExhausted() {
        assertThatThrownBy(() -> Marshalling.serializeFramed(new InPlaceMarshaller(), "hello", 4))
                .isInstanceOfSatisfying(
                        WireException.class, e -> assertThat(e.code()).isEqualTo(StatusCode.RESOURCE_EXHAUSTED))
                .hasMessage("Sent message larger than max (5 vs. 4)");
    }

    @Test
    void serializeFramed_marshallerWritesLessThanAnnounced_fails() {
        InPlaceMarshaller m = new InPlaceMarshaller();
        m.missing = 2;

        assertThatThrownBy(() -> Marshalling.serializeFramed(m, "hello", -1))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("marshaller wrote 3 of the 5 bytes its serializedSize announced");
    }

    @Test
    void serializeFramed_marshallerWritesMoreThanAnnounced_fails() {
        InPlaceMarshaller m = new InPlaceMarshaller();
        m.extra = 1;

        assertThatThrownBy(() -> Marshalling.serializeFramed(m, "hello", -1)).isInstanceOf(RuntimeException.class);
    }

    @Test
    void writeFramed_behindBufferedMessages_appendsPrefixAndMessage() {
        InPlaceMarshaller m = new InPlaceMarshaller();
        ByteBuf out = Unpooled.directBuffer(64);
        try {
            Marshalling.writeFramed(m, "hello", 5, out);
            Marshalling.writeFramed(m, "", 0, out);
            Marshalling.writeFramed(m, "abc", 3, out);

            Buffer expected = Buffer.buffer()
                    .appendBuffer(MessageFramer.frame(Buffer.buffer("hello"), false))
                    .appendBuffer(MessageFramer.frame(Buffer.buffer(), false))
                    .appendBuffer(MessageFramer.frame(Buffer.buffer("abc"), false));
            assertThat(Buffer.buffer(ByteBufUtil.getBytes(out))).isEqualTo(expected);
        } finally {
            out.release();
        }
    }

    @Test
    void writeFramed_marshallerWritesLessThanAnnounced_failsAndAppendsNothing() {
        InPlaceMarshaller m = new InPlaceMarshaller();
        ByteBuf out = Unpooled.directBuffer(64);
        try {
            Marshalling.writeFramed(m, "abc", 3, out);
            m.missing = 2;

            assertThatThrownBy(() -> Marshalling.writeFramed(m, "hello", 5, out))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("marshaller wrote 3 of the 5 bytes its serializedSize announced");
            assertThat(out.writerIndex()).isEqualTo(8);
        } finally {
            out.release();
        }
    }

    @Test
    void writeFramed_marshallerWritesMoreThanAnnounced_failsAndAppendsNothing() {
        InPlaceMarshaller m = new InPlaceMarshaller();
        ByteBuf out = Unpooled.directBuffer(64);
        try {
            assertThatThrownBy(() -> Marshalling.writeFramed(m, "hello", 4, out))
                    .isInstanceOf(RuntimeException.class);
            assertThat(out.writerIndex()).isZero();
        } finally {
            out.release();
        }
    }

    @Test
    void bufferMarshaller_deserialize_copiesTheLentBytes() {
        Buffer lent = Buffer.buffer("abc");

        Buffer kept = Marshaller.BUFFER.deserialize(lent);
        lent.setByte(0, (byte) 'X');

        assertThat(kept.toString()).isEqualTo("abc");
    }
}
