package io.rpcvertx.it.grpcjava;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Random;

/** Message bodies for the interop tests, and a byte comparison that stays readable for megabyte messages. */
final class Payloads {
    /** gRPC's default receive limit, 4 MiB of message payload. */
    static final int MAX_MESSAGE = 4 * 1024 * 1024;

    /** Interop sizes of the four client-streaming requests; they add up to 74922. */
    static final int[] CLIENT_STREAMING_SIZES = {27_182, 8, 1_828, 45_904};

    /** Interop sizes of the four ping-pong requests. */
    static final int[] PING_PONG_SIZES = {31_415, 9, 2_653, 58_979};

    /** The details of the error tests: non-ASCII, a {@code %} and a newline, which all need percent-encoding. */
    static final String ERROR_DETAILS = "dénié ✓ 100% \n";

    private Payloads() {}

    /** Every byte value 0x00..0xFF once, in order: a binary metadata value. */
    static byte[] allByteValues() {
        byte[] bytes = new byte[256];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) i;
        }
        return bytes;
    }

    /** Every byte value once, from 0xFF down to 0x00. */
    static byte[] reversedByteValues() {
        byte[] bytes = new byte[256];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) (255 - i);
        }
        return bytes;
    }

    /** {@code size} reproducible pseudo-random (incompressible) bytes. */
    static byte[] random(int size) {
        byte[] bytes = new byte[size];
        new Random(size).nextBytes(bytes);
        return bytes;
    }

    /** {@code size} bytes of repetitive text, which compresses well. */
    static byte[] compressible(int size) {
        byte[] pattern = "rpc-vertx compresses this; ".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] bytes = new byte[size];
        for (int i = 0; i < size; i++) {
            bytes[i] = pattern[i % pattern.length];
        }
        return bytes;
    }

    /** Asserts equal contents without printing megabytes on failure. */
    static void assertSameBytes(byte[] actual, byte[] expected) {
        assertThat(actual.length).as("message length").isEqualTo(expected.length);
        assertThat(Arrays.mismatch(actual, expected))
                .as("index of the first differing byte")
                .isEqualTo(-1);
    }
}
