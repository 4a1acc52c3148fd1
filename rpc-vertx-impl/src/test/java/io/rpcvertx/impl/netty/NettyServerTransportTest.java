package io.rpcvertx.impl.netty;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.rpcvertx.Channel;
import io.rpcvertx.Http2Transport;
import io.rpcvertx.Marshaller;
import io.rpcvertx.MethodDescriptor;
import io.rpcvertx.MethodType;
import io.rpcvertx.RpcMethodHandler;
import io.rpcvertx.RpcVertx;
import io.rpcvertx.Server;
import io.rpcvertx.ServerOptions;
import io.rpcvertx.ServiceDefinition;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the Netty server transport does beyond the shared wire rules (those run on both transports in
 * ServerWireRulesTest, ServerConnectionTest and the contract suite): Unix domain sockets serve as TCP ports do.
 */
@ExtendWith(VertxExtension.class)
@Timeout(30)
class NettyServerTransportTest {
    static final Marshaller<String> UTF8 = Marshaller.of(s -> Buffer.buffer(s.getBytes(UTF_8)), b -> b.toString(UTF_8));
    static final MethodDescriptor<String, String> ECHO =
            MethodDescriptor.of(MethodType.UNARY_UNARY, "test.Netty/Echo", UTF8, UTF8);

    Vertx vertx;
    final List<Server> servers = new ArrayList<>();
    final List<Channel> channels = new ArrayList<>();

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
            s.stop(null).await(5, SECONDS);
        }
    }

    Server server(Http2Transport transport) {
        Server server = RpcVertx.server(
                vertx, ServerOptions.DEFAULT.withHttp2Transport(transport).withIoInstances(1));
        servers.add(server);
        server.addGenericRpcHandlers(ServiceDefinition.of(
                "test.Netty", RpcMethodHandler.unaryUnary(ECHO, (req, ctx) -> Future.succeededFuture("echo:" + req))));
        return server;
    }

    @Test
    void unixDomainSocket_unaryRoundTrip(@TempDir Path dir) throws Exception {
        Path socket = dir.resolve("netty.sock");
        Server server = server(Http2Transport.NETTY);
        server.addInsecurePort("unix:" + socket).await(5, SECONDS);
        server.start().await(5, SECONDS);
        Channel channel = RpcVertx.insecureChannel(vertx, "unix:" + socket);
        channels.add(channel);

        String reply = channel.unaryUnary(ECHO).call("hi").response().await(5, SECONDS);

        assertThat(reply).isEqualTo("echo:hi");
    }
}
