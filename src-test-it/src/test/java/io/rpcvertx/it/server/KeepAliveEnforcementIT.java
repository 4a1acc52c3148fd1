package io.rpcvertx.it.server;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.rpcvertx.RpcVertx;
import io.rpcvertx.Server;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Keepalive enforcement against grpc-java: a client pinging more often than the server permits (default: once per
 * 5 minutes with calls) gets GOAWAY ENHANCE_YOUR_CALM "too_many_pings" on its third early ping. grpc-java clamps its
 * keepalive time to at least 10 s, so this test takes about 30 s.
 */
@ExtendWith(VertxExtension.class)
@Timeout(120)
class KeepAliveEnforcementIT {
    Vertx vertx;
    HeldCalls held;
    Server server;
    ManagedChannel channel;

    @BeforeEach
    void setUp(Vertx vertx) throws Exception {
        this.vertx = vertx;
        held = new HeldCalls(vertx);
        server = RpcVertx.server(vertx); // default keepalive policy
        server.addGenericRpcHandlers(held.service());
        int port = server.addInsecurePort("127.0.0.1:0").await(5, SECONDS);
        server.start().await(5, SECONDS);
        channel = NettyChannelBuilder.forAddress("127.0.0.1", port)
                .usePlaintext()
                .keepAliveTime(1, TimeUnit.SECONDS) // grpc-java raises this to its minimum, 10 s
                .keepAliveTimeout(5, TimeUnit.SECONDS)
                .keepAliveWithoutCalls(true)
                .build();
    }

    @AfterEach
    void tearDown() throws Exception {
        channel.shutdownNow();
        assertThat(channel.awaitTermination(5, SECONDS)).isTrue();
        server.stop(null).await(5, SECONDS);
    }

    @Test
    void grpcJavaPingsTooOften_callEndsWithTooManyPings_handlerCancelled() throws Exception {
        var call =
                ClientCalls.futureUnaryCall(channel.newCall(GrpcJavaMethods.HOLD, io.grpc.CallOptions.DEFAULT), "held");
        HeldCalls.Held h = held.next();

        Throwable failure = null;
        try {
            call.get(90, SECONDS);
        } catch (ExecutionException e) {
            failure = e.getCause();
        }

        assertThat(failure).isInstanceOf(StatusRuntimeException.class);
        Status status = Status.fromThrowable(failure);
        // grpc-java maps GOAWAY ENHANCE_YOUR_CALM to RESOURCE_EXHAUSTED and quotes the debug data
        assertThat(status.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(status.getDescription()).contains("ENHANCE_YOUR_CALM").contains("too_many_pings");
        assertThat(h.cancelled().get(5, SECONDS))
                .as("the server call was cancelled")
                .isTrue();
    }
}
