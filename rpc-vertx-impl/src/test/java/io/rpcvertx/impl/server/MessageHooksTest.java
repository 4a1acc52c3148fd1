package io.rpcvertx.impl.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.rpcvertx.RpcException;
import io.rpcvertx.ServerMessageInterceptor;
import io.rpcvertx.ServicerContext;
import io.rpcvertx.StatusCode;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** Message hooks driven directly on an event-loop context. */
@ExtendWith(VertxExtension.class)
@Timeout(10)
class MessageHooksTest {
    final List<String> log = new CopyOnWriteArrayList<>();
    ContextInternal ctx;
    Vertx vertx;

    @BeforeEach
    void setUp(Vertx vertx) {
        this.vertx = vertx;
        ctx = ((VertxInternal) vertx).createEventLoopContext();
    }

    /** Logs "name req|resp message onLoop=..." and passes after {@code delay}. */
    ServerMessageInterceptor logging(String name, Function<Object, Future<Void>> delay) {
        return new ServerMessageInterceptor() {
            @Override
            public Future<Void> onRequest(ServicerContext<?, ?> call, Object request) {
                log.add(name + " req " + request + " onContext=" + ctx.inThread());
                return delay.apply(request);
            }

            @Override
            public Future<Void> onResponse(ServicerContext<?, ?> call, Object response) {
                log.add(name + " resp " + response + " onContext=" + ctx.inThread());
                return delay.apply(response);
            }
        };
    }

    /** Completes from a non-Vert.x thread, so the next hook must hop back to the context. */
    static Future<Void> fromAnotherThread(Object message) {
        Promise<Void> passed = Promise.promise();
        new Thread(passed::complete).start();
        return passed.future();
    }

    Throwable run(MessageHooks hooks, boolean request, Object message) throws Exception {
        CompletableFuture<Throwable> outcome = new CompletableFuture<>();
        ctx.runOnContext(v -> (request ? hooks.onRequest(message) : hooks.onResponse(message))
                .onComplete(ar -> outcome.complete(ar.failed() ? ar.cause() : null)));
        return outcome.get(5, TimeUnit.SECONDS);
    }

    @Test
    void requests_outermostFirst_responses_innermostFirst_allOnTheContext() throws Exception {
        // innermost first, as RpcMethodHandler.messageInterceptors() lists them
        MessageHooks hooks = new MessageHooks(
                List.of(
                        logging("inner", MessageHooksTest::fromAnotherThread),
                        logging("outer", m -> Future.succeededFuture())),
                null,
                ctx);

        assertThat(run(hooks, true, "q")).isNull();
        assertThat(run(hooks, false, "r")).isNull();

        assertThat(log)
                .containsExactly(
                        "outer req q onContext=true",
                        "inner req q onContext=true",
                        "inner resp r onContext=true",
                        "outer resp r onContext=true");
    }

    @Test
    void hookFails_laterHooksDoNotRun_failurePassedOn() throws Exception {
        RpcException no = new RpcException(StatusCode.INVALID_ARGUMENT, "no");
        MessageHooks hooks = new MessageHooks(
                List.of(
                        logging("inner", m -> Future.succeededFuture()),
                        logging("outer", m -> Future.failedFuture(no))),
                null,
                ctx);

        assertThat(run(hooks, true, "q")).isSameAs(no);
        assertThat(log).containsExactly("outer req q onContext=true");
    }

    @Test
    void hookThrowsOrReturnsNull_becomesTheFailure() throws Exception {
        MessageHooks throwing = new MessageHooks(
                List.of(logging("t", m -> {
                    throw new IllegalStateException("thrown");
                })),
                null,
                ctx);
        MessageHooks nulls = new MessageHooks(List.of(logging("n", m -> null)), null, ctx);

        assertThat(run(throwing, false, "r")).hasMessage("thrown");
        assertThat(run(nulls, false, "r")).isInstanceOf(NullPointerException.class);
    }
}
