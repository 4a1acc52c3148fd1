package io.rpcvertx.it.interop;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.rpcvertx.Http2Transport;
import io.rpcvertx.RpcException;
import io.rpcvertx.examples.interop.InteropClient;
import io.rpcvertx.examples.interop.InteropServer;
import io.rpcvertx.it.grpcio.PythonPeer;
import io.rpcvertx.it.interop.GrpcJavaPeers.CaseResult;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.opentest4j.TestAbortedException;

/**
 * The interop cases between rpc-vertx and one out-of-process peer (grpcio or grpc-js), both directions,
 * plaintext and TLS (grpc-java's test certificate for {@code *.test.google.fr}), each judged against its reference
 * pairing, where grpc-java 1.79.0 takes rpc-vertx's place:
 *
 * <ul>
 *   <li>the peer's client process ({@code --test_case=all}, one run per transport and server) against our {@link
 *       InteropServer} in this JVM, one on each HTTP/2 transport ({@link Http2Transport}); reference: the same client
 *       against grpc-java's TestServiceServer (run once per transport);
 *   <li>our {@link InteropClient}, case by case in this JVM, against the peer's server process (one per transport for
 *       the class, stopped by PID at the end); reference: grpc-java's TestServiceClient against the same server.
 * </ul>
 *
 * <p>A case must pass unless it fails for the reference pairing too; then it is a {@code REFERENCE_FAILURE}, reported
 * but not asserted. The reference rows themselves (the peer against grpc-java, which validates the peer) and every
 * outcome go to {@code target/interop-matrix/<peer>.tsv}. The grpc-java clients start with the class and run while
 * the other rows do.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(300)
abstract class AbstractPeerInterop {
    static final String RPC_VERTX = "rpc-vertx";
    static final String RPC_VERTX_NETTY_SERVER = AbstractGrpcJavaInteropIT.RPC_VERTX_NETTY_SERVER;
    static final String GRPC_JAVA = "grpc-java";

    /** A whole peer client run: {@link InteropCases#PEER_CLIENT}, each bounded by the client itself to 30 s. */
    private static final Duration CLIENT_RUN_BOUND = Duration.ofSeconds(150);

    private static final Duration SERVER_START_BOUND = Duration.ofSeconds(30);
    private static final Duration BATCH_TIMEOUT = Duration.ofSeconds(150);

    private final InteropPeer peer;
    private final Map<Transport, Side> sides = new EnumMap<>(Transport.class);
    private @Nullable String unavailable;
    private String classpath = "";
    private Vertx vertx;

    /** What runs for one transport. */
    private static final class Side {
        PythonPeer peerServer;
        int peerServerPort;
        final Map<Http2Transport, InteropServer> ourServers = new EnumMap<>(Http2Transport.class);
        GrpcJavaPeers.Server javaServer;
        /** The peer's client against grpc-java's server: the reference of both of our servers' rows. */
        Map<String, CaseResult> peerClientToJava;

        JavaPeer javaClientToPeer;
        Map<String, CaseResult> javaClientToPeerResults;
    }

    AbstractPeerInterop(InteropPeer peer) {
        this.peer = peer;
    }

    @BeforeAll
    @Timeout(240)
    void startServersAndReferenceClients() throws Exception {
        // An abort here would hide the reason (surefire reports no test at all): each test aborts with it instead.
        try {
            peer.assumeAvailable();
            classpath = GrpcJavaPeers.classpath();
        } catch (TestAbortedException e) {
            unavailable = e.getMessage();
            return;
        }
        vertx = Vertx.vertx();
        for (Transport transport : Transport.values()) {
            Side side = new Side();
            sides.put(transport, side);
            side.peerServer = PythonPeer.startCommand(
                    peer.label() + " interop server (" + transport.label() + ")",
                    peer.serverCommand(transport == Transport.TLS));
            side.peerServerPort = Integer.parseInt(
                    side.peerServer.awaitLine("LISTENING ", SERVER_START_BOUND).substring("LISTENING ".length()));
            InteropServer.Options options = transport == Transport.TLS
                    ? InteropServer.Options.tls(
                            "127.0.0.1", 0, GrpcJavaPeers.serverCertFile(), GrpcJavaPeers.serverKeyFile())
                    : InteropServer.Options.plaintext("127.0.0.1", 0);
            for (Http2Transport http2 : Http2Transport.values()) {
                side.ourServers.put(
                        http2,
                        InteropServer.start(vertx, options.withHttp2Transport(http2))
                                .await(10, SECONDS));
            }
            side.javaServer = GrpcJavaPeers.startServer(classpath, transport);
            side.javaClientToPeer =
                    GrpcJavaPeers.startClientBatch(classpath, transport, side.peerServerPort, InteropCases.ALL);
        }
    }

    @AfterAll
    @Timeout(90)
    void stopAll() throws Exception {
        try {
            for (Side side : sides.values()) {
                if (side.javaClientToPeer != null) {
                    side.javaClientToPeer.close();
                }
                if (side.javaServer != null) {
                    side.javaServer.close();
                }
                if (side.peerServer != null) {
                    side.peerServer.close();
                }
                for (InteropServer server : side.ourServers.values()) {
                    server.close().await(10, SECONDS);
                }
            }
        } finally {
            if (vertx != null) {
                vertx.close().await(10, SECONDS);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Http2Transport.class)
    void peerClient_toRpcVertxServer_plaintext(Http2Transport http2) throws Exception {
        peerClientAgainstOurServer(Transport.PLAINTEXT, http2);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Http2Transport.class)
    void peerClient_toRpcVertxServer_tls(Http2Transport http2) throws Exception {
        peerClientAgainstOurServer(Transport.TLS, http2);
    }

    @Test
    void rpcVertxClient_toPeerServer_plaintext() throws Exception {
        ourClientAgainstPeerServer(Transport.PLAINTEXT);
    }

    @Test
    void rpcVertxClient_toPeerServer_tls() throws Exception {
        ourClientAgainstPeerServer(Transport.TLS);
    }

    /** The peer's client runs {@link InteropCases#PEER_CLIENT} (its {@code all}) against our server on {@code http2}. */
    private void peerClientAgainstOurServer(Transport transport, Http2Transport http2) throws Exception {
        Assumptions.assumeTrue(unavailable == null, unavailable);
        Side side = sides.get(transport);
        Map<String, CaseResult> reference = peerClientToJava(transport, side);
        Map<String, CaseResult> ours =
                runPeerClient(transport, side.ourServers.get(http2).port());
        judge(
                peer.label(),
                http2 == Http2Transport.NETTY ? RPC_VERTX_NETTY_SERVER : RPC_VERTX,
                transport,
                ours,
                reference);
    }

    /** The reference row of {@code transport}: the peer's client against grpc-java's server, run the first time. */
    private synchronized Map<String, CaseResult> peerClientToJava(Transport transport, Side side) throws Exception {
        if (side.peerClientToJava == null) {
            side.peerClientToJava = runPeerClient(transport, side.javaServer.port());
            record(peer.label(), GRPC_JAVA, transport, side.peerClientToJava);
        }
        return side.peerClientToJava;
    }

    private void ourClientAgainstPeerServer(Transport transport) throws Exception {
        Assumptions.assumeTrue(unavailable == null, unavailable);
        Side side = sides.get(transport);
        InteropClient.Options options = transport == Transport.TLS
                ? InteropClient.Options.tls(
                        "127.0.0.1", side.peerServerPort, GrpcJavaPeers.caFile(), GrpcJavaPeers.TEST_HOST)
                : InteropClient.Options.plaintext("127.0.0.1", side.peerServerPort);
        options = options.withSoak(InteropCases.SOAK);
        Map<String, CaseResult> ours = new LinkedHashMap<>();
        for (String testCase : InteropCases.ALL) {
            ours.put(testCase, runOurCase(options, testCase));
        }
        Map<String, CaseResult> reference = javaClientToPeer(side);
        record(GRPC_JAVA, peer.label(), transport, reference);
        judge(RPC_VERTX, peer.label(), transport, ours, reference);
    }

    private synchronized Map<String, CaseResult> javaClientToPeer(Side side) throws InterruptedException {
        if (side.javaClientToPeerResults == null) {
            try {
                side.javaClientToPeerResults =
                        GrpcJavaPeers.awaitBatch(side.javaClientToPeer, InteropCases.ALL, BATCH_TIMEOUT);
            } finally {
                side.javaClientToPeer.close();
            }
        }
        return side.javaClientToPeerResults;
    }

    /** Runs the peer's client with every case against 127.0.0.1:{@code port}; its notes join the reasons. */
    private Map<String, CaseResult> runPeerClient(Transport transport, int port) throws Exception {
        PythonPeer.Finished run = PythonPeer.runCommand(
                CLIENT_RUN_BOUND,
                peer.label() + " interop client (" + transport.label() + ", port " + port + ")",
                peer.clientCommand(port, transport == Transport.TLS, "all"));
        Map<String, CaseResult> results = new LinkedHashMap<>();
        Map<String, InteropCases.Outcome> outcomes = InteropCases.parse(run.stdout());
        for (String testCase : InteropCases.PEER_CLIENT) {
            InteropCases.Outcome outcome = outcomes.get(testCase);
            if (outcome == null) {
                results.put(
                        testCase,
                        CaseResult.fail(
                                "no outcome reported (exit " + run.exitCode() + "); transcript:\n" + run.transcript()));
            } else {
                List<String> reasons = new ArrayList<>();
                if (!outcome.passed()) {
                    reasons.add(outcome.detail());
                }
                outcome.notes().forEach(n -> reasons.add("note: " + n));
                results.put(testCase, new CaseResult(outcome.passed(), String.join("; ", reasons)));
            }
        }
        return results;
    }

    private CaseResult runOurCase(InteropClient.Options options, String testCase) throws InterruptedException {
        Duration bound = InteropClient.caseTimeout(options, testCase);
        try {
            InteropClient.run(vertx, options, testCase).await(bound.toMillis(), MILLISECONDS);
            return CaseResult.pass();
        } catch (TimeoutException e) {
            return CaseResult.fail("no result within " + bound);
        } catch (RpcException | InteropClient.CaseFailedException | IllegalArgumentException e) {
            return CaseResult.fail(e.toString());
        }
    }

    /** Records rows without judging them (the reference rows). */
    private void record(String client, String server, Transport transport, Map<String, CaseResult> results) {
        for (String testCase : results.keySet()) {
            CaseResult result = results.get(testCase);
            InteropMatrix.add(
                    peer, testCase, client, server, transport, result.passed() ? "PASS" : "FAIL", result.reason());
        }
    }

    /**
     * Records rows with rpc-vertx on one side and fails when a case failed that passed for the reference pairing.
     */
    private void judge(
            String client,
            String server,
            Transport transport,
            Map<String, CaseResult> results,
            Map<String, CaseResult> reference) {
        List<String> failures = new ArrayList<>();
        for (String testCase : results.keySet()) {
            CaseResult result = results.get(testCase);
            CaseResult ref = reference.get(testCase);
            String verdict;
            String detail = result.reason();
            if (result.passed()) {
                verdict = "PASS";
            } else if (!ref.passed()) {
                verdict = "REFERENCE_FAILURE";
                detail += "; reference pairing: " + ref.reason();
            } else {
                verdict = "FAIL";
                failures.add(testCase + ": " + result.reason());
            }
            InteropMatrix.add(peer, testCase, client, server, transport, verdict, detail);
        }
        assertThat(failures)
                .as(
                        "%s client vs %s server, %s: cases that failed but pass for the reference pairing",
                        client, server, transport.label())
                .isEmpty();
    }
}
