package io.rpcvertx.examples.bench;

import io.rpcvertx.Channel;
import io.rpcvertx.ChannelOptions;
import io.rpcvertx.RpcVertx;
import io.rpcvertx.UnaryStreamCall;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.streams.ReadStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A closed-loop load client of {@code bench.Echo} on rpc-vertx channels: {@code connections} channels, each driven by
 * its own verticle (so its calls and their callbacks stay on the channel's event loop, with no hops), each keeping
 * {@code concurrency} calls outstanding. Every slot starts its next call when the previous one has ended; calls that end
 * inside the measured window are counted.
 *
 * <p>Vert.x runs {@code eventLoops} event loops on the native epoll transport when it is available, with 1 MiB HTTP/2
 * windows (as the bench servers). The calls have no deadline.
 */
public final class BenchClient {
    /** The {@code client=} name in the result line. */
    public static final String NAME = "rpc-vertx";

    /** How long calls still in flight when the window closes may take to end before the run fails. */
    static final Duration DRAIN_LIMIT = Duration.ofSeconds(30);

    static final int WINDOW_BYTES = 1024 * 1024;

    private BenchClient() {}

    /**
     * Runs the load on a Vert.x instance of its own and closes it; blocks the calling thread, which must not be an
     * event loop, for about {@code warmup + duration}.
     *
     * @throws Exception if connecting, or ending the calls in flight after the window, fails or takes too long
     */
    public static BenchResult run(BenchClientConfig config) throws Exception {
        Vertx vertx = Vertx.vertx(
                new VertxOptions().setPreferNativeTransport(true).setEventLoopPoolSize(config.eventLoops()));
        try {
            return run(vertx, config);
        } finally {
            vertx.close().await(DRAIN_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Runs the load with {@code vertx}'s event loops (the connections are spread over them) and closes its channels;
     * blocks the calling thread, which must not be an event loop.
     */
    public static BenchResult run(Vertx vertx, BenchClientConfig config) throws Exception {
        List<Connection> connections = new ArrayList<>();
        List<String> deployments = new ArrayList<>();
        try {
            for (int i = 0; i < config.connections(); i++) {
                Connection connection = new Connection(config);
                connections.add(connection);
                deployments.add(vertx.deployVerticle(connection).await(DRAIN_LIMIT.toMillis(), TimeUnit.MILLISECONDS));
            }
            BenchWindow window = BenchWindow.startingNow(config);
            List<Future<Void>> stopped = new ArrayList<>();
            for (Connection connection : connections) {
                stopped.add(connection.load(window));
            }
            long cpuNanos = window.processCpuNanosInside();
            Future.all(stopped).await(DRAIN_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
            List<BenchResult.Slot> slots = new ArrayList<>();
            for (Connection connection : connections) {
                slots.addAll(connection.slots);
            }
            return BenchResult.Slot.sum(NAME, config, window, cpuNanos, slots);
        } finally {
            for (String id : deployments) {
                vertx.undeploy(id).await(DRAIN_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
            }
        }
    }

    /** One channel and its load slots, all on the verticle's event loop. */
    private static final class Connection extends VerticleBase {
        private final BenchClientConfig config;
        private final EchoRequest unaryRequest;
        private final StreamRequest streamRequest;
        /** Filled on the event loop before {@code stopped} completes; read after it. */
        final List<BenchResult.Slot> slots = new ArrayList<>();

        private Channel channel;
        private EchoStub stub;
        private int running;
        private final Promise<Void> stopped = Promise.promise();

        Connection(BenchClientConfig config) {
            this.config = config;
            String message = config.message();
            this.unaryRequest = EchoRequest.newBuilder().setMessage(message).build();
            this.streamRequest = StreamRequest.newBuilder()
                    .setMessage(message)
                    .setCount(config.streamMessages())
                    .build();
        }

        @Override
        public Future<?> start() {
            channel = RpcVertx.insecureChannel(
                    vertx,
                    config.target(),
                    ChannelOptions.DEFAULT
                            .withInitialWindowSize(WINDOW_BYTES)
                            .withConnectionWindowSize(WINDOW_BYTES)
                            .withHttp2Transport(config.http2Transport()));
            stub = EchoGrpc.newStub(channel);
            return channel.channelReady();
        }

        @Override
        public Future<?> stop() {
            return channel.close();
        }

        /** Starts the slots on this verticle's event loop; completes once every slot has stopped after the window. */
        Future<Void> load(BenchWindow window) {
            context.runOnContext(v -> {
                running = config.concurrency();
                for (int i = 0; i < config.concurrency(); i++) {
                    BenchResult.Slot slot = new BenchResult.Slot();
                    slots.add(slot);
                    if (config.mode() == BenchClientConfig.Mode.UNARY) {
                        new UnarySlot(window, slot).next();
                    } else {
                        new StreamSlot(window, slot).next();
                    }
                }
            });
            return stopped.future();
        }

        private void slotStopped() {
            if (--running == 0) {
                stopped.complete();
            }
        }

        /** Keeps one {@code UnaryEcho} call outstanding until the window closes. */
        private final class UnarySlot implements Handler<AsyncResult<EchoReply>> {
            private final BenchWindow window;
            private final BenchResult.Slot slot;
            private long start;

            UnarySlot(BenchWindow window, BenchResult.Slot slot) {
                this.window = window;
                this.slot = slot;
            }

            void next() {
                start = System.nanoTime();
                if (window.isOver(start)) {
                    slotStopped();
                    return;
                }
                stub.unaryEcho(unaryRequest).response().onComplete(this);
            }

            @Override
            public void handle(AsyncResult<EchoReply> result) {
                long end = System.nanoTime();
                if (result.succeeded()) {
                    slot.ok(window, start, end, 1);
                    next();
                } else {
                    slot.failed(result.cause());
                    // a failing server fails calls at once: pace the retries instead of spinning (or recursing)
                    vertx.setTimer(1, t -> next());
                }
            }
        }

        /** Keeps one {@code StreamEcho} call outstanding until the window closes, reading every reply. */
        private final class StreamSlot {
            private final BenchWindow window;
            private final BenchResult.Slot slot;
            private long start;
            private long replies;
            private final Handler<EchoReply> onReply = reply -> replies++;
            private final Handler<Void> onEnd = v -> ended();
            private final Handler<Throwable> onFailure = this::failed;

            StreamSlot(BenchWindow window, BenchResult.Slot slot) {
                this.window = window;
                this.slot = slot;
            }

            void next() {
                start = System.nanoTime();
                if (window.isOver(start)) {
                    slotStopped();
                    return;
                }
                replies = 0;
                UnaryStreamCall<StreamRequest, EchoReply> call = stub.streamEcho(streamRequest);
                ReadStream<EchoReply> responses = call.responses();
                responses.exceptionHandler(onFailure).endHandler(onEnd).handler(onReply);
            }

            private void ended() {
                long end = System.nanoTime();
                if (replies == config.streamMessages()) {
                    slot.ok(window, start, end, replies);
                } else {
                    slot.failed(new IllegalStateException(
                            "StreamEcho: " + replies + " replies (expected: " + config.streamMessages() + ")"));
                }
                next();
            }

            private void failed(Throwable failure) {
                slot.failed(failure);
                vertx.setTimer(1, t -> next());
            }
        }
    }
}
