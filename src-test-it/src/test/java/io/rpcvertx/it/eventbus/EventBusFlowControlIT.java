package io.rpcvertx.it.eventbus;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.rpcvertx.Channel;
import io.rpcvertx.ChannelOptions;
import io.rpcvertx.Marshaller;
import io.rpcvertx.MethodDescriptor;
import io.rpcvertx.MethodType;
import io.rpcvertx.RpcMethodHandler;
import io.rpcvertx.RpcVertx;
import io.rpcvertx.Server;
import io.rpcvertx.ServiceDefinition;
import io.rpcvertx.StatusCode;
import io.rpcvertx.UnaryStreamCall;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.streams.ReadStream;
import io.vertx.junit5.VertxExtension;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Memory stays bounded over the event bus while a reader is paused: the writer is held by message credit, as an HTTP/2
 * window holds it, and the heap does not grow with what the writer would send.
 */
@ExtendWith(VertxExtension.class)
@Timeout(120)
class EventBusFlowControlIT {
    static final int MESSAGE_BYTES = 1024 * 1024;
    /** What an unbounded writer would push: 1 GiB, far beyond the test JVM's heap growth budget. */
    static final int MESSAGES = 1024;

    static final MethodDescriptor<byte[], byte[]> FLOOD = MethodDescriptor.of(
            MethodType.UNARY_STREAM, "rpcvertx.it.eventbus.Flow/Flood", Marshaller.BYTES, Marshaller.BYTES);
    static final MethodDescriptor<byte[], byte[]> ECHO = MethodDescriptor.of(
            MethodType.UNARY_UNARY, "rpcvertx.it.eventbus.Flow/Echo", Marshaller.BYTES, Marshaller.BYTES);

    Server server;
    Channel channel;
    Channel other;

    @AfterEach
    void tearDown() throws Exception {
        if (channel != null) {
            channel.close().await(5, SECONDS);
        }
        if (other != null) {
            other.close().await(5, SECONDS);
        }
        if (server != null) {
            server.stop(null).await(10, SECONDS);
        }
    }

    @Test
    void unaryStream_readerPaused_writerHeldAndHeapBounded_thenEverythingArrives(Vertx vertx) throws Exception {
        AtomicInteger written = new AtomicInteger();
        AtomicBoolean writePending = new AtomicBoolean();
        byte[] payload = new byte[MESSAGE_BYTES];
        server = RpcVertx.server(vertx);
        server.addGenericRpcHandlers(ServiceDefinition.of(
                "rpcvertx.it.eventbus.Flow",
                RpcMethodHandler.unaryUnary(ECHO, (request, ctx) -> Future.succeededFuture(request)),
                RpcMethodHandler.unaryStream(FLOOD, (request, ctx) -> {
                    Promise<Void> done = Promise.promise();
                    new Object() {
                        void next() {
                            while (written.get() < MESSAGES) {
                                Future<Void> write = ctx.write(payload);
                                if (!write.isComplete()) {
                                    writePending.set(true);
                                    write.onComplete(ar -> {
                                        writePending.set(false);
                                        if (ar.failed()) {
                                            done.tryFail(ar.cause());
                                        } else {
                                            written.incrementAndGet();
                                            next();
                                        }
                                    });
                                    return;
                                }
                                written.incrementAndGet();
                            }
                            done.tryComplete();
                        }
                    }.next();
                    return done.future();
                })));
        String address = "flow-" + UUID.randomUUID();
        server.addEventBusPort(address).await(5, SECONDS);
        server.start().await(10, SECONDS);
        channel = RpcVertx.eventBusChannel(vertx, address, ChannelOptions.DEFAULT);
        other = RpcVertx.eventBusChannel(vertx, address, ChannelOptions.DEFAULT);
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        System.gc();
        long before = memory.getHeapMemoryUsage().getUsed();

        UnaryStreamCall<byte[], byte[]> call = channel.unaryStream(FLOOD).call(new byte[0]);
        ReadStream<byte[]> responses = call.responses();
        responses.pause();
        AtomicInteger received = new AtomicInteger();
        Promise<Void> ended = Promise.promise();
        responses.handler(m -> received.incrementAndGet());
        responses.endHandler(ended::tryComplete);
        responses.exceptionHandler(ended::tryFail);

        // held: a write waits, and no message went through during a whole round trip on another channel
        int last = -1;
        int stalledAt = -1;
        for (int round = 0; round < 500 && stalledAt < 0; round++) {
            other.unaryUnary(ECHO).call(new byte[1]).response().await(5, SECONDS);
            int now = written.get();
            if (now == last && writePending.get()) {
                stalledAt = now;
            }
            last = now;
        }
        System.gc();
        long growth = memory.getHeapMemoryUsage().getUsed() - before;
        System.out.println("event bus, paused reader: the writer was held after " + stalledAt + " messages of "
                + MESSAGE_BYTES + " bytes; heap growth " + growth / 1024 + " KiB (an unbounded writer: "
                + (long) MESSAGES * MESSAGE_BYTES / 1024 + " KiB)");

        assertThat(stalledAt).as("the writer settles, held by credit").isBetween(1, 64);
        assertThat(received.get()).isZero();
        assertThat(growth).as("heap growth while the reader is paused").isLessThan(96L * 1024 * 1024);
        responses.resume();
        ended.future().await(60, SECONDS);
        assertThat(received.get()).isEqualTo(MESSAGES);
        assertThat(call.code().await(5, SECONDS)).isEqualTo(StatusCode.OK);
    }
}
