package io.rpcvertx.it.interop;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;

import io.rpcvertx.Http2Transport;
import io.rpcvertx.RpcException;
import io.rpcvertx.examples.interop.InteropClient;
import io.rpcvertx.examples.interop.InteropServer;
import io.rpcvertx.it.interop.GrpcJavaPeers.CaseResult;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * The grpc-java interop matrix on one transport: every case of {@link InteropCases#ALL} for rpc-vertx server ← grpc-java client
 * (our server on each HTTP/2 transport, {@link Http2Transport}), rpc-vertx client → grpc-java server (our client on
 * each), and the reference pairing grpc-java client → grpc-java server. grpc-java runs in separate JVMs: one
 * TestServiceServer per class, and per grpc-java-client row one JVM running all cases ({@link GrpcJavaClientBatch}).
 * The grpc-java client rows start with the class and run on while our client's cases run; each is awaited when first
 * needed.
 *
 * <p>A case that fails for us but also for the reference pairing is aborted (reported as skipped) with both reasons,
 * a reference failure; one that fails only for us fails. The reference row itself aborts with grpc-java's reason when
 * it fails. Results go to {@code target/interop-matrix/grpc-java-<transport>.tsv}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(120)
abstract class AbstractGrpcJavaInteropIT {
    static final List<String> CASES = InteropCases.ALL;
    static final String GRPC_JAVA = "grpc-java";
    static final String RPC_VERTX = "rpc-vertx";
    static final String RPC_VERTX_NETTY = "rpc-vertx (netty client)";
    static final String RPC_VERTX_NETTY_SERVER = "rpc-vertx (netty server)";
    private static final Duration BATCH_TIMEOUT = Duration.ofSeconds(120);

    private final Transport transport;
    private final MatrixReport report;
    private Vertx vertx;
    private final Map<Http2Transport, InteropServer> ourServers = new EnumMap<>(Http2Transport.class);
    private GrpcJavaPeers.Server javaServer;
    private JavaPeer referenceBatch;
    private final Map<Http2Transport, JavaPeer> toUsBatches = new EnumMap<>(Http2Transport.class);
    private Map<String, CaseResult> reference;
    private final Map<Http2Transport, Map<String, CaseResult>> grpcJavaClientToUs = new EnumMap<>(Http2Transport.class);

    AbstractGrpcJavaInteropIT(Transport transport) {
        this.transport = transport;
        this.report = new MatrixReport(transport);
    }

    @BeforeAll
    @Timeout(240)
    void startPeersAndGrpcJavaClients() throws Exception {
        String classpath = GrpcJavaPeers.classpath();
        vertx = Vertx.vertx();
        InteropServer.Options serverOptions = transport == Transport.TLS
                ? InteropServer.Options.tls(
                        "127.0.0.1", 0, GrpcJavaPeers.serverCertFile(), GrpcJavaPeers.serverKeyFile())
                : InteropServer.Options.plaintext("127.0.0.1", 0);
        for (Http2Transport http2 : Http2Transport.values()) {
            ourServers.put(
                    http2,
                    InteropServer.start(vertx, serverOptions.withHttp2Transport(http2))
                            .await(10, SECONDS));
        }
        javaServer = GrpcJavaPeers.startServer(classpath, transport);
        // The reference row runs on while our client's cases do: grpc-java's client_compressed_streaming probe
        // waits about 15 s on grpc-java's server, which has no compression check.
        referenceBatch = GrpcJavaPeers.startClientBatch(classpath, transport, javaServer.port(), CASES);
        // grpc-java's client against each of our servers runs on while our client's cases do too; awaited by its
        // first test
        for (Http2Transport http2 : Http2Transport.values()) {
            toUsBatches.put(
                    http2,
                    GrpcJavaPeers.startClientBatch(
                            classpath, transport, ourServers.get(http2).port(), CASES));
        }
    }

    /** The grpc-java client against our server on {@code http2}: its results, waiting (bounded) the first time. */
    private synchronized Map<String, CaseResult> grpcJavaClientToUs(Http2Transport http2) throws InterruptedException {
        Map<String, CaseResult> results = grpcJavaClientToUs.get(http2);
        if (results == null) {
            JavaPeer batch = toUsBatches.get(http2);
            try {
                results = GrpcJavaPeers.awaitBatch(batch, CASES, BATCH_TIMEOUT);
            } finally {
                batch.close();
            }
            grpcJavaClientToUs.put(http2, results);
        }
        return results;
    }

    /** The reference row's results, waiting (bounded) for its batch the first time. */
    private synchronized Map<String, CaseResult> reference() throws InterruptedException {
        if (reference == null) {
            try {
                reference = GrpcJavaPeers.awaitBatch(referenceBatch, CASES, BATCH_TIMEOUT);
            } finally {
                referenceBatch.close();
            }
        }
        return reference;
    }

    @AfterAll
    @Timeout(60)
    void stopPeersAndWriteReport() throws Exception {
        try {
            if (referenceBatch != null) {
                referenceBatch.close();
            }
            for (JavaPeer batch : toUsBatches.values()) {
                batch.close();
            }
            if (javaServer != null) {
                javaServer.close();
            }
            for (InteropServer server : ourServers.values()) {
                server.close().await(10, SECONDS);
            }
        } finally {
            if (vertx != null) {
                vertx.close().await(10, SECONDS);
            }
            report.write(Path.of("target", "interop-matrix"));
        }
    }

    @ParameterizedTest(name = "{0}")
    @FieldSource("CASES")
    @Order(3)
    void grpcJavaClient_toGrpcJavaServer_reference(String testCase) throws InterruptedException {
        CaseResult result = reference().get(testCase);
        report.add(testCase, GRPC_JAVA, GRPC_JAVA, result.passed() ? "PASS" : "FAIL", result.reason());
        if (!result.passed()) {
            Assumptions.abort("reference failure (grpc-java client vs grpc-java server): " + result.reason());
        }
    }

    @ParameterizedTest(name = "{0}")
    @FieldSource("CASES")
    @Order(2)
    void grpcJavaClient_toRpcVertxServer(String testCase) throws InterruptedException {
        judge(
                testCase,
                GRPC_JAVA,
                RPC_VERTX,
                grpcJavaClientToUs(Http2Transport.VERTX_HTTP).get(testCase));
    }

    /** grpc-java's client against our server on the Netty HTTP/2 transport ({@code Http2Transport.NETTY}). */
    @ParameterizedTest(name = "{0}")
    @FieldSource("CASES")
    @Order(2)
    void grpcJavaClient_toRpcVertxNettyServer(String testCase) throws InterruptedException {
        judge(
                testCase,
                GRPC_JAVA,
                RPC_VERTX_NETTY_SERVER,
                grpcJavaClientToUs(Http2Transport.NETTY).get(testCase));
    }

    @ParameterizedTest(name = "{0}")
    @FieldSource("CASES")
    @Order(1)
    void rpcVertxClient_toGrpcJavaServer(String testCase) throws InterruptedException {
        judge(testCase, RPC_VERTX, GRPC_JAVA, runOurClient(testCase, Http2Transport.VERTX_HTTP));
    }

    private CaseResult runOurClient(String testCase, Http2Transport http2) {
        InteropClient.Options options = transport == Transport.TLS
                ? InteropClient.Options.tls(
                        "127.0.0.1", javaServer.port(), GrpcJavaPeers.caFile(), GrpcJavaPeers.TEST_HOST)
                : InteropClient.Options.plaintext("127.0.0.1", javaServer.port());
        options = options.withSoak(InteropCases.SOAK).withHttp2Transport(http2);
        Duration bound = InteropClient.caseTimeout(options, testCase);
        CaseResult result;
        try {
            InteropClient.run(vertx, options, testCase).await(bound.toMillis(), MILLISECONDS);
            result = CaseResult.pass();
        } catch (TimeoutException e) {
            result = CaseResult.fail("no result within " + bound);
        } catch (RpcException | InteropClient.CaseFailedException | IllegalArgumentException e) {
            result = CaseResult.fail(e.toString());
        }
        return result;
    }

    /** Our client on the Netty HTTP/2 transport ({@code Http2Transport.NETTY}) against grpc-java's server. */
    @ParameterizedTest(name = "{0}")
    @FieldSource("CASES")
    @Order(1)
    void rpcVertxNettyClient_toGrpcJavaServer(String testCase) throws InterruptedException {
        judge(testCase, RPC_VERTX_NETTY, GRPC_JAVA, runOurClient(testCase, Http2Transport.NETTY));
    }

    private void judge(String testCase, String client, String server, CaseResult result) throws InterruptedException {
        if (result.passed()) {
            report.add(testCase, client, server, "PASS", "");
            return;
        }
        CaseResult ref = reference().get(testCase);
        if (!ref.passed()) {
            report.add(testCase, client, server, "REFERENCE_FAILURE", result.reason());
            Assumptions.abort("reference failure: " + testCase + " fails for grpc-java client vs grpc-java server too ("
                    + ref.reason() + "); " + client + " client vs " + server + " server: " + result.reason());
        }
        report.add(testCase, client, server, "FAIL", result.reason());
        Assertions.fail(client + " client vs " + server + " server, " + transport.label() + ", " + testCase + ": "
                + result.reason());
    }
}
