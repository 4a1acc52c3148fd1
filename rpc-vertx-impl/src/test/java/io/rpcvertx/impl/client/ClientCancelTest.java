package io.rpcvertx.impl.client;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.rpcvertx.Channel;
import io.rpcvertx.Marshaller;
import io.rpcvertx.MethodDescriptor;
import io.rpcvertx.MethodType;
import io.rpcvertx.RpcMethodHandler;
import io.rpcvertx.RpcVertx;
import io.rpcvertx.Server;
import io.rpcvertx.ServiceDefinition;
import io.rpcvertx.StatusCode;
import io.rpcvertx.UnaryUnaryCall;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.junit5.VertxExtension;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The cross-thread cancel regression through the public API, over loopback: {@code cancel()} on 100 live unary calls
 * from a thread that is not the channel's loop returned true, yet {@code isCancelled()}/{@code isDone()} read false
 * right after and a second {@code cancel()} returned true again. Now each cancel holds at once, and the server sees
 * every call cancelled (the RST_STREAM went out from the owner loop).
 */
@ExtendWith(VertxExtension.class)
@Timeout(30)
class ClientCancelTest {
    static final Marshaller<String> UTF8 =
            Marshaller.of(s -> Buffer.buffer(s, "UTF-8"), b -> b.toString(StandardCharsets.UTF_8));
    static final MethodDescriptor<String, String> HANG =
            MethodDescriptor.of(MethodType.UNARY_UNARY, "test.Cancel/Hang", UTF8, UTF8);
    static final int CALLS = 100;

    Vertx vertx;
    Server server;
    Channel channel;
    volatile CountDownLatch arrived = new CountDownLatch(CALLS);
    volatile CountDownLatch serverCancelled = new CountDownLatch(CALLS);
    final AtomicInteger serverNotCancelled = new AtomicInteger();

    @BeforeEach
    void setUp(Vertx vertx) throws Exception {
        this.vertx = vertx;
        server = RpcVertx.server(vertx);
        server.addGenericRpcHandlers(ServiceDefinition.of(
                "test.Cancel",
                RpcMethodHandler.unaryUnary(
                        HANG,
                        (req, ctx) -> Future.future(p -> {
                            ctx.addDoneCallback(v -> {
                                if (ctx.isCancelled()) {
                                    serverCancelled.countDown();
                                } else {
                                    serverNotCancelled.incrementAndGet();
                                }
                                p.tryFail("the call has ended");
                            });
                            arrived.countDown();
                        }))));
        int port = server.addInsecurePort("127.0.0.1:0").await(5, SECONDS);
        server.start().await(5, SECONDS);
        channel = RpcVertx.insecureChannel(vertx, "127.0.0.1:" + port);
    }

    @AfterEach
    void tearDown() throws Exception {
        channel.close().await(5, SECONDS);
        server.stop(null).await(5, SECONDS);
    }

    List<UnaryUnaryCall<String, String>> liveCalls() throws Exception {
        List<UnaryUnaryCall<String, String>> calls = new ArrayList<>();
        for (int i = 0; i < CALLS; i++) {
            calls.add(channel.unaryUnary(HANG).call("x"));
        }
        assertThat(arrived.await(10, SECONDS))
                .as("every call reached the server")
                .isTrue();
        return calls;
    }

    static void cancelEach(List<UnaryUnaryCall<String, String>> calls) {
        for (UnaryUnaryCall<String, String> call : calls) {
            assertThat(call.cancel()).isTrue();
            assertThat(call.isCancelled()).isTrue();
            assertThat(call.isDone()).isTrue();
            assertThat(call.cancel()).isFalse();
        }
    }

    void assertAllCancelled(List<UnaryUnaryCall<String, String>> calls) throws Exception {
        for (UnaryUnaryCall<String, String> call : calls) {
            assertThat(call.code().await(5, SECONDS)).isEqualTo(StatusCode.CANCELLED);
        }
        assertThat(serverCancelled.await(10, SECONDS))
                .as("the server saw every RST_STREAM")
                .isTrue();
        assertThat(serverNotCancelled).hasValue(0);
    }

    @Test
    void cancel_fromTheTestThread_holdsAtOnceOnEveryCall() throws Exception {
        List<UnaryUnaryCall<String, String>> calls = liveCalls();
        cancelEach(calls);
        assertAllCancelled(calls);
    }

    @Test
    void cancel_fromAnotherEventLoop_holdsAtOnceOnEveryCall() throws Exception {
        List<UnaryUnaryCall<String, String>> calls = liveCalls();
        // the channel was created on the test thread: its owner is a fresh event-loop context; use another loop
        ContextInternal other = ((VertxInternal) vertx).createEventLoopContext();
        CompletableFuture<Void> done = new CompletableFuture<>();
        other.runOnContext(v -> {
            try {
                cancelEach(calls);
                done.complete(null);
            } catch (Throwable t) {
                done.completeExceptionally(t);
            }
        });
        done.get(10, SECONDS);
        assertAllCancelled(calls);
    }
}
