package io.rpcvertx.it.handlers;

import static io.rpcvertx.it.handlers.Methods.CLIENT_STREAM;
import static io.rpcvertx.it.handlers.Methods.OTHER_UNARY;
import static io.rpcvertx.it.handlers.Methods.SERVICE;
import static io.rpcvertx.it.handlers.Methods.UNARY;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.rpcvertx.CallOptions;
import io.rpcvertx.Channel;
import io.rpcvertx.ContextKey;
import io.rpcvertx.HandlerCallDetails;
import io.rpcvertx.Metadata;
import io.rpcvertx.MethodType;
import io.rpcvertx.RpcException;
import io.rpcvertx.RpcMethodHandler;
import io.rpcvertx.RpcVertx;
import io.rpcvertx.Server;
import io.rpcvertx.ServerInterceptor;
import io.rpcvertx.ServerOptions;
import io.rpcvertx.ServiceDefinition;
import io.rpcvertx.StatusCode;
import io.rpcvertx.StreamUnaryCall;
import io.rpcvertx.UnaryUnaryCall;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** Server interceptors (grpc.aio {@code ServerInterceptor.intercept_service}) with an asynchronous continuation. */
@ExtendWith(VertxExtension.class)
@Timeout(60)
class ServerInterceptorsIT {
    static final ContextKey<String> USER = ContextKey.named("user");
    static final ContextKey<String> TENANT = ContextKey.named("tenant");
    static final ContextKey<String> NEVER_SET = ContextKey.named("never-set");

    Vertx vertx;
    final List<Server> servers = new ArrayList<>();
    final List<Channel> channels = new ArrayList<>();
    final List<String> events = new CopyOnWriteArrayList<>();
    final AtomicInteger unaryHandled = new AtomicInteger();
    final AtomicInteger otherHandled = new AtomicInteger();

    @BeforeEach
    void setUp(Vertx vertx) {
        this.vertx = vertx;
    }

    @AfterEach
    void tearDown() throws Exception {
        for (Channel c : channels) {
            c.close().await(5, SECONDS);
        }
        for (Server s : servers) {
            s.stop(Duration.ZERO).await(5, SECONDS);
        }
    }

    /**
     * A server with: {@code Unary} answering {@code "<request>|user=<USER>|tenant=<TENANT>"}, {@code OtherUnary}
     * answering {@code "other:<request>"}, {@code ClientStream} answering the number of messages received.
     */
    Channel start(ServerInterceptor... interceptors) throws Exception {
        Server server = RpcVertx.server(vertx, ServerOptions.DEFAULT.withInterceptors(interceptors));
        servers.add(server);
        server.addGenericRpcHandlers(ServiceDefinition.of(
                SERVICE,
                RpcMethodHandler.unaryUnary(UNARY, (request, ctx) -> {
                    events.add("handler");
                    unaryHandled.incrementAndGet();
                    String user = ctx.get(USER).orElse("-");
                    String tenant = ctx.get(TENANT).orElse("-");
                    String never = ctx.get(NEVER_SET).orElse("absent");
                    return Future.succeededFuture(request + "|user=" + user + "|tenant=" + tenant + "|" + never);
                }),
                RpcMethodHandler.unaryUnary(OTHER_UNARY, (request, ctx) -> {
                    otherHandled.incrementAndGet();
                    return Future.succeededFuture("other:" + request);
                }),
                RpcMethodHandler.streamUnary(CLIENT_STREAM, (requests, ctx) -> {
                    Promise<String> done = Promise.promise();
                    AtomicInteger count = new AtomicInteger();
                    requests.handler(m -> count.incrementAndGet());
                    requests.endHandler(v -> done.complete(Integer.toString(count.get())));
                    return done.future();
                })));
        int port = server.addInsecurePort("127.0.0.1:0").await(5, SECONDS);
        server.start().await(5, SECONDS);
        Channel channel = RpcVertx.insecureChannel(vertx, "127.0.0.1:" + port);
        channels.add(channel);
        return channel;
    }

    ServerInterceptor recording(String name) {
        return (continuation, details) -> {
            events.add(name + " in");
            return continuation.apply(details).onComplete(ar -> events.add(name + " out"));
        };
    }

    static UnaryUnaryCall<String, String> unary(Channel channel, String request) {
        return channel.unaryUnary(UNARY).call(request);
    }

    @Test
    void interceptors_threeRegistered_runInAioOrder_firstIsOutermost() throws Exception {
        Channel channel = start(recording("A"), recording("B"), recording("C"));

        assertThat(unary(channel, "x").response().await(5, SECONDS)).startsWith("x|");

        assertThat(events).containsExactly("A in", "B in", "C in", "C out", "B out", "A out", "handler");
    }

    @Test
    void interceptor_rejectsWithStatus_clientGetsItTrailersOnly_handlerNeverRan() throws Exception {
        ServerInterceptor denyUnary =
                (continuation, details) -> details.method().equals(UNARY.path())
                        ? Future.failedFuture(new RpcException(
                                StatusCode.PERMISSION_DENIED, "denied", Metadata.of("x-why", "policy")))
                        : continuation.apply(details);
        Channel channel = start(denyUnary);

        UnaryUnaryCall<String, String> call = unary(channel, "x");

        assertThat(call.code().await(5, SECONDS)).isEqualTo(StatusCode.PERMISSION_DENIED);
        assertThat(call.details().await(5, SECONDS)).isEqualTo("denied");
        assertThat(call.trailingMetadata().await(5, SECONDS).get("x-why")).contains("policy");
        assertThat(call.initialMetadata().await(5, SECONDS).isEmpty())
                .as("trailers-only")
                .isTrue();
        // a later call on the same connection reaches its handler, the rejected one never did
        assertThat(channel.unaryUnary(OTHER_UNARY).call("y").response().await(5, SECONDS))
                .isEqualTo("other:y");
        assertThat(otherHandled).hasValue(1);
        assertThat(unaryHandled).hasValue(0);
    }

    /** The README's example: {@code authorization: Bearer <token>} or UNAUTHENTICATED; the user goes to the handler. */
    static final class BearerAuth implements ServerInterceptor {
        private final Map<String, String> usersByToken;

        BearerAuth(Map<String, String> usersByToken) {
            this.usersByToken = usersByToken;
        }

        @Override
        public Future<Optional<RpcMethodHandler<?, ?>>> interceptService(
                Continuation continuation, HandlerCallDetails details) {
            Optional<String> header = details.invocationMetadata().get("authorization");
            if (header.isEmpty() || !header.get().startsWith("Bearer ")) {
                return Future.failedFuture(new RpcException(StatusCode.UNAUTHENTICATED, "missing bearer token"));
            }
            String user = usersByToken.get(header.get().substring("Bearer ".length()));
            if (user == null) {
                return Future.failedFuture(new RpcException(StatusCode.UNAUTHENTICATED, "invalid token"));
            }
            return continuation.apply(details.withValue(USER, user));
        }
    }

    @Test
    void bearerAuth_missingWrongAndValidToken_unauthenticatedOrUserPassedToTheHandler() throws Exception {
        Channel channel = start(new BearerAuth(Map.of("s3cret", "alice")));

        UnaryUnaryCall<String, String> missing = unary(channel, "x");
        UnaryUnaryCall<String, String> wrong = channel.unaryUnary(UNARY)
                .call("x", CallOptions.DEFAULT.withMetadata(Metadata.of("authorization", "Bearer guess")));
        UnaryUnaryCall<String, String> valid = channel.unaryUnary(UNARY)
                .call("x", CallOptions.DEFAULT.withMetadata(Metadata.of("authorization", "Bearer s3cret")));

        assertThat(missing.code().await(5, SECONDS)).isEqualTo(StatusCode.UNAUTHENTICATED);
        assertThat(missing.details().await(5, SECONDS)).isEqualTo("missing bearer token");
        assertThat(wrong.code().await(5, SECONDS)).isEqualTo(StatusCode.UNAUTHENTICATED);
        assertThat(wrong.details().await(5, SECONDS)).isEqualTo("invalid token");
        assertThat(valid.response().await(5, SECONDS)).isEqualTo("x|user=alice|tenant=-|absent");
        assertThat(unaryHandled).hasValue(1);
    }

    @Test
    void interceptors_addValues_handlerReadsThemByKey() throws Exception {
        ServerInterceptor user = (continuation, details) -> continuation.apply(details.withValue(USER, "bob"));
        ServerInterceptor tenant = (continuation, details) -> continuation.apply(details.withValue(TENANT, "acme"));
        Channel channel = start(user, tenant);

        assertThat(unary(channel, "x").response().await(5, SECONDS)).isEqualTo("x|user=bob|tenant=acme|absent");
    }

    @Test
    void interceptor_answersItsOwnHandler_valuesFromOuterInterceptorsStillReachIt() throws Exception {
        ServerInterceptor user = (continuation, details) -> continuation.apply(details.withValue(USER, "carol"));
        ServerInterceptor replace = (continuation, details) ->
                Future.succeededFuture(Optional.of(RpcMethodHandler.unaryUnary(UNARY, (request, ctx) -> {
                    events.add("replacement");
                    return Future.succeededFuture("replaced:" + ctx.get(USER).orElse("-"));
                })));
        Channel channel = start(user, replace);

        assertThat(unary(channel, "x").response().await(5, SECONDS)).isEqualTo("replaced:carol");
        assertThat(events).containsExactly("replacement");
        assertThat(unaryHandled).hasValue(0);
    }

    @Test
    @SuppressWarnings("unchecked")
    void interceptor_wrapsTheHandlerItFound() throws Exception {
        ServerInterceptor wrap = (continuation, details) -> continuation
                .apply(details)
                .map(found -> found.map(handler -> {
                    if (handler.method().type() != MethodType.UNARY_UNARY) {
                        return handler;
                    }
                    RpcMethodHandler<String, String> inner = (RpcMethodHandler<String, String>) handler;
                    return RpcMethodHandler.unaryUnary(
                            inner.method(),
                            (request, ctx) -> inner.unaryUnaryHandler()
                                    .handle(request.toUpperCase(), ctx)
                                    .map(response -> response + "+wrapped"));
                }));
        Channel channel = start(wrap);

        assertThat(channel.unaryUnary(OTHER_UNARY).call("y").response().await(5, SECONDS))
                .isEqualTo("other:Y+wrapped");
    }

    @Test
    void unknownMethod_interceptorsRunBeforeTheLookup_clientGetsUnimplemented() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        ServerInterceptor observe = (continuation, details) -> continuation
                .apply(details)
                .onSuccess(found -> seen.add(details.method() + " found=" + found.isPresent()));
        Channel channel = start(observe);

        UnaryUnaryCall<String, String> call =
                channel.unaryUnary(Methods.unary("Nope")).call("x");

        assertThat(call.code().await(5, SECONDS)).isEqualTo(StatusCode.UNIMPLEMENTED);
        assertThat(seen).containsExactly("/" + SERVICE + "/Nope found=false");
    }

    @Test
    void interceptor_throws_unknownWithoutItsMessage() throws Exception {
        Channel channel = start((continuation, details) -> {
            throw new IllegalArgumentException("secret");
        });

        UnaryUnaryCall<String, String> call = unary(channel, "x");

        assertThat(call.code().await(5, SECONDS)).isEqualTo(StatusCode.UNKNOWN);
        assertThat(call.details().await(5, SECONDS)).doesNotContain("secret");
        assertThat(unaryHandled).hasValue(0);
    }

    @Test
    void interceptor_failsAsynchronouslyWithoutRpcException_unknown() throws Exception {
        Channel channel = start((continuation, details) -> {
            Promise<Optional<RpcMethodHandler<?, ?>>> later = Promise.promise();
            vertx.setTimer(1, id -> later.fail(new IllegalStateException("secret")));
            return later.future();
        });

        UnaryUnaryCall<String, String> call = unary(channel, "x");

        assertThat(call.code().await(5, SECONDS)).isEqualTo(StatusCode.UNKNOWN);
        assertThat(call.details().await(5, SECONDS)).doesNotContain("secret");
    }

    @Test
    void interceptor_decidesLater_requestMessagesSentMeanwhileAllReachTheHandler() throws Exception {
        CompletableFuture<Promise<Void>> deciding = new CompletableFuture<>();
        Channel channel = start((continuation, details) -> {
            Promise<Void> decision = Promise.promise();
            deciding.complete(decision);
            return decision.future().compose(v -> continuation.apply(details));
        });

        StreamUnaryCall<String, String> call =
                channel.streamUnary(CLIENT_STREAM).call();
        call.write("a");
        call.write("b");
        call.write("c");
        call.doneWriting().await(5, SECONDS);
        deciding.get(5, SECONDS).complete();

        assertThat(call.response().await(5, SECONDS)).isEqualTo("3");
    }

    @Test
    void interceptor_neverDecides_callEndsAtItsDeadline() throws Exception {
        Channel channel = start((continuation, details) ->
                Promise.<Optional<RpcMethodHandler<?, ?>>>promise().future());

        UnaryUnaryCall<String, String> call =
                channel.unaryUnary(UNARY).call("x", CallOptions.DEFAULT.withTimeout(Duration.ofMillis(200)));

        assertThat(call.code().await(5, SECONDS)).isEqualTo(StatusCode.DEADLINE_EXCEEDED);
        assertThat(unaryHandled).hasValue(0);
    }

    @Test
    void interceptor_clientCancelsWhileItDecides_handlerNeverRuns() throws Exception {
        CompletableFuture<Promise<Void>> deciding = new CompletableFuture<>();
        CompletableFuture<Void> decided = new CompletableFuture<>();
        Channel channel = start((continuation, details) -> {
            if (!details.method().equals(UNARY.path())) {
                return continuation.apply(details);
            }
            Promise<Void> decision = Promise.promise();
            deciding.complete(decision);
            return decision.future().compose(v -> continuation.apply(details)).onComplete(ar -> decided.complete(null));
        });
        UnaryUnaryCall<String, String> call = unary(channel, "x");
        Promise<Void> decision = deciding.get(5, SECONDS);

        call.cancel();
        // the cancel reached the server before this later call on the same connection completes
        channel.unaryUnary(OTHER_UNARY).call("y").response().await(5, SECONDS);
        decision.complete();
        decided.get(5, SECONDS);
        channel.unaryUnary(OTHER_UNARY).call("z").response().await(5, SECONDS);

        assertThat(call.code().await(5, SECONDS)).isEqualTo(StatusCode.CANCELLED);
        assertThat(unaryHandled).hasValue(0);
    }

    @Test
    void interceptors_runOnTheCallEventLoop_evenWhenAnOuterOneContinuesFromAnotherThread() throws Exception {
        List<String> threads = new CopyOnWriteArrayList<>();
        ServerInterceptor outer = (continuation, details) -> {
            threads.add("outer on loop=" + Context.isOnEventLoopThread());
            Promise<Optional<RpcMethodHandler<?, ?>>> result = Promise.promise();
            new Thread(() -> continuation.apply(details).onComplete(result), "not-vertx").start();
            return result.future();
        };
        ServerInterceptor inner = (continuation, details) -> {
            threads.add("inner on loop=" + Context.isOnEventLoopThread());
            return continuation.apply(details);
        };
        Channel channel = start(outer, inner);

        assertThat(unary(channel, "x").response().await(5, SECONDS)).startsWith("x|");
        assertThat(threads).containsExactly("outer on loop=true", "inner on loop=true");
    }
}
