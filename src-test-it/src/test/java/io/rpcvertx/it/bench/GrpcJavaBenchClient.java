package io.rpcvertx.it.bench;

import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.stub.StreamObserver;
import io.rpcvertx.examples.bench.BenchClientConfig;
import io.rpcvertx.examples.bench.BenchResult;
import io.rpcvertx.examples.bench.BenchWindow;
import io.rpcvertx.it.bench.grpcjava.EchoGrpc;
import io.rpcvertx.it.bench.grpcjava.EchoReply;
import io.rpcvertx.it.bench.grpcjava.EchoRequest;
import io.rpcvertx.it.bench.grpcjava.StreamRequest;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The grpc-java twin of rpc-vertx's {@code bench-client} (verticles-examples {@code BenchClient}): the same flags
 * ({@link BenchClientConfig}), the same closed loop and the same result line, on grpc-netty-shaded, so that the two
 * clients can drive one server in turn (issue 8's client target). One extra flag, {@code --executor=direct|default}:
 * {@code direct} runs the call callbacks on the Netty event loops ({@code directExecutor()}, grpc-java's fastest
 * setting for non-blocking code), {@code default} on grpc-java's default executor (a shared cached thread pool).
 *
 * <p>{@code --connections} channels, each its own HTTP/2 connection, share one Netty event-loop group of
 * {@code --event-loops} threads (epoll when available, as grpc-java picks by default) and 1 MiB flow-control windows
 * (grpc-java's default, stated explicitly). Run with {@code src-test-it/bench/run-client-bench.sh}, or
 * {@code java -cp <test class path> io.rpcvertx.it.bench.GrpcJavaBenchClient --target=127.0.0.1:PORT ...}.
 */
public final class GrpcJavaBenchClient {
    /** Where grpc-java runs the calls' callbacks. */
    public enum CallExecutor {
        /** On the Netty event loop ({@code directExecutor()}). */
        DIRECT,
        /** On grpc-java's default executor. */
        DEFAULT
    }

    static final Duration DRAIN_LIMIT = Duration.ofSeconds(30);
    static final int WINDOW_BYTES = 1024 * 1024;

    private GrpcJavaBenchClient() {}

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Parses {@code --key=value} flags, runs the load, prints the result line; returns the exit code. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        BenchClientConfig config;
        CallExecutor executor;
        try {
            Map<String, String> flags = new LinkedHashMap<>();
            for (String arg : args) {
                int eq = arg.indexOf('=');
                if (!arg.startsWith("--") || eq < 3) {
                    throw new IllegalArgumentException("flag: \"" + arg + "\" (expected: --key=value)");
                }
                flags.put(arg.substring(2, eq), arg.substring(eq + 1));
            }
            String executorFlag = flags.getOrDefault("executor", "direct");
            flags.remove("executor");
            executor = switch (executorFlag) {
                case "direct" -> CallExecutor.DIRECT;
                case "default" -> CallExecutor.DEFAULT;
                default ->
                    throw new IllegalArgumentException(
                            "--executor: \"" + executorFlag + "\" (expected: direct or default)");
            };
            config = BenchClientConfig.of(flags);
        } catch (IllegalArgumentException e) {
            err.println(e.getMessage());
            err.println("usage: GrpcJavaBenchClient [--executor=direct|default] " + BenchClientConfig.USAGE);
            return 2;
        }
        BenchResult result;
        try {
            result = run(config, executor);
        } catch (Exception e) {
            err.println("grpc-java bench client failed: " + e);
            return 1;
        }
        out.println(result.line());
        if (result.firstError() != null) {
            err.println("first error: " + result.firstError());
        }
        return result.errors() == 0 && result.calls() > 0 ? 0 : 1;
    }

    /** The {@code client=} name of a run with {@code executor}. */
    public static String name(CallExecutor executor) {
        return "grpc-java-" + executor.name().toLowerCase(Locale.ROOT);
    }

    /**
     * Runs the load and releases every channel and thread it made; blocks the calling thread for about
     * {@code warmup + duration}.
     *
     * @throws Exception if a channel does not become ready within 30 s, or the calls in flight when the window closes
     *     do not end within 30 s
     */
    public static BenchResult run(BenchClientConfig config, CallExecutor executor) throws Exception {
        boolean epoll = Epoll.isAvailable();
        EventLoopGroup group =
                epoll ? new EpollEventLoopGroup(config.eventLoops()) : new NioEventLoopGroup(config.eventLoops());
        ScheduledExecutorService pacer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "bench-error-pacer");
            thread.setDaemon(true);
            return thread;
        });
        List<ManagedChannel> channels = new ArrayList<>();
        try {
            for (int i = 0; i < config.connections(); i++) {
                NettyChannelBuilder builder = NettyChannelBuilder.forAddress(config.host(), config.port())
                        .usePlaintext()
                        .eventLoopGroup(group)
                        .channelType(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                        .flowControlWindow(WINDOW_BYTES);
                if (executor == CallExecutor.DIRECT) {
                    builder.directExecutor();
                }
                ManagedChannel channel = builder.build();
                channels.add(channel);
                awaitReady(channel);
            }
            String message = config.message();
            EchoRequest unaryRequest =
                    EchoRequest.newBuilder().setMessage(message).build();
            StreamRequest streamRequest = StreamRequest.newBuilder()
                    .setMessage(message)
                    .setCount(config.streamMessages())
                    .build();
            BenchWindow window = BenchWindow.startingNow(config);
            CountDownLatch stopped = new CountDownLatch(config.connections() * config.concurrency());
            List<BenchResult.Slot> slots = new ArrayList<>();
            for (ManagedChannel channel : channels) {
                EchoGrpc.EchoStub stub = EchoGrpc.newStub(channel);
                for (int i = 0; i < config.concurrency(); i++) {
                    BenchResult.Slot slot = new BenchResult.Slot();
                    slots.add(slot);
                    if (config.mode() == BenchClientConfig.Mode.UNARY) {
                        new UnarySlot(stub, unaryRequest, window, slot, stopped, pacer).next();
                    } else {
                        new StreamSlot(stub, streamRequest, config.streamMessages(), window, slot, stopped, pacer)
                                .next();
                    }
                }
            }
            long cpuNanos = window.processCpuNanosInside();
            if (!stopped.await(DRAIN_LIMIT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new TimeoutException("calls in flight did not end within " + DRAIN_LIMIT + " after the window");
            }
            return BenchResult.Slot.sum(name(executor), config, window, cpuNanos, slots);
        } finally {
            for (ManagedChannel channel : channels) {
                channel.shutdownNow();
            }
            for (ManagedChannel channel : channels) {
                channel.awaitTermination(DRAIN_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
            }
            pacer.shutdownNow();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(DRAIN_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private static void awaitReady(ManagedChannel channel) throws InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + DRAIN_LIMIT.toNanos();
        ConnectivityState state = channel.getState(true);
        while (state != ConnectivityState.READY) {
            CountDownLatch changed = new CountDownLatch(1);
            channel.notifyWhenStateChanged(state, changed::countDown);
            if (!changed.await(deadline - System.nanoTime(), TimeUnit.NANOSECONDS)) {
                throw new TimeoutException("channel not READY within " + DRAIN_LIMIT + ": " + state);
            }
            state = channel.getState(true);
        }
    }

    /**
     * Keeps one {@code UnaryEcho} call outstanding until the window closes. Its callbacks run one call after the
     * other (each call starts from the previous one's last callback), so the slot's counters need no lock.
     */
    private static final class UnarySlot implements StreamObserver<EchoReply> {
        private final EchoGrpc.EchoStub stub;
        private final EchoRequest request;
        private final BenchWindow window;
        private final BenchResult.Slot slot;
        private final CountDownLatch stopped;
        private final ScheduledExecutorService pacer;
        private long start;

        UnarySlot(
                EchoGrpc.EchoStub stub,
                EchoRequest request,
                BenchWindow window,
                BenchResult.Slot slot,
                CountDownLatch stopped,
                ScheduledExecutorService pacer) {
            this.stub = stub;
            this.request = request;
            this.window = window;
            this.slot = slot;
            this.stopped = stopped;
            this.pacer = pacer;
        }

        void next() {
            start = System.nanoTime();
            if (window.isOver(start)) {
                stopped.countDown();
                return;
            }
            stub.unaryEcho(request, this);
        }

        @Override
        public void onNext(EchoReply reply) {}

        @Override
        public void onError(Throwable failure) {
            slot.failed(failure);
            // a failing server fails calls at once: pace the retries instead of spinning (or recursing)
            pacer.schedule(this::next, 1, TimeUnit.MILLISECONDS);
        }

        @Override
        public void onCompleted() {
            slot.ok(window, start, System.nanoTime(), 1);
            next();
        }
    }

    /** Keeps one {@code StreamEcho} call outstanding until the window closes, reading every reply. */
    private static final class StreamSlot implements StreamObserver<EchoReply> {
        private final EchoGrpc.EchoStub stub;
        private final StreamRequest request;
        private final int expected;
        private final BenchWindow window;
        private final BenchResult.Slot slot;
        private final CountDownLatch stopped;
        private final ScheduledExecutorService pacer;
        private long start;
        private long replies;

        StreamSlot(
                EchoGrpc.EchoStub stub,
                StreamRequest request,
                int expected,
                BenchWindow window,
                BenchResult.Slot slot,
                CountDownLatch stopped,
                ScheduledExecutorService pacer) {
            this.stub = stub;
            this.request = request;
            this.expected = expected;
            this.window = window;
            this.slot = slot;
            this.stopped = stopped;
            this.pacer = pacer;
        }

        void next() {
            start = System.nanoTime();
            if (window.isOver(start)) {
                stopped.countDown();
                return;
            }
            replies = 0;
            stub.streamEcho(request, this);
        }

        @Override
        public void onNext(EchoReply reply) {
            replies++;
        }

        @Override
        public void onError(Throwable failure) {
            slot.failed(failure);
            pacer.schedule(this::next, 1, TimeUnit.MILLISECONDS);
        }

        @Override
        public void onCompleted() {
            long end = System.nanoTime();
            if (replies == expected) {
                slot.ok(window, start, end, replies);
            } else {
                slot.failed(
                        new IllegalStateException("StreamEcho: " + replies + " replies (expected: " + expected + ")"));
            }
            next();
        }
    }
}
