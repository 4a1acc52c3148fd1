package io.rpcvertx.it.calls;

import static io.rpcvertx.it.calls.EchoServer.BIDI;
import static io.rpcvertx.it.calls.EchoServer.CLIENT_STREAM;
import static io.rpcvertx.it.calls.EchoServer.SERVER_STREAM;
import static io.rpcvertx.it.calls.EchoServer.UNARY;
import static io.rpcvertx.it.calls.EchoServer.UPPER;
import static io.rpcvertx.it.calls.EchoServer.X_HANG;
import static io.rpcvertx.it.calls.EchoServer.X_STATUS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.rpcvertx.CallOptions;
import io.rpcvertx.Channel;
import io.rpcvertx.ChannelOptions;
import io.rpcvertx.ClientCallDetails;
import io.rpcvertx.ClientInterceptor;
import io.rpcvertx.Metadata;
import io.rpcvertx.RpcException;
import io.rpcvertx.RpcVertx;
import io.rpcvertx.StatusCode;
import io.rpcvertx.StreamStreamCall;
import io.rpcvertx.StreamStreamClientInterceptor;
import io.rpcvertx.StreamUnaryCall;
import io.rpcvertx.StreamUnaryClientInterceptor;
import io.rpcvertx.UnaryStreamCall;
import io.rpcvertx.UnaryStreamClientInterceptor;
import io.rpcvertx.UnaryUnaryCall;
import io.rpcvertx.UnaryUnaryClientInterceptor;
import io.rpcvertx.it.calls.EchoServer.Seen;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.streams.ReadStream;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** Client interceptors (grpc.aio's four shapes) on channel options and on a wrapped channel. */
@ExtendWith(VertxExtension.class)
@Timeout(60)
class InterceptorIT {
    private final List<Channel> channels = new ArrayList<>();
    private Vertx vertx;
    private EchoServer server;

    @BeforeEach
    void setUp(Vertx vertx) throws Exception {
        this.vertx = vertx;
        server = EchoServer.start(vertx);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (Channel c : channels) {
            c.close().await(5, SECONDS);
        }
        server.stop().await(5, SECONDS);
    }

    @Test
    void order_firstInTheListIsTheOutermost() throws Exception {
        List<String> events = new CopyOnWriteArrayList<>();
        Channel channel = channel(new Recording("A", events), new Recording("B", events), new Recording("C", events));

        assertThat(await(channel.unaryUnary(UNARY).call("hi").response())).isEqualTo("echo:hi");

        assertThat(events).containsExactly("A>", "B>", "C>", "C<", "B<", "A<");
    }

    @Test
    void order_interceptChannel_wrapperRunsBeforeTheChannelsOwn() throws Exception {
        List<String> events = new CopyOnWriteArrayList<>();
        Channel inner = channel(new Recording("C", events));
        Channel outer = RpcVertx.interceptChannel(inner, new Recording("A", events), new Recording("B", events));

        assertThat(await(outer.unaryUnary(UNARY).call("hi").response())).isEqualTo("echo:hi");

        assertThat(events).containsExactly("A>", "B>", "C>", "C<", "B<", "A<");
        assertThat(outer.target()).isEqualTo(inner.target());
    }

    @Test
    void details_methodMetadataAndTimeoutReplaced_serverSeesTheReplacement() throws Exception {
        UnaryUnaryClientInterceptor redirect = new UnaryUnaryClientInterceptor() {
            @Override
            public <Req, Resp> Future<UnaryUnaryCall<Req, Resp>> interceptUnaryUnary(
                    Continuation<Req, Resp> continuation, ClientCallDetails details, Req request) {
                Metadata md = details.metadata().toBuilder().add("x-added", "1").build();
                return continuation.call(
                        details.withMethod(UPPER.path()).withMetadata(md).withTimeout(Duration.ofSeconds(3)), request);
            }
        };
        Channel channel = channel(redirect);

        UnaryUnaryCall<String, String> call =
                channel.unaryUnary(UNARY).call("hi", CallOptions.DEFAULT.withMetadata(Metadata.of("x-own", "2")));

        assertThat(await(call.response())).isEqualTo("HI");
        Seen seen = server.next();
        assertThat(seen.method()).isEqualTo("/calls.Echo/Upper");
        assertThat(seen.metadata().get("x-own")).hasValue("2");
        assertThat(seen.metadata().get("x-added")).hasValue("1");
        assertThat(seen.timeRemaining())
                .hasValueSatisfying(d ->
                        assertThat(d).isLessThanOrEqualTo(Duration.ofSeconds(3)).isGreaterThan(Duration.ofSeconds(1)));
    }

    @Test
    void metadata_injectedForEveryShape_visibleAtTheServer() throws Exception {
        Channel channel = channel(new Inject());

        assertThat(await(channel.unaryUnary(UNARY).call("u").response())).isEqualTo("echo:u");
        assertThat(server.next().metadata().get("x-injected")).hasValue("yes");

        UnaryStreamCall<String, String> us = channel.unaryStream(SERVER_STREAM).call("s");
        assertThat(readAll(us)).containsExactly("s1", "s2", "s3");
        assertThat(server.next().metadata().get("x-injected")).hasValue("yes");

        StreamUnaryCall<String, String> su = channel.streamUnary(CLIENT_STREAM).call();
        su.write("a");
        su.write("b");
        su.doneWriting();
        assertThat(await(su.response())).isEqualTo("count:2");
        assertThat(server.next().metadata().get("x-injected")).hasValue("yes");

        StreamStreamCall<String, String> ss = channel.streamStream(BIDI).call();
        ss.write("x");
        ss.doneWriting();
        assertThat(readAll(ss)).containsExactly("x");
        assertThat(server.next().metadata().get("x-injected")).hasValue("yes");
    }

    @Test
    void response_unaryReplaced_applicationSeesTheReplacement() throws Exception {
        UnaryUnaryClientInterceptor upper = new UnaryUnaryClientInterceptor() {
            @Override
            @SuppressWarnings("unchecked")
            public <Req, Resp> Future<UnaryUnaryCall<Req, Resp>> interceptUnaryUnary(
                    Continuation<Req, Resp> continuation, ClientCallDetails details, Req request) {
                return continuation
                        .call(details, request)
                        .map(call -> UnaryUnaryCall.withResponse(
                                call, call.response().map(r -> (Resp) ((String) r).toUpperCase())));
            }
        };
        Channel channel = channel(upper);

        UnaryUnaryCall<String, String> call = channel.unaryUnary(UNARY).call("hi");

        assertThat(await(call.response())).isEqualTo("ECHO:HI");
        assertThat(await(call.code())).isEqualTo(StatusCode.OK);
    }

    @Test
    void responses_streamReplaced_bothReadStylesSeeTheReplacement() throws Exception {
        Channel channel = channel(new UpperStream());

        UnaryStreamCall<String, String> pull =
                channel.unaryStream(SERVER_STREAM).call("s");
        assertThat(readAll(pull)).containsExactly("S1", "S2", "S3");
        assertThat(await(pull.code())).isEqualTo(StatusCode.OK);

        UnaryStreamCall<String, String> push =
                channel.unaryStream(SERVER_STREAM).call("p");
        List<String> pushed = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> ended = new CompletableFuture<>();
        push.responses().handler(pushed::add).endHandler(v -> ended.complete(null));
        ended.get(10, SECONDS);
        assertThat(pushed).containsExactly("P1", "P2", "P3");
    }

    @Test
    void writes_beforeTheChainProducedTheCall_queuedInOrder() throws Exception {
        StreamStreamClientInterceptor slow = new StreamStreamClientInterceptor() {
            @Override
            public <Req, Resp> Future<StreamStreamCall<Req, Resp>> interceptStreamStream(
                    Continuation<Req, Resp> continuation, ClientCallDetails details) {
                return vertx.timer(100).compose(v -> continuation.call(details));
            }
        };
        Channel channel = channel(slow);

        StreamStreamCall<String, String> call = channel.streamStream(BIDI).call();
        List<Future<Void>> writes = List.of(call.write("1"), call.write("2"), call.write("3"), call.doneWriting());
        assertThat(call.isDone()).isFalse();

        assertThat(readAll(call)).containsExactly("1", "2", "3");
        for (Future<Void> w : writes) {
            assertThat(w.succeeded()).isTrue();
        }
        assertThat(await(call.code())).isEqualTo(StatusCode.OK);
    }

    @Test
    void pipe_intoAnInterceptedCall_deliversEverything() throws Exception {
        StreamUnaryClientInterceptor slow = new StreamUnaryClientInterceptor() {
            @Override
            public <Req, Resp> Future<StreamUnaryCall<Req, Resp>> interceptStreamUnary(
                    Continuation<Req, Resp> continuation, ClientCallDetails details) {
                return vertx.timer(50).compose(v -> continuation.call(details));
            }
        };
        Channel channel = channel(slow);
        List<String> messages = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            messages.add("m" + i);
        }

        StreamUnaryCall<String, String> call =
                channel.streamUnary(CLIENT_STREAM).call(new ListStream(vertx, messages), CallOptions.DEFAULT);

        assertThat(await(call.response())).isEqualTo("count:100");
    }

    @Test
    void failure_rpcExceptionFromAnInterceptor_endsTheCallWithItsStatus() throws Exception {
        UnaryUnaryClientInterceptor deny = new UnaryUnaryClientInterceptor() {
            @Override
            public <Req, Resp> Future<UnaryUnaryCall<Req, Resp>> interceptUnaryUnary(
                    Continuation<Req, Resp> continuation, ClientCallDetails details, Req request) {
                return Future.failedFuture(new RpcException(StatusCode.PERMISSION_DENIED, "no"));
            }
        };
        UnaryUnaryCall<String, String> call = channel(deny).unaryUnary(UNARY).call("hi");

        assertThat(failure(call.response()).code()).isEqualTo(StatusCode.PERMISSION_DENIED);
        assertThat(await(call.code())).isEqualTo(StatusCode.PERMISSION_DENIED);
        assertThat(await(call.details())).isEqualTo("no");
        assertThat(call.isDone()).isTrue();
    }

    @Test
    void failure_interceptorThrows_endsTheCallUnknown() throws Exception {
        UnaryUnaryClientInterceptor broken = new UnaryUnaryClientInterceptor() {
            @Override
            public <Req, Resp> Future<UnaryUnaryCall<Req, Resp>> interceptUnaryUnary(
                    Continuation<Req, Resp> continuation, ClientCallDetails details, Req request) {
                throw new IllegalStateException("boom");
            }
        };
        UnaryUnaryCall<String, String> call = channel(broken).unaryUnary(UNARY).call("hi");

        assertThat(await(call.code())).isEqualTo(StatusCode.UNKNOWN);
        assertThat(await(call.details())).contains("boom");
    }

    @Test
    void continuation_calledAgain_startsAnotherRpc() throws Exception {
        UnaryUnaryClientInterceptor retryOnce = new UnaryUnaryClientInterceptor() {
            @Override
            public <Req, Resp> Future<UnaryUnaryCall<Req, Resp>> interceptUnaryUnary(
                    Continuation<Req, Resp> continuation, ClientCallDetails details, Req request) {
                return continuation
                        .call(details, request)
                        .compose(first -> first.code()
                                .compose(code -> code == StatusCode.OK
                                        ? Future.succeededFuture(first)
                                        : continuation.call(details.withMetadata(Metadata.EMPTY), request)));
            }
        };
        Channel channel = channel(retryOnce);

        UnaryUnaryCall<String, String> call =
                channel.unaryUnary(UNARY).call("hi", CallOptions.DEFAULT.withMetadata(Metadata.of(X_STATUS, "14")));

        assertThat(await(call.response())).isEqualTo("echo:hi");
        assertThat(server.next().metadata().get(X_STATUS)).hasValue("14");
        assertThat(server.next().metadata().get(X_STATUS)).isEmpty();
    }

    @Test
    void cancel_beforeTheChainProducedTheCall_endsCancelledAndCancelsTheLateCall() throws Exception {
        Promise<Void> gate = Promise.promise();
        CompletableFuture<UnaryUnaryCall<?, ?>> produced = new CompletableFuture<>();
        UnaryUnaryClientInterceptor gated = new UnaryUnaryClientInterceptor() {
            @Override
            public <Req, Resp> Future<UnaryUnaryCall<Req, Resp>> interceptUnaryUnary(
                    Continuation<Req, Resp> continuation, ClientCallDetails details, Req request) {
                return gate.future()
                        .compose(v -> continuation.call(details, request))
                        .onSuccess(produced::complete);
            }
        };
        Channel channel = channel(gated);

        UnaryUnaryCall<String, String> call =
                channel.unaryUnary(UNARY).call("hi", CallOptions.DEFAULT.withMetadata(Metadata.of(X_HANG, "1")));
        assertThat(call.cancel()).isTrue();
        assertThat(await(call.code())).isEqualTo(StatusCode.CANCELLED);
        assertThat(call.isCancelled()).isTrue();

        gate.complete();
        UnaryUnaryCall<?, ?> late = produced.get(10, SECONDS);
        assertThat(await(late.code())).isEqualTo(StatusCode.CANCELLED);
    }

    @Test
    void cancel_afterForwarding_cancelsTheRealCall() throws Exception {
        Channel channel = channel(new Inject());

        UnaryUnaryCall<String, String> call =
                channel.unaryUnary(UNARY).call("hi", CallOptions.DEFAULT.withMetadata(Metadata.of(X_HANG, "1")));
        Seen seen = server.next();
        call.cancel();

        assertThat(await(call.code())).isEqualTo(StatusCode.CANCELLED);
        assertThat(seen.ended().get(10, SECONDS)).as("server call cancelled").isTrue();
    }

    @Test
    void doneCallback_registeredBeforeForwarding_runsOnceTheRealCallEnds() throws Exception {
        Channel channel = channel(new Inject());
        CompletableFuture<Boolean> done = new CompletableFuture<>();

        UnaryUnaryCall<String, String> call = channel.unaryUnary(UNARY).call("hi");
        call.addDoneCallback(v -> done.complete(call.isDone()));

        assertThat(done.get(10, SECONDS)).isTrue();
        assertThat(await(call.response())).isEqualTo("echo:hi");
    }

    // ---------------------------------------------------------------- interceptors and helpers

    /** Records entering ({@code X>}) and the continuation's call arriving ({@code X<}), for all four shapes. */
    private static final class Recording implements UnaryUnaryClientInterceptor {
        private final String name;
        private final List<String> events;

        Recording(String name, List<String> events) {
            this.name = name;
            this.events = events;
        }

        @Override
        public <Req, Resp> Future<UnaryUnaryCall<Req, Resp>> interceptUnaryUnary(
                Continuation<Req, Resp> continuation, ClientCallDetails details, Req request) {
            events.add(name + ">");
            return continuation.call(details, request).onSuccess(call -> events.add(name + "<"));
        }
    }

    /** Adds {@code x-injected: yes} to every RPC, whatever its shape. */
    private static final class Inject
            implements UnaryUnaryClientInterceptor,
                    UnaryStreamClientInterceptor,
                    StreamUnaryClientInterceptor,
                    StreamStreamClientInterceptor {
        private static ClientCallDetails inject(ClientCallDetails details) {
            return details.withMetadata(
                    details.metadata().toBuilder().add("x-injected", "yes").build());
        }

        @Override
        public <Req, Resp> Future<UnaryUnaryCall<Req, Resp>> interceptUnaryUnary(
                UnaryUnaryClientInterceptor.Continuation<Req, Resp> continuation,
                ClientCallDetails details,
                Req request) {
            return continuation.call(inject(details), request);
        }

        @Override
        public <Req, Resp> Future<UnaryStreamCall<Req, Resp>> interceptUnaryStream(
                UnaryStreamClientInterceptor.Continuation<Req, Resp> continuation,
                ClientCallDetails details,
                Req request) {
            return continuation.call(inject(details), request);
        }

        @Override
        public <Req, Resp> Future<StreamUnaryCall<Req, Resp>> interceptStreamUnary(
                StreamUnaryClientInterceptor.Continuation<Req, Resp> continuation, ClientCallDetails details) {
            return continuation.call(inject(details));
        }

        @Override
        public <Req, Resp> Future<StreamStreamCall<Req, Resp>> interceptStreamStream(
                StreamStreamClientInterceptor.Continuation<Req, Resp> continuation, ClientCallDetails details) {
            return continuation.call(inject(details));
        }
    }

    /** Replaces the response stream with an upper-cased view of it (aio: returning an async iterator). */
    private static final class UpperStream implements UnaryStreamClientInterceptor {
        @Override
        @SuppressWarnings("unchecked")
        public <Req, Resp> Future<UnaryStreamCall<Req, Resp>> interceptUnaryStream(
                Continuation<Req, Resp> continuation, ClientCallDetails details, Req request) {
            return continuation
                    .call(details, request)
                    .map(call -> UnaryStreamCall.withResponses(
                            call, new Mapped<>(call.responses(), r -> (Resp) ((String) r).toUpperCase())));
        }
    }

    /** A {@link ReadStream} view applying a function to each item. */
    private static final class Mapped<T> implements ReadStream<T> {
        private final ReadStream<T> source;
        private final Function<T, T> f;

        Mapped(ReadStream<T> source, Function<T, T> f) {
            this.source = source;
            this.f = f;
        }

        @Override
        public ReadStream<T> exceptionHandler(@Nullable Handler<Throwable> handler) {
            source.exceptionHandler(handler);
            return this;
        }

        @Override
        public ReadStream<T> handler(@Nullable Handler<T> handler) {
            source.handler(handler == null ? null : item -> handler.handle(f.apply(item)));
            return this;
        }

        @Override
        public ReadStream<T> pause() {
            source.pause();
            return this;
        }

        @Override
        public ReadStream<T> resume() {
            source.resume();
            return this;
        }

        @Override
        public ReadStream<T> fetch(long amount) {
            source.fetch(amount);
            return this;
        }

        @Override
        public ReadStream<T> endHandler(@Nullable Handler<Void> endHandler) {
            source.endHandler(endHandler);
            return this;
        }
    }

    /** A paused-until-asked {@link ReadStream} over a list, delivering on a Vert.x context. */
    private static final class ListStream implements ReadStream<String> {
        private final io.vertx.core.Context context;
        private final List<String> items;
        private int next;
        private long demand = Long.MAX_VALUE;
        private @Nullable Handler<String> handler;
        private @Nullable Handler<Void> endHandler;
        private boolean ended;

        ListStream(Vertx vertx, List<String> items) {
            this.context = vertx.getOrCreateContext();
            this.items = items;
        }

        private void drain() {
            while (handler != null && demand > 0 && next < items.size()) {
                if (demand != Long.MAX_VALUE) {
                    demand--;
                }
                handler.handle(items.get(next++));
            }
            if (next == items.size() && !ended && endHandler != null) {
                ended = true;
                endHandler.handle(null);
            }
        }

        private void later() {
            context.runOnContext(v -> drain());
        }

        @Override
        public ReadStream<String> exceptionHandler(@Nullable Handler<Throwable> handler) {
            return this;
        }

        @Override
        public ReadStream<String> handler(@Nullable Handler<String> handler) {
            this.handler = handler;
            later();
            return this;
        }

        @Override
        public ReadStream<String> pause() {
            demand = 0;
            return this;
        }

        @Override
        public ReadStream<String> resume() {
            return fetch(Long.MAX_VALUE);
        }

        @Override
        public ReadStream<String> fetch(long amount) {
            demand = demand + amount < 0 ? Long.MAX_VALUE : demand + amount;
            later();
            return this;
        }

        @Override
        public ReadStream<String> endHandler(@Nullable Handler<Void> endHandler) {
            this.endHandler = endHandler;
            later();
            return this;
        }
    }

    private Channel channel(ClientInterceptor... interceptors) {
        Channel c = RpcVertx.insecureChannel(
                vertx, server.target(), ChannelOptions.DEFAULT.withInterceptors(List.of(interceptors)));
        channels.add(c);
        return c;
    }

    private static List<String> readAll(io.rpcvertx.ResponseStream<String> call) throws TimeoutException {
        List<String> messages = new ArrayList<>();
        for (Optional<String> m = await(call.read()); m.isPresent(); m = await(call.read())) {
            messages.add(m.get());
        }
        return messages;
    }

    private static <T> T await(Future<T> future) throws TimeoutException {
        return future.await(10, SECONDS);
    }

    private static RpcException failure(Future<?> future) throws TimeoutException {
        Throwable cause = future.map(v -> (Throwable) null).otherwise(t -> t).await(10, SECONDS);
        assertThat(cause).as("failure of the call").isInstanceOf(RpcException.class);
        return (RpcException) cause;
    }
}
