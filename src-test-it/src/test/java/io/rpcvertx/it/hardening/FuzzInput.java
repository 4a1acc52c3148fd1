package io.rpcvertx.it.hardening;

import static io.rpcvertx.it.hardening.RawH2Client.CONTINUATION;
import static io.rpcvertx.it.hardening.RawH2Client.DATA;
import static io.rpcvertx.it.hardening.RawH2Client.FLAG_END_HEADERS;
import static io.rpcvertx.it.hardening.RawH2Client.FLAG_END_STREAM;
import static io.rpcvertx.it.hardening.RawH2Client.FLAG_PADDED;
import static io.rpcvertx.it.hardening.RawH2Client.FLAG_PRIORITY;
import static io.rpcvertx.it.hardening.RawH2Client.GOAWAY;
import static io.rpcvertx.it.hardening.RawH2Client.HEADERS;
import static io.rpcvertx.it.hardening.RawH2Client.PING;
import static io.rpcvertx.it.hardening.RawH2Client.PRIORITY;
import static io.rpcvertx.it.hardening.RawH2Client.PUSH_PROMISE;
import static io.rpcvertx.it.hardening.RawH2Client.RST_STREAM;
import static io.rpcvertx.it.hardening.RawH2Client.SETTINGS;
import static io.rpcvertx.it.hardening.RawH2Client.WINDOW_UPDATE;

import io.netty.handler.codec.http2.Http2Headers;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.jspecify.annotations.Nullable;

/**
 * One fuzzer input: a valid gRPC exchange on a target stream (stream 3 and up) next to a witness call on stream 1,
 * mutated at every layer: pseudo-headers, headers and metadata, frame types, flags, lengths and stream ids, inserted
 * control frames (SETTINGS, PING, WINDOW_UPDATE, PRIORITY, RST_STREAM, PUSH_PROMISE, GOAWAY, CONTINUATION), and the gRPC
 * messages (length prefixes, compression flags, encodings, bombs). Built from its own seed, so any one input can be
 * replayed alone. The witness's frames are never mutated: it is a healthy call that must not be lost.
 */
final class FuzzInput {
    static final int WITNESS = 1;
    /** Enough zeros for a frame whose length was made to exceed its payload to end, and then to be a connection error. */
    private static final int ZERO_TAIL = 16_384 + 9 * 4;

    /** A frame before serialization; {@code headers} set means its payload is their HPACK encoding. */
    static final class Frame {
        int type;
        int flags;
        int streamId;
        byte[] payload;

        @Nullable
        Http2Headers headers;

        int lengthDelta;

        Frame(int type, int flags, int streamId, byte[] payload) {
            this.type = type;
            this.flags = flags;
            this.streamId = streamId;
            this.payload = payload;
        }

        static Frame headers(int streamId, Http2Headers headers, boolean endStream) {
            Frame f = new Frame(HEADERS, FLAG_END_HEADERS | (endStream ? FLAG_END_STREAM : 0), streamId, new byte[0]);
            f.headers = headers;
            return f;
        }
    }

    final long seed;
    final List<Frame> frames = new ArrayList<>();
    final List<String> mutations = new ArrayList<>();
    /** A mutated frame used the witness's stream: the client may have ended or broken it itself. */
    boolean witnessTouched;

    boolean zeroTail;
    private final Random random;

    private FuzzInput(long seed) {
        this.seed = seed;
        this.random = new Random(seed);
    }

    static FuzzInput generate(long seed) {
        FuzzInput in = new FuzzInput(seed);
        in.build();
        int count = 1 + in.random.nextInt(3);
        for (int i = 0; i < count; i++) {
            in.mutate();
        }
        return in;
    }

    // ---------------------------------------------------------------- the valid exchange

    private void build() {
        int kind = random.nextInt(HardeningServer.PATHS.size());
        String path = HardeningServer.PATHS.get(kind);
        int target = 3 + 2 * random.nextInt(3);
        Http2Headers h = RawH2Client.grpcRequest(path);
        if (random.nextInt(4) == 0) {
            h.add("grpc-timeout", "5S");
        }
        if (random.nextInt(4) == 0) {
            h.add("x-meta", "v" + random.nextInt(100)).add("x-meta-bin", "AAEC");
        }
        int messages = kind == 0 || kind == 2 ? 1 : random.nextInt(4);
        boolean endInHeaders = messages == 0 && random.nextBoolean();
        frames.add(Frame.headers(target, h, endInHeaders));
        for (int i = 0; i < messages; i++) {
            byte[] msg = RawH2Client.grpcMessage("m" + i + "-" + random.nextInt(1000));
            frames.add(new Frame(DATA, i == messages - 1 ? FLAG_END_STREAM : 0, target, msg));
        }
        if (messages == 0 && !endInHeaders) {
            frames.add(new Frame(DATA, FLAG_END_STREAM, target, new byte[0]));
        }
    }

    // ---------------------------------------------------------------- mutations

    private void mutate() {
        switch (random.nextInt(12)) {
            case 0, 1 -> mutatePseudoHeaders();
            case 2, 3 -> mutateHeaders();
            case 4 -> mutateFlags();
            case 5 -> mutateLength();
            case 6 -> mutateType();
            case 7 -> mutateStreamId();
            case 8, 9 -> insertControlFrame();
            case 10 -> mutateMessages();
            default -> mutateFrameList();
        }
    }

    private Frame pick() {
        return frames.get(random.nextInt(frames.size()));
    }

    private @Nullable Frame firstHeaders() {
        for (Frame f : frames) {
            if (f.headers != null) {
                return f;
            }
        }
        return null;
    }

    private <T> T oneOf(List<T> values) {
        return values.get(random.nextInt(values.size()));
    }

    private void mutatePseudoHeaders() {
        Frame f = firstHeaders();
        if (f == null || f.headers == null) {
            return;
        }
        Http2Headers h = f.headers;
        switch (random.nextInt(6)) {
            case 0 -> {
                String name = oneOf(List.of(":method", ":scheme", ":path", ":authority"));
                h.remove(name);
                mutations.add("drop " + name);
            }
            case 1 -> {
                String m = oneOf(List.of(
                        "GET",
                        "PUT",
                        "post",
                        "P@ST",
                        "PO ST",
                        "",
                        "//",
                        "CONNECT",
                        "POST\u0000",
                        "PÖST",
                        "HEAD",
                        "OPTIONS",
                        "X".repeat(300)));
                h.method(m);
                mutations.add(":method " + printable(m));
            }
            case 2 -> {
                String p = oneOf(List.of(
                        "",
                        "/",
                        "no-slash",
                        "/unknown.Svc/M",
                        "/" + HardeningServer.SERVICE + "/Nope",
                        HardeningServer.PATHS.get(0) + "?q=1",
                        "/a b",
                        "/" + "x".repeat(9_000),
                        "*",
                        HardeningServer.PATHS.get(0) + "/extra",
                        "//" + HardeningServer.SERVICE + "/Unary"));
                h.path(p);
                mutations.add(":path " + printable(p));
            }
            case 3 -> {
                String s = oneOf(List.of("https", "", "ftp", "HTTP"));
                h.scheme(s);
                mutations.add(":scheme " + s);
            }
            case 4 -> {
                String name = oneOf(List.of(":method", ":path", ":scheme", ":authority"));
                h.add(name, oneOf(List.of("POST", "/x", "http", "other")));
                mutations.add("duplicate " + name);
            }
            default -> {
                h.add(oneOf(List.of(":status", ":protocol", ":unknown")), "200");
                mutations.add("extra pseudo-header");
            }
        }
    }

    private void mutateHeaders() {
        Frame f = firstHeaders();
        if (f == null || f.headers == null) {
            return;
        }
        Http2Headers h = f.headers;
        switch (random.nextInt(10)) {
            case 0 -> {
                String ct = oneOf(List.of(
                        "application/grpc+proto",
                        "application/grpc+json",
                        "text/plain",
                        "application/grpcx",
                        "",
                        "application/grpc; charset=utf-8",
                        "APPLICATION/GRPC"));
                h.set("content-type", ct);
                mutations.add("content-type " + ct);
            }
            case 1 -> {
                h.remove(oneOf(List.of("content-type", "te")));
                mutations.add("drop content-type or te");
            }
            case 2 -> {
                String t = oneOf(List.of(
                        "1n", "100m", "999999999S", "1x", "", "-1S", "1H", "99999999H", "0S", "1", "S", "12345678u"));
                h.set("grpc-timeout", t);
                mutations.add("grpc-timeout " + t);
            }
            case 3 -> {
                String e = oneOf(List.of("gzip", "deflate", "identity", "br", "gzip, deflate", "", "snappy"));
                h.set("grpc-encoding", e);
                mutations.add("grpc-encoding " + e);
            }
            case 4 -> {
                String key = oneOf(List.of("X-Upper", "bad key", "x-bad\u0001", "", "x-\u00e9"));
                h.add(key, "v");
                mutations.add("metadata key " + printable(key));
            }
            case 5 -> {
                String v = oneOf(List.of("not base64!", "====", "A", "AAEC==="));
                h.add("x-data-bin", v);
                mutations.add("binary metadata " + v);
            }
            case 6 -> {
                int size = oneOf(List.of(4_000, 9_000, 17_000, 70_000));
                h.add("x-big", "v".repeat(size));
                mutations.add("metadata value of " + size + " bytes");
            }
            case 7 -> {
                int count = oneOf(List.of(100, 1_000, 3_000));
                for (int i = 0; i < count; i++) {
                    h.add("x-many-" + i, "v");
                }
                mutations.add(count + " metadata entries");
            }
            case 8 -> {
                String name = oneOf(List.of("connection", "keep-alive", "transfer-encoding", "upgrade", "te"));
                h.set(name, name.equals("te") ? "gzip" : "close");
                mutations.add("connection-specific " + name);
            }
            default -> {
                String name = oneOf(List.of("grpc-status", "grpc-message", "content-length", "host"));
                h.add(name, name.equals("content-length") ? "7" : name.equals("host") ? "other:1" : "0");
                mutations.add("request header " + name);
            }
        }
    }

    private void mutateFlags() {
        Frame f = pick();
        int flag =
                oneOf(List.of(FLAG_END_STREAM, FLAG_END_HEADERS, FLAG_PADDED, FLAG_PRIORITY, 1 << random.nextInt(8)));
        f.flags ^= flag;
        mutations.add("flip flag 0x" + Integer.toHexString(flag) + " on type " + f.type);
    }

    private void mutateLength() {
        Frame f = pick();
        int delta = oneOf(List.of(-1, 1, -5, 7, 16_385, -f.payload.length, 100));
        f.lengthDelta = delta;
        zeroTail = true;
        mutations.add("length " + (delta > 0 ? "+" : "") + delta + " on type " + f.type);
    }

    private void mutateType() {
        Frame f = pick();
        int type = random.nextInt(16);
        mutations.add("type " + f.type + " -> " + type);
        f.type = type;
        if (type == HEADERS && f.headers == null && f.payload.length == 0) {
            f.flags |= FLAG_END_HEADERS;
        }
    }

    private void mutateStreamId() {
        Frame f = pick();
        int id = oneOf(List.of(0, 2, WITNESS, 7, 1_000_001, Integer.MAX_VALUE, -1));
        f.streamId = id;
        witnessTouched |= (id & 0x7fffffff) == WITNESS;
        mutations.add("stream id of type " + f.type + " -> " + id);
    }

    private void insertControlFrame() {
        int at = random.nextInt(frames.size() + 1);
        Frame f;
        switch (random.nextInt(11)) {
            case 0 -> {
                int id = oneOf(List.of(1, 2, 3, 4, 5, 6, 0x99));
                long value = oneOf(List.of(0L, 1L, 16_383L, 16_384L, 65_535L, 1L << 24, 0x7fffffffL, 0x80000000L, 2L));
                f = new Frame(SETTINGS, 0, 0, settings(id, value));
                mutations.add("SETTINGS " + id + "=" + value);
            }
            case 1 -> {
                int len = oneOf(List.of(8, 8, 0, 3, 9));
                f = new Frame(PING, random.nextInt(4) == 0 ? 1 : 0, oneOf(List.of(0, 0, 3)), new byte[len]);
                mutations.add("PING of " + len + " bytes");
            }
            case 2 -> {
                long inc = oneOf(List.of(0L, 1L, 0x7fffffffL, 65_535L));
                int stream = oneOf(List.of(0, 3, 9));
                f = new Frame(
                        WINDOW_UPDATE,
                        0,
                        stream,
                        ByteBuffer.allocate(4).putInt((int) inc).array());
                mutations.add("WINDOW_UPDATE " + stream + " +" + inc);
            }
            case 3 -> {
                int stream = oneOf(List.of(3, 9, 0));
                int dep = oneOf(List.of(0, stream, 1));
                f = new Frame(
                        PRIORITY,
                        0,
                        stream,
                        ByteBuffer.allocate(5).putInt(dep).put((byte) 16).array());
                mutations.add("PRIORITY " + stream + " on " + dep);
            }
            case 4 -> {
                int stream = oneOf(List.of(3, 9, 0, 11));
                f = new Frame(
                        RST_STREAM, 0, stream, ByteBuffer.allocate(4).putInt(8).array());
                mutations.add("RST_STREAM " + stream);
            }
            case 5 -> {
                f = new Frame(
                        PUSH_PROMISE,
                        FLAG_END_HEADERS,
                        3,
                        ByteBuffer.allocate(4).putInt(2).array());
                mutations.add("PUSH_PROMISE from the client");
            }
            case 6 -> {
                f = new Frame(CONTINUATION, FLAG_END_HEADERS, oneOf(List.of(3, 0, 9)), new byte[] {(byte) 0x82});
                mutations.add("CONTINUATION without HEADERS");
            }
            case 7 -> {
                f = new Frame(
                        GOAWAY, 0, 0, ByteBuffer.allocate(8).putInt(0).putInt(0).array());
                mutations.add("GOAWAY from the client");
            }
            case 8 -> {
                f = new Frame(0x10 + random.nextInt(200), random.nextInt(256), random.nextInt(5), randomBytes(20));
                mutations.add("unknown frame type " + f.type);
            }
            case 9 -> {
                f = new Frame(DATA, 0, oneOf(List.of(3, 0, 9, 2)), new byte[16]);
                mutations.add("DATA on stream " + f.streamId);
            }
            default -> {
                Frame h = firstHeaders();
                if (h == null || h.headers == null) {
                    return;
                }
                // the header block split over HEADERS and CONTINUATION (valid), or a frame between them (not)
                h.flags &= ~FLAG_END_HEADERS;
                Frame c = new Frame(CONTINUATION, FLAG_END_HEADERS, h.streamId, new byte[0]);
                int idx = frames.indexOf(h);
                boolean interleave = random.nextBoolean();
                frames.add(idx + 1, c);
                if (interleave) {
                    frames.add(idx + 1, new Frame(PING, 0, 0, new byte[8]));
                }
                h.payload = splitMarker();
                mutations.add("CONTINUATION split" + (interleave ? " with a PING between" : ""));
                return;
            }
        }
        witnessTouched |= f.streamId == WITNESS;
        frames.add(at, f);
    }

    /** Marks a HEADERS frame whose block is split with the next CONTINUATION at serialization. */
    private static byte[] splitMarker() {
        return new byte[] {0x53, 0x50, 0x4c, 0x54};
    }

    private void mutateMessages() {
        Frame f = null;
        for (Frame x : frames) {
            if (x.type == DATA && x.payload.length >= 5) {
                f = x;
                break;
            }
        }
        if (f == null) {
            return;
        }
        Frame headers = firstHeaders();
        switch (random.nextInt(8)) {
            case 0 -> {
                int flag = oneOf(List.of(1, 2, 0x80, 0xff));
                f.payload[0] = (byte) flag;
                mutations.add("message flag " + flag);
            }
            case 1 -> {
                int len = oneOf(List.of(0, 1, 1_000, 5 << 20, Integer.MAX_VALUE, -1));
                ByteBuffer.wrap(f.payload).putInt(1, len);
                mutations.add("message length prefix " + len);
            }
            case 2 -> {
                f.payload = Arrays.copyOf(f.payload, 1 + random.nextInt(4));
                mutations.add("truncated message prefix");
            }
            case 3, 4 -> {
                byte[] bomb = gzip(new byte[oneOf(List.of(100, 5 << 20))]);
                f.payload = RawH2Client.grpcMessage(1, bomb);
                if (headers != null && headers.headers != null && random.nextInt(4) != 0) {
                    headers.headers.set("grpc-encoding", "gzip");
                }
                mutations.add("gzip message of " + bomb.length + " bytes");
            }
            case 5 -> {
                f.payload = RawH2Client.grpcMessage(1, randomBytes(30));
                if (headers != null && headers.headers != null) {
                    headers.headers.set("grpc-encoding", oneOf(List.of("gzip", "deflate")));
                }
                mutations.add("corrupt compressed message");
            }
            case 6 -> {
                int at = 1 + random.nextInt(f.payload.length - 1);
                Frame second =
                        new Frame(DATA, f.flags, f.streamId, Arrays.copyOfRange(f.payload, at, f.payload.length));
                f.payload = Arrays.copyOf(f.payload, at);
                f.flags &= ~FLAG_END_STREAM;
                frames.add(frames.indexOf(f) + 1, second);
                mutations.add("message split over DATA frames");
            }
            default -> {
                byte[] two = new byte[f.payload.length * 2];
                System.arraycopy(f.payload, 0, two, 0, f.payload.length);
                System.arraycopy(f.payload, 0, two, f.payload.length, f.payload.length);
                f.payload = two;
                mutations.add("two messages in one DATA");
            }
        }
    }

    private void mutateFrameList() {
        switch (random.nextInt(4)) {
            case 0 -> {
                if (frames.size() > 1) {
                    Frame f = frames.remove(random.nextInt(frames.size()));
                    mutations.add("drop a frame of type " + f.type);
                }
            }
            case 1 -> {
                Frame f = pick();
                Frame copy = new Frame(f.type, f.flags, f.streamId, f.payload.clone());
                copy.headers = f.headers;
                frames.add(frames.indexOf(f) + 1, copy);
                mutations.add("duplicate a frame of type " + f.type);
            }
            case 2 -> {
                if (frames.size() > 1) {
                    int a = random.nextInt(frames.size());
                    int b = random.nextInt(frames.size());
                    Frame t = frames.get(a);
                    frames.set(a, frames.get(b));
                    frames.set(b, t);
                    mutations.add("swap frames " + a + " and " + b);
                }
            }
            default -> {
                Frame f = pick();
                f.payload = f.headers != null ? new byte[0] : f.payload.clone();
                if (f.headers != null) {
                    f.type = HEADERS;
                    f.headers = null;
                    f.payload = randomBytes(1 + random.nextInt(40)); // a corrupt HPACK block
                    mutations.add("random HPACK block");
                } else if (f.payload.length > 0) {
                    f.payload[random.nextInt(f.payload.length)] ^= (byte) (1 + random.nextInt(255));
                    mutations.add("flip a payload byte of type " + f.type);
                }
            }
        }
    }

    // ---------------------------------------------------------------- writing

    /**
     * Writes the whole input: the preface, the witness's HEADERS, the mutated frames, the witness's message, and a
     * PING whose ack shows the server parsed everything before it.
     */
    void writeTo(RawH2Client client, long pingPayload) throws IOException {
        client.preface().headers(WITNESS, RawH2Client.grpcRequest(HardeningServer.PATHS.get(0)), false);
        for (int i = 0; i < frames.size(); i++) {
            Frame f = frames.get(i);
            byte[] payload = f.payload;
            if (f.headers != null) {
                byte[] block = client.hpack(f.headers);
                if (Arrays.equals(payload, splitMarker()) && i + 1 < frames.size()) {
                    int cut = block.length / 2;
                    payload = Arrays.copyOf(block, cut);
                    Frame next = frames.get(i + 1);
                    if (next.type == CONTINUATION && next.payload.length == 0) {
                        next.payload = Arrays.copyOfRange(block, cut, block.length);
                    } else if (i + 2 < frames.size() && frames.get(i + 2).type == CONTINUATION) {
                        frames.get(i + 2).payload = Arrays.copyOfRange(block, cut, block.length);
                    }
                } else {
                    payload = block;
                }
            }
            if ((f.flags & FLAG_PADDED) != 0 && (f.type == DATA || f.type == HEADERS) && payload.length > 0) {
                payload = pad(payload);
            }
            client.frame(f.type, f.flags, f.streamId, payload, Math.max(0, payload.length + f.lengthDelta));
        }
        client.data(WITNESS, RawH2Client.grpcMessage("witness"), true);
        client.ping(pingPayload);
        if (zeroTail) {
            client.raw(new byte[ZERO_TAIL]);
        }
        client.flush();
    }

    private byte[] pad(byte[] payload) {
        int padLength = random.nextInt(8);
        byte[] padded = new byte[1 + payload.length + padLength];
        padded[0] = (byte) padLength;
        System.arraycopy(payload, 0, padded, 1, payload.length);
        return padded;
    }

    String describe() {
        return "seed " + seed + ": " + (mutations.isEmpty() ? "no mutation" : String.join(", ", mutations));
    }

    private byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    private static byte[] settings(int id, long value) {
        return ByteBuffer.allocate(6).putShort((short) id).putInt((int) value).array();
    }

    private static byte[] gzip(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static String printable(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.substring(0, Math.min(s.length(), 40)).toCharArray()) {
            b.append(c >= 0x20 && c < 0x7f ? String.valueOf(c) : String.format("\\u%04x", (int) c));
        }
        return b.append(s.length() > 40 ? "...\"" : "\"").toString();
    }
}
