package io.rpcvertx.it.hardening;

import static io.rpcvertx.it.hardening.RawH2Client.grpcMessage;
import static io.rpcvertx.it.hardening.RawH2Client.grpcRequest;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http2.Http2Headers;
import io.rpcvertx.Http2Transport;
import io.rpcvertx.ServerOptions;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A bad stream or a connection error never ends a connection silently: the bad stream gets its HTTP status or
 * RST_STREAM and the other calls of the connection complete, or the connection ends with a GOAWAY that names the
 * error and the last stream processed. Each case sends its frames in one socket write, as one read of the server.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(Http2Transport.class)
@ExtendWith(VertxExtension.class)
@Timeout(60)
class ConnectionErrorsIT {
    /** The server's HTTP/2 transport. */
    @Parameter
    Http2Transport transport;

    static final Duration WAIT = Duration.ofSeconds(5);
    static final String UNARY = HardeningServer.PATHS.get(0);

    Vertx vertx;
    HardeningServer server;

    @BeforeEach
    void setUp(Vertx vertx) throws Exception {
        this.vertx = vertx;
        server = HardeningServer.start(
                vertx, ServerOptions.DEFAULT.withIoInstances(1).withHttp2Transport(transport));
    }

    @AfterEach
    void tearDown() throws Exception {
        server.close();
    }

    /**
     * Methods that are not HTTP tokens: Vert.x 5.0.10 throws parsing them, which closed the connection silently.
     */
    @ParameterizedTest
    @ValueSource(strings = {"P@ST", "PO ST", "//", "PÖST", "GET\u0000"})
    void methodNotAToken_whileAnotherCallIsOpen_http405AndTheOtherCallCompletes(String method) throws Exception {
        try (RawH2Client client = RawH2Client.connect(server.port)) {
            Http2Headers bad = grpcRequest(UNARY).method(method);
            client.preface()
                    .headers(1, grpcRequest(UNARY), false)
                    .headers(3, bad, false)
                    .data(3, grpcMessage("bad"), true)
                    .flush();
            assertThat(client.awaitStreamEnd(3, WAIT)).as("stream 3 ended").isTrue();
            assertThat(client.stream(3).httpStatus()).isEqualTo("405");

            client.data(1, grpcMessage("witness"), true).flush();
            assertThat(client.awaitStreamEnd(1, WAIT)).as("stream 1 ended").isTrue();
            assertThat(client.stream(1).grpcStatus()).as(client.recentFrames()).isEqualTo("0");
            assertThat(client.stream(1).data.toString(StandardCharsets.UTF_8)).endsWith("witness");
            assertThat(client.goAways()).isEmpty();
            assertThat(client.isClosedByServer()).isFalse();
        }
        assertThat(server.problems()).isEmpty();
        assertThat(server.controlCall(vertx, "after")).isEqualTo("after");
    }

    /**
     * The same, with the bad request complete in its HEADERS frame. An empty method is refused by Netty's header
     * validation before Vert.x sees it: RST_STREAM PROTOCOL_ERROR, on that stream alone.
     */
    @ParameterizedTest
    @CsvSource({"P@ST,405", "PO ST,405", "'',RST"})
    void methodNotAToken_headersWithEndStream_refusedOnThatStream(String method, String answer) throws Exception {
        try (RawH2Client client = RawH2Client.connect(server.port)) {
            client.preface()
                    .headers(1, grpcRequest(UNARY), false)
                    .headers(3, grpcRequest(UNARY).method(method), true)
                    .data(1, grpcMessage("witness"), true)
                    .flush();
            assertThat(client.awaitUntil(
                            () -> client.stream(1).ended() && client.stream(3).ended(), WAIT))
                    .as(client.recentFrames())
                    .isTrue();
            if (answer.equals("405")) {
                assertThat(client.stream(3).httpStatus()).isEqualTo("405");
            } else {
                assertThat(client.stream(3).resetCode).isEqualTo(RawH2Client.PROTOCOL_ERROR);
            }
            assertThat(client.stream(1).grpcStatus()).isEqualTo("0");
        }
        assertThat(server.problems()).isEmpty();
    }

    /**
     * A stream error (HEADERS without {@code :scheme}, reset with PROTOCOL_ERROR) and a connection error in the same
     * read: Vert.x 5.0.10 failed with a NullPointerException on the reset stream and closed without GOAWAY.
     */
    @ParameterizedTest
    @CsvSource({"dataOnStream0,1", "windowUpdate0OnConnection,1", "ping3Bytes,6"})
    void streamErrorThenConnectionErrorInOneRead_goAwayWithTheErrorNamingTheLastStream(
            String connectionError, long expectedCode) throws Exception {
        try (RawH2Client client = RawH2Client.connect(server.port)) {
            Http2Headers noScheme = grpcRequest(UNARY);
            noScheme.remove(":scheme");
            client.preface().headers(1, grpcRequest(UNARY), false).headers(3, noScheme, true);
            switch (connectionError) {
                case "dataOnStream0" -> client.data(0, grpcMessage("x"), false);
                case "ping3Bytes" -> client.frame(RawH2Client.PING, 0, 0, new byte[3]);
                default -> client.windowUpdate(0, 0);
            }
            client.flush();
            assertThat(client.awaitClose(WAIT)).as("closed by the server").isTrue();
            assertThat(client.goAways()).as(client.recentFrames()).isNotEmpty();
            // PROTOCOL_ERROR, or FRAME_SIZE_ERROR for a PING that is not 8 bytes (RFC 9113 6.7)
            assertThat(client.goAways().get(0).errorCode())
                    .as("%s", client.goAways())
                    .isEqualTo(expectedCode);
            assertThat(client.goAways().get(0).lastStreamId()).isEqualTo(3);
            assertThat(client.goAways())
                    .allSatisfy(g -> assertThat(g.lastStreamId()).isLessThanOrEqualTo(3));
        }
        assertThat(server.problems()).isEmpty();
        assertThat(server.controlCall(vertx, "after")).isEqualTo("after");
    }

    /** The stream error alone: only that stream is reset, and the other call completes. */
    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void headersWithoutScheme_rstProtocolErrorAndTheOtherCallCompletes(boolean endStream) throws Exception {
        try (RawH2Client client = RawH2Client.connect(server.port)) {
            Http2Headers noScheme = grpcRequest(UNARY);
            noScheme.remove(":scheme");
            client.preface().headers(1, grpcRequest(UNARY), false).headers(3, noScheme, endStream);
            if (!endStream) {
                client.data(3, grpcMessage("more"), true);
            }
            client.data(1, grpcMessage("witness"), true).flush();
            assertThat(client.awaitUntil(
                            () -> client.stream(1).ended() && client.stream(3).ended(), WAIT))
                    .as(client.recentFrames())
                    .isTrue();
            assertThat(client.stream(3).resetCode).isEqualTo(RawH2Client.PROTOCOL_ERROR);
            assertThat(client.stream(1).grpcStatus()).isEqualTo("0");
            assertThat(client.goAways()).isEmpty();
        }
        assertThat(server.problems()).isEmpty();
    }
}
