package io.rpcvertx.impl.server;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.rpcvertx.RpcVertx;
import io.rpcvertx.Server;
import io.rpcvertx.ServerOptions;
import io.vertx.core.Vertx;
import io.vertx.core.http.Http2Settings;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientConnection;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpConnectOptions;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** grpc server arguments ({@link ServerOptions#fromMap}) that the server's HTTP/2 listener reads. */
@ExtendWith(VertxExtension.class)
@Timeout(30)
class ServerArgumentsTest {
    Vertx vertx;
    HttpClientAgent agent;
    final List<Server> servers = new ArrayList<>();

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

        HttpServerOptions reusingOptions = reusing.httpOptions();
        HttpServerOptions plainOptions = plain.httpOptions();

        assertThat(reusingOptions.isReusePort()).isTrue();
        assertThat(plainOptions.isReusePort()).isFalse();
    }

    private ServerImpl server(ServerOptions options) {
        Server server = RpcVertx.server(vertx, options.withIoInstances(1));
        servers.add(server);
        return (ServerImpl) server;
    }

    private int start(ServerOptions options) throws Exception {
        Server server = server(options);
        int port = server.addInsecurePort("127.0.0.1:0").await(5, SECONDS);
        server.start().await(5, SECONDS);
        return port;
    }
}
