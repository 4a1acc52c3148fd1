package io.rpcvertx.impl.server;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.rpcvertx.ContextKey;
import io.rpcvertx.HandlerCallDetails;
import io.rpcvertx.Marshaller;
import io.rpcvertx.Metadata;
import io.rpcvertx.MethodDescriptor;
import io.rpcvertx.MethodType;
import io.rpcvertx.RpcMethodHandler;
import io.rpcvertx.ServerInterceptor;
import io.rpcvertx.ServiceDefinition;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** The interceptor chain driven directly on an event-loop context, without sockets. */
@ExtendWith(VertxExtension.class)
@Timeout(10)
class InterceptorChainTest {
    static final Marshaller<String> UTF8 = Marshaller.of(s -> Buffer.buffer(s.getBytes(UTF_8)), b -> b.toString(UTF_8));
    static final MethodDescriptor<String, String> KNOWN =
            MethodDescriptor.of(MethodType.UNARY_UNARY, "t.S/Known", UTF8, UTF8);
    static final ContextKey<String> KEY = ContextKey.named("k");

    final RpcMethodHandler<String, String> known =
            RpcMethodHandler.unaryUnary(KNOWN, (request, context) -> Future.succeededFuture(request));
    final HandlerRegistry registry = HandlerRegistry.of(List.of(ServiceDefinition.of("t.S", known)));
    final List<HandlerCallDetails> reached = new CopyOnWriteArrayList<>();
    ContextInternal ctx;

    @BeforeEach
    void setUp(Vertx vertx) {
        ctx = ((VertxInternal) vertx).createEventLoopContext();
    }

    Optional<RpcMethodHandler<?, ?>> run(String path, ServerInterceptor... interceptors) throws Exception {
        CompletableFuture<Optional<RpcMethodHandler<?, ?>>> result = new CompletableFuture<>();
        ctx.runOnContext(v -> InterceptorChain.run(
                        List.of(interceptors),
                        registry,
                        ctx,
                        new HandlerCallDetails(path, Metadata.EMPTY),
                        reached::add)
                .onComplete(ar -> {
                    if (ar.succeeded()) {
                        result.complete(ar.result());
                    } else {
                        result.completeExceptionally(ar.cause());
                    }
                }));
        return result.get(5, TimeUnit.SECONDS);
    }

    @Test
    void noInterceptors_knownPath_findsTheHandler() throws Exception {
        assertThat(run(KNOWN.path())).containsSame(known);
        assertThat(reached).hasSize(1);
    }

    @Test
    void unknownPath_reachesTheLookup_empty() throws Exception {
        assertThat(run("/t.S/Nope", (c, d) -> c.apply(d))).isEmpty();
        assertThat(reached).extracting(HandlerCallDetails::method).containsExactly("/t.S/Nope", "/t.S/Nope");
    }

    @Test
    void interceptorChangesTheMethod_lookupUsesIt() throws Exception {
        ServerInterceptor reroute = (c, d) -> c.apply(new HandlerCallDetails(KNOWN.path(), d.invocationMetadata()));

        assertThat(run("/t.S/Old", reroute)).containsSame(known);
    }

    @Test
    void values_theInnermostReachedDetailsAreReported() throws Exception {
        ServerInterceptor add = (c, d) -> c.apply(d.withValue(KEY, "v"));

        run(KNOWN.path(), add, (c, d) -> c.apply(d));

        assertThat(reached.get(reached.size() - 1).get(KEY)).contains("v");
        assertThat(reached.get(0).get(KEY)).isEmpty();
    }

    @Test
    void innerInterceptorThrows_outerSeesAFailedFuture() throws Exception {
        CompletableFuture<Throwable> seenByOuter = new CompletableFuture<>();
        ServerInterceptor outer = (c, d) -> c.apply(d).recover(t -> {
            seenByOuter.complete(t);
            return Future.succeededFuture(Optional.empty());
        });
        ServerInterceptor inner = (c, d) -> {
            throw new IllegalStateException("boom");
        };

        assertThat(run(KNOWN.path(), outer, inner)).isEmpty();
        assertThat(seenByOuter.get(5, TimeUnit.SECONDS)).hasMessage("boom");
    }

    @Test
    void interceptorReturnsNull_failsNamingIt() {
        ServerInterceptor nullReturning = new ServerInterceptor() {
            @Override
            public Future<Optional<RpcMethodHandler<?, ?>>> interceptService(
                    Continuation continuation, HandlerCallDetails details) {
                return null;
            }

            @Override
            public String toString() {
                return "NullReturning";
            }
        };

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> run(KNOWN.path(), nullReturning))
                .hasCauseInstanceOf(NullPointerException.class)
                .hasMessageContaining("NullReturning returned null");
    }

    @Test
    void continuationFromAnotherThread_innerInterceptorRunsOnTheContext() throws Exception {
        List<Boolean> innerOnContext = new CopyOnWriteArrayList<>();
        ServerInterceptor outer = (c, d) -> {
            Promise<Optional<RpcMethodHandler<?, ?>>> result = Promise.promise();
            new Thread(() -> c.apply(d).onComplete(result)).start();
            return result.future();
        };
        ServerInterceptor inner = (c, d) -> {
            innerOnContext.add(ctx.inThread());
            return c.apply(d);
        };

        assertThat(run(KNOWN.path(), outer, inner)).containsSame(known);
        assertThat(innerOnContext).containsExactly(true);
    }
}
