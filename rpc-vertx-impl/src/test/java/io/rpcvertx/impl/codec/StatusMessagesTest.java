package io.rpcvertx.impl.codec;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(10)
class StatusMessagesTest {

    @Test
    void encode_plainAscii_returnsTheSameInstance() {
        String details = "Deadline exceeded after 1.5s: see ~/logs [x] {y} \"q\" +/=?&#";

        assertThat(StatusMessages.encode(details)).isSameAs(details);
    }

    @Test
    void encode_everyPrintableAsciiButPercent_isNotEscaped() {
        StringBuilder all = new StringBuilder();
        for (char c = 0x20; c <= 0x7E; c++) {
            if (c != '%') {
                all.append(c);
            }
        }
        String details = all.toString();

        assertThat(StatusMessages.encode(details)).isSameAs(details);
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "%|%25",
                "100%|100%25",
                "é|%C3%A9",
                "😀|%F0%9F%98%80",
                "Hello, wörld 100%|Hello, w%C3%B6rld 100%25",
                "%zz|%25zz",
            })
    void encode_needsEscaping_escapesUtf8BytesAsUppercaseHex(String details, String expected) {
        assertThat(StatusMessages.encode(details)).isEqualTo(expected);
    }

    @Test
    void encode_controlCharacters_areEscaped() {
        assertThat(StatusMessages.encode("a\nb")).isEqualTo("a%0Ab");
        assertThat(StatusMessages.encode("\t\r\u0000")).isEqualTo("%09%0D%00");
        assertThat(StatusMessages.encode("\u007F")).isEqualTo("%7F");
        assertThat(StatusMessages.encode("\u0080")).isEqualTo("%C2%80");
    }

    @Test
    void encode_unpairedSurrogate_becomesQuestionMark() {
        assertThat(StatusMessages.encode("a\uD800b")).isEqualTo("a?b");
    }

    @Test
    void decode_noPercentAndAscii_returnsTheSameInstance() {
        String value = "plain message with spaces ~";

        assertThat(StatusMessages.decode(value)).isSameAs(value);
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "%25|%",
                "%C3%A9|é",
                "%c3%a9|é",
                "%F0%9F%98%80|😀",
                "a%0Ab|'a\nb'",
                "%zz|%zz",
                "%4|%4",
                "abc%|abc%",
                "%|%",
                "%%41|%A",
                "%4g|%4g",
                "%g4|%g4",
                "100%25 done|100% done",
            })
    void decode_value_decodesLeniently(String value, String expected) {
        assertThat(StatusMessages.decode(value)).isEqualTo(expected);
    }

    @Test
    void decode_malformedUtf8_becomesReplacementCharacter() {
        assertThat(StatusMessages.decode("%FF")).isEqualTo("\uFFFD");
        assertThat(StatusMessages.decode("a%C3")).isEqualTo("a\uFFFD");
        assertThat(StatusMessages.decode("%C3(")).isEqualTo("\uFFFD(");
    }

    @Test
    void decode_rawUtf8BytesAsLatin1Chars_decodesAsUtf8() {
        // HTTP/2 header values reach Java one char per byte; a peer that skipped escaping sends raw UTF-8.
        assertThat(StatusMessages.decode("caf\u00C3\u00A9")).isEqualTo("café");
    }

    @Test
    void decode_charsAbove0xFF_areKept() {
        assertThat(StatusMessages.decode("%41€😀")).isEqualTo("A€😀");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "ok",
                "%",
                "%%",
                "%zz",
                "%4",
                "%41",
                "\n",
                "line1\nline2\r\n",
                "é",
                "😀 emoji 🎉",
                "混合 text",
                "100% sure",
                "\u0000\u001f\u007f\u0080\u00ff\uffff",
            })
    void encodeThenDecode_roundTrips(String details) {
        assertThat(StatusMessages.decode(StatusMessages.encode(details))).isEqualTo(details);
    }

    @Test
    void encodeThenDecode_randomValidStrings_roundTrip() {
        Random random = new Random(11);
        for (int i = 0; i < 2_000; i++) {
            StringBuilder sb = new StringBuilder();
            int length = random.nextInt(20);
            for (int j = 0; j < length; j++) {
                int codePoint;
                switch (random.nextInt(4)) {
                    case 0:
                        codePoint = 0x20 + random.nextInt(0x5F);
                        break;
                    case 1:
                        codePoint = random.nextInt(0x20);
                        break;
                    case 2:
                        codePoint = 0x80 + random.nextInt(0xD800 - 0x80);
                        break;
                    default:
                        codePoint = 0x10000 + random.nextInt(0x10FFFF - 0x10000);
                        break;
                }
                sb.appendCodePoint(codePoint);
            }
            String details = sb.toString();

            String encoded = StatusMessages.encode(details);

            assertThat(encoded).as("encoded %s", details).matches("[\\x20-\\x7E]*");
            assertThat(StatusMessages.decode(encoded)).isEqualTo(details);
        }
    }
}
