package io.rpcvertx.it.hardening;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.util.ResourceLeakDetector;
import io.rpcvertx.Http2Transport;
import io.rpcvertx.ServerOptions;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A seeded fuzzer against a real server: every input is a mutated HTTP/2 + gRPC exchange (see {@link FuzzInput}) on
 * a fresh connection, next to a healthy witness call. Each outcome is classified (gRPC status, HTTP status,
 * RST_STREAM, GOAWAY with its code, or the request left incomplete by the input), and the test fails on any improper
 * end: the server closing the TCP connection with no GOAWAY while a call waits for its status; a GOAWAY whose last
 * stream id is below a stream it answered, or a graceful one that drops a call; the witness left unanswered on a live
 * connection (a hang, bounded); an exception in the server's log; or a control call failing afterwards. Inputs run
 * on {@code -Dfuzz.clients} connections at a time (default 3); the counts are printed.
 *
 * <p>Netty's leak detector samples here ({@code ADVANCED}, one buffer in 128 tracked) instead of the suite's
 * {@code paranoid}: every input runs through the same few server paths thousands of times, so a path that leaks is
 * still caught, and paranoid would triple the fuzzer's time (measured: 39 s to 121 s for 10,000 inputs).
 * {@code -Dfuzz.leakLevel=paranoid} tracks every buffer.
 *
 * <p>Sizes: {@code -Dfuzz.inputs} (default 10,000), {@code -Dfuzz.seed} (default 16), {@code -Dfuzz.only=<index>}
 * replays one input. The nightly run:
 * {@code mvn -B -o -pl src-test-it -am test -Dtest=ServerFuzzIT -Dsurefire.failIfNoSpecifiedTests=false -Dfuzz.inputs=100000}
 */
@ExtendWith(VertxExtension.class)
@ParameterizedClass(name = "{0}, {1} inputs")
@MethodSource("transports")
@Timeout(3_600)
class ServerFuzzIT {
    static final int INPUTS = Integer.getInteger("fuzz.inputs", 10_000);
    static final long SEED = Long.getLong("fuzz.seed", 16L);
    static final int ONLY = Integer.getInteger("fuzz.only", -1);
    static final Duration WAIT = Duration.ofSeconds(5);
    static final int CLIENTS = Integer.getInteger("fuzz.clients", 3);
    static final int CONTROL_EVERY = 1_000;
    /**
     * Vert.x 5.0.10 ends a response's trailers with a null promise ({@code Http2ServerResponse.end}); when the stream
     * already failed (here: the client's SETTINGS_MAX_HEADER_LIST_SIZE is below our response headers, so Netty refuses
     * them and resets the stream), its outbound queue cancels that write and throws this NullPointerException into the
     * caller. The stream is reset and the connection unaffected; the fix belongs in ServerCallImpl (do not end a
     * response whose stream is closed) or upstream, see the issue 16 report.
     */
    static final String KNOWN_VERTX_TRAILERS_NPE =
            "because \"this.val$promise\" is null at " + "io.vertx.core.http.impl.VertxHttp2Stream$3.cancel";

    /** The server's HTTP/2 transport, and how many inputs it gets. */
    @Parameter(0)
    Http2Transport transport;

    @Parameter(1)
    int inputs;

    Vertx vertx;
    HardeningServer server;
    ResourceLeakDetector.Level suiteLeakLevel;

    /** The Vert.x transport gets every input; the Netty one a fifth, within the suite's time budget. */
    static Stream<Arguments> transports() {
        return Stream.of(
                Arguments.of(Http2Transport.VERTX_HTTP, INPUTS), Arguments.of(Http2Transport.NETTY, INPUTS / 5));
    }

    @BeforeEach
    void setUp(Vertx vertx) throws Exception {
        suiteLeakLevel = ResourceLeakDetector.getLevel();
        if (suiteLeakLevel.ordinal() > ResourceLeakDetector.Level.ADVANCED.ordinal()) {
            ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.valueOf(
                    System.getProperty("fuzz.leakLevel", "advanced").toUpperCase(Locale.ROOT)));
        }
        this.vertx = vertx;
        server = HardeningServer.start(
                vertx,
                ServerOptions.DEFAULT
                        .withIoInstances(2)
                        .withMaxHeaderListSize(16_384)
                        .withHttp2Transport(transport));
    }

    @AfterEach
    void tearDown() throws Exception {
        try {
            server.close();
        } finally {
            ResourceLeakDetector.setLevel(suiteLeakLevel);
        }
    }

    @Test
    void mutatedInputs_everyOutcomeProper() throws Exception {
        int first = ONLY >= 0 ? ONLY : 0;
        int last = ONLY >= 0 ? ONLY + 1 : inputs;
        Map<String, Integer> classes = new ConcurrentSkipListMap<>();
        List<String> improper = new CopyOnWriteArrayList<>();
        AtomicInteger next = new AtomicInteger(first);
        long started = System.nanoTime();
        ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
        try {
            List<Future<?>> workers = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                workers.add(clients.submit(() -> {
                    for (int i = next.getAndIncrement(); i < last; i = next.getAndIncrement()) {
                        FuzzInput input = FuzzInput.generate(SEED * 1_000_003L + i);
                        String outcome;
                        try {
                            outcome = run(input, i);
                        } catch (Exception e) {
                            outcome = "IMPROPER client failure: " + e;
                        }
                        if (outcome.startsWith("IMPROPER")) {
                            improper.add("#" + i + " " + input.describe() + " -> " + outcome);
                            classes.merge("IMPROPER", 1, Integer::sum);
                        } else {
                            classes.merge(outcome, 1, Integer::sum);
                        }
                        if ((i + 1) % CONTROL_EVERY == 0) {
                            String reply = server.controlCall(vertx, "control-" + i);
                            if (!reply.equals("control-" + i)) {
                                improper.add("control call after input " + i + " answered " + reply);
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> w : workers) {
                w.get(30, TimeUnit.MINUTES);
            }
        } finally {
            clients.shutdownNow();
        }
        assertThat(server.controlCall(vertx, "control-end")).isEqualTo("control-end");

        // every exception the server logged is improper, except the one Vert.x defect documented in the class comment
        List<String> known = new ArrayList<>();
        for (String problem : server.problems()) {
            if (problem.contains(KNOWN_VERTX_TRAILERS_NPE)) {
                known.add(problem);
            } else {
                improper.add("server logged: " + problem);
            }
        }
        StringBuilder report = new StringBuilder("fuzz: " + (last - first) + " inputs, seed " + SEED + ", " + CLIENTS
                + " clients, " + Duration.ofNanos(System.nanoTime() - started).toMillis() + " ms\n");
        classes.forEach((k, v) -> report.append(String.format("  %7d  %s%n", v, k)));
        report.append(String.format(
                "  known Vert.x 5.0.10 defect logged (trailers after a failed stream, NPE): %d%n", known.size()));
        improper.stream().limit(30).forEach(s -> report.append("  ").append(s).append('\n'));
        System.out.print(report);
        assertThat(improper).as(report.toString()).isEmpty();
    }

    /** Sends one input on a fresh connection and classifies what the server did. */
    private String run(FuzzInput input, int index) throws Exception {
        long ping = 0x5EED_0000_0000_0000L | index;
        try (RawH2Client client = RawH2Client.connect(server.port)) {
            input.writeTo(client, ping);
            RawH2Client.StreamEvents witness = client.stream(FuzzInput.WITNESS);
            // done: the connection ended, or the server parsed everything (PING acked) and answered the witness
            client.awaitUntil(() -> client.isClosedByServer() || (witness.ended() && client.pingAcked(ping)), WAIT);
            if (!client.isClosedByServer() && !witness.ended() && client.pingAcked(ping)) {
                // the input may have shrunk the windows: open them, so the witness's response can flow
                client.settings(0x4, 65_535).windowUpdate(0, 1 << 24).windowUpdate(FuzzInput.WITNESS, 1 << 20);
                client.flush();
                client.awaitUntil(() -> client.isClosedByServer() || witness.ended(), WAIT);
            }
            return classify(input, client, ping);
        }
    }

    private static String classify(FuzzInput input, RawH2Client client, long ping) {
        RawH2Client.GoAway goAway = client.goAway();
        // a GOAWAY must not disown a stream the server answered
        if (goAway != null) {
            for (Map.Entry<Integer, RawH2Client.StreamEvents> e :
                    client.streams().entrySet()) {
                if (e.getKey() > goAway.lastStreamId() && !e.getValue().headers.isEmpty()) {
                    return "IMPROPER GOAWAY last_stream_id " + goAway.lastStreamId() + " below answered stream "
                            + e.getKey();
                }
            }
        }
        RawH2Client.StreamEvents witness = client.stream(FuzzInput.WITNESS);
        boolean witnessOwed = !input.witnessTouched && !witness.ended();
        if (client.isClosedByServer()) {
            if (goAway == null) {
                return witnessOwed
                        ? "IMPROPER TCP close without GOAWAY while a call waits (" + client.recentFrames() + ")"
                        : "closed after every call ended";
            }
            if (goAway.errorCode() == RawH2Client.NO_ERROR && witnessOwed && goAway.lastStreamId() >= 1) {
                return "IMPROPER graceful GOAWAY dropped the witness call";
            }
            return "GOAWAY " + errorName(goAway.errorCode());
        }
        if (witnessOwed) {
            return client.pingAcked(ping)
                    ? "IMPROPER hang: the witness call was not answered"
                    : "IMPROPER hang: no PING ack and no GOAWAY";
        }
        if (goAway != null) {
            return "GOAWAY " + errorName(goAway.errorCode()) + " (connection kept)";
        }
        return targetOutcome(client);
    }

    /** The outcome of the first stream other than the witness, as a class name. */
    private static String targetOutcome(RawH2Client client) {
        for (Map.Entry<Integer, RawH2Client.StreamEvents> e : client.streams().entrySet()) {
            if (e.getKey() == FuzzInput.WITNESS) {
                continue;
            }
            RawH2Client.StreamEvents s = e.getValue();
            if (s.resetCode != null && s.headers.isEmpty()) {
                return "RST_STREAM " + errorName(s.resetCode);
            }
            String http = s.httpStatus();
            if (http != null && !http.equals("200")) {
                return "HTTP " + http;
            }
            if (s.grpcStatus() != null) {
                return "grpc-status " + s.grpcStatus();
            }
            if (s.resetCode != null) {
                return "RST_STREAM " + errorName(s.resetCode) + " after headers";
            }
        }
        return "no answer on the mutated stream (request incomplete)";
    }

    static String errorName(long code) {
        String[] names = {
            "NO_ERROR",
            "PROTOCOL_ERROR",
            "INTERNAL_ERROR",
            "FLOW_CONTROL_ERROR",
            "SETTINGS_TIMEOUT",
            "STREAM_CLOSED",
            "FRAME_SIZE_ERROR",
            "REFUSED_STREAM",
            "CANCEL",
            "COMPRESSION_ERROR",
            "CONNECT_ERROR",
            "ENHANCE_YOUR_CALM",
            "INADEQUATE_SECURITY",
            "HTTP_1_1_REQUIRED"
        };
        return code >= 0 && code < names.length ? names[(int) code] : "0x" + Long.toHexString(code);
    }
}
