package io.rpcvertx.it.hardening;

import static io.rpcvertx.it.hardening.HostileGrpc.HEALTHY;
import static io.rpcvertx.it.hardening.HostileGrpc.SERVER_STREAM;
import static io.rpcvertx.it.hardening.HostileGrpc.UNARY;
import static io.rpcvertx.it.hardening.HostileGrpc.answerHealthy;
import static io.rpcvertx.it.hardening.HostileGrpc.message;
import static io.rpcvertx.it.hardening.HostileGrpc.responseHeaders;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Flags;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Settings;
import io.rpcvertx.CallOptions;
import io.rpcvertx.Channel;
import io.rpcvertx.ChannelOptions;
import io.rpcvertx.Http2Transport;
import io.rpcvertx.Metadata;
import io.rpcvertx.RpcException;
import io.rpcvertx.RpcVertx;
import io.rpcvertx.StatusCode;
import io.rpcvertx.UnaryStreamCall;
import io.rpcvertx.UnaryUnaryCall;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.streams.ReadStream;
import io.vertx.junit5.VertxExtension;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Our channel against a hostile HTTP/2 server ({@link HostileServer}), one misbehaviour per test: the call ends with a
 * clear status, other calls on the channel are unharmed where HTTP/2 allows, nothing hangs, nothing leaks.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(Http2Transport.class)
@ExtendWith(VertxExtension.class)
@Timeout(60)
class ClientHostileServerIT {
    /** The HTTP/2 implementation of the channels under test; the hostile server is the same. */
    @Parameter
    Http2Transport transport;

    private static final int WINDOW = ChannelOptions.DEFAULT_WINDOW_SIZE;

    Vertx vertx;
    HostileServer server;
    final List<Channel> channels = new ArrayList<>();
    final List<Throwable> unhandled = new CopyOnWriteArrayList<>();

    @BeforeEach
    void setUp(Vertx vertx) throws Exception {
        this.vertx = vertx;
        vertx.exceptionHandler(unhandled::add);
        server = HostileServer.start(HostileGrpc::answerHealthy);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (Channel c : channels) {
            c.close().await(5, SECONDS);
        }
        server.close();
        assertThat(unhandled).as("exceptions thrown on Vert.x threads").isEmpty();
    }

    private Channel channel(ChannelOptions options) {
        Channel c = RpcVertx.insecureChannel(vertx, server.target(), options.withHttp2Transport(transport));
        channels.add(c);
        return c;
    }

    private static String healthy(Channel c) throws Exception {
        return c.unaryUnary(HEALTHY).call("ping").response().await(5, SECONDS);
    }

    @Test
    void healthyServer_unaryRoundTrip() throws Exception {
        assertThat(healthy(channel(ChannelOptions.DEFAULT))).isEqualTo("echo:ping");
    }

    @Test
    void pausedReader_endlessStream_windowStopsAtTheBoundAndOtherCallsGoOn() throws Exception {
        CompletableFuture<HostileServer.HostileStream> endless = new CompletableFuture<>();
        server.responder(s -> {
            if (s.path().endsWith("/ServerStream")) {
                endless.complete(s);
                s.headers(responseHeaders(), false);
                byte[] kib = new byte[1024];
                s.produce(() -> message(kib, 0));
            } else {
                answerHealthy(s);
            }
        });
        // a connection window larger than the stream window: HTTP/2 then lets other streams go on
        Channel channel = channel(ChannelOptions.DEFAULT.withConnectionWindowSize(4 * WINDOW));
        long heapBefore = heapAfterGc();
        UnaryStreamCall<String, String> call =
                channel.unaryStream(SERVER_STREAM).call("endless");
        AtomicInteger read = new AtomicInteger();
        CompletableFuture<Void> hundredRead = new CompletableFuture<>();
        ReadStream<String> responses = call.responses();
        responses.pause();
        responses.handler(m -> {
            if (read.incrementAndGet() == 100) {
                hundredRead.complete(null);
            }
        });
        call.initialMetadata().await(5, SECONDS);

        HostileServer.HostileStream stream = endless.get(5, SECONDS);
        HostileServer.HostileConnection conn = stream.connection();
        // The reader's first messages were read before the pause took hold, so WINDOW_UPDATEs for them may still
        // come after the server first stalls. Wait until three PING round trips in a row (the client has read all
        // the server sent before each ack) see neither a WINDOW_UPDATE nor a byte more: the window stays shut.
        long sentAtStall = -1;
        boolean stable = false;
        for (int attempt = 0; attempt < 20 && !stable; attempt++) {
            sentAtStall = stream.stalled().get(10, SECONDS);
            int updatesAtStall = stream.windowUpdates.get();
            for (int i = 0; i < 3; i++) {
                conn.roundTrip().get(5, SECONDS);
            }
            stable = stream.windowUpdates.get() == updatesAtStall && stream.dataSent.get() == sentAtStall;
        }
        assertThat(stable).as("the window stops moving").isTrue();
        assertThat(sentAtStall).isLessThanOrEqualTo(2L * WINDOW);
        long heapGrowth = heapAfterGc() - heapBefore;
        assertThat(heapGrowth).as("heap growth while paused").isLessThan(32L << 20);
        assertThat(read.get()).isZero();
        // other calls on the same connection are unharmed
        assertThat(healthy(channel)).isEqualTo("echo:ping");
        assertThat(server.connections.get()).isEqualTo(1);

        // the reader resumes: the window reopens, the stream moves again
        responses.fetch(100);
        hundredRead.get(10, SECONDS);
        call.cancel();
        assertThat(stream.clientReset.get(5, SECONDS)).isEqualTo(0x8L);
        assertThat(call.code().await(5, SECONDS)).isEqualTo(StatusCode.CANCELLED);
    }

    /**
     * With the default windows, one call whose reader is paused fills its stream window and no more: the connection
     * window is larger (ChannelOptions.DEFAULT_CONNECTION_WINDOW_SIZE), so other calls on the same connection still
     * get their responses. With equal windows the paused call used up the connection window and every other call on
     * the channel stalled until its deadline.
     */
    @Test
    void pausedReader_defaultWindows_fullStreamWindowDoesNotStallOtherCalls() throws Exception {
        CompletableFuture<HostileServer.HostileStream> endless = new CompletableFuture<>();
        server.responder(s -> {
            if (s.path().endsWith("/ServerStream")) {
                endless.complete(s);
                s.headers(responseHeaders(), false);
                byte[] kib = new byte[1024];
                s.produce(() -> message(kib, 0));
            } else {
                answerHealthy(s);
            }
        });
        Channel channel = channel(ChannelOptions.DEFAULT);
        assertThat(ChannelOptions.DEFAULT.connectionWindowSize())
                .isGreaterThan(ChannelOptions.DEFAULT.initialWindowSize());
        UnaryStreamCall<String, String> paused = channel.unaryStream(SERVER_STREAM)
                .call("endless", CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(30)));
        ReadStream<String> responses = paused.responses();
        responses.pause();
        responses.handler(m -> {});
        HostileServer.HostileStream stream = endless.get(5, SECONDS);
        // the producer stalls whenever a window is shut (early on, perhaps the connection's 64 KiB before the
        // channel's WINDOW_UPDATE): wait, a PING round trip at a time, until the paused call's whole window is used
        long sent = 0;
        for (int i = 0; i < 50 && sent < WINDOW; i++) {
            sent = stream.stalled().get(10, SECONDS);
            stream.connection().roundTrip().get(5, SECONDS);
        }
        assertThat(sent).as("the paused call's stream window is full").isEqualTo(WINDOW);
        for (int i = 0; i < 10; i++) {
            assertThat(channel.unaryUnary(HEALTHY)
                            .call("ping" + i, CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(5)))
                            .response()
                            .await(10, SECONDS))
                    .isEqualTo("echo:ping" + i);
        }
        assertThat(server.connections.get()).isEqualTo(1);
        assertThat(paused.isDone()).isFalse();
        paused.cancel();
        assertThat(stream.clientReset.get(5, SECONDS)).isEqualTo(0x8L);
    }

    @Test
    void slowProducer_trickleOutlivesTheDeadline_deadlineExceededAndStreamReset() throws Exception {
        CompletableFuture<HostileServer.HostileStream> slow = new CompletableFuture<>();
        server.responder(s -> {
            if (!s.path().endsWith("/ServerStream")) {
                answerHealthy(s);
                return;
            }
            slow.complete(s);
            s.whenRequestEnds(() -> {
                s.headers(responseHeaders(), false);
                trickle(s, 0);
            });
        });
        Channel channel = channel(ChannelOptions.DEFAULT);
        UnaryStreamCall<String, String> call = channel.unaryStream(SERVER_STREAM)
                .call("slow", CallOptions.DEFAULT.withTimeout(Duration.ofMillis(500)));
        List<String> got = new CopyOnWriteArrayList<>();
        call.responses().handler(got::add);
        StatusCode code = call.code().await(5, SECONDS);
        assertThat(code).isEqualTo(StatusCode.DEADLINE_EXCEEDED);
        assertThat(got).isNotEmpty().startsWith("tick0");
        HostileServer.HostileStream stream = slow.get(5, SECONDS);
        assertThat(stream.clientReset.get(5, SECONDS)).isEqualTo(0x8L);
        assertThat(healthy(channel)).isEqualTo("echo:ping");
    }

    @Test
    void rstStorm_everyStreamResetAtOnce_eachCallEndsWithItsCodeAndTheChannelGoesOn() throws Exception {
        long[] codes = {0x2, 0x8, 0xb};
        StatusCode[] expected = {StatusCode.INTERNAL, StatusCode.CANCELLED, StatusCode.RESOURCE_EXHAUSTED};
        server.responder(s -> {
            if (s.path().endsWith("/Unary")) {
                int which = Integer.parseInt(s.header("x-which"));
                s.whenRequestEnds(() -> s.rst(codes[which]));
            } else {
                answerHealthy(s);
            }
        });
        Channel channel = channel(ChannelOptions.DEFAULT);
        healthy(channel);
        List<UnaryUnaryCall<String, String>> calls = new ArrayList<>();
        for (int i = 0; i < 600; i++) {
            calls.add(channel.unaryUnary(UNARY)
                    .call(
                            "x",
                            CallOptions.DEFAULT
                                    .withTimeout(Duration.ofSeconds(20))
                                    .withMetadata(Metadata.of("x-which", Integer.toString(i % 3)))));
        }
        for (int i = 0; i < calls.size(); i++) {
            RpcException e = failure(calls.get(i).response());
            assertThat(e.code()).as("call %d", i).isEqualTo(expected[i % 3]);
            assertThat(e.details()).contains("RST_STREAM");
        }
        assertThat(healthy(channel)).isEqualTo("echo:ping");
        assertThat(server.connections.get())
                .as("resets are stream errors: one connection")
                .isEqualTo(1);
    }

    /**
     * Also the regression test of Vert.x's GOAWAY debug-data leak: each of the 20 connections gets a GOAWAY with debug
     * data, and without {@code GoAwayDebugData.detach} in the channel's goAwayHandler LeakCheckExtension fails this
     * class.
     */
    @Test
    void goAwayStorm_fiftyGoAwaysPerCall_callsFinishAndNewCallsUseNewConnections() throws Exception {
        server.responder(s -> {
            if (!s.path().endsWith("/Unary")) {
                answerHealthy(s);
                return;
            }
            s.whenRequestEnds(() -> {
                for (int i = 0; i < 50; i++) {
                    // last-stream-id may only stay or shrink; it stays at this stream, which is answered
                    s.connection().goAway(s.id, 0, "storm " + i);
                }
                s.headers(responseHeaders(), false);
                s.data(message("survived"), false);
                s.trailers(HostileGrpc.ok());
            });
        });
        Channel channel = channel(ChannelOptions.DEFAULT);
        for (int i = 0; i < 20; i++) {
            assertThat(channel.unaryUnary(UNARY).call("x").response().await(10, SECONDS))
                    .isEqualTo("survived");
        }
        assertThat(server.connections.get()).as("no new stream after a GOAWAY").isEqualTo(20);
        assertThat(healthy(channel)).isEqualTo("echo:ping");
    }

    @Test
    void goAwayRefusingEveryStream_unavailableAfterOneTransparentRetry() throws Exception {
        AtomicInteger seen = new AtomicInteger();
        server.responder(s -> {
            if (!s.path().endsWith("/Unary")) {
                answerHealthy(s);
                return;
            }
            seen.incrementAndGet();
            // the stream is above last-stream-id: never processed, so the client may replay it once
            s.connection().goAway(Math.max(0, s.id - 2), 0, "not yours");
            s.connection().close();
        });
        Channel channel = channel(ChannelOptions.DEFAULT);
        RpcException e = failure(channel.unaryUnary(UNARY)
                .call("x", CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(10)))
                .response());
        assertThat(e.code()).isEqualTo(StatusCode.UNAVAILABLE);
        assertThat(e.details()).containsIgnoringCase("GOAWAY");
        assertThat(seen.get()).isEqualTo(2);
        assertThat(healthy(channel)).isEqualTo("echo:ping");
    }

    @Test
    void pingAndSettingsFlood_beforeTheAnswer_everyFrameAcknowledgedAndTheCallSucceeds() throws Exception {
        int flood = 10_000;
        CompletableFuture<HostileServer.HostileConnection> flooded = new CompletableFuture<>();
        server.responder(s -> {
            if (!s.path().endsWith("/Unary")) {
                answerHealthy(s);
                return;
            }
            s.whenRequestEnds(() -> {
                HostileServer.HostileConnection c = s.connection();
                for (int i = 0; i < flood; i++) {
                    c.ping(false, i);
                    c.settings(new Http2Settings().initialWindowSize(65_535 + (i % 2)));
                }
                s.headers(responseHeaders(), false);
                s.data(message("calm"), false);
                s.trailers(HostileGrpc.ok());
                flooded.complete(c);
            });
        });
        Channel channel = channel(ChannelOptions.DEFAULT);
        assertThat(channel.unaryUnary(UNARY).call("x").response().await(20, SECONDS))
                .isEqualTo("calm");
        HostileServer.HostileConnection c = flooded.get(5, SECONDS);
        c.roundTrip().get(10, SECONDS);
        assertThat(c.pingAcks.get()).isGreaterThanOrEqualTo(flood);
        assertThat(c.settingsAcks.get()).isGreaterThanOrEqualTo(flood);
        assertThat(healthy(channel)).isEqualTo("echo:ping");
        assertThat(server.connections.get()).isEqualTo(1);
    }

    @Test
    void windowOverflow_streamAndConnection_internalFlowControlErrorAndTheChannelRecovers() throws Exception {
        server.responder(s -> {
            String where = s.header("x-where");
            if (where == null) {
                answerHealthy(s);
                return;
            }
            s.whenRequestEnds(() -> {
                s.headers(responseHeaders(), false);
                int id = where.equals("stream") ? s.id : 0;
                s.connection().windowUpdate(id, Integer.MAX_VALUE);
                s.connection().windowUpdate(id, Integer.MAX_VALUE);
            });
        });
        Channel channel = channel(ChannelOptions.DEFAULT);
        for (String where : List.of("stream", "connection")) {
            RpcException e = failure(channel.unaryUnary(UNARY)
                    .call(
                            "x",
                            CallOptions.DEFAULT
                                    .withTimeout(Duration.ofSeconds(10))
                                    .withMetadata(Metadata.of("x-where", where)))
                    .response());
            assertThat(e.code()).as(where).isEqualTo(StatusCode.INTERNAL);
            assertThat(e.details()).as(where).contains("FLOW_CONTROL_ERROR");
            assertThat(healthy(channel)).isEqualTo("echo:ping");
        }
    }

    @Test
    void zipBomb_inflatesPastTheLimit_resourceExhaustedAndOtherCallsUnharmed() throws Exception {
        byte[] bomb = HostileGrpc.gzipZeros(64 << 20);
        server.responder(s -> {
            if (!s.path().endsWith("/Unary") && !s.path().endsWith("/ServerStream")) {
                answerHealthy(s);
                return;
            }
            s.whenRequestEnds(() -> {
                s.headers(responseHeaders().add("grpc-encoding", "gzip"), false);
                s.data(message(bomb, 1), false);
                s.trailers(HostileGrpc.ok());
            });
        });
        Channel channel = channel(ChannelOptions.DEFAULT);
        assertThat(bomb.length).isLessThan(ChannelOptions.DEFAULT_MAX_RECEIVE_MESSAGE_LENGTH);
        UnaryUnaryCall<String, String> unary = channel.unaryUnary(UNARY).call("x");
        UnaryStreamCall<String, String> stream =
                channel.unaryStream(SERVER_STREAM).call("x");
        stream.responses().handler(m -> {});
        assertThat(healthy(channel)).isEqualTo("echo:ping");
        RpcException e = failure(unary.response());
        assertThat(e.code()).isEqualTo(StatusCode.RESOURCE_EXHAUSTED);
        assertThat(e.details()).contains("exceeds maximum size");
        assertThat(stream.code().await(10, SECONDS)).isEqualTo(StatusCode.RESOURCE_EXHAUSTED);
        assertThat(healthy(channel)).isEqualTo("echo:ping");
        assertThat(server.connections.get()).isEqualTo(1);
    }

    @Test
    void oversizeMetadata_headersPastTheClientLimit_internalNamingTheSize() throws Exception {
        server.responder(s -> {
            if (!s.path().endsWith("/Unary")) {
                answerHealthy(s);
                return;
            }
            s.whenRequestEnds(() -> {
                s.headers(responseHeaders().add("x-big", "x".repeat(64 << 10)), false);
                s.data(message("never read"), false);
                s.trailers(HostileGrpc.ok());
            });
        });
        Channel channel = channel(ChannelOptions.DEFAULT);
        RpcException e = failure(channel.unaryUnary(UNARY)
                .call("x", CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(10)))
                .response());
        assertThat(e.code()).isEqualTo(StatusCode.INTERNAL);
        assertThat(e.details()).contains("Header size exceeded");
        assertThat(healthy(channel)).isEqualTo("echo:ping");
    }

    /**
     * Response headers that Netty's decoder rejects as a stream error (over the channel's header-list limit, an
     * uppercase name, a connection-specific field, a request pseudo-header), in the headers or the trailers: that call
     * fails INTERNAL naming the problem and the server gets RST_STREAM PROTOCOL_ERROR (the reason, not a CANCEL); a
     * call open on the same connection meanwhile finishes OK, and the channel keeps its one connection.
     */
    @Test
    void badResponseHeaders_streamErrorFailsOnlyThatCall_otherCallOnTheConnectionFinishes() throws Exception {
        List<String> variants = List.of(
                "oversize-headers",
                "oversize-trailers",
                "uppercase-headers",
                "uppercase-trailers",
                "connection-headers",
                "pseudo-trailers");
        Map<String, CompletableFuture<HostileServer.HostileStream>> bad = new ConcurrentHashMap<>();
        AtomicReference<CompletableFuture<HostileServer.HostileStream>> held = new AtomicReference<>();
        server.responder(s -> {
            String variant = s.header("x-variant");
            if (s.path().endsWith("/ServerStream")) {
                held.get().complete(s);
                s.headers(responseHeaders(), false);
                s.data(message("first"), false);
                return;
            }
            if (variant == null) {
                answerHealthy(s);
                return;
            }
            bad.get(variant).complete(s);
            Http2Headers extra = new DefaultHttp2Headers(false);
            switch (variant.substring(0, variant.indexOf('-'))) {
                // over the channel's 8 KiB limit, under the 10 KiB (1.25x) past which Netty's decoder gives up on
                // the whole connection (oversizeMetadata_headersPastTheClientLimit_internalNamingTheSize)
                case "oversize" -> extra.add("x-big", "x".repeat(9 << 10));
                case "uppercase" -> extra.add("X-Upper", "1");
                case "connection" -> extra.add("connection", "close");
                case "pseudo" -> extra.add(":path", "/x");
                default -> throw new AssertionError(variant);
            }
            s.whenRequestEnds(() -> {
                if (variant.endsWith("-headers")) {
                    // and nothing more: the stream stays open until the client resets it
                    s.headers(responseHeaders().add(extra), false);
                } else {
                    s.headers(responseHeaders(), false);
                    s.data(message("answer"), false);
                    s.trailers(HostileGrpc.ok().add(extra));
                }
            });
        });
        Channel channel = channel(ChannelOptions.DEFAULT);
        for (String variant : variants) {
            held.set(new CompletableFuture<>());
            bad.put(variant, new CompletableFuture<>());
            UnaryStreamCall<String, String> other =
                    channel.unaryStream(SERVER_STREAM).call("held");
            List<String> got = new CopyOnWriteArrayList<>();
            other.responses().handler(got::add);
            other.initialMetadata().await(5, SECONDS);
            HostileServer.HostileStream otherStream = held.get().get(5, SECONDS);

            RpcException e = failure(channel.unaryUnary(UNARY)
                    .call(
                            "x",
                            CallOptions.DEFAULT
                                    .withTimeout(Duration.ofSeconds(10))
                                    .withMetadata(Metadata.of("x-variant", variant)))
                    .response());
            assertThat(e.code()).as(variant).isEqualTo(StatusCode.INTERNAL);
            assertThat(e.details()).as(variant).containsIgnoringCase("header");
            HostileServer.HostileStream badStream = bad.get(variant).get(5, SECONDS);
            assertThat(badStream.connection().resetOf(badStream.id).get(5, SECONDS))
                    .as(variant + ": RST_STREAM PROTOCOL_ERROR to the server")
                    .isEqualTo(0x1L);

            otherStream.connection().run(() -> {
                otherStream.data(message("last"), false);
                otherStream.trailers(HostileGrpc.ok());
            });
            assertThat(other.code().await(5, SECONDS))
                    .as(variant + ": the other call")
                    .isEqualTo(StatusCode.OK);
            assertThat(got).as(variant).containsExactly("first", "last");
        }
        assertThat(healthy(channel)).isEqualTo("echo:ping");
        assertThat(server.connections.get())
                .as("stream errors only: one connection")
                .isEqualTo(1);
    }

    /**
     * DATA before the response's HEADERS (malformed, RFC 9113 "HTTP Message Framing"), which Vert.x drops silently: the
     * call fails INTERNAL naming it, whether or not headers follow, the server gets RST_STREAM PROTOCOL_ERROR, and a
     * call open on the same connection finishes OK.
     */
    @Test
    void dataBeforeHeaders_internalNamingIt_otherCallOnTheConnectionFinishes() throws Exception {
        AtomicReference<CompletableFuture<HostileServer.HostileStream>> held = new AtomicReference<>();
        Map<String, CompletableFuture<HostileServer.HostileStream>> bad = new ConcurrentHashMap<>();
        server.responder(s -> {
            String variant = s.header("x-variant");
            if (s.path().endsWith("/ServerStream") && variant == null) {
                held.get().complete(s);
                s.headers(responseHeaders(), false);
                s.data(message("first"), false);
                return;
            }
            if (variant == null) {
                answerHealthy(s);
                return;
            }
            bad.get(variant).complete(s);
            s.whenRequestEnds(() -> {
                s.dataIgnoringWindow(message("too early"), false);
                if (variant.equals("then-a-response")) {
                    s.headers(responseHeaders(), false);
                    s.data(message("on time"), false);
                    s.trailers(HostileGrpc.ok());
                }
            });
        });
        Channel channel = channel(ChannelOptions.DEFAULT);
        for (String variant : List.of("alone", "then-a-response")) {
            held.set(new CompletableFuture<>());
            bad.put(variant, new CompletableFuture<>());
            UnaryStreamCall<String, String> other =
                    channel.unaryStream(SERVER_STREAM).call("held");
            List<String> got = new CopyOnWriteArrayList<>();
            other.responses().handler(got::add);
            other.initialMetadata().await(5, SECONDS);
            HostileServer.HostileStream otherStream = held.get().get(5, SECONDS);

            UnaryStreamCall<String, String> early = channel.unaryStream(SERVER_STREAM)
                    .call(
                            "x",
                            CallOptions.DEFAULT
                                    .withTimeout(Duration.ofSeconds(10))
                                    .withMetadata(Metadata.of("x-variant", variant)));
            List<String> earlyGot = new CopyOnWriteArrayList<>();
            early.responses().handler(earlyGot::add);
            assertThat(early.code().await(10, SECONDS)).as(variant).isEqualTo(StatusCode.INTERNAL);
            assertThat(early.details().await(5, SECONDS)).as(variant).contains("DATA before response headers");
            assertThat(earlyGot).as(variant).isEmpty();
            HostileServer.HostileStream badStream = bad.get(variant).get(5, SECONDS);
            assertThat(badStream.connection().resetOf(badStream.id).get(5, SECONDS))
                    .as(variant + ": RST_STREAM PROTOCOL_ERROR to the server")
                    .isEqualTo(0x1L);

            otherStream.connection().run(() -> {
                otherStream.data(message("last"), false);
                otherStream.trailers(HostileGrpc.ok());
            });
            assertThat(other.code().await(5, SECONDS))
                    .as(variant + ": the other call")
                    .isEqualTo(StatusCode.OK);
            assertThat(got).as(variant).containsExactly("first", "last");
        }
        assertThat(server.connections.get()).isEqualTo(1);
    }

    @Test
    void invalidMetadata_badNameFailsTheCall_badBase64IsDropped() throws Exception {
        server.responder(s -> {
            String variant = s.header("x-variant");
            if (variant == null) {
                answerHealthy(s);
                return;
            }
            Http2Headers extra = new DefaultHttp2Headers(false);
            if (variant.equals("name")) {
                extra.add("x bad name", "1");
            } else {
                extra.add("x-data-bin", "!!!not base64").add("x-fine", "kept");
            }
            s.whenRequestEnds(() -> {
                s.headers(responseHeaders().add(extra), false);
                s.data(message("answer"), false);
                s.trailers(HostileGrpc.ok());
            });
        });
        Channel channel = channel(ChannelOptions.DEFAULT);
        UnaryUnaryCall<String, String> badName =
                channel.unaryUnary(UNARY).call("x", CallOptions.DEFAULT.withMetadata(Metadata.of("x-variant", "name")));
        UnaryUnaryCall<String, String> badBase64 = channel.unaryUnary(UNARY)
                .call("x", CallOptions.DEFAULT.withMetadata(Metadata.of("x-variant", "base64")));

        RpcException e = failure(badName.response());
        assertThat(e.code()).isEqualTo(StatusCode.INTERNAL);
        assertThat(e.details()).contains("invalid header name 'x bad name'");
        assertThat(badBase64.response().await(5, SECONDS)).isEqualTo("answer");
        Metadata md = badBase64.initialMetadata().await(5, SECONDS);
        assertThat(md.get("x-fine")).contains("kept");
        assertThat(md.keys()).doesNotContain("x-data-bin");
    }

    @Test
    void pushPromise_pushIsDisabled_internalProtocolErrorAndTheChannelRecovers() throws Exception {
        server.responder(s -> {
            if (!s.path().endsWith("/Unary")) {
                answerHealthy(s);
                return;
            }
            s.whenRequestEnds(() -> {
                s.headers(responseHeaders(), false);
                // promised stream 2, with a one-byte header block (:method GET, HPACK index 2)
                s.connection()
                        .rawFrame(
                                (byte) 0x5,
                                s.id,
                                new Http2Flags().endOfHeaders(true),
                                Unpooled.buffer().writeInt(2).writeByte(0x82));
            });
        });
        Channel channel = channel(ChannelOptions.DEFAULT);
        RpcException e = failure(channel.unaryUnary(UNARY)
                .call("x", CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(10)))
                .response());
        assertThat(e.code()).isEqualTo(StatusCode.INTERNAL);
        assertThat(e.details()).contains("PROTOCOL_ERROR");
        assertThat(healthy(channel)).isEqualTo("echo:ping");
    }

    private static RpcException failure(Future<?> f) throws Exception {
        try {
            f.await(20, SECONDS);
        } catch (RpcException e) {
            return e;
        }
        throw new AssertionError("expected the call to fail, it ended with " + f.result());
    }

    static long heapAfterGc() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static void trickle(HostileServer.HostileStream s, int i) {
        if (!s.isOpenForUpdates()) {
            return;
        }
        s.data(message("tick" + i), false);
        s.connection().later(50, () -> trickle(s, i + 1));
    }
}
