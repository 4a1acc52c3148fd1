package io.rpcvertx.examples.interop;

import static io.rpcvertx.examples.interop.InteropTestService.zeros;

import io.rpcvertx.CallOptions;
import io.rpcvertx.Channel;
import io.rpcvertx.RpcException;
import io.rpcvertx.examples.interop.proto.Messages.SimpleRequest;
import io.rpcvertx.examples.interop.proto.TestServiceStub;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The {@code rpc_soak} and {@code channel_soak} cases (grpc/grpc {@code doc/interop-test-descriptions.md}): large unary
 * calls in a loop, on one channel or on a new channel each time, judged by grpc-java's rules ({@code SoakClient}): an
 * iteration fails when its call fails, answers a wrong payload, or takes longer than the per-iteration latency bound;
 * the case fails when more iterations failed than allowed, or when the overall time ran out before all ran.
 *
 * <p>{@code numThreads} loops run concurrently, each {@code iterations / numThreads} iterations (asynchronous loops, not
 * threads). Each failed iteration is logged as it happens, and a summary line at the end, in grpc-java's words.
 */
final class SoakCase {
    private final Vertx vertx;
    private final InteropClient.Soak settings;
    private final String serverUri;
    private final Consumer<String> log;
    /** Each iteration's channel: the shared one ({@code rpc_soak}) or a new one, closed after it ({@code channel_soak}). */
    private final Supplier<Future<Channel>> channels;

    private final boolean channelPerIteration;
    private final List<Long> latenciesMs = Collections.synchronizedList(new ArrayList<>());
    private final List<String> failures = Collections.synchronizedList(new ArrayList<>());
    private long startNanos;

    private SoakCase(
            Vertx vertx,
            InteropClient.Soak settings,
            String serverUri,
            Consumer<String> log,
            boolean channelPerIteration,
            Supplier<Future<Channel>> channels) {
        this.vertx = vertx;
        this.settings = settings;
        this.serverUri = serverUri;
        this.log = log;
        this.channelPerIteration = channelPerIteration;
        this.channels = channels;
    }

    /** {@code rpc_soak}: every iteration on {@code channel}. */
    static Future<Void> rpcSoak(
            Vertx vertx, InteropClient.Soak settings, String serverUri, Consumer<String> log, Channel channel) {
        return new SoakCase(vertx, settings, serverUri, log, false, () -> Future.succeededFuture(channel)).run();
    }

    /** {@code channel_soak}: every iteration on a channel of its own from {@code newChannel}, closed after it. */
    static Future<Void> channelSoak(
            Vertx vertx,
            InteropClient.Soak settings,
            String serverUri,
            Consumer<String> log,
            Supplier<Future<Channel>> newChannel) {
        return new SoakCase(vertx, settings, serverUri, log, true, newChannel).run();
    }

    private Future<Void> run() {
        startNanos = System.nanoTime();
        int perLoop = settings.iterations() / settings.numThreads();
        List<Future<Void>> loops = new ArrayList<>();
        for (int loop = 0; loop < settings.numThreads(); loop++) {
            loops.add(loop(loop, 0, perLoop));
        }
        return Future.join(loops).compose(v -> summarize());
    }

    /** Runs iteration {@code i} of {@code count} of one loop, then the next, until done or out of time. */
    private Future<Void> loop(int loop, int i, int count) {
        if (i == count
                || System.nanoTime() - startNanos >= settings.overallTimeout().toNanos()) {
            return Future.succeededFuture();
        }
        long earliestNext = System.nanoTime() + settings.minTimeBetweenRpcs().toNanos();
        return channels.get()
                .compose(channel -> iteration(loop, i, channel)
                        .eventually(() -> channelPerIteration ? channel.close() : Future.succeededFuture()))
                .compose(v -> delay(earliestNext - System.nanoTime()))
                .compose(v -> loop(loop, i + 1, count));
    }

    private Future<Void> iteration(int loop, int i, Channel channel) {
        SimpleRequest request = SimpleRequest.newBuilder()
                .setResponseSize(settings.responseSize())
                .setPayload(zeros(settings.requestSize()))
                .build();
        long start = System.nanoTime();
        TestServiceStub stub = new TestServiceStub(channel, CallOptions.DEFAULT.withTimeout(InteropCases.CALL_TIMEOUT));
        return stub.unaryCall(request).response().transform(ar -> {
            long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            latenciesMs.add(elapsedMs);
            String failure = null;
            if (ar.failed()) {
                failure = " failed: "
                        + (ar.cause() instanceof RpcException e
                                ? e.code() + (e.details().isEmpty() ? "" : ": " + e.details())
                                : ar.cause().toString());
            } else if (!ar.result()
                    .getPayload()
                    .getBody()
                    .equals(zeros(settings.responseSize()).getBody())) {
                failure = " failed: the response payload has "
                        + ar.result().getPayload().getBody().size() + " bytes (expected: " + settings.responseSize()
                        + " zero bytes)";
            } else if (elapsedMs > settings.perIterationMaxAcceptableLatency().toMillis()) {
                failure = " exceeds max acceptable latency: "
                        + settings.perIterationMaxAcceptableLatency().toMillis();
            }
            if (failure != null) {
                String line = String.format(
                                Locale.ROOT,
                                "thread id: %d soak iteration: %d elapsed_ms: %d server_uri: %s",
                                loop,
                                i,
                                elapsedMs,
                                serverUri)
                        + failure;
                failures.add(line);
                log.accept(line);
            }
            return Future.succeededFuture();
        });
    }

    private Future<Void> delay(long nanos) {
        long millis = TimeUnit.NANOSECONDS.toMillis(nanos);
        if (millis <= 0) {
            return Future.succeededFuture();
        }
        Promise<Void> elapsed = Promise.promise();
        vertx.setTimer(millis, id -> elapsed.complete());
        return elapsed.future();
    }

    /** Logs grpc-java's summary line and fails the case as grpc-java's {@code SoakClient} would. */
    private Future<Void> summarize() {
        List<Long> sorted;
        synchronized (latenciesMs) {
            sorted = new ArrayList<>(latenciesMs);
        }
        Collections.sort(sorted);
        int done = sorted.size();
        int failed = failures.size();
        String summary = String.format(
                Locale.ROOT,
                "(server_uri: %s) soak test ran: %d / %d iterations. total failures: %d. p50: %d ms, p90: %d ms,"
                        + " p100: %d ms",
                serverUri,
                done,
                settings.iterations(),
                failed,
                percentile(sorted, 50),
                percentile(sorted, 90),
                percentile(sorted, 100));
        log.accept(summary);
        if (done != settings.iterations()) {
            return Future.failedFuture(new InteropClient.CaseFailedException(String.format(
                    Locale.ROOT,
                    "(server_uri: %s) soak test consumed all %d seconds of time and quit early, only having ran %d out"
                            + " of desired %d iterations. %s",
                    serverUri,
                    settings.overallTimeout().toSeconds(),
                    done,
                    settings.iterations(),
                    summary)));
        }
        if (failed > settings.maxFailures()) {
            return Future.failedFuture(new InteropClient.CaseFailedException(String.format(
                    Locale.ROOT,
                    "(server_uri: %s) soak test total failures: %d exceeds max failures threshold: %d. First: %s",
                    serverUri,
                    failed,
                    settings.maxFailures(),
                    failures.get(0))));
        }
        return Future.succeededFuture();
    }

    /** The nearest-rank percentile of sorted values (0 when there are none). */
    static long percentile(List<Long> sorted, int percent) {
        if (sorted.isEmpty()) {
            return 0;
        }
        int rank = (int) Math.ceil(percent / 100.0 * sorted.size());
        return sorted.get(Math.max(0, rank - 1));
    }
}
