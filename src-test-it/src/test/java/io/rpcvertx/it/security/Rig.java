package io.rpcvertx.it.security;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.rpcvertx.Channel;
import io.rpcvertx.ChannelCredentials;
import io.rpcvertx.ChannelOptions;
import io.rpcvertx.RpcException;
import io.rpcvertx.RpcVertx;
import io.rpcvertx.Server;
import io.rpcvertx.ServerCredentials;
import io.rpcvertx.ServerOptions;
import io.rpcvertx.ServiceDefinition;
import io.rpcvertx.it.testservice.TestServiceContract;
import io.rpcvertx.it.testservice.TestServiceEvents;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;

/**
 * What a security test opens, closed in reverse order by {@link #close()}: rpc-vertx servers and channels. Servers
 * serve the shared test service plus {@link AuthProbe}.
 */
final class Rig {
    final Vertx vertx;
    final TestServiceEvents events = new TestServiceEvents();
    final AuthProbe probe = new AuthProbe();
    private final List<Channel> channels = new ArrayList<>();
    private final List<Server> servers = new ArrayList<>();

    Rig(Vertx vertx) {
        this.vertx = vertx;
    }

    /** A started server with one secure port on 127.0.0.1; returns the port. */
    int secureServer(ServerCredentials credentials, ServerOptions options) throws TimeoutException {
        Server server = server(options);
        int port = server.addSecurePort("127.0.0.1:0", credentials).await(10, SECONDS);
        server.start().await(10, SECONDS);
        return port;
    }

    /** A started server with one plaintext port on 127.0.0.1; returns the port. */
    int insecureServer() throws TimeoutException {
        Server server = server(ServerOptions.DEFAULT);
        int port = server.addInsecurePort("127.0.0.1:0").await(10, SECONDS);
        server.start().await(10, SECONDS);
        return port;
    }

    /** A server (not started) serving the test service and the probe. */
    Server server(ServerOptions options) {
        ServiceDefinition test = TestServiceContract.rpcVertxService(events);
        Server server = RpcVertx.server(vertx, options).addGenericRpcHandlers(test, probe.service());
        servers.add(server);
        return server;
    }

    Channel secureChannel(String target, ChannelCredentials credentials, ChannelOptions options) {
        Channel channel = RpcVertx.secureChannel(vertx, target, credentials, options);
        channels.add(channel);
        return channel;
    }

    Channel insecureChannel(String target) {
        Channel channel = RpcVertx.insecureChannel(vertx, target);
        channels.add(channel);
        return channel;
    }

    void close() throws TimeoutException {
        for (Channel c : channels) {
            c.close().await(10, SECONDS);
        }
        for (Server s : servers) {
            s.stop(Duration.ZERO).await(10, SECONDS);
        }
    }

    /** Waits for {@code future} to fail, which it must, with an {@link RpcException}. */
    static RpcException failure(Future<?> future) throws TimeoutException {
        Throwable cause = future.map(v -> (Throwable) null).otherwise(t -> t).await(20, SECONDS);
        assertThat(cause).as("failure of the call").isInstanceOf(RpcException.class);
        return (RpcException) cause;
    }
}
