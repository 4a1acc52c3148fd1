package io.rpcvertx.it.grpcio;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.rpcvertx.Marshaller;
import io.rpcvertx.MethodDescriptor;
import io.rpcvertx.MethodType;
import io.rpcvertx.RpcMethodHandler;
import io.rpcvertx.RpcVertx;
import io.rpcvertx.Server;
import io.rpcvertx.ServiceDefinition;
import io.rpcvertx.StatusCode;
import io.rpcvertx.it.testservice.TestServiceContract;
import io.rpcvertx.it.testservice.TestServiceEvents;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The grpcio (Python grpc.aio) client, {@code src/test/python/test_service_client.py}, against our server: one
 * client process per case, each bounded to 30 s.
 */
@ExtendWith(VertxExtension.class)
@Timeout(120)
class GrpcioClientToRpcVertxServerIT {
    private static final Duration CLIENT_BOUND = Duration.ofSeconds(30);

    static final MethodDescriptor<byte[], byte[]> THROW =
            MethodDescriptor.of(MethodType.UNARY_UNARY, "rpcvertx.it.Extra/Throw", Marshaller.BYTES, Marshaller.BYTES);
    static final MethodDescriptor<byte[], byte[]> ABORT =
            MethodDescriptor.of(MethodType.UNARY_UNARY, "rpcvertx.it.Extra/Abort", Marshaller.BYTES, Marshaller.BYTES);

    private TestServiceEvents events;
    private Server server;
    private int port;

    @BeforeAll
    static void requirePeer() {
        PythonPeer.assumeAvailable();
    }

    @BeforeEach
    void startServer(Vertx vertx) throws Exception {
        events = new TestServiceEvents();
        server = RpcVertx.server(vertx)
                .addGenericRpcHandlers(TestServiceContract.rpcVertxService(events), extraService());
        port = server.addInsecurePort("127.0.0.1:0").await(5, SECONDS);
        server.start().await(5, SECONDS);
    }

    @AfterEach
    void stopServer() throws Exception {
        if (server != null) {
            server.stop(Duration.ofSeconds(1)).await(10, SECONDS);
        }
    }

    /** {@code rpcvertx.it.Extra}: a handler that throws and one that aborts. */
    private static ServiceDefinition extraService() {
        return ServiceDefinition.of(
                "rpcvertx.it.Extra",
                RpcMethodHandler.unaryUnary(THROW, (request, context) -> {
                    throw new IllegalStateException("boom from the Throw handler");
                }),
                RpcMethodHandler.unaryUnary(
                        ABORT, (request, context) -> context.abort(StatusCode.FAILED_PRECONDITION, "nope")));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(
            strings = {
                "empty_unary",
                "large_unary",
                "server_streaming",
                "client_streaming",
                "ping_pong",
                "max_size_unary",
                "oversize_unary",
                "metadata",
                "status_details",
                "unimplemented_method",
                "unimplemented_service",
                "compression_gzip",
                "compression_deflate",
                "unknown_error",
                "abort_status"
            })
    void grpcioClient_case_passes(String testCase) throws Exception {
        runClient(testCase);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"deadline", "cancel"})
    void grpcioClient_callEndsEarly_serverObservesCancellation(String testCase) throws Exception {
        runClient(testCase);

        events.cancelled().get(5, SECONDS);
    }

    private void runClient(String testCase) throws Exception {
        PythonPeer.Finished run = PythonPeer.run(
                CLIENT_BOUND, "test_service_client.py", "--target=127.0.0.1:" + port, "--case=" + testCase);

        assertThat(run.exitCode())
                .as("exit code of %s; transcript:%n%s", testCase, run.transcript())
                .isZero();
        assertThat(run.stdout()).as("stdout of %s", testCase).contains("OK " + testCase);
    }
}
