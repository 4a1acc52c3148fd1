package io.rpcvertx.impl.server;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.rpcvertx.Http2Transport;
import io.rpcvertx.Marshaller;
import io.rpcvertx.MethodDescriptor;
import io.rpcvertx.MethodType;
import io.rpcvertx.RpcMethodHandler;
import io.rpcvertx.ServerOptions;
import io.rpcvertx.ServiceDefinition;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.streams.WriteStream;
import io.vertx.junit5.VertxExtension;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Server-streamed responses on the Vert.x HTTP/2 transport take the in-place write (serialized straight behind their
 * prefix, {@code Http2ServerStream.writeMessage(Marshaller, T, int)}) when the marshaller announces its sizes: the peer
 * receives exactly the frames it would from {@code serialize()}, in order, under flow control, and a marshaller that
 * writes other than it announced ends the call with INTERNAL, after the messages written before it.
 */
@ExtendWith(VertxExtension.class)
@Timeout(60)
class VertxStreamingWriteTest {
    /** UTF-8 with the in-place methods; a message starting with "lie" announces one byte more than it writes. */
    static final Marshaller<String> IN_PLACE = new Marshaller<>() {
        @Override
        public Buffer serialize(String message) {
            return Buffer.buffer(message.getBytes(UTF_8));
        }

        @Override
        public String deserialize(Buffer data) {
            return data.toString(UTF_8);
        }

        @Override
        public int serializedSize(String message) {
            int n = message.getBytes(UTF_8).length;
            return message.startsWith("lie") ? n + 1 : n;
        }

        @Override
        public void serialize(String message, ByteBuffer out) {
            out.put(message.getBytes(UTF_8));
        }
    };

    static final MethodDescriptor<String, String> STREAM =
            MethodDescriptor.of(MethodType.UNARY_STREAM, "test.Write/Stream", IN_PLACE, IN_PLACE);

    Vertx vertx;
    HttpClient client;
    ServerImpl server;
    int port;

    @BeforeEach
    void setUp(Vertx vertx) throws Exception {
        this.vertx = vertx;
        client = vertx.createHttpClient(
                new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2).setHttp2ClearTextUpgrade(false));
        server = new ServerImpl(
                (VertxInternal) vertx,
                ServerOptions.DEFAULT.withIoInstances(1).withHttp2Transport(Http2Transport.VERTX_HTTP));
        // the request names how many replies, and the one (if any) whose marshaller lies: "count[,lieAt]"
        server.addGenericRpcHandlers(ServiceDefinition.of(
                "test.Write", RpcMethodHandler.unaryStream(STREAM, (req, ctx) -> {
                    String[] parts = req.split(",");
                    int count = Integer.parseInt(parts[0]);
                    int lieAt = parts.length > 1 ? Integer.parseInt(parts[1]) : -1;
                    WriteStream<String> out = ctx.responses();
                    List<Future<Void>> writes = new ArrayList<>();
                    for (int i = 0; i < count && !ctx.isDone(); i++) {
                        writes.add(out.write((i == lieAt ? "lie-" : "reply-") + i));
                    }
                    return Future.join(writes).mapEmpty();
                })));
        port = server.addInsecurePort("127.0.0.1:0").await(5, SECONDS);
        server.start().await(5, SECONDS);
    }

    @AfterEach
    void tearDown() throws Exception {
        client.close().await(5, SECONDS);
        server.stop(null).await(5, SECONDS);
    }

    @Test
    void manyReplies_beyondTheWindow_arriveAsExactFramesInOrder() throws Exception {
        // 5,000 frames of ~16 bytes: past the 64 KiB stream window of Vert.x's client, so writes wait for drains
        Buffer body = call("5000").await(20, SECONDS);
        Buffer expected = Buffer.buffer();
        for (int i = 0; i < 5000; i++) {
            byte[] m = ("reply-" + i).getBytes(UTF_8);
            expected.appendByte((byte) 0).appendInt(m.length).appendBytes(m);
        }
        assertThat(body.length()).isEqualTo(expected.length());
        assertThat(body).isEqualTo(expected);
        assertThat(status).isEqualTo("0");
    }

    @Test
    void marshallerWritesLessThanItAnnounced_callEndsInternal_afterTheRepliesBefore() throws Exception {
        Buffer body = call("10,3").await(10, SECONDS);
        Buffer expected = Buffer.buffer();
        for (int i = 0; i < 3; i++) {
            byte[] m = ("reply-" + i).getBytes(UTF_8);
            expected.appendByte((byte) 0).appendInt(m.length).appendBytes(m);
        }
        assertThat(body).isEqualTo(expected); // nothing of the lying message, nothing after it
        assertThat(status).isEqualTo("13");
    }

    private volatile String status;

    /** One raw gRPC call; the response body (its frames), with the grpc-status in {@link #status}. */
    private Future<Buffer> call(String request) {
        return RawGrpcCall.call(client, port, STREAM.fullMethodName(), request).map(r -> {
            status = r.grpcStatus();
            return r.body();
        });
    }
}
