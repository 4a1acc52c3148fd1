package io.rpcvertx.impl.server;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.rpcvertx.Channel;
import io.rpcvertx.ChannelOptions;
import io.rpcvertx.Marshaller;
import io.rpcvertx.MethodDescriptor;
import io.rpcvertx.MethodType;
import io.rpcvertx.RpcException;
import io.rpcvertx.RpcMethodHandler;
import io.rpcvertx.RpcVertx;
import io.rpcvertx.Server;
import io.rpcvertx.ServerOptions;
import io.rpcvertx.ServiceDefinition;
import io.rpcvertx.StatusCode;
import io.rpcvertx.impl.transport.GoAwayDebugData;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.GoAway;
import io.vertx.core.http.Http2Settings;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientConnection;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpConnectOptions;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.junit5.VertxExtension;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** grpc server arguments ({@link ServerOptions#fromMap}) that the server's HTTP/2 listener reads. */
@ExtendWith(VertxExtension.class)
@Timeout(30)
class ServerArgumentsTest {
    static final Marshaller<String> UTF8 = Marshaller.of(
            s -> Buffer.buffer(s.getBytes(StandardCharsets.UTF_8)), b -> b.toString(StandardCharsets.UTF_8));
    static final MethodDescriptor<String, String> ECHO =
            MethodDescriptor.of(MethodType.UNARY_UNARY, "test.Args/Echo", UTF8, UTF8);

    Vertx vertx;
    HttpClientAgent agent;
    final List<Server> servers = new ArrayList<>();
    final List<Channel> channels = new ArrayList<>();

    @BeforeEach
    void setUp(Vertx vertx) {
        this.vertx = vertx;
        agent = vertx.httpClientBuilder()
                .with(new HttpClientOptions()
                        .setProtocolVersion(HttpVersion.HTTP_2)
                        .setHttp2ClearTextUpgrade(false))
                .build();
    }

    @AfterEach
    void tearDown() throws Exception {
        for (Channel c : channels) {
            c.close().await(5, SECONDS);
        }
        agent.close().await(5, SECONDS);
        for (Server s : servers) {
            s.stop(null).await(5, SECONDS);
        }
    }

    @Test
    void http2Arguments_advertisedInTheServersSettings() throws Exception {
        int port = start(ServerOptions.fromMap(Map.of(
                "grpc.http2.max_frame_size",
                1 << 20,
                "grpc.max_concurrent_streams",
                100,
                "grpc.max_metadata_size",
                16_384,
                "grpc.http2.lookahead_bytes",
                1 << 18)));

        HttpClientConnection connection = agent.connect(
                        new HttpConnectOptions().setHost("127.0.0.1").setPort(port))
                .await(5, SECONDS);
        Http2Settings settings = connection.remoteSettings();

        assertThat(settings.getMaxFrameSize()).isEqualTo(1 << 20);
        assertThat(settings.getMaxConcurrentStreams()).isEqualTo(100);
        assertThat(settings.getMaxHeaderListSize()).isEqualTo(16_384);
        assertThat(settings.getInitialWindowSize()).isEqualTo(1 << 18);
        connection.close().await(5, SECONDS);
    }

    @Test
    void soReuseport_setOnTheListener_offByDefault() throws Exception {
        ServerImpl reusing = server(ServerOptions.fromMap(Map.of("grpc.so_reuseport", 1)));
        ServerImpl plain = server(ServerOptions.DEFAULT);

        HttpServerOptions reusingOptions = reusing.ports.httpOptions();
        HttpServerOptions plainOptions = plain.ports.httpOptions();

        assertThat(reusingOptions.isReusePort()).isTrue();
        assertThat(plainOptions.isReusePort()).isFalse();
    }

    @Test
    void maxConnectionIdleMs_connectionWithoutCalls_getsGoAway() throws Exception {
        int port = start(ServerOptions.fromMap(Map.of("grpc.max_connection_idle_ms", 200)));
        HttpClientConnection connection = agent.connect(
                        new HttpConnectOptions().setHost("127.0.0.1").setPort(port))
                .await(5, SECONDS);
        CompletableFuture<GoAway> goAway = new CompletableFuture<>();
        connection.goAwayHandler(ga -> goAway.complete(GoAwayDebugData.detach(ga)));

        assertThat(goAway.get(5, SECONDS).getErrorCode()).as("NO_ERROR").isZero();
    }

    @Test
    void maxReceiveMessageLength_largerRequest_resourceExhausted() throws Exception {
        int port = start(ServerOptions.fromMap(Map.of("grpc.max_receive_message_length", 16)));
        Channel channel = RpcVertx.insecureChannel(vertx, "127.0.0.1:" + port);
        channels.add(channel);

        assertThat(channel.unaryUnary(ECHO).call("short").response().await(5, SECONDS))
                .isEqualTo("short");
        Throwable failure = channel.unaryUnary(ECHO)
                .call("x".repeat(17))
                .response()
                .transform(ar -> Future.succeededFuture(ar.cause()))
                .await(5, SECONDS);
        assertThat(failure)
                .isInstanceOfSatisfying(
                        RpcException.class, e -> assertThat(e.code()).isEqualTo(StatusCode.RESOURCE_EXHAUSTED));
    }

    @Test
    void connectionWindowSize_setOnTheListener() {
        ServerImpl server = server(ServerOptions.fromMap(Map.of("rpcvertx.connection_window_size", 1 << 22)));

        assertThat(server.ports.httpOptions().getHttp2ConnectionWindowSize()).isEqualTo(1 << 22);
    }

    @Test
    void connectionWindowSize_default_isTheChannelsSeveralStreamWindows() {
        ServerImpl server = server(ServerOptions.DEFAULT);

        assertThat(server.ports.httpOptions().getHttp2ConnectionWindowSize())
                .isEqualTo(ChannelOptions.DEFAULT_CONNECTION_WINDOW_SIZE)
                .isGreaterThanOrEqualTo(4 * ServerOptions.DEFAULT.initialWindowSize());
    }

    private ServerImpl server(ServerOptions options) {
        Server server = RpcVertx.server(vertx, options.withIoInstances(1));
        servers.add(server);
        return (ServerImpl) server;
    }

    private int start(ServerOptions options) throws Exception {
        Server server = server(options);
        server.addGenericRpcHandlers(ServiceDefinition.of(
                "test.Args", RpcMethodHandler.unaryUnary(ECHO, (request, context) -> Future.succeededFuture(request))));
        int port = server.addInsecurePort("127.0.0.1:0").await(5, SECONDS);
        server.start().await(5, SECONDS);
        return port;
    }
}
