package io.rpcvertx.it.hardening;

import static io.rpcvertx.it.hardening.RawH2Client.grpcMessage;
import static io.rpcvertx.it.hardening.RawH2Client.grpcRequest;
import static org.assertj.core.api.Assertions.assertThat;

import io.rpcvertx.Http2Transport;
import io.rpcvertx.ServerOptions;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Floods and resource attacks against the server, each on a raw HTTP/2 connection next to a witness call: the server
 * either keeps serving (the witness completes) or ends the connection with a GOAWAY naming the error; it logs no
 * exception and serves a control call afterwards. Message-level limits are covered where they live:
 * {@code ServerWireRulesTest} (rpc-vertx-impl) has the oversize message and the gzip bomb over the limit only after
 * inflating, {@code ServerConnectionTest} the metadata over the advertised header-list size; the fuzzer
 * ({@link ServerFuzzIT}) sends invalid metadata, bombs and bad length prefixes at random.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(Http2Transport.class)
@ExtendWith(VertxExtension.class)
@Timeout(120)
class FloodsIT {
    /** The server's HTTP/2 transport. */
    @Parameter
    Http2Transport transport;

    static final Duration WAIT = Duration.ofSeconds(10);
    /** A flood takes the server a while to work through with paranoid leak detection on a loaded machine. */
    static final Duration FLOOD_WAIT = Duration.ofSeconds(40);

    static final String UNARY = HardeningServer.PATHS.get(0);

    Vertx vertx;
    HardeningServer server;

    void start(Vertx vertx, ServerOptions options) throws Exception {
        this.vertx = vertx;
        server = HardeningServer.start(vertx, options.withIoInstances(1).withHttp2Transport(transport));
    }

    @AfterEach
    void tearDown() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    /** HEADERS then RST_STREAM, many times in one write (CVE-2023-44487): within the limit every call is cancelled. */
    @Test
    void rapidReset_belowTheLimit_connectionServesTheWitness(Vertx vertx) throws Exception {
        start(vertx, ServerOptions.DEFAULT);
        try (RawH2Client client = RawH2Client.connect(server.port)) {
            client.preface().headers(1, grpcRequest(UNARY), false);
            for (int id = 3; id < 3 + 2 * 2_000; id += 2) {
                client.headers(id, grpcRequest(UNARY), false).rst(id, RawH2Client.CANCEL);
            }
            client.data(1, grpcMessage("witness"), true).flush();
            assertThat(client.awaitStreamEnd(1, FLOOD_WAIT))
                    .as(client.recentFrames())
                    .isTrue();
            assertThat(client.stream(1).grpcStatus()).isEqualTo("0");
            assertThat(client.goAways()).isEmpty();
        }
        assertServerHealthy();
    }

    @Test
    void rapidReset_overTheLimit_goAwayEnhanceYourCalm(Vertx vertx) throws Exception {
        start(vertx, ServerOptions.DEFAULT.withRstFloodLimit(200, Duration.ofSeconds(30)));
        try (RawH2Client client = RawH2Client.connect(server.port)) {
            client.preface();
            for (int id = 1; id < 1 + 2 * 1_000; id += 2) {
                client.headers(id, grpcRequest(UNARY), false).rst(id, RawH2Client.CANCEL);
            }
            client.flush();
            assertThat(client.awaitClose(FLOOD_WAIT)).isTrue();
            assertThat(client.goAway()).isNotNull();
            assertThat(client.goAway().errorCode()).isEqualTo(RawH2Client.ENHANCE_YOUR_CALM);
        }
        assertServerHealthy();
    }

    /** 10,000 PINGs at once: the keepalive policy ends the connection with GOAWAY ENHANCE_YOUR_CALM. */
    @Test
    void pingFlood_goAwayTooManyPings(Vertx vertx) throws Exception {
        start(vertx, ServerOptions.DEFAULT);
        try (RawH2Client client = RawH2Client.connect(server.port)) {
            client.preface();
            for (int i = 0; i < 10_000; i++) {
                client.ping(i);
            }
            client.flush();
            assertThat(client.awaitClose(FLOOD_WAIT)).isTrue();
            assertThat(client.goAway()).isNotNull();
            assertThat(client.goAway().errorCode()).isEqualTo(RawH2Client.ENHANCE_YOUR_CALM);
            assertThat(client.goAway().debug()).isEqualTo("too_many_pings");
        }
        assertServerHealthy();
    }

    /** 20,000 SETTINGS frames at once, acks never read in between: served, or ended with a GOAWAY naming why. */
    @Test
    void settingsFlood_servedOrGoAwayWithError(Vertx vertx) throws Exception {
        start(vertx, ServerOptions.DEFAULT);
        try (RawH2Client client = RawH2Client.connect(server.port)) {
            client.preface().headers(1, grpcRequest(UNARY), false);
            for (int i = 0; i < 20_000; i++) {
                client.settings(0x4, 65_535 + (i % 2));
            }
            client.data(1, grpcMessage("witness"), true).flush();
            assertServedOrGoAwayWithError(client);
        }
        assertServerHealthy();
    }

    /** A header block that never ends (CONTINUATION flood, CVE-2024-27316): bounded, refused with an error. */
    @Test
    void continuationFlood_refusedWithAnError(Vertx vertx) throws Exception {
        start(vertx, ServerOptions.DEFAULT);
        try (RawH2Client client = RawH2Client.connect(server.port)) {
            client.preface().headers(1, grpcRequest(UNARY), false).data(1, grpcMessage("witness"), true);
            client.frame(RawH2Client.HEADERS, 0, 3, client.hpack(grpcRequest(UNARY)));
            byte[] block = literalWithoutIndexing("x-flood", "v".repeat(1_000));
            for (int i = 0; i < 10_000; i++) {
                client.frame(RawH2Client.CONTINUATION, 0, 3, block);
            }
            client.flush();
            assertThat(client.awaitClose(FLOOD_WAIT))
                    .as("closed: " + client.recentFrames())
                    .isTrue();
            assertThat(client.goAway()).isNotNull();
            assertThat(client.goAway().errorCode()).isNotEqualTo(RawH2Client.NO_ERROR);
            // the witness, complete before the flood, was answered or is disowned by the GOAWAY's last stream id
            assertThat(client.stream(1).ended() || client.goAway().lastStreamId() >= 1)
                    .isTrue();
        }
        assertServerHealthy();
    }

    /** WINDOW_UPDATE beyond 2^31-1 on the connection: GOAWAY FLOW_CONTROL_ERROR (RFC 9113 6.9.1). */
    @Test
    void connectionWindowOverflow_goAwayFlowControlError(Vertx vertx) throws Exception {
        start(vertx, ServerOptions.DEFAULT);
        try (RawH2Client client = RawH2Client.connect(server.port)) {
            client.preface()
                    .windowUpdate(0, 0x7fffffffL)
                    .windowUpdate(0, 0x7fffffffL)
                    .flush();
            assertThat(client.awaitClose(WAIT)).isTrue();
            assertThat(client.goAway()).isNotNull();
            assertThat(client.goAway().errorCode()).isEqualTo(RawH2Client.FLOW_CONTROL_ERROR);
        }
        assertServerHealthy();
    }

    /** The same on a stream: that stream alone is reset, the witness completes. */
    @Test
    void streamWindowOverflow_rstFlowControlErrorAndTheWitnessCompletes(Vertx vertx) throws Exception {
        start(vertx, ServerOptions.DEFAULT);
        try (RawH2Client client = RawH2Client.connect(server.port)) {
            client.preface()
                    .headers(1, grpcRequest(UNARY), false)
                    .headers(3, grpcRequest(UNARY), false)
                    .windowUpdate(3, 0x7fffffffL)
                    .windowUpdate(3, 0x7fffffffL)
                    .data(1, grpcMessage("witness"), true)
                    .flush();
            assertThat(client.awaitUntil(
                            () -> client.stream(1).ended() && client.stream(3).ended(), WAIT))
                    .as(client.recentFrames())
                    .isTrue();
            assertThat(client.stream(3).resetCode).isEqualTo(RawH2Client.FLOW_CONTROL_ERROR);
            assertThat(client.stream(1).grpcStatus()).isEqualTo("0");
        }
        assertServerHealthy();
    }

    /** Request metadata that HTTP/2 forbids (uppercase or connection-specific names): that stream alone fails. */
    @Test
    void invalidMetadataNames_rstOnThatStreamAndTheWitnessCompletes(Vertx vertx) throws Exception {
        start(vertx, ServerOptions.DEFAULT);
        try (RawH2Client client = RawH2Client.connect(server.port)) {
            client.preface().headers(1, grpcRequest(UNARY), false);
            client.headers(3, grpcRequest(UNARY).add("X-Upper", "v"), true);
            client.headers(5, grpcRequest(UNARY).add("connection", "close"), true);
            client.data(1, grpcMessage("witness"), true).flush();
            assertThat(client.awaitUntil(
                            () -> client.stream(1).ended()
                                    && client.stream(3).ended()
                                    && client.stream(5).ended(),
                            WAIT))
                    .as(client.recentFrames())
                    .isTrue();
            assertThat(client.stream(3).resetCode).isEqualTo(RawH2Client.PROTOCOL_ERROR);
            assertThat(client.stream(5).resetCode).isEqualTo(RawH2Client.PROTOCOL_ERROR);
            assertThat(client.stream(1).grpcStatus()).isEqualTo("0");
            assertThat(client.stream(1).data.toString(StandardCharsets.UTF_8)).endsWith("witness");
        }
        assertServerHealthy();
    }

    private static void assertServedOrGoAwayWithError(RawH2Client client) throws Exception {
        client.awaitUntil(() -> client.stream(1).ended() || client.isClosedByServer(), FLOOD_WAIT);
        if (client.stream(1).ended()) {
            assertThat(client.stream(1).grpcStatus()).isEqualTo("0");
        } else {
            assertThat(client.isClosedByServer()).as("closed").isTrue();
            assertThat(client.goAway()).as("a GOAWAY tells why").isNotNull();
            assertThat(client.goAway().errorCode()).isNotEqualTo(RawH2Client.NO_ERROR);
        }
    }

    private void assertServerHealthy() throws Exception {
        assertThat(server.controlCall(vertx, "after")).isEqualTo("after");
        assertThat(server.problems()).isEmpty();
    }

    /** An HPACK literal header field without indexing, new name (RFC 7541 6.2.2), no Huffman coding. */
    private static byte[] literalWithoutIndexing(String name, String value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0x00);
        writeString(out, name);
        writeString(out, value);
        return out.toByteArray();
    }

    private static void writeString(ByteArrayOutputStream out, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.US_ASCII);
        // 7-bit prefix integer (RFC 7541 5.1)
        int length = bytes.length;
        if (length < 127) {
            out.write(length);
        } else {
            out.write(127);
            length -= 127;
            while (length >= 128) {
                out.write((length & 0x7f) | 0x80);
                length >>>= 7;
            }
            out.write(length);
        }
        out.writeBytes(bytes);
    }
}
