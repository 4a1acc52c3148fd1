package io.rpcvertx.impl.codec;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class MessageFramerTest {

    @Test
    void frame_uncompressed_writesFlagZeroBigEndianLengthAndPayload() {
        Buffer framed = MessageFramer.frame(Buffer.buffer("hello"), false);

        assertThat(framed.getBytes()).containsExactly(0, 0, 0, 0, 5, 'h', 'e', 'l', 'l', 'o');
    }

    @Test
    void frame_compressed_writesFlagOne() {
        Buffer framed = MessageFramer.frame(Buffer.buffer(new byte[] {9}), true);

        assertThat(framed.getBytes()).containsExactly(1, 0, 0, 0, 1, 9);
    }

    @Test
    void frame_emptyPayload_isTheFiveBytePrefixOnly() {
        Buffer framed = MessageFramer.frame(Buffer.buffer(), false);

        assertThat(framed.getBytes()).containsExactly(0, 0, 0, 0, 0);
    }

    @Test
    void frame_lengthAbove16Bits_writesAllFourLengthBytesBigEndian() {
        Buffer framed = MessageFramer.frame(Buffer.buffer(new byte[0x01_02_03]), false);

        assertThat(framed.length()).isEqualTo(5 + 0x01_02_03);
        assertThat(framed.getBytes(0, 5)).containsExactly(0, 0x00, 0x01, 0x02, 0x03);
    }

    @Test
    void frame_smallPayload_isCopiedIntoOneBuffer() {
        Buffer payload = Buffer.buffer(new byte[] {1, 2, 3});
        Buffer framed = MessageFramer.frame(payload, false);

        payload.setByte(1, (byte) 42);

        assertThat(framed.getBytes()).containsExactly(0, 0, 0, 0, 3, 1, 2, 3);
    }

    @Test
    void frame_largePayload_isSharedNotCopied() {
        Buffer payload = Buffer.buffer(new byte[MessageFramer.COPY_THRESHOLD + 1]);
        Buffer framed = MessageFramer.frame(payload, false);

        payload.setByte(1, (byte) 42);

        assertThat(framed.getByte(5 + 1)).isEqualTo((byte) 42);
        assertThat(framed.length()).isEqualTo(5 + MessageFramer.COPY_THRESHOLD + 1);
    }

    @Test
    void frame_sliceOfLargerBuffer_framesOnlyTheSlice() {
        Buffer whole = Buffer.buffer("xxabcxx");

        Buffer framed = MessageFramer.frame(whole.slice(2, 5), false);

        assertThat(framed.getBytes()).containsExactly(0, 0, 0, 0, 3, 'a', 'b', 'c');
    }

    @Test
    void frame_thenDeframe_roundTripsMessagesOfManySizes() {
        Random random = new Random(7);
        List<byte[]> sent = new ArrayList<>();
        Buffer stream = Buffer.buffer();
        for (int size : new int[] {0, 1, 4, 5, 6, 100, 16_384, 1 << 20}) {
            byte[] bytes = new byte[size];
            random.nextBytes(bytes);
            sent.add(bytes);
            stream.appendBuffer(MessageFramer.frame(Buffer.buffer(bytes), false));
        }
        List<byte[]> received = new ArrayList<>();

        new MessageDeframer(-1, Encoding.IDENTITY).update(stream, payload -> received.add(payload.getBytes()));

        assertThat(received).containsExactlyElementsOf(sent);
    }

    @Test
    void frame_compressedPayloadThenDeframe_roundTripsThroughGzip() {
        Buffer original = Buffer.buffer("a message that gzip will shrink ".repeat(20));
        Buffer framed = MessageFramer.frame(Encoding.GZIP.compress(original), true);
        List<Buffer> received = new ArrayList<>();

        new MessageDeframer(4096, Encoding.GZIP).update(framed, received::add);

        assertThat(received).containsExactly(original);
    }
}
