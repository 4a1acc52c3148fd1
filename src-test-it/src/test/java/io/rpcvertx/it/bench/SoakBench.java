package io.rpcvertx.it.bench;

import static java.util.concurrent.TimeUnit.SECONDS;

import io.rpcvertx.CallOptions;
import io.rpcvertx.Channel;
import io.rpcvertx.Marshaller;
import io.rpcvertx.Metadata;
import io.rpcvertx.MethodDescriptor;
import io.rpcvertx.MethodType;
import io.rpcvertx.RpcException;
import io.rpcvertx.RpcMethodHandler;
import io.rpcvertx.RpcVertx;
import io.rpcvertx.Server;
import io.rpcvertx.ServerOptions;
import io.rpcvertx.ServiceDefinition;
import io.rpcvertx.ServicerContext;
import io.rpcvertx.StatusCode;
import io.rpcvertx.StreamStreamCall;
import io.rpcvertx.UnaryStreamCall;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Stream;

/**
 * A soak benchmark, not a test: {@code --minutes} (default 10) of mixed load from one rpc-vertx channel against an
 * rpc-vertx server in the same process (each on its own Vert.x instance with one event loop), printing every
 * {@code --interval} seconds the process's RSS, heap after a full GC, open file descriptors and threads, and the calls
 * completed per outcome; it ends with a verdict: flat or growing, and calls lost (started but never ended) = 0.
 *
 * <p>The mix, per call of {@code --concurrency} closed loops: 55 % unary OK, 10 % unary the server fails
 * (INVALID_ARGUMENT), 10 % unary past its 50 ms deadline (the server answers after 200 ms), 10 % server streams of 50
 * messages, 10 % server streams the client cancels after the first message, 5 % bidi ping-pong of 20 messages. A call
 * that ends with another status than its kind expects counts as {@code unexpected}.
 *
 * <p>Run (from the repository root; BENCHMARKS.md, "Soak"):
 *
 * <pre>
 * mvn -B -q -o -pl src-test-it -am test-compile dependency:build-classpath -DskipTests \
 *     -Dmdep.outputFile=target/soak.classpath -Dmdep.includeScope=test
 * nice -n 10 java -Xmx512m -cp src-test-it/target/test-classes:$(cat src-test-it/target/soak.classpath) \
 *     io.rpcvertx.it.bench.SoakBench --minutes=10
 * </pre>
 */
public final class SoakBench {
    private static final Marshaller<String> UTF8 = Marshaller.of(
            s -> Buffer.buffer(s.getBytes(StandardCharsets.UTF_8)), b -> b.toString(StandardCharsets.UTF_8));
    private static final String SERVICE = "soak.Soak";
    private static final MethodDescriptor<String, String> UNARY =
            MethodDescriptor.of(MethodType.UNARY_UNARY, SERVICE + "/Unary", UTF8, UTF8);
    private static final MethodDescriptor<String, String> STREAM =
            MethodDescriptor.of(MethodType.UNARY_STREAM, SERVICE + "/Stream", UTF8, UTF8);
    private static final MethodDescriptor<String, String> BIDI =
            MethodDescriptor.of(MethodType.STREAM_STREAM, SERVICE + "/Bidi", UTF8, UTF8);
    private static final Duration DRAIN_LIMIT = Duration.ofSeconds(30);
    /** Netty logs each DATA frame it drops after a reset at INFO: thousands of lines under cancellation load. */
    private static final java.util.logging.Logger NETTY_LOG = java.util.logging.Logger.getLogger("io.netty");

    private static final long MIB = 1024 * 1024;

    /** The kinds of call in the mix, with their share (percent) and the status each must end with. */
    enum Kind {
        UNARY(55, StatusCode.OK),
        ERROR(10, StatusCode.INVALID_ARGUMENT),
        DEADLINE(10, StatusCode.DEADLINE_EXCEEDED),
        STREAM(10, StatusCode.OK),
        CANCEL(10, StatusCode.CANCELLED),
        BIDI(5, StatusCode.OK);

        final int percent;
        final StatusCode expected;

        Kind(int percent, StatusCode expected) {
            this.percent = percent;
            this.expected = expected;
        }

        static Kind pick(int r) {
            for (Kind k : values()) {
                r -= k.percent;
                if (r < 0) {
                    return k;
                }
            }
            return UNARY;
        }
    }

    /** One line of the table. */
    record Sample(double seconds, long rssKib, long heapAfterGc, long fds, int threads, long completed) {}

    private final double minutes;
    private final int concurrency;
    private final int intervalSeconds;
    private final String payload;
    private final PrintStream out;
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final AtomicLong started = new AtomicLong();
    private final AtomicLong ended = new AtomicLong();
    private final Map<String, LongAdder> outcomes = new ConcurrentHashMap<>();
    private final LongAdder unexpected = new LongAdder();
    private final Map<String, String> unexpectedExamples = new ConcurrentHashMap<>();

    private SoakBench(double minutes, int concurrency, int intervalSeconds, int payloadBytes, PrintStream out) {
        this.minutes = minutes;
        this.concurrency = concurrency;
        this.intervalSeconds = intervalSeconds;
        this.payload = "x".repeat(payloadBytes);
        this.out = out;
    }

    public static void main(String[] args) throws Exception {
        double minutes = 10;
        int concurrency = 32;
        int interval = 10;
        int payload = 100;
        for (String a : args) {
            String[] kv = a.replaceFirst("^--", "").split("=", 2);
            if (kv.length != 2) {
                throw new IllegalArgumentException("flag: " + a + " (expected: --key=value)");
            }
            switch (kv[0]) {
                case "minutes" -> minutes = Double.parseDouble(kv[1]);
                case "concurrency" -> concurrency = Integer.parseInt(kv[1]);
                case "interval" -> interval = Integer.parseInt(kv[1]);
                case "payload" -> payload = Integer.parseInt(kv[1]);
                default ->
                    throw new IllegalArgumentException(
                            "unknown flag: " + kv[0] + " (expected: minutes, concurrency, interval, payload)");
            }
        }
        boolean flat = new SoakBench(minutes, concurrency, interval, payload, System.out).run();
        System.exit(flat ? 0 : 1);
    }

    /** Runs the soak and prints the table and the verdict; true when flat with no call lost. */
    boolean run() throws Exception {
        NETTY_LOG.setLevel(java.util.logging.Level.WARNING);
        Vertx serverVertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
        Vertx clientVertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
        Server server = RpcVertx.server(serverVertx, ServerOptions.DEFAULT);
        server.addGenericRpcHandlers(service(serverVertx));
        int port = server.addInsecurePort("127.0.0.1:0").await(10, SECONDS);
        server.start().await(10, SECONDS);
        Channel channel = RpcVertx.insecureChannel(clientVertx, "127.0.0.1:" + port);
        out.printf(
                Locale.ROOT,
                "soak: %.1f min, %d concurrent calls, %d-byte messages, server 127.0.0.1:%d, load average %s%n",
                minutes,
                concurrency,
                payload.length(),
                port,
                loadAverage());
        out.println(
                "     t  rss MiB  heap MiB  fds  threads   calls/s      ok  invalid  deadline  cancelled  unexpected  in flight");

        CountDownLatch loopsDone = new CountDownLatch(concurrency);
        for (int i = 0; i < concurrency; i++) {
            clientVertx.runOnContext(v -> loop(channel, loopsDone));
        }
        List<Sample> samples = new ArrayList<>();
        long start = System.nanoTime();
        long end = start + (long) (minutes * 60e9);
        long previous = 0;
        Map<String, Long> last = Map.of();
        while (System.nanoTime() < end) {
            long next = start + (samples.size() + 1) * intervalSeconds * 1_000_000_000L;
            Thread.sleep(Math.max(0, Math.min(next, end) - System.nanoTime()) / 1_000_000);
            Sample s = sample((System.nanoTime() - start) / 1e9);
            samples.add(s);
            Map<String, Long> now = snapshot();
            printRow(s, (s.completed - previous) / (double) intervalSeconds, now, last);
            previous = s.completed;
            last = now;
        }
        stopping.set(true);
        boolean drained = loopsDone.await(DRAIN_LIMIT.toSeconds(), SECONDS);
        long lost = started.get() - ended.get();
        Sample fin = sample((System.nanoTime() - start) / 1e9);
        channel.close().await(10, SECONDS);
        server.stop(Duration.ofSeconds(5)).await(10, SECONDS);
        clientVertx.close().await(10, SECONDS);
        serverVertx.close().await(10, SECONDS);

        // the baseline is the smallest of the first three samples (JIT and pools settle during the first seconds)
        int warm = Math.min(3, samples.size());
        Sample base = samples.subList(0, warm).stream()
                .min((a, b) -> Long.compare(a.heapAfterGc, b.heapAfterGc))
                .orElse(fin);
        Sample tail = samples.isEmpty() ? fin : samples.get(samples.size() - 1);
        long heapGrowth = tail.heapAfterGc - base.heapAfterGc;
        long rssGrowthKib = tail.rssKib - base.rssKib;
        boolean heapFlat = heapGrowth <= Math.max(16 * MIB, base.heapAfterGc / 5);
        boolean fdsFlat = tail.fds <= base.fds + 5;
        boolean threadsFlat = tail.threads <= base.threads + 5;
        boolean flat = heapFlat && fdsFlat && threadsFlat;
        out.printf(
                Locale.ROOT,
                "total: %d calls started, %d ended (%s), %d unexpected; load average at the end %s%n",
                started.get(),
                ended.get(),
                totals(),
                unexpected.sum(),
                loadAverage());
        unexpectedExamples.forEach((k, v) -> out.println("  unexpected " + k + ": " + v));
        out.printf(
                Locale.ROOT,
                "verdict: %s (heap after GC %+.1f MiB from %.1f, RSS %+.1f MiB, fds %+d, threads %+d), calls lost = %d%s%n",
                flat ? "flat" : "growing",
                heapGrowth / (double) MIB,
                base.heapAfterGc / (double) MIB,
                rssGrowthKib / 1024.0,
                tail.fds - base.fds,
                tail.threads - base.threads,
                lost,
                drained ? "" : " (loops still running after " + DRAIN_LIMIT.toSeconds() + " s)");
        return flat && lost == 0 && drained;
    }

    // ---------------------------------------------------------------- load (client event loop)

    private void loop(Channel channel, CountDownLatch done) {
        if (stopping.get()) {
            done.countDown();
            return;
        }
        Kind kind = Kind.pick(ThreadLocalRandom.current().nextInt(100));
        started.incrementAndGet();
        Future<StatusCode> call;
        try {
            call = start(channel, kind);
        } catch (RuntimeException e) {
            call = Future.failedFuture(e);
        }
        call.onComplete(ar -> {
            ended.incrementAndGet();
            StatusCode code = ar.succeeded() ? ar.result() : null;
            String outcome = code == null ? "exception" : code.name();
            outcomes.computeIfAbsent(outcome, k -> new LongAdder()).increment();
            if (code != kind.expected) {
                unexpected.increment();
                unexpectedExamples.putIfAbsent(
                        kind + " -> " + outcome, ar.succeeded() ? outcome : String.valueOf(ar.cause()));
            }
            loop(channel, done);
        });
    }

    private Future<StatusCode> start(Channel channel, Kind kind) {
        // generous deadlines: on a shared machine a call may wait its turn for seconds; only DEADLINE calls are meant
        // to reach theirs
        CallOptions opts = CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(30));
        switch (kind) {
            case UNARY:
                return channel.unaryUnary(UNARY).call(payload, opts).code();
            case ERROR:
                return channel.unaryUnary(UNARY)
                        .call(payload, opts.withMetadata(Metadata.of("x-fail", "1")))
                        .code();
            case DEADLINE:
                return channel.unaryUnary(UNARY)
                        .call(
                                payload,
                                opts.withTimeout(Duration.ofMillis(50)).withMetadata(Metadata.of("x-sleep", "200")))
                        .code();
            case STREAM: {
                UnaryStreamCall<String, String> c = channel.unaryStream(STREAM).call("50", opts);
                ReadStream<String> r = c.responses();
                r.handler(m -> {});
                r.exceptionHandler(t -> {});
                return c.code();
            }
            case CANCEL: {
                UnaryStreamCall<String, String> c = channel.unaryStream(STREAM).call("1000", opts);
                ReadStream<String> r = c.responses();
                r.exceptionHandler(t -> {});
                r.handler(m -> c.cancel());
                return c.code();
            }
            case BIDI: {
                StreamStreamCall<String, String> c = channel.streamStream(BIDI).call(opts);
                pingPong(c, 20);
                return c.code();
            }
            default:
                throw new AssertionError(kind);
        }
    }

    private void pingPong(StreamStreamCall<String, String> c, int left) {
        if (left == 0) {
            c.doneWriting();
            c.read(); // the end
            return;
        }
        c.write(payload);
        c.read().onComplete(ar -> {
            if (ar.succeeded() && ar.result().isPresent()) {
                pingPong(c, left - 1);
            }
        });
    }

    // ---------------------------------------------------------------- server

    private ServiceDefinition service(Vertx vertx) {
        return ServiceDefinition.of(
                SERVICE,
                RpcMethodHandler.unaryUnary(UNARY, (req, ctx) -> unary(vertx, req, ctx)),
                RpcMethodHandler.unaryStream(STREAM, (req, ctx) -> writeN(ctx, Integer.parseInt(req))),
                RpcMethodHandler.streamStream(BIDI, (requests, ctx) -> {
                    Promise<Void> done = Promise.promise();
                    requests.handler(ctx::write);
                    requests.exceptionHandler(done::tryFail);
                    requests.endHandler(done::tryComplete);
                    return done.future();
                }));
    }

    private static Future<String> unary(Vertx vertx, String req, ServicerContext<String, String> ctx) {
        Metadata md = ctx.invocationMetadata();
        if (md.get("x-fail").isPresent()) {
            return ctx.abort(StatusCode.INVALID_ARGUMENT, "asked to fail");
        }
        Optional<String> sleep = md.get("x-sleep");
        if (sleep.isPresent()) {
            Promise<String> later = Promise.promise();
            long timer = vertx.setTimer(Long.parseLong(sleep.get()), id -> later.tryComplete(req));
            ctx.addDoneCallback(v -> {
                vertx.cancelTimer(timer);
                later.tryFail(new RpcException(StatusCode.CANCELLED, "call ended"));
            });
            return later.future();
        }
        return Future.succeededFuture(req);
    }

    /**
     * Writes {@code n} messages, each after the previous one was accepted. No recursion through already-completed
     * futures (a deep stack), and a stop once the call is cancelled: later writes are dropped and succeed at once.
     */
    private Future<Void> writeN(ServicerContext<String, String> ctx, int n) {
        Promise<Void> done = Promise.promise();
        pump(ctx, n, done);
        return done.future();
    }

    private void pump(ServicerContext<String, String> ctx, int left, Promise<Void> done) {
        int n = left;
        while (n > 0) {
            if (ctx.isCancelled()) {
                done.tryFail(new RpcException(StatusCode.CANCELLED, "cancelled"));
                return;
            }
            Future<Void> f = ctx.write(payload);
            n--;
            if (!f.isComplete()) {
                int rest = n;
                f.onComplete(ar -> {
                    if (ar.failed()) {
                        done.tryFail(ar.cause());
                    } else {
                        // a fresh task: the callback may run inside onComplete, within this loop's frame
                        Vertx.currentContext().runOnContext(v -> pump(ctx, rest, done));
                    }
                });
                return;
            }
            if (f.failed()) {
                done.tryFail(f.cause());
                return;
            }
        }
        done.tryComplete();
    }

    // ---------------------------------------------------------------- measurements

    private Sample sample(double seconds) {
        System.gc();
        long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        int threads = ManagementFactory.getThreadMXBean().getThreadCount();
        return new Sample(seconds, rssKib(), heap, openFds(), threads, ended.get());
    }

    private static long rssKib() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    private static long openFds() {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        } catch (IOException e) {
            return -1;
        }
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "?";
        }
    }

    private Map<String, Long> snapshot() {
        Map<String, Long> m = new ConcurrentHashMap<>();
        outcomes.forEach((k, v) -> m.put(k, v.sum()));
        m.put("unexpected", unexpected.sum());
        return m;
    }

    private void printRow(Sample s, double rate, Map<String, Long> now, Map<String, Long> last) {
        out.printf(
                Locale.ROOT,
                "%6.0f  %7.1f  %8.1f  %3d  %7d  %8.0f  %6d  %7d  %8d  %9d  %10d  %9d%n",
                s.seconds,
                s.rssKib / 1024.0,
                s.heapAfterGc / (double) MIB,
                s.fds,
                s.threads,
                rate,
                delta(now, last, "OK"),
                delta(now, last, "INVALID_ARGUMENT"),
                delta(now, last, "DEADLINE_EXCEEDED"),
                delta(now, last, "CANCELLED"),
                delta(now, last, "unexpected"),
                started.get() - ended.get());
    }

    private static long delta(Map<String, Long> now, Map<String, Long> last, String key) {
        return now.getOrDefault(key, 0L) - last.getOrDefault(key, 0L);
    }

    private String totals() {
        StringBuilder b = new StringBuilder();
        outcomes.entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .forEach(e -> b.append(b.length() == 0 ? "" : ", ")
                        .append(e.getKey())
                        .append(' ')
                        .append(e.getValue().sum()));
        return b.toString();
    }
}
