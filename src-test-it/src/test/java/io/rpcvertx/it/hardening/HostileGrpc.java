package io.rpcvertx.it.hardening;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.rpcvertx.Marshaller;
import io.rpcvertx.MethodDescriptor;
import io.rpcvertx.MethodType;
import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPOutputStream;
import org.jspecify.annotations.Nullable;

/** gRPC pieces for {@link HostileServer} scripts: headers, trailers, length-prefixed messages, the test methods. */
final class HostileGrpc {
    static final String SERVICE = "hostile.Test";
    static final Marshaller<String> UTF8 = Marshaller.of(
            s -> Buffer.buffer(s.getBytes(StandardCharsets.UTF_8)), b -> b.toString(StandardCharsets.UTF_8));
    static final MethodDescriptor<String, String> UNARY =
            MethodDescriptor.of(MethodType.UNARY_UNARY, SERVICE + "/Unary", UTF8, UTF8);
    static final MethodDescriptor<String, String> SERVER_STREAM =
            MethodDescriptor.of(MethodType.UNARY_STREAM, SERVICE + "/ServerStream", UTF8, UTF8);
    static final MethodDescriptor<String, String> CLIENT_STREAM =
            MethodDescriptor.of(MethodType.STREAM_UNARY, SERVICE + "/ClientStream", UTF8, UTF8);
    static final MethodDescriptor<String, String> BIDI =
            MethodDescriptor.of(MethodType.STREAM_STREAM, SERVICE + "/Bidi", UTF8, UTF8);
    /** A method the server answers correctly, whatever else it does on the connection. */
    static final MethodDescriptor<String, String> HEALTHY =
            MethodDescriptor.of(MethodType.UNARY_UNARY, SERVICE + "/Healthy", UTF8, UTF8);

    private HostileGrpc() {}

    /** {@code :status 200} and {@code content-type: application/grpc}. */
    static Http2Headers responseHeaders() {
        return new DefaultHttp2Headers(false).status("200").add("content-type", "application/grpc");
    }

    /** Trailers with {@code grpc-status} (and {@code grpc-message} unless null). */
    static Http2Headers trailers(int status, @Nullable String message) {
        Http2Headers t = new DefaultHttp2Headers(false).add("grpc-status", Integer.toString(status));
        if (message != null) {
            t.add("grpc-message", message);
        }
        return t;
    }

    static Http2Headers ok() {
        return new DefaultHttp2Headers(false).add("grpc-status", "0");
    }

    /** One length-prefixed message, flag 0. */
    static ByteBuf message(String text) {
        return message(text.getBytes(StandardCharsets.UTF_8), 0);
    }

    /** One length-prefixed message with this flag byte and the true length. */
    static ByteBuf message(byte[] payload, int flag) {
        return prefixed(payload, flag, payload.length);
    }

    /** A message whose prefix declares {@code declaredLength}, whatever the payload's length. */
    static ByteBuf prefixed(byte[] payload, int flag, long declaredLength) {
        ByteBuf b = Unpooled.buffer(5 + payload.length);
        b.writeByte(flag);
        b.writeInt((int) declaredLength);
        b.writeBytes(payload);
        return b;
    }

    static byte[] gzip(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(out)) {
            z.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** gzip of {@code n} zero bytes, made in pieces so the input never exists as one array. */
    static byte[] gzipZeros(int n) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] zeros = new byte[64 * 1024];
        try (GZIPOutputStream z = new GZIPOutputStream(out, 64 * 1024)) {
            for (int left = n; left > 0; left -= zeros.length) {
                z.write(zeros, 0, Math.min(left, zeros.length));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** The text of the first request message of a stream's body, or "" when there is none. */
    static String firstMessage(byte[] body) {
        if (body.length < 5) {
            return "";
        }
        int len = ((body[1] & 0xFF) << 24) | ((body[2] & 0xFF) << 16) | ((body[3] & 0xFF) << 8) | (body[4] & 0xFF);
        return new String(body, 5, Math.min(len, body.length - 5), StandardCharsets.UTF_8);
    }

    /** Answers {@code stream} correctly once its request ended: headers, {@code echo:<request>}, OK. */
    static void answerHealthy(HostileServer.HostileStream stream) {
        stream.whenRequestEnds(() -> {
            stream.headers(responseHeaders(), false);
            stream.data(message("echo:" + firstMessage(stream.requestBytes())), false);
            stream.trailers(ok());
        });
    }
}
