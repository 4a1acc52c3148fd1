package io.rpcvertx.it.handlers;

import static io.rpcvertx.it.handlers.Methods.BIDI;
import static io.rpcvertx.it.handlers.Methods.CLIENT_STREAM;
import static io.rpcvertx.it.handlers.Methods.SERVER_STREAM;
import static io.rpcvertx.it.handlers.Methods.SERVICE;
import static io.rpcvertx.it.handlers.Methods.UNARY;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.rpcvertx.Channel;
import io.rpcvertx.HandlerCallDetails;
import io.rpcvertx.RpcException;
import io.rpcvertx.RpcMethodHandler;
import io.rpcvertx.RpcVertx;
import io.rpcvertx.Server;
import io.rpcvertx.ServerInterceptor;
import io.rpcvertx.ServerMessageInterceptor;
import io.rpcvertx.ServerOptions;
import io.rpcvertx.ServiceDefinition;
import io.rpcvertx.ServicerContext;
import io.rpcvertx.StatusCode;
import io.rpcvertx.StreamStreamCall;
import io.rpcvertx.StreamUnaryCall;
import io.rpcvertx.UnaryStreamCall;
import io.rpcvertx.UnaryStreamHandler;
import io.rpcvertx.impl.transport.InboundMessages;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.streams.ReadStream;
import io.vertx.core.streams.WriteStream;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@link ServerMessageInterceptor}: asynchronous hooks on every request and response message, in order, with
 * backpressure intact.
 */
@ExtendWith(VertxExtension.class)
@Timeout(60)
class MessageInterceptorsIT {
    Vertx vertx;
    final List<Server> servers = new ArrayList<>();
    final List<Channel> channels = new CopyOnWriteArrayList<>();
    final List<String> log = new CopyOnWriteArrayList<>();
    int port;

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

    Channel start(ServerOptions options, RpcMethodHandler<?, ?>... handlers) throws Exception {
        Server server = RpcVertx.server(vertx, options);
        servers.add(server);
        server.addGenericRpcHandlers(ServiceDefinition.of(SERVICE, handlers));
        port = server.addInsecurePort("127.0.0.1:0").await(5, SECONDS);
        server.start().await(5, SECONDS);
        Channel channel = RpcVertx.insecureChannel(vertx, "127.0.0.1:" + port);
        channels.add(channel);
        return channel;
    }

    /** Logs "name req|resp message" and passes each message on a little later, from a timer. */
    ServerMessageInterceptor audit(String name) {
        return new ServerMessageInterceptor() {
            @Override
            public Future<Void> onRequest(ServicerContext<?, ?> call, Object request) {
                return later(name + " req " + request);
            }

            @Override
            public Future<Void> onResponse(ServicerContext<?, ?> call, Object response) {
                return later(name + " resp " + response);
            }
        };
    }

    Future<Void> later(String entry) {
        Promise<Void> passed = Promise.promise();
        vertx.setTimer(1, id -> {
            log.add(entry);
            passed.complete();
        });
        return passed.future();
    }

    static RpcMethodHandler<String, String> echoBidi() {
        return RpcMethodHandler.streamStream(BIDI, (requests, ctx) -> {
            Promise<Void> done = Promise.promise();
            requests.handler(m -> ctx.write("echo " + m));
            requests.endHandler(v -> done.complete());
            return done.future();
        });
    }

    static List<String> readAll(ReadStream<String> responses) throws Exception {
        List<String> all = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> ended = new CompletableFuture<>();
        responses
                .handler(all::add)
                .exceptionHandler(ended::completeExceptionally)
                .endHandler(v -> ended.complete(null));
        ended.get(5, SECONDS);
        return all;
    }

    @Test
    void audit_bidiCall_everyMessageSeenAsynchronouslyInOrder() throws Exception {
        Channel channel = start(ServerOptions.DEFAULT.withInterceptors(audit("A")), echoBidi());

        StreamStreamCall<String, String> call = channel.streamStream(BIDI).call();
        call.write("a");
        call.write("b");
        call.write("c");
        call.doneWriting();

        assertThat(readAll(call.responses())).containsExactly("echo a", "echo b", "echo c");
        assertThat(call.code().await(5, SECONDS)).isEqualTo(StatusCode.OK);
        assertThat(log.stream().filter(e -> e.startsWith("A req"))).containsExactly("A req a", "A req b", "A req c");
        assertThat(log.stream().filter(e -> e.startsWith("A resp")))
                .containsExactly("A resp echo a", "A resp echo b", "A resp echo c");
    }

    @Test
    void twoInterceptors_requestsOutermostFirst_responsesInnermostFirst() throws Exception {
        RpcMethodHandler<String, String> unary = RpcMethodHandler.unaryUnary(UNARY, (request, ctx) -> {
            log.add("handler " + request);
            return Future.succeededFuture("re:" + request);
        });
        Channel channel = start(ServerOptions.DEFAULT.withInterceptors(audit("outer"), audit("inner")), unary);

        assertThat(channel.unaryUnary(UNARY).call("x").response().await(5, SECONDS))
                .isEqualTo("re:x");

        assertThat(log)
                .containsExactly("outer req x", "inner req x", "handler x", "inner resp re:x", "outer resp re:x");
    }

    @Test
    void requestHookFails_callEndsWithItsStatus_handlerNeverSawTheMessage() throws Exception {
        ServerMessageInterceptor validate = new ServerMessageInterceptor() {
            @Override
            public Future<Void> onRequest(ServicerContext<?, ?> call, Object request) {
                return request.equals("bad")
                        ? Future.failedFuture(new RpcException(StatusCode.INVALID_ARGUMENT, "bad message"))
                        : Future.succeededFuture();
            }
        };
        List<String> seen = new CopyOnWriteArrayList<>();
        RpcMethodHandler<String, String> collect = RpcMethodHandler.streamUnary(CLIENT_STREAM, (requests, ctx) -> {
            Promise<String> done = Promise.promise();
            requests.handler(seen::add).endHandler(v -> done.complete(String.join(",", seen)));
            return done.future();
        });
        Channel channel = start(ServerOptions.DEFAULT.withInterceptors(validate), collect);

        StreamUnaryCall<String, String> call =
                channel.streamUnary(CLIENT_STREAM).call();
        call.write("ok1");
        call.write("bad");
        call.write("ok2");
        call.doneWriting();

        assertThat(call.code().await(5, SECONDS)).isEqualTo(StatusCode.INVALID_ARGUMENT);
        assertThat(call.details().await(5, SECONDS)).isEqualTo("bad message");
        assertThat(seen).containsExactly("ok1");
    }

    @Test
    void responseHookFails_callEndsWithItsStatus_messageNeverSent() throws Exception {
        ServerMessageInterceptor redact = new ServerMessageInterceptor() {
            @Override
            public Future<Void> onResponse(ServicerContext<?, ?> call, Object response) {
                return response.equals("secret")
                        ? Future.failedFuture(new RpcException(StatusCode.PERMISSION_DENIED, "redacted"))
                        : Future.succeededFuture();
            }
        };
        RpcMethodHandler<String, String> stream = RpcMethodHandler.unaryStream(SERVER_STREAM, (request, ctx) -> {
            ctx.write("r0");
            ctx.write("secret");
            ctx.write("r2");
            return Future.succeededFuture(); // without waiting: the status still follows the hooked writes
        });
        Channel channel = start(ServerOptions.DEFAULT.withInterceptors(redact), stream);

        UnaryStreamCall<String, String> call =
                channel.unaryStream(SERVER_STREAM).call("x");
        List<String> received = new CopyOnWriteArrayList<>();
        call.responses().handler(received::add);

        assertThat(call.code().await(5, SECONDS)).isEqualTo(StatusCode.PERMISSION_DENIED);
        assertThat(call.details().await(5, SECONDS)).isEqualTo("redacted");
        assertThat(received).containsExactly("r0");
    }

    @Test
    void hooks_blockingHandler_hooksStillRunOnTheEventLoop() throws Exception {
        List<Boolean> hookOnLoop = new CopyOnWriteArrayList<>();
        ServerMessageInterceptor where = new ServerMessageInterceptor() {
            @Override
            public Future<Void> onRequest(ServicerContext<?, ?> call, Object request) {
                hookOnLoop.add(Context.isOnEventLoopThread());
                return Future.succeededFuture();
            }

            @Override
            public Future<Void> onResponse(ServicerContext<?, ?> call, Object response) {
                hookOnLoop.add(Context.isOnEventLoopThread());
                return Future.succeededFuture();
            }
        };
        CompletableFuture<Boolean> handlerOnLoop = new CompletableFuture<>();
        RpcMethodHandler<String, String> blocking = RpcMethodHandler.<String, String>unaryStream(
                        SERVER_STREAM, (request, ctx) -> {
                            handlerOnLoop.complete(Context.isOnEventLoopThread());
                            ctx.write("a");
                            return ctx.write("b");
                        })
                .blocking();
        Channel channel = start(ServerOptions.DEFAULT.withInterceptors(where), blocking);

        UnaryStreamCall<String, String> call =
                channel.unaryStream(SERVER_STREAM).call("x");

        assertThat(readAll(call.responses())).containsExactly("a", "b");
        assertThat(handlerOnLoop.get(5, SECONDS)).isFalse();
        assertThat(hookOnLoop).containsExactly(true, true, true);
    }

    @Test
    void interceptService_overridden_attachesHooksOnlyToChosenMethods() throws Exception {
        ServerMessageInterceptor bidiOnly = new ServerMessageInterceptor() {
            @Override
            public Future<Void> onRequest(ServicerContext<?, ?> call, Object request) {
                log.add(call.method() + " " + request);
                return Future.succeededFuture();
            }

            @Override
            public Future<Optional<RpcMethodHandler<?, ?>>> interceptService(
                    ServerInterceptor.Continuation continuation, HandlerCallDetails details) {
                return details.method().equals(BIDI.path())
                        ? ServerMessageInterceptor.super.interceptService(continuation, details)
                        : continuation.apply(details);
            }
        };
        RpcMethodHandler<String, String> unary =
                RpcMethodHandler.unaryUnary(UNARY, (request, ctx) -> Future.succeededFuture(request));
        Channel channel = start(ServerOptions.DEFAULT.withInterceptors(bidiOnly), unary, echoBidi());

        channel.unaryUnary(UNARY).call("u").response().await(5, SECONDS);
        StreamStreamCall<String, String> bidi = channel.streamStream(BIDI).call();
        bidi.write("b");
        bidi.doneWriting();
        readAll(bidi.responses());

        assertThat(log).containsExactly(BIDI.path() + " b");
    }

    // ---------------------------------------------------------------- backpressure

    static final int MESSAGES = 400;
    static final String PADDING = "p".repeat(16 * 1024);

    static String message(int i) {
        return i + ":" + PADDING;
    }

    static int index(Object message) {
        String s = (String) message;
        return Integer.parseInt(s.substring(0, s.indexOf(':')));
    }

    /** Writes {@link #MESSAGES} through the WriteStream view, honouring writeQueueFull and drainHandler. */
    static final class Pump {
        final WriteStream<String> requests;
        final Runnable onDone;
        volatile int sent;

        Pump(WriteStream<String> requests, Runnable onDone) {
            this.requests = requests;
            this.onDone = onDone;
        }

        void pump() {
            while (sent < MESSAGES && !requests.writeQueueFull()) {
                requests.write(message(sent++));
            }
            if (sent < MESSAGES) {
                requests.drainHandler(v -> pump());
            } else {
                onDone.run();
            }
        }
    }

    @Test
    void clientStreaming_hooksAndAPausedReader_senderHeldBack_thenEverythingArrivesInOrder() throws Exception {
        List<Integer> audited = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> readerQueueFull = new CompletableFuture<>();
        ServerMessageInterceptor audit = new ServerMessageInterceptor() {
            @Override
            public Future<Void> onRequest(ServicerContext<?, ?> call, Object request) {
                if (!call.method().equals(CLIENT_STREAM.path())) {
                    return Future.succeededFuture();
                }
                Promise<Void> passed = Promise.promise();
                Vertx.currentContext()
                        .runOnContext(
                                v -> { // asynchronous: the message waits a loop turn
                                    audited.add(index(request));
                                    if (audited.size() == InboundMessages.HIGH_WATER) {
                                        readerQueueFull.complete(null);
                                    }
                                    passed.complete();
                                });
                return passed.future();
            }
        };
        CompletableFuture<ReadStream<String>> reader = new CompletableFuture<>();
        List<Integer> received = new CopyOnWriteArrayList<>();
        RpcMethodHandler<String, String> paused = RpcMethodHandler.streamUnary(CLIENT_STREAM, (requests, ctx) -> {
            Promise<String> done = Promise.promise();
            requests.pause();
            requests.handler(m -> received.add(index(m)));
            requests.endHandler(v -> done.complete(Integer.toString(received.size())));
            reader.complete(requests);
            return done.future();
        });
        RpcMethodHandler<String, String> unary =
                RpcMethodHandler.unaryUnary(UNARY, (request, ctx) -> Future.succeededFuture(request));
        // a 64 KiB stream window keeps what the paused stream can buffer small; the connection window stays 1 MiB
        Channel channel =
                start(ServerOptions.DEFAULT.withInterceptors(audit).withInitialWindowSize(65_535), paused, unary);

        // the sender's channel, call and pump share one event loop, so its writeQueueFull() is exact
        Context clientContext = vertx.getOrCreateContext();
        CompletableFuture<StreamUnaryCall<String, String>> started = new CompletableFuture<>();
        CompletableFuture<Pump> pumping = new CompletableFuture<>();
        clientContext.runOnContext(v -> {
            Channel sender = RpcVertx.insecureChannel(vertx, "127.0.0.1:" + port);
            channels.add(sender);
            StreamUnaryCall<String, String> c =
                    sender.streamUnary(CLIENT_STREAM).call();
            Pump p = new Pump(c.requests(), c::doneWriting);
            started.complete(c);
            pumping.complete(p);
            p.pump();
        });
        StreamUnaryCall<String, String> call = started.get(5, SECONDS);
        Pump pump = pumping.get(5, SECONDS);
        reader.get(5, SECONDS);
        // the paused reader's queue is full: from here on the server must stop reading the stream
        readerQueueFull.get(5, SECONDS);
        // later events: round trips on the same connection, each one behind everything the client sent before it
        roundTrips(channel, 10);
        int auditedWhileHeld = audited.size();
        int sentWhileHeld = pump.sent;
        roundTrips(channel, 10);

        assertThat(received).as("the reader is paused").isEmpty();
        assertThat(auditedWhileHeld)
                .as("messages past the hook: the reader's queue and at most a frame more")
                .isBetween(InboundMessages.HIGH_WATER, InboundMessages.HIGH_WATER + 2);
        assertThat(audited).as("nothing more passed the hook").hasSize(auditedWhileHeld);
        // 16 past the hook, 4 in the 64 KiB window, the client's own HTTP/2 buffers: measured 30 of 16 KiB
        assertThat(sentWhileHeld).as("the client is held back").isLessThan(MESSAGES / 4);
        assertThat(pump.sent).as("and stays held back").isEqualTo(sentWhileHeld);

        reader.get().resume();

        assertThat(call.response().await(10, SECONDS)).isEqualTo(Integer.toString(MESSAGES));
        List<Integer> all = IntStream.range(0, MESSAGES).boxed().collect(Collectors.toList());
        assertThat(audited).isEqualTo(all);
        assertThat(received).isEqualTo(all);
    }

    static void roundTrips(Channel channel, int count) throws Exception {
        for (int i = 0; i < count; i++) {
            assertThat(channel.unaryUnary(UNARY).call("later" + i).response().await(5, SECONDS))
                    .isEqualTo("later" + i);
        }
    }

    @Test
    void responseHookPending_writeQueueFullUntilItPasses_thenDrainHandlerFires() throws Exception {
        CompletableFuture<Promise<Void>> firstHook = new CompletableFuture<>();
        ServerMessageInterceptor hold = new ServerMessageInterceptor() {
            @Override
            public Future<Void> onResponse(ServicerContext<?, ?> call, Object response) {
                if (response.equals("a")) {
                    Promise<Void> passed = Promise.promise();
                    firstHook.complete(passed);
                    return passed.future();
                }
                return Future.succeededFuture();
            }
        };
        CompletableFuture<Boolean> fullWhileHooked = new CompletableFuture<>();
        CompletableFuture<Boolean> fullAfterDrain = new CompletableFuture<>();
        AtomicInteger drains = new AtomicInteger();
        RpcMethodHandler<String, String> stream = RpcMethodHandler.unaryStream(SERVER_STREAM, (request, ctx) -> {
            WriteStream<String> out = ctx.responses();
            Promise<Void> done = Promise.promise();
            out.write("a");
            fullWhileHooked.complete(out.writeQueueFull());
            out.drainHandler(v -> {
                drains.incrementAndGet();
                fullAfterDrain.complete(out.writeQueueFull());
                out.write("b").onComplete(ar -> done.tryComplete());
            });
            return done.future();
        });
        Channel channel = start(ServerOptions.DEFAULT.withInterceptors(hold), stream);

        UnaryStreamCall<String, String> call =
                channel.unaryStream(SERVER_STREAM).call("x");
        Promise<Void> hook = firstHook.get(5, SECONDS);
        assertThat(fullWhileHooked.get(5, SECONDS)).isTrue();
        hook.complete();

        assertThat(readAll(call.responses())).containsExactly("a", "b");
        assertThat(fullAfterDrain.get(5, SECONDS)).isFalse();
        assertThat(drains).as("one drain for one full -> not full transition").hasValue(1);
    }

    @Test
    void writerIgnoringFutures_responsesWaitingForHooksBounded_furtherWritesFailWithIllegalState() throws Exception {
        CompletableFuture<Promise<Void>> firstHook = new CompletableFuture<>();
        ServerMessageInterceptor holdFirst = new ServerMessageInterceptor() {
            @Override
            public Future<Void> onResponse(ServicerContext<?, ?> call, Object response) {
                if (response.equals("0")) {
                    Promise<Void> passed = Promise.promise();
                    firstHook.complete(passed);
                    return passed.future();
                }
                return Future.succeededFuture();
            }
        };
        CompletableFuture<String> refused = new CompletableFuture<>();
        RpcMethodHandler<String, String> flood = RpcMethodHandler.unaryStream(SERVER_STREAM, (request, ctx) -> {
            List<Future<Void>> writes = new ArrayList<>();
            for (int i = 0; i <= ServerCallImplLimits.MAX_RESPONSES_IN_HOOKS; i++) {
                writes.add(ctx.write(Integer.toString(i)));
            }
            Future<Void> last = writes.get(writes.size() - 1);
            refused.complete(last.failed() ? last.cause().getMessage() : "accepted");
            return Future.join(new ArrayList<>(writes.subList(0, writes.size() - 1)))
                    .mapEmpty();
        });
        Channel channel = start(ServerOptions.DEFAULT.withInterceptors(holdFirst), flood);

        UnaryStreamCall<String, String> call =
                channel.unaryStream(SERVER_STREAM).call("x");

        assertThat(refused.get(5, SECONDS))
                .startsWith("write buffer full (1024 responses wait for message interceptors)");
        firstHook.get(5, SECONDS).complete();
        assertThat(readAll(call.responses())).hasSize(ServerCallImplLimits.MAX_RESPONSES_IN_HOOKS);
    }

    /** Mirrors the server's bound on responses waiting for their hooks. */
    static final class ServerCallImplLimits {
        static final int MAX_RESPONSES_IN_HOOKS = 1024;
    }

    @Test
    void pipeToResponses_slowResponseHooks_everyMessageInOrder() throws Exception {
        List<Integer> audited = new CopyOnWriteArrayList<>();
        AtomicInteger maxInFlight = new AtomicInteger();
        AtomicInteger inFlight = new AtomicInteger();
        ServerMessageInterceptor slow = new ServerMessageInterceptor() {
            @Override
            public Future<Void> onResponse(ServicerContext<?, ?> call, Object response) {
                maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                Promise<Void> passed = Promise.promise();
                vertx.setTimer(1, id -> {
                    inFlight.decrementAndGet();
                    audited.add(index(response));
                    passed.complete();
                });
                return passed.future();
            }
        };
        RpcMethodHandler<String, String> piped =
                RpcMethodHandler.unaryStream(SERVER_STREAM, UnaryStreamHandler.ofStream((request, ctx) -> {
                    List<String> source = new ArrayList<>();
                    for (int i = 0; i < 50; i++) {
                        source.add(i + ":");
                    }
                    return new ListReadStream(source);
                }));
        Channel channel = start(ServerOptions.DEFAULT.withInterceptors(slow), piped);

        UnaryStreamCall<String, String> call =
                channel.unaryStream(SERVER_STREAM).call("x");
        List<String> received = readAll(call.responses());

        List<Integer> all = IntStream.range(0, 50).boxed().collect(Collectors.toList());
        assertThat(received.stream().map(MessageInterceptorsIT::index)).isEqualTo(all);
        assertThat(audited).isEqualTo(all);
        assertThat(maxInFlight).as("one message at a time in the hooks").hasValue(1);
    }

    /** A ReadStream over a list that honours pause/resume/fetch, delivering on the context that set the handler. */
    static final class ListReadStream implements ReadStream<String> {
        private final List<String> items;
        private final Context context;
        private int next;
        private long demand = Long.MAX_VALUE;
        private io.vertx.core.Handler<String> handler;
        private io.vertx.core.Handler<Void> endHandler;
        private boolean scheduled;

        ListReadStream(List<String> items) {
            this.items = items;
            this.context = Vertx.currentContext();
        }

        private void schedule() {
            if (!scheduled) {
                scheduled = true;
                context.runOnContext(v -> {
                    scheduled = false;
                    drain();
                });
            }
        }

        private void drain() {
            while (handler != null && demand > 0 && next < items.size()) {
                if (demand != Long.MAX_VALUE) {
                    demand--;
                }
                handler.handle(items.get(next++));
            }
            if (next == items.size() && endHandler != null) {
                io.vertx.core.Handler<Void> end = endHandler;
                endHandler = null;
                end.handle(null);
            }
        }

        @Override
        public ReadStream<String> exceptionHandler(io.vertx.core.Handler<Throwable> handler) {
            return this;
        }

        @Override
        public ReadStream<String> handler(io.vertx.core.Handler<String> handler) {
            this.handler = handler;
            schedule();
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
            schedule();
            return this;
        }

        @Override
        public ReadStream<String> endHandler(io.vertx.core.Handler<Void> endHandler) {
            this.endHandler = endHandler;
            schedule();
            return this;
        }
    }
}
