package io.rpcvertx.impl.server;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.rpcvertx.CallOptions;
import io.rpcvertx.Channel;
import io.rpcvertx.Compression;
import io.rpcvertx.Marshaller;
import io.rpcvertx.MethodDescriptor;
import io.rpcvertx.MethodType;
import io.rpcvertx.RpcMethodHandler;
import io.rpcvertx.RpcVertx;
import io.rpcvertx.Server;
import io.rpcvertx.ServiceDefinition;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** {@code ServicerContext.requestCompression()}: the encoding the client declared for its requests. */
@ExtendWith(VertxExtension.class)
@Timeout(30)
class RequestCompressionTest {
    static final MethodDescriptor<byte[], byte[]> REPORT =
            MethodDescriptor.of(MethodType.UNARY_UNARY, "test.Compression/Report", Marshaller.BYTES, Marshaller.BYTES);

    private Server server;
    private Channel channel;

    @BeforeEach
    void setUp(Vertx vertx) throws Exception {
        server = RpcVertx.server(vertx)
                .addGenericRpcHandlers(ServiceDefinition.of(
                        "test.Compression",
                        RpcMethodHandler.unaryUnary(
                                REPORT,
                                (request, context) -> Future.succeededFuture(
                                        context.requestCompression().name().getBytes(UTF_8)))));
        int port = server.addInsecurePort("127.0.0.1:0").await(5, SECONDS);
        server.start().await(5, SECONDS);
        channel = RpcVertx.insecureChannel(vertx, "127.0.0.1:" + port);
    }

    @AfterEach
    void tearDown() throws Exception {
        channel.close().await(5, SECONDS);
        server.stop(null).await(5, SECONDS);
    }

    @ParameterizedTest
    @EnumSource(Compression.class)
    void requestCompression_clientCompressesWith_serverSeesIt(Compression compression) throws Exception {
        byte[] seen = channel.unaryUnary(REPORT)
                .call(new byte[100], CallOptions.DEFAULT.withCompression(compression))
                .response()
                .await(5, SECONDS);

        assertThat(new String(seen, UTF_8)).isEqualTo(compression.name());
    }
}
