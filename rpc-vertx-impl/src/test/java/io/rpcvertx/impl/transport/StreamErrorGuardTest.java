package io.rpcvertx.impl.transport;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.junit5.VertxExtension;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A client resets a stream (RST_STREAM CANCEL) in the same read as the request's last DATA frame, so the server's
 * answer is written into Netty's flow controller and, before the read's flush, cancelled by the reset. Netty fails
 * those frames' listener-less writes into the pipeline's {@code exceptionCaught}, where Vert.x 5.0.10's HTTP/2
 * handler closes the whole connection: every other call on it fails. {@link StreamErrorGuard} keeps that error to its
 * stream. The client here is a raw socket, so the frames and their grouping into one read are exact.
 */
@ExtendWith(VertxExtension.class)
@Timeout(30)
class StreamErrorGuardTest {
    private static final int DATA = 0x0;
    private static final int HEADERS = 0x1;
    private static final int RST_STREAM = 0x3;
    private static final int SETTINGS = 0x4;
    private static final int GOAWAY = 0x7;
    private static final int END_STREAM = 0x1;
    private static final int END_HEADERS = 0x4;
    private static final int CANCEL = 0x8;
    private static final int ROUNDS = 20;

    HttpServer server;

    @AfterEach
    void tearDown() throws Exception {
        if (server != null) {
            server.close().await(5, SECONDS);
        }
    }

    @Test
    void guardedServer_aResetCancellingAQueuedAnswer_endsOnlyThatStream(Vertx vertx) throws Exception {
        int port = start(vertx, true);

        for (int round = 0; round < ROUNDS; round++) {
            assertThat(resetThenCall(port)).as("round %d", round).isEqualTo("stream 3 answered");
        }
    }

    /** Why the guard exists: if Vert.x stops closing the connection here, the guard may go. */
    @Test
    void unguardedVertxServer_aResetCancellingAQueuedAnswer_closesTheConnection(Vertx vertx) throws Exception {
        int port = start(vertx, false);

        // every round closes (500 of 500 when measured); each logs Vert.x's NPE of a second bug on that close
        for (int round = 0; round < 3; round++) {
            assertThat(resetThenCall(port)).as("round %d", round).startsWith("closed");
        }
    }

    private int start(Vertx vertx, boolean guard) throws Exception {
        server = vertx.createHttpServer()
                .connectionHandler(conn -> {
                    if (guard) {
                        StreamErrorGuard.install(conn);
                    }
                })
                .requestHandler(req -> req.body().onSuccess(body -> reply(req.response())));
        return server.listen(0, "127.0.0.1").await(5, SECONDS).actualPort();
    }

    private static void reply(HttpServerResponse resp) {
        resp.putHeader("content-type", "application/grpc");
        resp.write(Buffer.buffer().appendByte((byte) 0).appendInt(2).appendString("ok"));
        resp.putTrailer("grpc-status", "0");
        resp.end();
    }

    /**
     * In one write: a call on stream 1 with its end, its RST_STREAM CANCEL, then a call on stream 3. Returns what
     * became of the connection: "stream 3 answered", or "closed" (with the GOAWAY's error code if one came).
     */
    private static String resetThenCall(int port) throws Exception {
        ByteBuf out = Unpooled.buffer();
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            out.writeBytes(Http2CodecUtil.connectionPrefaceBuf());
            frame(out, SETTINGS, 0, 0, Unpooled.EMPTY_BUFFER);
            call(out, 1, port);
            ByteBuf cancel = Unpooled.buffer(4).writeInt(CANCEL);
            frame(out, RST_STREAM, 0, 1, cancel);
            cancel.release();
            call(out, 3, port);
            OutputStream os = socket.getOutputStream();
            byte[] bytes = new byte[out.readableBytes()];
            out.readBytes(bytes);
            os.write(bytes);
            os.flush();
            return readUntilStream3Ends(new DataInputStream(socket.getInputStream()));
        } finally {
            out.release();
        }
    }

    private static String readUntilStream3Ends(DataInputStream in) throws IOException {
        String goAway = "";
        try {
            while (true) {
                int length = in.readUnsignedByte() << 16 | in.readUnsignedShort();
                int type = in.readUnsignedByte();
                int flags = in.readUnsignedByte();
                int stream = in.readInt() & Integer.MAX_VALUE;
                byte[] payload = new byte[length];
                in.readFully(payload);
                if (type == GOAWAY) {
                    goAway = " after GOAWAY code "
                            + Unpooled.wrappedBuffer(payload).getInt(4);
                } else if (stream == 3 && (type == HEADERS || type == DATA) && (flags & END_STREAM) != 0) {
                    return "stream 3 answered";
                }
            }
        } catch (EOFException | SocketException e) {
            return "closed" + goAway;
        }
    }

    private static void call(ByteBuf out, int stream, int port) throws Http2Exception {
        Http2Headers headers = new DefaultHttp2Headers()
                .method("POST")
                .scheme("http")
                .path("/test.Wire/Unary")
                .authority("127.0.0.1:" + port)
                .add("content-type", "application/grpc")
                .add("te", "trailers");
        ByteBuf block = Unpooled.buffer();
        new DefaultHttp2HeadersEncoder().encodeHeaders(stream, headers, block);
        frame(out, HEADERS, END_HEADERS, stream, block);
        block.release();
        byte[] message = "hi".getBytes(UTF_8);
        ByteBuf data = Unpooled.buffer().writeByte(0).writeInt(message.length).writeBytes(message);
        frame(out, DATA, END_STREAM, stream, data);
        data.release();
    }

    private static void frame(ByteBuf out, int type, int flags, int stream, ByteBuf payload) {
        out.writeMedium(payload.readableBytes());
        out.writeByte(type);
        out.writeByte(flags);
        out.writeInt(stream);
        out.writeBytes(payload);
    }
}
