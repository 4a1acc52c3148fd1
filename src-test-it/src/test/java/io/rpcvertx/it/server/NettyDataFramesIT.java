package io.rpcvertx.it.server;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.rpcvertx.Channel;
import io.rpcvertx.Http2Transport;
import io.rpcvertx.MethodDescriptor;
import io.rpcvertx.MethodType;
import io.rpcvertx.RpcMethodHandler;
import io.rpcvertx.RpcVertx;
import io.rpcvertx.Server;
import io.rpcvertx.ServerOptions;
import io.rpcvertx.ServiceDefinition;
import io.rpcvertx.UnaryUnaryCall;
import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * How the Netty server's responses leave on the wire when many streams flush together: a proxy between channel and
 * server counts the DATA frames of each response stream.
 */
@ExtendWith(VertxExtension.class)
@Timeout(60)
class NettyDataFramesIT {
    static final MethodDescriptor<String, String> HOLD =
            MethodDescriptor.of(MethodType.UNARY_UNARY, StopLoad.SERVICE + "/Hold", StopLoad.UTF8, StopLoad.UTF8);
    /** Larger than Netty's default per-turn quantum (1 KiB), smaller than one DATA frame (16 KiB). */
    static final int RESPONSE_CHARS = 4096;

    record Held(Context context, Promise<String> response) {}

    Vertx vertx;
    Server server;
    NetServer proxy;
    NetClient proxyClient;
    Channel channel;
    final LinkedBlockingQueue<Held> held = new LinkedBlockingQueue<>();
    /** DATA frames with a payload, per stream id, that the server sent. */
    final Map<Integer, Integer> dataFrames = new ConcurrentHashMap<>();

    @BeforeEach
    void setUp(Vertx vertx) throws Exception {
        this.vertx = vertx;
        server = RpcVertx.server(vertx, ServerOptions.DEFAULT.withHttp2Transport(Http2Transport.NETTY));
        server.addGenericRpcHandlers(ServiceDefinition.of(
                StopLoad.SERVICE, RpcMethodHandler.unaryUnary(HOLD, (request, ctx) -> {
                    Promise<String> response = Promise.promise();
                    held.add(new Held(Vertx.currentContext(), response));
                    return response.future();
                })));
        int port = server.addInsecurePort("127.0.0.1:0").await(5, SECONDS);
        server.start().await(5, SECONDS);
        proxyClient = vertx.createNetClient();
        proxy = vertx.createNetServer().connectHandler(front -> {
            front.pause();
            proxyClient
                    .connect(port, "127.0.0.1")
                    .onSuccess(back -> {
                        front.handler(back::write);
                        Buffer[] pending = {Buffer.buffer()};
                        back.handler(data -> {
                            pending[0] = countFrames(pending[0].appendBuffer(data));
                            front.write(data);
                        });
                        front.closeHandler(v -> back.close());
                        back.closeHandler(v -> front.close());
                        front.resume();
                    })
                    .onFailure(e -> front.close());
        });
        int proxyPort = proxy.listen(0, "127.0.0.1").await(5, SECONDS).actualPort();
        channel = RpcVertx.insecureChannel(vertx, "127.0.0.1:" + proxyPort);
    }

    /** Counts the complete frames at the start of {@code bytes} (RFC 9113 4.1) and returns what follows them. */
    Buffer countFrames(Buffer bytes) {
        int at = 0;
        while (bytes.length() - at >= 9) {
            int length = bytes.getMedium(at);
            if (bytes.length() - at < 9 + length) {
                break;
            }
            int type = bytes.getByte(at + 3);
            int streamId = bytes.getInt(at + 5) & 0x7fffffff;
            if (type == 0 && length > 0) {
                dataFrames.merge(streamId, 1, Integer::sum);
            }
            at += 9 + length;
        }
        return bytes.getBuffer(at, bytes.length());
    }

    @AfterEach
    void tearDown() throws Exception {
        channel.close().await(5, SECONDS);
        server.stop(null).await(5, SECONDS);
        proxy.close().await(5, SECONDS);
        proxyClient.close().await(5, SECONDS);
    }

    @Test
    void responsesFlushedTogether_eachLeavesAsOneDataFrame() throws Exception {
        // Netty's flow controller shares the socket among the streams of one flush in turns; with its default 1 KiB
        // turn each of these 4 KiB responses left in four or five DATA frames
        assertEachResponseOneDataFrame(8);
    }

    @Test
    void responsesBeyondNettysDefaultWriteBufferFlushedTogether_eachLeavesAsOneDataFrame() throws Exception {
        // 128 KiB in one flush: with Netty's default 64 KiB write buffer the flow controller wrote them in two passes,
        // and cut the response at the boundary into two DATA frames
        assertEachResponseOneDataFrame(32);
    }

    /** {@code calls} held calls answered with 4 KiB each in one event-loop task, three times over. */
    void assertEachResponseOneDataFrame(int calls) throws Exception {
        String payload = "r".repeat(RESPONSE_CHARS);
        for (int round = 0; round < 3; round++) {
            dataFrames.clear();
            List<UnaryUnaryCall<String, String>> started = new ArrayList<>();
            for (int i = 0; i < calls; i++) {
                started.add(channel.unaryUnary(HOLD).call("c" + i));
            }
            List<Held> handlers = new ArrayList<>();
            for (int i = 0; i < calls; i++) {
                Held h = held.poll(5, SECONDS);
                assertThat(h).as("call %d reached its handler", i).isNotNull();
                handlers.add(h);
            }
            // one event-loop task answers them all (one connection, one loop): the responses leave in one flush
            handlers.get(0)
                    .context()
                    .runOnContext(v -> handlers.forEach(h -> h.response().complete(payload)));
            for (UnaryUnaryCall<String, String> call : started) {
                assertThat(call.response().await(5, SECONDS)).isEqualTo(payload);
            }

            assertThat(dataFrames).hasSize(calls);
            assertThat(dataFrames.values()).as("DATA frames per response").containsOnly(1);
        }
    }
}
