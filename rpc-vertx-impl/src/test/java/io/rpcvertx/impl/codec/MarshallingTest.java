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
    private static class InPlaceMarshaller implements Marshaller<String> {
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

    /**
     * Strings as ISO-8859-1 bytes, serialized in one pass ({@link Marshaller#serializeInto}) or sized first; counts
     * which path each message took.
     */
    private static final class OnePassMarshaller extends InPlaceMarshaller {
        int intoCalls;
        int sizeCalls;
        /** serializeInto calls that found the buffer too small. */
        int misses;
        /** What serializeInto returns instead of the truth, when set. */
        Integer lie;
        /** Thrown by serializeInto, when set. */
        RuntimeException failure;
        /** Serialized (one pass, by the call layer) from inside serializeInto, when set. */
        String nested;

        Buffer nestedBytes;

        @Override
        public int serializedSize(String message) {
            sizeCalls++;
            return super.serializedSize(message);
        }

        @Override
        public int serializeInto(String message, byte[] out, int offset) {
            intoCalls++;
            if (failure != null) {
                throw failure;
            }
            if (nested != null) {
                String inner = nested;
                nested = null;
                nestedBytes = Marshalling.serialize(this, inner);
            }
            if (lie != null) {
                return lie;
            }
            byte[] bytes = message.getBytes(StandardCharsets.ISO_8859_1);
            if (bytes.length > out.length - offset) {
                misses++;
                java.util.Arrays.fill(out, offset, out.length, (byte) '?'); // as protobuf: it wrote what fitted
                return -1;
            }
            System.arraycopy(bytes, 0, out, offset, bytes.length);
            return offset + bytes.length;
        }
    }

    /** {@code task} on a Netty {@link io.netty.util.concurrent.FastThreadLocalThread}, as Vert.x's threads are. */
    private static <T> T onVertxThread(java.util.concurrent.Callable<T> task) throws Exception {
        java.util.concurrent.FutureTask<T> f = new java.util.concurrent.FutureTask<>(task);
        Thread t = new io.netty.util.concurrent.FastThreadLocalThread(f);
        t.start();
        try {
            return f.get(5, java.util.concurrent.TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw e;
        } finally {
            t.join(5000);
        }
    }

    private static String text(int length) {
        StringBuilder b = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            b.append((char) ('a' + i % 26));
        }
        return b.toString();
    }

    @Test
    void serializeFramed_onePassMarshaller_onAVertxThread_serializesOnceWithoutAskingTheSize() throws Exception {
        OnePassMarshaller m = new OnePassMarshaller();

        Buffer framed = onVertxThread(() -> Marshalling.serializeFramed(m, "hello", -1));

        assertThat(framed).isEqualTo(MessageFramer.frame(Buffer.buffer("hello"), false));
        assertThat(m.intoCalls).isEqualTo(1);
        assertThat(m.sizeCalls).isZero();
    }

    @Test
    void serializeFramed_onePassMarshaller_onAnApplicationThread_isSizedFirst() {
        OnePassMarshaller m = new OnePassMarshaller();

        Buffer framed = Marshalling.serializeFramed(m, "hello", -1);

        assertThat(framed).isEqualTo(MessageFramer.frame(Buffer.buffer("hello"), false));
        assertThat(m.intoCalls).isZero();
        assertThat(m.sizeCalls).isEqualTo(1);
    }

    @Test
    void serializeFramed_largerThanTheThreadsBuffer_isSizedFirst_andTheNextOneFits() throws Exception {
        OnePassMarshaller m = new OnePassMarshaller();
        String big = text(Marshalling.SCRATCH_FIRST + 1);

        List<Buffer> framed = onVertxThread(
                () -> List.of(Marshalling.serializeFramed(m, big, -1), Marshalling.serializeFramed(m, big, -1)));

        Buffer expected = MessageFramer.frame(Buffer.buffer(big), false);
        assertThat(framed).containsExactly(expected, expected);
        assertThat(m.intoCalls).isEqualTo(2);
        assertThat(m.sizeCalls).isEqualTo(1);
    }

    @Test
    void serializeFramed_largerThanTheLargestBuffer_isAlwaysSizedFirst() throws Exception {
        OnePassMarshaller m = new OnePassMarshaller();
        String huge = text(Marshalling.SCRATCH_MAX);

        List<Buffer> framed = onVertxThread(() -> {
            List<Buffer> out = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                out.add(Marshalling.serializeFramed(m, huge, -1));
            }
            return out;
        });

        Buffer expected = MessageFramer.frame(Buffer.buffer(huge), false);
        assertThat(framed).hasSize(3).allSatisfy(b -> assertThat(b).isEqualTo(expected));
        // the largest buffer, plus the prefix, never fits
        assertThat(m.sizeCalls).isEqualTo(3);
    }

    @Test
    void serializeFramed_aLargeMessage_missesOnce_thenTheBufferFitsItsLike() throws Exception {
        OnePassMarshaller m = new OnePassMarshaller();
        String large = text(700 * 1024);

        List<Buffer> framed = onVertxThread(() -> List.of(
                Marshalling.serializeFramed(m, large, -1),
                Marshalling.serializeFramed(m, large, -1),
                Marshalling.serializeFramed(m, large, -1)));

        Buffer expected = MessageFramer.frame(Buffer.buffer(large), false);
        assertThat(framed).containsExactly(expected, expected, expected);
        // 64 KiB to 1 MiB at once: doubling would have missed four times
        assertThat(m.sizeCalls).isEqualTo(1);
        assertThat(m.intoCalls).isEqualTo(3);
        assertThat(m.misses).isEqualTo(1);
    }

    @Test
    void serialize_aLargeRequest_missesOnce_thenTheBufferFitsItsLike() throws Exception {
        OnePassMarshaller m = new OnePassMarshaller();
        String large = text(200 * 1024);

        List<Buffer> bytes =
                onVertxThread(() -> List.of(Marshalling.serialize(m, large), Marshalling.serialize(m, large)));

        assertThat(bytes).containsExactly(Buffer.buffer(large), Buffer.buffer(large));
        assertThat(m.intoCalls).isEqualTo(2);
        assertThat(m.misses).isEqualTo(1); // the miss went to serialize(T), whose length the buffer learned
        assertThat(m.sizeCalls).isZero();
    }

    @Test
    void serializeFramed_onePass_largerThanMax_failsResourceExhausted_andTheThreadStillSerializes() throws Exception {
        OnePassMarshaller m = new OnePassMarshaller();

        Buffer after = onVertxThread(() -> {
            assertThatThrownBy(() -> Marshalling.serializeFramed(m, "hello", 4))
                    .isInstanceOfSatisfying(
                            WireException.class, e -> assertThat(e.code()).isEqualTo(StatusCode.RESOURCE_EXHAUSTED))
                    .hasMessage("Sent message larger than max (5 vs. 4)");
            return Marshalling.serializeFramed(m, "abc", 4);
        });

        assertThat(after).isEqualTo(MessageFramer.frame(Buffer.buffer("abc"), false));
        assertThat(m.intoCalls).isEqualTo(2);
        assertThat(m.sizeCalls).isZero();
    }

    @Test
    void serializeFramed_onePassMarshallerThrows_theErrorPropagates_andTheThreadStillSerializes() throws Exception {
        OnePassMarshaller m = new OnePassMarshaller();
        m.failure = new IllegalArgumentException("boom");

        Buffer after = onVertxThread(() -> {
            assertThatThrownBy(() -> Marshalling.serializeFramed(m, "hello", -1))
                    .isSameAs(m.failure);
            m.failure = null;
            return Marshalling.serializeFramed(m, "abc", -1);
        });

        assertThat(after).isEqualTo(MessageFramer.frame(Buffer.buffer("abc"), false));
        assertThat(m.intoCalls).isEqualTo(2);
    }

    @Test
    void serializeFramed_onePassMarshallerReturnsAnImpossibleEnd_failsIllegalState() throws Exception {
        OnePassMarshaller m = new OnePassMarshaller();

        onVertxThread(() -> {
            m.lie = Marshalling.SCRATCH_FIRST + 1;
            assertThatThrownBy(() -> Marshalling.serializeFramed(m, "hello", -1))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("marshaller's serializeInto returned 65537 for a buffer of 65536 bytes");
            m.lie = 2;
            assertThatThrownBy(() -> Marshalling.serializeFramed(m, "hello", -1))
                    .isInstanceOf(IllegalStateException.class);
            return null;
        });
    }

    @Test
    void serializeFramed_aMessageSerializedWhileSerializingAnother_bothKeepTheirBytes() throws Exception {
        OnePassMarshaller m = new OnePassMarshaller();
        m.nested = "inner";

        Buffer outer = onVertxThread(() -> Marshalling.serializeFramed(m, "outer", -1));

        assertThat(outer).isEqualTo(MessageFramer.frame(Buffer.buffer("outer"), false));
        assertThat(m.nestedBytes).isEqualTo(Buffer.buffer("inner"));
        assertThat(m.intoCalls).isEqualTo(2);
    }

    @Test
    void serialize_onePassMarshaller_isTheUnframedBytes_inABufferOfTheirOwn() throws Exception {
        OnePassMarshaller m = new OnePassMarshaller();

        List<Buffer> out =
                onVertxThread(() -> List.of(Marshalling.serialize(m, "hello"), Marshalling.serialize(m, "")));

        assertThat(out).containsExactly(Buffer.buffer("hello"), Buffer.buffer());
        assertThat(((BufferInternal) out.get(0)).getByteBuf().capacity()).isEqualTo(5);
        assertThat(m.intoCalls).isEqualTo(2);
    }

    @Test
    void serialize_plainMarshaller_isItsSerialize() throws Exception {
        Buffer bytes = Buffer.buffer("x");
        Marshaller<String> m = Marshaller.of(s -> bytes, Buffer::toString);

        assertThat(onVertxThread(() -> Marshalling.serialize(m, "ignored"))).isSameAs(bytes);
    }

    @Test
    void bufferMarshaller_deserialize_copiesTheLentBytes() {
        Buffer lent = Buffer.buffer("abc");

        Buffer kept = Marshaller.BUFFER.deserialize(lent);
        lent.setByte(0, (byte) 'X');

        assertThat(kept.toString()).isEqualTo("abc");
    }
}
