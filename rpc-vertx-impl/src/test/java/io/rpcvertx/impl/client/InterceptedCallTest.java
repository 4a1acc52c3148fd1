package io.rpcvertx.impl.client;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rpcvertx.CallOptions;
import io.rpcvertx.ChannelOptions;
import io.rpcvertx.Compression;
import io.rpcvertx.RpcException;
import io.rpcvertx.StatusCode;
import io.rpcvertx.UnaryUnaryCall;
import io.rpcvertx.UnaryUnaryClientInterceptor;
import io.rpcvertx.impl.security.ChannelSecurity;
import io.rpcvertx.impl.telemetry.CallCounter;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The interceptor decorator's own states (before it forwards), on a fake transport: no sockets. */
@Timeout(60)
class InterceptedCallTest {
    Vertx vertx;
    ContextInternal caller;
    CallSetup setup;

    @BeforeEach
    void setUp() {
        vertx = Vertx.vertx();
        VertxInternal vi = (VertxInternal) vertx;
        caller = vi.createEventLoopContext();
        setup = new CallSetup(
                caller,
                new FakeClientTransport(),
                ChannelSecurity.of(vi, null, ChannelOptions.DEFAULT, "fake:1"),
                Compression.NO_COMPRESSION,
                -1,
                -1,
                true,
                null,
                new CallCounter());
    }

    @AfterEach
    void tearDown() throws Exception {
        vertx.close().await(5, SECONDS);
    }

    /** An interceptor that holds the chain until the test completes {@code held}. */
    static UnaryUnaryClientInterceptor holding(CompletableFuture<Promise<Void>> held) {
        return new UnaryUnaryClientInterceptor() {
            @Override
            public <Req, Resp> Future<UnaryUnaryCall<Req, Resp>> interceptUnaryUnary(
                    Continuation<Req, Resp> continuation, io.rpcvertx.ClientCallDetails details, Req request) {
                Promise<Void> go = Promise.promise();
                held.complete(go);
                return go.future().compose(v -> continuation.call(details, request));
            }
        };
    }

    InterceptedCall<String, String> intercepted(
            CompletableFuture<Promise<Void>> held, List<ClientCallImpl<?, ?>> made) {
        return InterceptorChain.unaryUnary(
                List.of(holding(held)), ClientCallImplTest.UNARY, "req", CallOptions.DEFAULT, caller, (d, r) -> {
                    ClientCallImpl<String, String> call =
                            new ClientCallImpl<>(setup, ClientCallImplTest.UNARY, d.callOptions(), caller);
                    made.add(call);
                    call.start(r);
                    return Future.succeededFuture(call);
                });
    }

    @Test
    void cancel_whileIntercepting_fromAnotherThread_isTrueOnceAndDoneAtOnce() throws Exception {
        CompletableFuture<Promise<Void>> held = new CompletableFuture<>();
        List<ClientCallImpl<?, ?>> made = new java.util.concurrent.CopyOnWriteArrayList<>();
        InterceptedCall<String, String> call = intercepted(held, made);
        Promise<Void> go = held.get(5, SECONDS);

        assertThat(call.cancel()).isTrue();
        assertThat(call.isCancelled()).isTrue();
        assertThat(call.isDone()).isTrue();
        assertThat(call.cancel()).isFalse();
        assertThatThrownBy(() -> call.response().await(5, SECONDS)).isInstanceOf(RpcException.class);
        assertThat(call.code().await(5, SECONDS)).isEqualTo(StatusCode.CANCELLED);

        // the chain goes on and produces the call later: it is cancelled at once
        caller.runOnContext(v -> go.complete());
        CompletableFuture<Boolean> producedCancelled = new CompletableFuture<>();
        caller.runOnContext(v ->
                caller.runOnContext(x -> producedCancelled.complete(made.get(0).isCancelled())));
        assertThat(producedCancelled.get(5, SECONDS)).isTrue();
    }

    @Test
    void race_cancelVsProduction_cancelsOnce() throws Exception {
        for (int i = 0; i < 500; i++) {
            CompletableFuture<Promise<Void>> held = new CompletableFuture<>();
            List<ClientCallImpl<?, ?>> made = new java.util.concurrent.CopyOnWriteArrayList<>();
            InterceptedCall<String, String> call = intercepted(held, made);
            Promise<Void> go = held.get(5, SECONDS);
            CyclicBarrier barrier = new CyclicBarrier(2);
            caller.runOnContext(v -> {
                ClientCallImplTest.await(barrier);
                go.complete(); // produces the call and forwards to it
            });
            ClientCallImplTest.await(barrier);
            // whether the chain produced the call first or not, the live call is cancelled once, visibly at once
            assertThat(call.cancel()).isTrue();
            assertThat(call.isCancelled()).isTrue();
            assertThat(call.isDone()).isTrue();
            assertThat(call.cancel()).isFalse();
            assertThat(call.code().await(5, SECONDS)).isEqualTo(StatusCode.CANCELLED);
            CompletableFuture<Boolean> producedEnded = new CompletableFuture<>();
            caller.runOnContext(v -> producedEnded.complete(made.stream().allMatch(ClientCallImpl::isCancelled)));
            assertThat(producedEnded.get(5, SECONDS)).isTrue();
        }
    }
}
