package io.rpcvertx.impl.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.rpcvertx.Compression;
import io.rpcvertx.StatusCode;
import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import java.util.zip.InflaterInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(10)
class EncodingTest {
    private static final byte[] TEXT =
            "The quick brown fox jumps over the lazy dog. ".repeat(50).getBytes(StandardCharsets.US_ASCII);

    @Test
    void headerValue_isTheWireName() {
        assertThat(Encoding.IDENTITY.headerValue()).isEqualTo("identity");
        assertThat(Encoding.GZIP.headerValue()).isEqualTo("gzip");
        assertThat(Encoding.DEFLATE.headerValue()).isEqualTo("deflate");
    }

    @ParameterizedTest
    @CsvSource({"identity,IDENTITY", "gzip,GZIP", "GZIP,GZIP", "Deflate,DEFLATE", "IDENTITY,IDENTITY"})
    void forName_knownNameInAnyCase_returnsEncoding(String name, Encoding expected) {
        assertThat(Encoding.forName(name)).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "br", "snappy", "x-gzip", "gzip ", "zlib"})
    void forName_unsupported_returnsNull(String name) {
        assertThat(Encoding.forName(name)).isNull();
    }

    @Test
    void of_eachCompression_mapsToMatchingEncoding() {
        assertThat(Encoding.of(Compression.NO_COMPRESSION)).isEqualTo(Encoding.IDENTITY);
        assertThat(Encoding.of(Compression.GZIP)).isEqualTo(Encoding.GZIP);
        assertThat(Encoding.of(Compression.DEFLATE)).isEqualTo(Encoding.DEFLATE);
    }

    @ParameterizedTest
    @EnumSource(Encoding.class)
    void toCompression_roundTripsThroughOf(Encoding encoding) {
        assertThat(Encoding.of(encoding.toCompression())).isEqualTo(encoding);
        assertThat(encoding.toCompression().encoding()).isEqualTo(encoding.headerValue());
    }

    @Test
    void acceptEncodingHeader_listsGzipAndDeflate() {
        assertThat(Encoding.acceptEncodingHeader()).isEqualTo("gzip,deflate");
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "gzip|GZIP|true",
                "gzip|DEFLATE|false",
                "identity,deflate,gzip|GZIP|true",
                "identity,deflate,gzip|DEFLATE|true",
                "' GZIP , Deflate '|GZIP|true",
                "' GZIP ,	Deflate	'|DEFLATE|true",
                "identity|GZIP|false",
                "gzipx,deflatey|GZIP|false",
                "x-gzip|GZIP|false",
                "gzip,|DEFLATE|false",
                ",gzip|GZIP|true",
                "''|GZIP|false",
                "anything|IDENTITY|true",
                "''|IDENTITY|true",
            })
    void accepts_headerValue_matchesListedEncodings(String header, Encoding encoding, boolean expected) {
        assertThat(Encoding.accepts(header, encoding)).isEqualTo(expected);
    }

    @Test
    void accepts_missingHeader_acceptsOnlyIdentity() {
        assertThat(Encoding.accepts(null, Encoding.IDENTITY)).isTrue();
        assertThat(Encoding.accepts(null, Encoding.GZIP)).isFalse();
        assertThat(Encoding.accepts(null, Encoding.DEFLATE)).isFalse();
    }

    @Test
    void identity_compressAndDecompress_returnTheSameBuffer() {
        Buffer data = Buffer.buffer(TEXT);

        assertThat(Encoding.IDENTITY.compress(data)).isSameAs(data);
        assertThat(Encoding.IDENTITY.decompress(data, 1)).isSameAs(data);
    }

    @ParameterizedTest
    @EnumSource(
            value = Encoding.class,
            names = {"GZIP", "DEFLATE"})
    void compress_thenDecompress_roundTrips(Encoding encoding) {
        Buffer compressed = encoding.compress(Buffer.buffer(TEXT));

        assertThat(compressed.length()).isLessThan(TEXT.length / 10);
        assertThat(encoding.decompress(compressed, TEXT.length).getBytes()).isEqualTo(TEXT);
    }

    @ParameterizedTest
    @EnumSource(
            value = Encoding.class,
            names = {"GZIP", "DEFLATE"})
    void compress_emptyAndRandomPayloads_roundTrip(Encoding encoding) {
        Random random = new Random(3);
        for (int size : new int[] {0, 1, 255, 256, 257, 65_536, 300_000}) {
            byte[] bytes = new byte[size];
            random.nextBytes(bytes);

            Buffer back = encoding.decompress(encoding.compress(Buffer.buffer(bytes)), -1);

            assertThat(back.getBytes()).as("size %d", size).isEqualTo(bytes);
        }
    }

    @Test
    void compress_gzip_isReadableByJdkGzipInputStream() throws IOException {
        byte[] compressed = Encoding.GZIP.compress(Buffer.buffer(TEXT)).getBytes();

        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(compressed))) {
            assertThat(in.readAllBytes()).isEqualTo(TEXT);
        }
    }

    @Test
    void compress_deflate_isZlibFormatNotRawDeflate() throws IOException {
        byte[] compressed = Encoding.DEFLATE.compress(Buffer.buffer(TEXT)).getBytes();

        // RFC 1950: CMF 0x78 (deflate, 32K window) and a header checksum divisible by 31
        assertThat(compressed[0]).isEqualTo((byte) 0x78);
        assertThat(((compressed[0] & 0xFF) << 8 | (compressed[1] & 0xFF)) % 31).isZero();
        try (InflaterInputStream in = new InflaterInputStream(new ByteArrayInputStream(compressed))) {
            assertThat(in.readAllBytes()).isEqualTo(TEXT);
        }
    }

    @Test
    void decompress_gzipFromJdkGzipOutputStream_roundTrips() throws IOException {
        assertThat(Encoding.GZIP.decompress(jdkGzip(TEXT), -1).getBytes()).isEqualTo(TEXT);
    }

    @Test
    void decompress_deflateFromJdkDeflaterOutputStream_roundTrips() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream out = new DeflaterOutputStream(bytes)) {
            out.write(TEXT);
        }

        assertThat(Encoding.DEFLATE
                        .decompress(Buffer.buffer(bytes.toByteArray()), -1)
                        .getBytes())
                .isEqualTo(TEXT);
    }

    @Test
    void decompress_gzipWithOptionalHeaderFields_skipsThem() {
        byte[] raw = rawDeflate(TEXT);
        Buffer gzip = Buffer.buffer()
                .appendBytes(new byte[] {0x1f, (byte) 0x8b, 8, 0x02 | 0x04 | 0x08 | 0x10, 0, 0, 0, 0, 0, 3})
                .appendUnsignedShortLE(3)
                .appendBytes(new byte[] {'x', 'y', 'z'}) // FEXTRA
                .appendString("name.txt")
                .appendByte((byte) 0) // FNAME
                .appendString("a comment")
                .appendByte((byte) 0) // FCOMMENT
                .appendShortLE((short) 0) // FHCRC (not verified)
                .appendBytes(raw)
                .appendIntLE(crc(TEXT))
                .appendIntLE(TEXT.length);

        assertThat(Encoding.GZIP.decompress(gzip, -1).getBytes()).isEqualTo(TEXT);
    }

    @Test
    void decompress_concatenatedGzipMembers_returnsConcatenation() throws IOException {
        Buffer two = jdkGzip("first ".getBytes(StandardCharsets.US_ASCII))
                .appendBuffer(jdkGzip("second".getBytes(StandardCharsets.US_ASCII)));

        assertThat(Encoding.GZIP.decompress(two, -1).toString()).isEqualTo("first second");
    }

    @Test
    void decompress_sliceWithArrayOffset_readsOnlyTheSlice() {
        Buffer compressed = Encoding.GZIP.compress(Buffer.buffer(TEXT));
        Buffer padded = Buffer.buffer("junk").appendBuffer(compressed).appendString("junk");

        Buffer slice = padded.slice(4, 4 + compressed.length());

        assertThat(Encoding.GZIP.decompress(slice, -1).getBytes()).isEqualTo(TEXT);
    }

    @ParameterizedTest
    @EnumSource(
            value = Encoding.class,
            names = {"GZIP", "DEFLATE"})
    void decompress_outputExactlyAtMax_succeeds(Encoding encoding) {
        Buffer compressed = encoding.compress(Buffer.buffer(new byte[1000]));

        assertThat(encoding.decompress(compressed, 1000).length()).isEqualTo(1000);
    }

    @ParameterizedTest
    @EnumSource(
            value = Encoding.class,
            names = {"GZIP", "DEFLATE"})
    void decompress_outputOneAboveMax_failsResourceExhausted(Encoding encoding) {
        Buffer compressed = encoding.compress(Buffer.buffer(new byte[1001]));

        assertThatThrownBy(() -> encoding.decompress(compressed, 1000))
                .isInstanceOfSatisfying(
                        WireException.class, e -> assertThat(e.code()).isEqualTo(StatusCode.RESOURCE_EXHAUSTED))
                .hasMessage("Decompressed gRPC message exceeds maximum size 1000");
    }

    @ParameterizedTest
    @EnumSource(
            value = Encoding.class,
            names = {"GZIP", "DEFLATE"})
    void decompress_zipBombOf100MiB_failsResourceExhaustedWithoutInflatingIt(Encoding encoding) throws IOException {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assumeThat(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled())
                .isTrue();
        Buffer bomb = Buffer.buffer(zeros(encoding, 100 * 1024 * 1024));
        int max = 1024 * 1024;
        long threadId = Thread.currentThread().getId();
        long allocatedBefore = threads.getThreadAllocatedBytes(threadId);
        long start = System.nanoTime();

        assertThatThrownBy(() -> encoding.decompress(bomb, max))
                .isInstanceOfSatisfying(
                        WireException.class, e -> assertThat(e.code()).isEqualTo(StatusCode.RESOURCE_EXHAUSTED));

        long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
        long allocated = threads.getThreadAllocatedBytes(threadId) - allocatedBefore;
        assertThat(bomb.length()).isLessThan(200 * 1024);
        // Inflating it all would allocate at least 100 MiB; the bounded inflate stays near 2x the limit.
        assertThat(allocated).isLessThan(8L * max);
        assertThat(elapsedMillis).isLessThan(2_000);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "x", "not gzip at all", "\u001f\u008b\u0008"})
    void decompress_gzipGarbage_failsInternal(String garbage) {
        Buffer data = Buffer.buffer(garbage.getBytes(StandardCharsets.ISO_8859_1));

        assertThatThrownBy(() -> Encoding.GZIP.decompress(data, -1))
                .isInstanceOfSatisfying(
                        WireException.class, e -> assertThat(e.code()).isEqualTo(StatusCode.INTERNAL));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "x", "not deflate at all"})
    void decompress_deflateGarbage_failsInternal(String garbage) {
        Buffer data = Buffer.buffer(garbage.getBytes(StandardCharsets.ISO_8859_1));

        assertThatThrownBy(() -> Encoding.DEFLATE.decompress(data, -1))
                .isInstanceOfSatisfying(
                        WireException.class, e -> assertThat(e.code()).isEqualTo(StatusCode.INTERNAL));
    }

    @ParameterizedTest
    @EnumSource(
            value = Encoding.class,
            names = {"GZIP", "DEFLATE"})
    void decompress_truncated_failsInternal(Encoding encoding) {
        Buffer compressed = encoding.compress(Buffer.buffer(TEXT));

        for (int cut : new int[] {1, 2, 5, compressed.length() / 2, compressed.length() - 1}) {
            Buffer truncated = compressed.slice(0, cut);
            assertThatThrownBy(() -> encoding.decompress(truncated, -1))
                    .as("cut at %d", cut)
                    .isInstanceOfSatisfying(
                            WireException.class, e -> assertThat(e.code()).isEqualTo(StatusCode.INTERNAL));
        }
    }

    @Test
    void decompress_gzipWithWrongCrc_failsInternal() {
        Buffer compressed = Encoding.GZIP.compress(Buffer.buffer(TEXT));
        int crcAt = compressed.length() - 8;
        compressed.setByte(crcAt, (byte) ~compressed.getByte(crcAt));

        assertThatThrownBy(() -> Encoding.GZIP.decompress(compressed, -1))
                .isInstanceOfSatisfying(
                        WireException.class, e -> assertThat(e.code()).isEqualTo(StatusCode.INTERNAL))
                .hasMessage("Can't decompress gRPC message: gzip CRC mismatch");
    }

    @Test
    void decompress_gzipWithWrongSize_failsInternal() {
        Buffer compressed = Encoding.GZIP.compress(Buffer.buffer(TEXT));
        int sizeAt = compressed.length() - 4;
        compressed.setByte(sizeAt, (byte) (compressed.getByte(sizeAt) + 1));

        assertThatThrownBy(() -> Encoding.GZIP.decompress(compressed, -1))
                .isInstanceOfSatisfying(
                        WireException.class, e -> assertThat(e.code()).isEqualTo(StatusCode.INTERNAL))
                .hasMessage("Can't decompress gRPC message: gzip size mismatch");
    }

    @Test
    void decompress_gzipWithTrailingGarbage_failsInternal() {
        Buffer compressed = Encoding.GZIP.compress(Buffer.buffer(TEXT)).appendString("garbage!!!!");

        assertThatThrownBy(() -> Encoding.GZIP.decompress(compressed, -1))
                .isInstanceOfSatisfying(
                        WireException.class, e -> assertThat(e.code()).isEqualTo(StatusCode.INTERNAL));
    }

    @Test
    void decompress_gzipDataUnderDeflate_failsInternal() {
        Buffer gzip = Encoding.GZIP.compress(Buffer.buffer(TEXT));

        assertThatThrownBy(() -> Encoding.DEFLATE.decompress(gzip, -1))
                .isInstanceOfSatisfying(
                        WireException.class, e -> assertThat(e.code()).isEqualTo(StatusCode.INTERNAL));
    }

    private static Buffer jdkGzip(byte[] data) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(bytes)) {
            out.write(data);
        }
        return Buffer.buffer(bytes.toByteArray());
    }

    private static byte[] zeros(Encoding encoding, int length) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        byte[] chunk = new byte[1024 * 1024];
        try (OutputStream out =
                encoding == Encoding.GZIP ? new GZIPOutputStream(bytes, 65_536) : new DeflaterOutputStream(bytes)) {
            for (int written = 0; written < length; written += chunk.length) {
                out.write(chunk);
            }
        }
        return bytes.toByteArray();
    }

    private static byte[] rawDeflate(byte[] data) {
        Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
        try {
            deflater.setInput(data);
            deflater.finish();
            byte[] out = new byte[data.length + 64];
            int n = deflater.deflate(out);
            assertThat(deflater.finished()).isTrue();
            return Arrays.copyOf(out, n);
        } finally {
            deflater.end();
        }
    }

    private static int crc(byte[] data) {
        CRC32 crc = new CRC32();
        crc.update(data);
        return (int) crc.getValue();
    }
}
