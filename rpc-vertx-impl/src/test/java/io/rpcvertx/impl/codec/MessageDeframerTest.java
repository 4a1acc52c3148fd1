package io.rpcvertx.impl.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rpcvertx.StatusCode;
import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(10)
class MessageDeframerTest {
    private static final int MAX = 4 * 1024 * 1024;

    private final List<String> received = new ArrayList<>();
    private final MessageDeframer.Listener recording =
            payload -> received.add(payload.toString(StandardCharsets.ISO_8859_1));

    /** A framed message built by hand, independent of {@link MessageFramer}. */
    private static Buffer frame(int flag, String payload) {
        byte[] bytes = payload.getBytes(StandardCharsets.ISO_8859_1);
        return Buffer.buffer().appendByte((byte) flag).appendInt(bytes.length).appendBytes(bytes);
    }

    private static Buffer frame(int flag, Buffer payload) {
        return Buffer.buffer()
                .appendByte((byte) flag)
                .appendInt(payload.length())
                .appendBuffer(payload);
    }

    @Test
    void update_oneCompleteMessage_deliversItOnce() {
        MessageDeframer deframer = new MessageDeframer(MAX, Encoding.IDENTITY);

        deframer.update(frame(0, "hello"), recording);

        assertThat(received).containsExactly("hello");
        assertThat(deframer.hasPartialMessage()).isFalse();
    }

    @Test
    void update_messageInsideOneBuffer_deliversSliceSharingTheBuffer() {
        Buffer data = frame(0, "abc");
        List<Buffer> payloads = new ArrayList<>();

        new MessageDeframer(MAX, Encoding.IDENTITY).update(data, payloads::add);
        data.setByte(5, (byte) 'X');

        assertThat(payloads).hasSize(1);
        assertThat(payloads.get(0).toString()).isEqualTo("Xbc");
    }

    @Test
    void update_severalMessagesInOneChunk_deliversAllInOrder() {
        MessageDeframer deframer = new MessageDeframer(MAX, Encoding.IDENTITY);
        Buffer data = frame(0, "one").appendBuffer(frame(0, "two")).appendBuffer(frame(0, "three"));

        deframer.update(data, recording);

        assertThat(received).containsExactly("one", "two", "three");
        assertThat(deframer.hasPartialMessage()).isFalse();
    }

    @Test
    void update_messageSplitAcrossThreeChunks_deliversOnce() {
        MessageDeframer deframer = new MessageDeframer(MAX, Encoding.IDENTITY);
        Buffer data = frame(0, "abcdefghij");

        deframer.update(data.slice(0, 7), recording);
        deframer.update(data.slice(7, 11), recording);
        assertThat(received).isEmpty();
        deframer.update(data.slice(11, 15), recording);

        assertThat(received).containsExactly("abcdefghij");
    }

    @Test
    void update_straddlingMessage_deliversACopyIndependentOfTheChunks() {
        MessageDeframer deframer = new MessageDeframer(MAX, Encoding.IDENTITY);
        Buffer data = frame(0, "abcdef");
        Buffer first = data.slice(0, 8);
        Buffer second = data.slice(8, 11);
        List<Buffer> payloads = new ArrayList<>();

        deframer.update(first, payloads::add);
        deframer.update(second, payloads::add);
        data.setByte(5, (byte) 'X');

        assertThat(payloads).hasSize(1);
        assertThat(payloads.get(0).toString()).isEqualTo("abcdef");
    }

    @Test
    void update_bufferReusedAfterUpdate_straddlingMessageIsIntact() {
        // a transport passes a view of its receive buffer and reuses it once update returns
        MessageDeframer deframer = new MessageDeframer(MAX, Encoding.IDENTITY);
        Buffer data = frame(0, "abcdef");
        Buffer reused = data.slice(0, 8).copy();

        deframer.update(reused, recording);
        reused.setBytes(0, "XXXXXXXX".getBytes(StandardCharsets.ISO_8859_1));
        deframer.update(data.slice(8, 11), recording);

        assertThat(received).containsExactly("abcdef");
    }

    @Test
    void update_bufferReusedAfterEveryByte_everyMessageIsIntact() {
        MessageDeframer deframer = new MessageDeframer(MAX, Encoding.IDENTITY);
        Buffer data = frame(0, "first").appendBuffer(frame(0, "")).appendBuffer(frame(0, "third message"));
        Buffer reused = Buffer.buffer(new byte[1]);

        for (int i = 0; i < data.length(); i++) {
            reused.setByte(0, data.getByte(i));
            deframer.update(reused, recording);
            reused.setByte(0, (byte) '?');
        }

        assertThat(received).containsExactly("first", "", "third message");
    }

    @Test
    void update_onlyPrefixStraddles_deliversBodyIntact() {
        MessageDeframer deframer = new MessageDeframer(MAX, Encoding.IDENTITY);
        Buffer data = frame(0, "body");

        deframer.update(data.slice(0, 2), recording);
        deframer.update(data.slice(2, 5), recording);
        deframer.update(data.slice(5, 9), recording);

        assertThat(received).containsExactly("body");
    }

    @Test
    void update_onlyPrefixStraddles_deliversBodyAsSliceOfTheLaterBuffer() {
        MessageDeframer deframer = new MessageDeframer(MAX, Encoding.IDENTITY);
        Buffer data = frame(0, "body");
        Buffer rest = data.slice(3, 9);
        List<Buffer> payloads = new ArrayList<>();

        deframer.update(data.slice(0, 3), payloads::add);
        deframer.update(rest, payloads::add);
        rest.setByte(2, (byte) 'B');

        assertThat(payloads).hasSize(1);
        assertThat(payloads.get(0).toString()).isEqualTo("Body");
    }

    @Test
    void update_largeMessageInSmallChunks_growsAndDeliversExactBytes() {
        byte[] bytes = new byte[300_000];
        new Random(5).nextBytes(bytes);
        Buffer data = frame(0, Buffer.buffer(bytes));
        MessageDeframer deframer = new MessageDeframer(MAX, Encoding.IDENTITY);
        List<byte[]> payloads = new ArrayList<>();

        for (int i = 0; i < data.length(); i += 1000) {
            deframer.update(data.slice(i, Math.min(i + 1000, data.length())), p -> payloads.add(p.getBytes()));
        }

        assertThat(payloads).hasSize(1);
        assertThat(payloads.get(0)).isEqualTo(bytes);
        assertThat(deframer.hasPartialMessage()).isFalse();
    }

    @Test
    void update_splitAtEveryPairOfOffsetsOfTwoMessages_deliversBothInOrder() {
        Buffer data = frame(0, "first!!").appendBuffer(frame(0, "2nd"));
        int length = data.length();
        for (int i = 0; i <= length; i++) {
            for (int j = i; j <= length; j++) {
                List<String> got = new ArrayList<>();
                MessageDeframer deframer = new MessageDeframer(MAX, Encoding.IDENTITY);
                MessageDeframer.Listener listener = p -> got.add(p.toString());

                deframer.update(data.slice(0, i), listener);
                deframer.update(data.slice(i, j), listener);
                deframer.update(data.slice(j, length), listener);

                assertThat(got).as("split at %d and %d", i, j).containsExactly("first!!", "2nd");
                assertThat(deframer.hasPartialMessage()).isFalse();
            }
        }
    }

    @Test
    void update_oneByteAtATime_deliversEveryMessage() {
        Buffer data = frame(0, "a").appendBuffer(frame(0, "")).appendBuffer(frame(0, "xyz"));
        MessageDeframer deframer = new MessageDeframer(MAX, Encoding.IDENTITY);

        for (int i = 0; i < data.length(); i++) {
            deframer.update(data.slice(i, i + 1), recording);
        }

        assertThat(received).containsExactly("a", "", "xyz");
    }

    @Test
    void update_emptyMessage_deliversEmptyPayload() {
        MessageDeframer deframer = new MessageDeframer(MAX, Encoding.IDENTITY);

        deframer.update(frame(0, ""), recording);

        assertThat(received).containsExactly("");
    }

    @Test
    void update_emptyChunk_deliversNothing() {
        MessageDeframer deframer = new MessageDeframer(MAX, Encoding.IDENTITY);

        deframer.update(Buffer.buffer(), recording);

        assertThat(received).isEmpty();
        assertThat(deframer.hasPartialMessage()).isFalse();
    }

    @Test
    void hasPartialMessage_insidePrefix_isTrue() {
        MessageDeframer deframer = new MessageDeframer(MAX, Encoding.IDENTITY);

        deframer.update(frame(0, "abc").slice(0, 1), recording);

        assertThat(deframer.hasPartialMessage()).isTrue();
    }

    @Test
    void hasPartialMessage_prefixCompleteBodyMissing_isTrue() {
        MessageDeframer deframer = new MessageDeframer(MAX, Encoding.IDENTITY);

        deframer.update(frame(0, "abc").slice(0, 5), recording);

        assertThat(deframer.hasPartialMessage()).isTrue();
        assertThat(received).isEmpty();
    }

    @Test
    void hasPartialMessage_insideBody_isTrueUntilComplete() {
        MessageDeframer deframer = new MessageDeframer(MAX, Encoding.IDENTITY);
        Buffer data = frame(0, "abc");

        deframer.update(data.slice(0, 6), recording);
        assertThat(deframer.hasPartialMessage()).isTrue();
        deframer.update(data.slice(6, 8), recording);

        assertThat(deframer.hasPartialMessage()).isFalse();
        assertThat(received).containsExactly("abc");
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 3, 0x7f, 0x80, 0xff})
    void update_reservedFlagBits_failsInternal(int flag) {
        MessageDeframer deframer = new MessageDeframer(MAX, Encoding.GZIP);

        assertThatThrownBy(() -> deframer.update(frame(flag, "x"), recording))
                .isInstanceOfSatisfying(
                        WireException.class, e -> assertThat(e.code()).isEqualTo(StatusCode.INTERNAL))
                .hasMessage("gRPC frame header malformed: reserved bits not zero (flag 0x" + Integer.toHexString(flag)
                        + ")");
        assertThat(received).isEmpty();
    }

    @Test
    void update_reservedFlagInStraddlingPrefix_failsInternal() {
        MessageDeframer deframer = new MessageDeframer(MAX, Encoding.IDENTITY);
        Buffer data = frame(0x80, "x");
        deframer.update(data.slice(0, 3), recording);

        assertThatThrownBy(() -> deframer.update(data.slice(3, 6), recording))
                .isInstanceOfSatisfying(
                        WireException.class, e -> assertThat(e.code()).isEqualTo(StatusCode.INTERNAL));
    }

    @Test
    void update_compressedFlagWithIdentity_failsInternal() {
        MessageDeframer deframer = new MessageDeframer(MAX, Encoding.IDENTITY);

        assertThatThrownBy(() -> deframer.update(frame(1, "x"), recording))
                .isInstanceOfSatisfying(
                        WireException.class, e -> assertThat(e.code()).isEqualTo(StatusCode.INTERNAL))
                .hasMessage("gRPC message is compressed but was received without grpc-encoding");
    }

    @Test
    void update_lengthAboveMax_failsResourceExhaustedWithGrpcJavaWording() {
        MessageDeframer deframer = new MessageDeframer(10, Encoding.IDENTITY);

        assertThatThrownBy(() -> deframer.update(frame(0, "12345678901"), recording))
                .isInstanceOfSatisfying(
                        WireException.class, e -> assertThat(e.code()).isEqualTo(StatusCode.RESOURCE_EXHAUSTED))
                .hasMessage("gRPC message exceeds maximum size 10: 11");
    }

    @Test
    void update_oversizePrefixAlone_failsBeforeTheBodyArrives() {
        MessageDeframer deframer = new MessageDeframer(MAX, Encoding.IDENTITY);
        Buffer prefix = Buffer.buffer().appendByte((byte) 0).appendInt(MAX + 1);

        assertThatThrownBy(() -> deframer.update(prefix, recording))
                .isInstanceOfSatisfying(
                        WireException.class, e -> assertThat(e.code()).isEqualTo(StatusCode.RESOURCE_EXHAUSTED))
                .hasMessage("gRPC message exceeds maximum size 4194304: 4194305");
    }

    @Test
    void update_lengthEqualToMax_delivers() {
        MessageDeframer deframer = new MessageDeframer(10, Encoding.IDENTITY);

        deframer.update(frame(0, "1234567890"), recording);

        assertThat(received).containsExactly("1234567890");
    }

    @Test
    void update_maxZero_acceptsOnlyEmptyMessages() {
        MessageDeframer deframer = new MessageDeframer(0, Encoding.IDENTITY);
        deframer.update(frame(0, ""), recording);

        assertThatThrownBy(() -> deframer.update(frame(0, "a"), recording))
                .isInstanceOfSatisfying(
                        WireException.class, e -> assertThat(e.code()).isEqualTo(StatusCode.RESOURCE_EXHAUSTED))
                .hasMessage("gRPC message exceeds maximum size 0: 1");
        assertThat(received).containsExactly("");
    }

    @Test
    void update_unlimitedAndLengthAboveIntRange_failsResourceExhausted() {
        MessageDeframer deframer = new MessageDeframer(-1, Encoding.IDENTITY);
        Buffer prefix = Buffer.buffer().appendByte((byte) 0).appendUnsignedInt(0xFFFF_FFFFL);

        assertThatThrownBy(() -> deframer.update(prefix, recording))
                .isInstanceOfSatisfying(
                        WireException.class, e -> assertThat(e.code()).isEqualTo(StatusCode.RESOURCE_EXHAUSTED))
                .hasMessage("gRPC message exceeds maximum size 2147483647: 4294967295");
    }

    @Test
    void update_messagesBeforeAViolationInTheSameChunk_areDelivered() {
        MessageDeframer deframer = new MessageDeframer(MAX, Encoding.IDENTITY);
        Buffer data = frame(0, "ok").appendBuffer(frame(2, "bad")).appendBuffer(frame(0, "never"));

        assertThatThrownBy(() -> deframer.update(data, recording)).isInstanceOf(WireException.class);

        assertThat(received).containsExactly("ok");
    }

    @Test
    void update_afterFailure_ignoresFurtherInput() {
        MessageDeframer deframer = new MessageDeframer(MAX, Encoding.IDENTITY);
        assertThatThrownBy(() -> deframer.update(frame(2, "bad"), recording)).isInstanceOf(WireException.class);

        deframer.update(frame(0, "ignored"), recording);

        assertThat(received).isEmpty();
        assertThat(deframer.hasPartialMessage()).isFalse();
    }

    @Test
    void update_listenerThrows_propagatesAndFailsTheDeframer() {
        MessageDeframer deframer = new MessageDeframer(MAX, Encoding.IDENTITY);
        IllegalStateException boom = new IllegalStateException("boom");

        assertThatThrownBy(() -> deframer.update(frame(0, "a").appendBuffer(frame(0, "b")), p -> {
                    throw boom;
                }))
                .isSameAs(boom);
        deframer.update(frame(0, "c"), recording);

        assertThat(received).isEmpty();
    }

    @Test
    void update_gzipMessage_deliversDecompressed() {
        Buffer original = Buffer.buffer("compress me please, compress me please, compress me please");
        MessageDeframer deframer = new MessageDeframer(MAX, Encoding.GZIP);

        deframer.update(frame(1, Encoding.GZIP.compress(original)), recording);

        assertThat(received).containsExactly(original.toString());
    }

    @Test
    void update_deflateMessageSplitAcrossChunks_deliversDecompressed() {
        Buffer original = Buffer.buffer("deflate ".repeat(1000));
        Buffer data = frame(1, Encoding.DEFLATE.compress(original));
        MessageDeframer deframer = new MessageDeframer(MAX, Encoding.DEFLATE);

        deframer.update(data.slice(0, 3), recording);
        deframer.update(data.slice(3, 10), recording);
        deframer.update(data.slice(10, data.length()), recording);

        assertThat(received).containsExactly(original.toString());
    }

    @Test
    void update_uncompressedFlagOnCompressedStream_deliversAsIs() {
        MessageDeframer deframer = new MessageDeframer(MAX, Encoding.GZIP);

        deframer.update(frame(0, "plain"), recording);

        assertThat(received).containsExactly("plain");
    }

    @Test
    void update_compressedMessageInflatingAboveMax_failsResourceExhausted() {
        Buffer original = Buffer.buffer(new byte[1001]);
        Buffer compressed = Encoding.GZIP.compress(original);
        MessageDeframer deframer = new MessageDeframer(1000, Encoding.GZIP);

        assertThatThrownBy(() -> deframer.update(frame(1, compressed), recording))
                .isInstanceOfSatisfying(
                        WireException.class, e -> assertThat(e.code()).isEqualTo(StatusCode.RESOURCE_EXHAUSTED))
                .hasMessage("Decompressed gRPC message exceeds maximum size 1000");
        assertThat(received).isEmpty();
    }

    @Test
    void update_gzipZipBomb_failsResourceExhaustedWithoutDeliveringAnything() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        byte[] zeros = new byte[1024 * 1024];
        try (OutputStream out = new GZIPOutputStream(bytes, 65_536)) {
            for (int i = 0; i < 100; i++) {
                out.write(zeros);
            }
        }
        Buffer bomb = Buffer.buffer(bytes.toByteArray());
        MessageDeframer deframer = new MessageDeframer(MAX, Encoding.GZIP);

        assertThatThrownBy(() -> deframer.update(frame(1, bomb), recording))
                .isInstanceOfSatisfying(
                        WireException.class, e -> assertThat(e.code()).isEqualTo(StatusCode.RESOURCE_EXHAUSTED))
                .hasMessage("Decompressed gRPC message exceeds maximum size 4194304");
        assertThat(bomb.length()).isLessThan(MAX);
        assertThat(received).isEmpty();
    }

    @Test
    void update_corruptGzip_failsInternal() {
        MessageDeframer deframer = new MessageDeframer(MAX, Encoding.GZIP);

        assertThatThrownBy(() -> deframer.update(frame(1, "definitely not gzip"), recording))
                .isInstanceOfSatisfying(
                        WireException.class, e -> assertThat(e.code()).isEqualTo(StatusCode.INTERNAL));
    }

    @Test
    void constructor_maxBelowMinusOne_throws() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new MessageDeframer(-2, Encoding.IDENTITY))
                .withMessage("maxMessageLength: -2 (expected: -1 for unlimited, or >= 0)");
    }
}
