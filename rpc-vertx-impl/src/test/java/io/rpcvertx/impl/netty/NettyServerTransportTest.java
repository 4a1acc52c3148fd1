package io.rpcvertx.impl.netty;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.rpcvertx.Channel;
import io.rpcvertx.Compression;
import io.rpcvertx.Http2Transport;
import io.rpcvertx.Marshaller;
import io.rpcvertx.MethodDescriptor;
import io.rpcvertx.MethodType;
import io.rpcvertx.RpcMethodHandler;
import io.rpcvertx.RpcVertx;
import io.rpcvertx.Server;
import io.rpcvertx.ServerOptions;
import io.rpcvertx.ServiceDefinition;
import io.rpcvertx.StatusCode;
import io.rpcvertx.UnaryStreamCall;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;
import io.vertx.core.streams.WriteStream;
import io.vertx.junit5.VertxExtension;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the Netty server transport does beyond the shared wire rules (those run on both transports in
 * ServerWireRulesTest, ServerConnectionTest and the contract suite): Unix domain sockets serve as TCP ports do, and
 * streamed responses are serialized straight into the stream's outbound buffer, with the unary path's failure rules.
 */
@ExtendWith(VertxExtension.class)
@Timeout(30)
class NettyServerTransportTest {
    static final Marshaller<String> UTF8 = Marshaller.of(s -> Buffer.buffer(s.getBytes(UTF_8)), b -> b.toString(UTF_8));
    static final MethodDescriptor<String, String> ECHO =
            MethodDescriptor.of(MethodType.UNARY_UNARY, "test.Netty/Echo", UTF8, UTF8);
    /** The client's view of {@link #STREAM}: it reads with the plain marshaller. */
    static final MethodDescriptor<String, String> STREAM_CLIENT =
            MethodDescriptor.of(MethodType.UNARY_STREAM, "test.Netty/Stream", UTF8, UTF8);

    /**
     * Strings as ISO-8859-1 bytes, with the in-place methods; records the buffers it serializes into. A message
     * {@code "short"} is written one byte short of the size announced, {@code "long"} one byte long.
     */
    static final class InPlaceMarshaller implements Marshaller<String> {
        final List<ByteBuffer> targets = new CopyOnWriteArrayList<>();
        final List<Integer> positions = new CopyOnWriteArrayList<>();
        final AtomicInteger plainCalls = new AtomicInteger();

        @Override
        public Buffer serialize(String message) {
            plainCalls.incrementAndGet();
            return Buffer.buffer(message.getBytes(ISO_8859_1));
        }

        @Override
        public String deserialize(Buffer data) {
            return data.toString(ISO_8859_1);
        }

        @Override
        public int serializedSize(String message) {
            return message.length();
        }

        @Override
        public void serialize(String message, ByteBuffer out) {
            targets.add(out);
            positions.add(out.position());
            String written = switch (message) {
                case "short" -> "shor";
                case "long" -> "longer";
                default -> message;
            };
            out.put(written.getBytes(ISO_8859_1));
        }
    }

    final InPlaceMarshaller inPlace = new InPlaceMarshaller();
    /** Streams the request's comma-separated words, all in one turn, through {@link #inPlace}. */
    final MethodDescriptor<String, String> STREAM =
            MethodDescriptor.of(MethodType.UNARY_STREAM, "test.Netty/Stream", UTF8, inPlace);

    final List<Future<Void>> writes = new CopyOnWriteArrayList<>();
    /** Streams the number of 1000-byte messages the request asks for, paced by writeQueueFull and drain. */
    final MethodDescriptor<String, String> FLOOD =
            MethodDescriptor.of(MethodType.UNARY_STREAM, "test.Netty/Flood", UTF8, inPlace);

    static final MethodDescriptor<String, String> FLOOD_CLIENT =
            MethodDescriptor.of(MethodType.UNARY_STREAM, "test.Netty/Flood", UTF8, UTF8);
    /** The number of messages {@link #FLOOD} had written when its stream first reported writeQueueFull. */
    final CompletableFuture<Integer> writtenWhenFull = new CompletableFuture<>();

    final AtomicInteger drains = new AtomicInteger();

    Vertx vertx;
    final List<Server> servers = new ArrayList<>();
    final List<Channel> channels = new ArrayList<>();

    @BeforeEach
    void setUp(Vertx vertx) {
        this.vertx = vertx;
    }

    @AfterEach
    void tearDown() throws Exception {
        for (Channel c : channels) {
            c.close().await(5, SECONDS);
        }
        for (Server s : servers) {
            s.stop(null).await(5, SECONDS);
        }
    }

    Server server(Http2Transport transport) {
        return server(ServerOptions.DEFAULT.withHttp2Transport(transport));
    }

    Server server(ServerOptions options) {
        Server server = RpcVertx.server(vertx, options.withIoInstances(1));
        servers.add(server);
        server.addGenericRpcHandlers(ServiceDefinition.of(
                "test.Netty",
                RpcMethodHandler.unaryUnary(ECHO, (req, ctx) -> Future.succeededFuture("echo:" + req)),
                RpcMethodHandler.unaryStream(STREAM, (req, ctx) -> {
                    if (req.startsWith("gzip:")) {
                        ctx.setCompression(Compression.GZIP);
                        req = req.substring(5);
                    }
                    for (String word : req.split(",")) {
                        writes.add(ctx.write(word));
                    }
                    return Future.all(writes).mapEmpty();
                }),
                RpcMethodHandler.unaryStream(FLOOD, (req, ctx) -> {
                    WriteStream<String> out = ctx.responses();
                    String message = "x".repeat(1000);
                    Promise<Void> done = Promise.promise();
                    new Object() {
                        int written;

                        void pump() {
                            while (written < Integer.parseInt(req) && !out.writeQueueFull()) {
                                written++;
                                out.write(message);
                            }
                            if (written == Integer.parseInt(req)) {
                                done.complete();
                            } else {
                                writtenWhenFull.complete(written);
                                out.drainHandler(v -> {
                                    drains.incrementAndGet();
                                    pump();
                                });
                            }
                        }
                    }.pump();
                    return done.future();
                })));
        return server;
    }

    /** A channel to a started Netty server with {@code options}. */
    Channel channelTo(ServerOptions options) throws Exception {
        Server server = server(options.withHttp2Transport(Http2Transport.NETTY));
        int port = server.addInsecurePort("127.0.0.1:0").await(5, SECONDS);
        server.start().await(5, SECONDS);
        Channel channel = RpcVertx.insecureChannel(vertx, "127.0.0.1:" + port);
        channels.add(channel);
        return channel;
    }

    /** The responses of one {@link #STREAM} call and its status. */
    record Streamed(List<String> responses, StatusCode code, String details) {}

    Streamed stream(Channel channel, String request) throws Exception {
        UnaryStreamCall<String, String> call =
                channel.unaryStream(STREAM_CLIENT).call(request);
        List<String> responses = new CopyOnWriteArrayList<>();
        Promise<Void> ended = Promise.promise();
        call.responses()
                .exceptionHandler(e -> ended.tryComplete())
                .endHandler(v -> ended.tryComplete())
                .handler(responses::add);
        ended.future().await(5, SECONDS);
        return new Streamed(
                responses, call.code().await(5, SECONDS), call.details().await(5, SECONDS));
    }

    @Test
    void serverStreaming_inPlaceMarshaller_messagesOfOneTurnSerializedBehindEachOtherInOneBuffer() throws Exception {
        Channel channel = channelTo(ServerOptions.DEFAULT);

        Streamed s = stream(channel, "a,bb,ccc,dddd");

        assertThat(s.responses()).containsExactly("a", "bb", "ccc", "dddd");
        assertThat(s.code()).isEqualTo(StatusCode.OK);
        assertThat(inPlace.plainCalls).hasValue(0);
        // one buffer for the flush: each message right behind the previous one and its 5-byte prefix
        assertThat(inPlace.targets).hasSize(4);
        int first = inPlace.positions.get(0);
        assertThat(inPlace.positions).containsExactly(first, first + 1 + 5, first + 3 + 10, first + 6 + 15);
        assertThat(writes).allSatisfy(f -> assertThat(f.succeeded()).isTrue());
    }

    @Test
    void serverStreaming_inPlaceWrites_pausedReader_writerHeldByFlowControlUntilItReads() throws Exception {
        Channel channel = channelTo(ServerOptions.DEFAULT);
        int count = 4000; // 4 MB: more than the client's stream window and the stream's own buffer together

        UnaryStreamCall<String, String> call = channel.unaryStream(FLOOD_CLIENT).call(String.valueOf(count));
        ReadStream<String> responses = call.responses();
        responses.pause();
        AtomicInteger received = new AtomicInteger();
        Promise<Void> ended = Promise.promise();
        responses
                .exceptionHandler(ended::tryFail)
                .endHandler(v -> ended.tryComplete())
                .handler(m -> {
                    assertThat(m).hasSize(1000);
                    received.incrementAndGet();
                });

        int writtenBeforeFull = writtenWhenFull.get(5, SECONDS);
        assertThat(writtenBeforeFull).isLessThan(count);
        responses.resume();
        ended.future().await(10, SECONDS);

        assertThat(received).hasValue(count);
        assertThat(call.code().await(5, SECONDS)).isEqualTo(StatusCode.OK);
        assertThat(drains.get()).isPositive();
        assertThat(inPlace.plainCalls).hasValue(0);
    }

    @Test
    void serverStreaming_marshallerWritesLessThanAnnounced_failsInternalAfterTheMessagesBefore() throws Exception {
        Channel channel = channelTo(ServerOptions.DEFAULT);

        Streamed s = stream(channel, "a,short,b");

        assertThat(s.responses()).containsExactly("a");
        assertThat(s.code()).isEqualTo(StatusCode.INTERNAL);
        assertThat(s.details()).isEqualTo("Failed to serialize response");
        assertThat(writes.get(1).failed()).isTrue();
    }

    @Test
    void serverStreaming_marshallerWritesMoreThanAnnounced_failsInternal() throws Exception {
        Channel channel = channelTo(ServerOptions.DEFAULT);

        Streamed s = stream(channel, "a,long");

        assertThat(s.responses()).containsExactly("a");
        assertThat(s.code()).isEqualTo(StatusCode.INTERNAL);
        assertThat(s.details()).isEqualTo("Failed to serialize response");
    }

    @Test
    void serverStreaming_messageOverMaxSendLength_failsResourceExhausted() throws Exception {
        Channel channel = channelTo(ServerOptions.DEFAULT.withMaxSendMessageLength(3));

        Streamed s = stream(channel, "abc,abcd");

        assertThat(s.responses()).containsExactly("abc");
        assertThat(s.code()).isEqualTo(StatusCode.RESOURCE_EXHAUSTED);
        assertThat(s.details()).isEqualTo("Sent message larger than max (4 vs. 3)");
        assertThat(inPlace.plainCalls).hasValue(0);
    }

    @Test
    void serverStreaming_compressed_messagesAreSerializedThenCompressed() throws Exception {
        Channel channel = channelTo(ServerOptions.DEFAULT);

        Streamed s = stream(channel, "gzip:a,bb,ccc");

        assertThat(s.responses()).containsExactly("a", "bb", "ccc");
        assertThat(s.code()).isEqualTo(StatusCode.OK);
        // a compressed message cannot be written in place: serialized, compressed, then copied into the buffer
        assertThat(inPlace.plainCalls).hasValue(3);
        assertThat(inPlace.targets).isEmpty();
    }

    @Test
    void unixDomainSocket_unaryRoundTrip(@TempDir Path dir) throws Exception {
        Path socket = dir.resolve("netty.sock");
        Server server = server(Http2Transport.NETTY);
        server.addInsecurePort("unix:" + socket).await(5, SECONDS);
        server.start().await(5, SECONDS);
        Channel channel = RpcVertx.insecureChannel(vertx, "unix:" + socket);
        channels.add(channel);

        String reply = channel.unaryUnary(ECHO).call("hi").response().await(5, SECONDS);

        assertThat(reply).isEqualTo("echo:hi");
    }
}
