package io.rpcvertx.it.hardening;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersEncoder;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;

/**
 * A raw HTTP/2 client over a blocking socket. It writes exactly the frames a test builds, malformed ones included
 * (HPACK through Netty's codec-http2 with validation off), sends them in one socket write, and records every frame the
 * server sends: per-stream headers, data and resets, GOAWAY, PING acks, and the end of the connection. Frames are read
 * on the caller's thread, only while it waits; SETTINGS and PINGs from the server are acknowledged as they arrive.
 */
final class RawH2Client implements AutoCloseable {
    static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(US_ASCII);

    static final int DATA = 0x0;
    static final int HEADERS = 0x1;
    static final int PRIORITY = 0x2;
    static final int RST_STREAM = 0x3;
    static final int SETTINGS = 0x4;
    static final int PUSH_PROMISE = 0x5;
    static final int PING = 0x6;
    static final int GOAWAY = 0x7;
    static final int WINDOW_UPDATE = 0x8;
    static final int CONTINUATION = 0x9;

    static final int FLAG_END_STREAM = 0x1;
    static final int FLAG_ACK = 0x1;
    static final int FLAG_END_HEADERS = 0x4;
    static final int FLAG_PADDED = 0x8;
    static final int FLAG_PRIORITY = 0x20;

    static final long NO_ERROR = 0x0;
    static final long PROTOCOL_ERROR = 0x1;
    static final long FLOW_CONTROL_ERROR = 0x3;
    static final long FRAME_SIZE_ERROR = 0x6;
    static final long REFUSED_STREAM = 0x7;
    static final long CANCEL = 0x8;
    static final long ENHANCE_YOUR_CALM = 0xb;

    /** Everything the server sent on one stream. */
    static final class StreamEvents {
        final List<Http2Headers> headers = new ArrayList<>();
        final ByteArrayOutputStream data = new ByteArrayOutputStream();

        @Nullable
        Long resetCode;

        boolean endStream;

        boolean ended() {
            return endStream || resetCode != null;
        }

        @Nullable
        String httpStatus() {
            return headers.isEmpty() || headers.get(0).status() == null
                    ? null
                    : headers.get(0).status().toString();
        }

        /** grpc-status from the last header block (the trailers, or a trailers-only response). */
        @Nullable
        String grpcStatus() {
            if (headers.isEmpty()) {
                return null;
            }
            CharSequence s = headers.get(headers.size() - 1).get("grpc-status");
            return s == null ? null : s.toString();
        }
    }

    record GoAway(int lastStreamId, long errorCode, String debug) {}

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
    private final DefaultHttp2HeadersEncoder hpackOut =
            new DefaultHttp2HeadersEncoder(Http2HeadersEncoder.NEVER_SENSITIVE, true);
    private final DefaultHttp2HeadersDecoder hpackIn = new DefaultHttp2HeadersDecoder(false, 1L << 20);
    private final Map<Integer, StreamEvents> streams = new TreeMap<>();
    private final List<Long> pingAcks = new ArrayList<>();
    private final Deque<String> lastFrames = new ArrayDeque<>();
    private final List<GoAway> goAways = new ArrayList<>();
    private boolean closedByServer;
    private boolean writeFailed;
    private boolean serverSettingsSeen;
    private int settingsAcks;
    private @Nullable ByteBuf headerBlock;
    private int headerBlockStream;
    private boolean headerBlockEndStream;

    private RawH2Client(Socket socket) throws IOException {
        // whatever SETTINGS_HEADER_TABLE_SIZE a test announces, the server's table updates decode
        try {
            hpackIn.maxHeaderTableSize(0xffffffffL);
        } catch (Http2Exception e) {
            throw new IllegalStateException(e);
        }
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    static RawH2Client connect(int port) throws IOException {
        Socket s = new Socket();
        s.setTcpNoDelay(true);
        s.setSoLinger(true, 0); // the client's close is a reset: no TIME_WAIT pile-up over thousands of inputs
        s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        return new RawH2Client(s);
    }

    // ---------------------------------------------------------------- building frames

    /** The connection preface and an empty SETTINGS frame. */
    RawH2Client preface() {
        pending.writeBytes(PREFACE);
        return frame(SETTINGS, 0, 0, new byte[0]);
    }

    /** A SETTINGS frame from {@code (id, value)} pairs. */
    RawH2Client settings(long... idValues) {
        ByteBuffer b = ByteBuffer.allocate(idValues.length / 2 * 6);
        for (int i = 0; i + 1 < idValues.length; i += 2) {
            b.putShort((short) idValues[i]).putInt((int) idValues[i + 1]);
        }
        return frame(SETTINGS, 0, 0, b.array());
    }

    RawH2Client frame(int type, int flags, int streamId, byte[] payload) {
        return frame(type, flags, streamId, payload, payload.length);
    }

    /** A frame whose header claims {@code length} (which may differ from the payload's, for malformed input). */
    RawH2Client frame(int type, int flags, int streamId, byte[] payload, int length) {
        pending.write((length >>> 16) & 0xff);
        pending.write((length >>> 8) & 0xff);
        pending.write(length & 0xff);
        pending.write(type & 0xff);
        pending.write(flags & 0xff);
        pending.write((streamId >>> 24) & 0xff);
        pending.write((streamId >>> 16) & 0xff);
        pending.write((streamId >>> 8) & 0xff);
        pending.write(streamId & 0xff);
        pending.writeBytes(payload);
        return this;
    }

    /** Raw bytes, e.g. a truncated frame. */
    RawH2Client raw(byte[] bytes) {
        pending.writeBytes(bytes);
        return this;
    }

    RawH2Client headers(int streamId, Http2Headers headers, boolean endStream) {
        return frame(HEADERS, FLAG_END_HEADERS | (endStream ? FLAG_END_STREAM : 0), streamId, hpack(headers));
    }

    /** The HPACK encoding of {@code headers}, with this connection's encoder (its dynamic table changes). */
    byte[] hpack(Http2Headers headers) {
        ByteBuf buf = Unpooled.buffer();
        try {
            hpackOut.encodeHeaders(1, headers, buf);
            return ByteBufUtil.getBytes(buf);
        } catch (Http2Exception e) {
            throw new IllegalArgumentException(e);
        } finally {
            buf.release();
        }
    }

    RawH2Client data(int streamId, byte[] data, boolean endStream) {
        return frame(DATA, endStream ? FLAG_END_STREAM : 0, streamId, data);
    }

    RawH2Client ping(long payload) {
        return frame(PING, 0, 0, ByteBuffer.allocate(8).putLong(payload).array());
    }

    RawH2Client rst(int streamId, long code) {
        return frame(
                RST_STREAM,
                0,
                streamId,
                ByteBuffer.allocate(4).putInt((int) code).array());
    }

    RawH2Client windowUpdate(int streamId, long increment) {
        return frame(
                WINDOW_UPDATE,
                0,
                streamId,
                ByteBuffer.allocate(4).putInt((int) increment).array());
    }

    /** Writes everything built so far in one socket write (so the server reads it in one go). */
    RawH2Client flush() throws IOException {
        byte[] bytes = pending.toByteArray();
        pending.reset();
        try {
            out.write(bytes);
            out.flush();
        } catch (SocketException e) {
            // the server closed first: what it sent before may still be readable, the next read tells
            writeFailed = true;
        }
        return this;
    }

    /** The request headers of a well-formed gRPC call to {@code path} (a mutable copy). */
    static Http2Headers grpcRequest(String path) {
        return new DefaultHttp2Headers(false)
                .method("POST")
                .scheme("http")
                .path(path)
                .authority("127.0.0.1")
                .add("content-type", "application/grpc")
                .add("te", "trailers");
    }

    /** A length-prefixed gRPC message. */
    static byte[] grpcMessage(int flag, byte[] payload) {
        return ByteBuffer.allocate(5 + payload.length)
                .put((byte) flag)
                .putInt(payload.length)
                .put(payload)
                .array();
    }

    static byte[] grpcMessage(String text) {
        return grpcMessage(0, text.getBytes(UTF_8));
    }

    // ---------------------------------------------------------------- reading

    /** Reads frames until {@code condition} holds, the server closes the connection, or {@code timeout} passes. */
    boolean awaitUntil(BooleanSupplier condition, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (closedByServer) {
                return condition.getAsBoolean();
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            socket.setSoTimeout((int) Math.max(1, Duration.ofNanos(left).toMillis()));
            try {
                readFrame();
            } catch (SocketTimeoutException e) {
                return condition.getAsBoolean();
            } catch (EOFException | SocketException e) {
                closedByServer = true;
            }
        }
        return true;
    }

    /** Waits for the server's end of the connection (EOF or reset); true if it came within {@code timeout}. */
    boolean awaitClose(Duration timeout) throws IOException {
        return awaitUntil(() -> closedByServer, timeout);
    }

    /** Waits until {@code streamId} ended (END_STREAM or RST_STREAM), or a GOAWAY or the close came. */
    boolean awaitStreamEnd(int streamId, Duration timeout) throws IOException {
        return awaitUntil(() -> stream(streamId).ended() || !goAways.isEmpty(), timeout);
    }

    boolean awaitPingAck(long payload, Duration timeout) throws IOException {
        return awaitUntil(() -> pingAcked(payload), timeout);
    }

    boolean pingAcked(long payload) {
        return pingAcks.contains(payload);
    }

    private void readFrame() throws IOException {
        byte[] header = in.readNBytes(9);
        if (header.length < 9) {
            throw new EOFException();
        }
        int length = ((header[0] & 0xff) << 16) | ((header[1] & 0xff) << 8) | (header[2] & 0xff);
        int type = header[3] & 0xff;
        int flags = header[4] & 0xff;
        int streamId = ByteBuffer.wrap(header, 5, 4).getInt() & 0x7fffffff;
        byte[] payload = in.readNBytes(length);
        if (payload.length < length) {
            throw new EOFException();
        }
        remember(type, flags, streamId, length);
        switch (type) {
            case DATA -> {
                StreamEvents s = stream(streamId);
                s.data.writeBytes(unpad(flags, payload));
                s.endStream |= (flags & FLAG_END_STREAM) != 0;
                if (length > 0) {
                    // give the window back at once, so any response can flow
                    windowUpdate(0, length).windowUpdate(streamId, length).flush();
                }
            }
            case HEADERS -> {
                byte[] block = unpad(flags, payload);
                if ((flags & FLAG_PRIORITY) != 0) {
                    block = java.util.Arrays.copyOfRange(block, 5, block.length);
                }
                startHeaderBlock(streamId, (flags & FLAG_END_STREAM) != 0, block);
                if ((flags & FLAG_END_HEADERS) != 0) {
                    endHeaderBlock();
                }
            }
            case CONTINUATION -> {
                if (headerBlock != null) {
                    headerBlock.writeBytes(payload);
                    if ((flags & FLAG_END_HEADERS) != 0) {
                        endHeaderBlock();
                    }
                }
            }
            case RST_STREAM -> {
                StreamEvents s = stream(streamId);
                if (s.resetCode == null) {
                    // the first reset is the answer; a later one is for frames sent before it arrived
                    s.resetCode = ByteBuffer.wrap(payload).getInt() & 0xffffffffL;
                }
            }
            case SETTINGS -> {
                if ((flags & FLAG_ACK) != 0) {
                    settingsAcks++;
                } else {
                    serverSettingsSeen = true;
                    frame(SETTINGS, FLAG_ACK, 0, new byte[0]).flush();
                }
            }
            case PING -> {
                long p = ByteBuffer.wrap(payload).getLong();
                if ((flags & FLAG_ACK) != 0) {
                    pingAcks.add(p);
                } else {
                    frame(PING, FLAG_ACK, 0, payload).flush();
                }
            }
            case GOAWAY -> {
                ByteBuffer b = ByteBuffer.wrap(payload);
                int last = b.getInt() & 0x7fffffff;
                long code = b.getInt() & 0xffffffffL;
                goAways.add(new GoAway(last, code, new String(payload, 8, payload.length - 8, UTF_8)));
            }
            default -> {
                // WINDOW_UPDATE, PRIORITY, unknown types: nothing to record beyond the frame log
            }
        }
    }

    private void startHeaderBlock(int streamId, boolean endStream, byte[] block) {
        headerBlock = Unpooled.buffer().writeBytes(block);
        headerBlockStream = streamId;
        headerBlockEndStream = endStream;
    }

    private void endHeaderBlock() throws IOException {
        ByteBuf block = headerBlock;
        headerBlock = null;
        if (block == null) {
            return;
        }
        try {
            StreamEvents s = stream(headerBlockStream);
            s.headers.add(hpackIn.decodeHeaders(headerBlockStream, block));
            s.endStream |= headerBlockEndStream;
        } catch (Http2Exception e) {
            throw new IOException("server sent a header block we cannot decode", e);
        } finally {
            block.release();
        }
    }

    private static byte[] unpad(int flags, byte[] payload) {
        if ((flags & FLAG_PADDED) == 0 || payload.length == 0) {
            return payload;
        }
        int pad = payload[0] & 0xff;
        return java.util.Arrays.copyOfRange(payload, 1, Math.max(1, payload.length - pad));
    }

    private void remember(int type, int flags, int streamId, int length) {
        if (lastFrames.size() == 16) {
            lastFrames.removeFirst();
        }
        lastFrames.addLast("type=" + type + " flags=0x" + Integer.toHexString(flags) + " stream=" + streamId
                + " length=" + length);
    }

    // ---------------------------------------------------------------- results

    StreamEvents stream(int streamId) {
        return streams.computeIfAbsent(streamId, id -> new StreamEvents());
    }

    Map<Integer, StreamEvents> streams() {
        return streams;
    }

    /**
     * The GOAWAY that tells why the connection ends: the first with an error code, else the last one (a graceful close
     * sends two, the second naming the last stream).
     */
    @Nullable
    GoAway goAway() {
        for (GoAway g : goAways) {
            if (g.errorCode() != NO_ERROR) {
                return g;
            }
        }
        return goAways.isEmpty() ? null : goAways.get(goAways.size() - 1);
    }

    /** Every GOAWAY received, in order. */
    List<GoAway> goAways() {
        return goAways;
    }

    /** Whether the server closed the connection (EOF or reset seen). */
    boolean isClosedByServer() {
        return closedByServer;
    }

    /** Whether a write found the connection already closed. */
    boolean writeFailed() {
        return writeFailed;
    }

    boolean serverSettingsSeen() {
        return serverSettingsSeen;
    }

    int settingsAcks() {
        return settingsAcks;
    }

    /** The last frames received, for failure messages. */
    String recentFrames() {
        return String.join("; ", lastFrames);
    }

    @Override
    public void close() {
        ByteBuf block = headerBlock;
        if (block != null) {
            block.release();
            headerBlock = null;
        }
        try {
            socket.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
