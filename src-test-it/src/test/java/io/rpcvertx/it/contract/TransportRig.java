package io.rpcvertx.it.contract;

import static java.util.concurrent.TimeUnit.SECONDS;

import io.rpcvertx.Channel;
import io.rpcvertx.ChannelOptions;
import io.rpcvertx.GenericRpcHandler;
import io.rpcvertx.Http2Transport;
import io.rpcvertx.RpcVertx;
import io.rpcvertx.Server;
import io.rpcvertx.ServerOptions;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetServer;
import java.util.UUID;

/**
 * One transport under the call-semantics contract ({@link CallContractIT}): how a server is started on it and how a
 * channel reaches that server. Everything else the suite does goes through the public API only.
 */
interface TransportRig {
    /** HTTP/2 over TCP on 127.0.0.1, port 0: the reference transport. */
    TransportRig HTTP2 = new Http2();

    /** {@link #HTTP2} with the server on the Netty HTTP/2 transport ({@code Http2Transport.NETTY}), today's client. */
    TransportRig HTTP2_NETTY_SERVER = new Http2(Http2Transport.NETTY);

    /** {@link #HTTP2} with channels on the Netty HTTP/2 client transport ({@code Http2Transport.NETTY}), today's server. */
    TransportRig HTTP2_NETTY_CLIENT = new Http2(Http2Transport.VERTX_HTTP, Http2Transport.NETTY);

    /** {@link #HTTP2} with both the server and the channels on the Netty HTTP/2 transport. */
    TransportRig HTTP2_NETTY = new Http2(Http2Transport.NETTY, Http2Transport.NETTY);

    /** The in-process transport: a server and its channels under one name, in one {@code Vertx}, no socket. */
    TransportRig IN_PROCESS = new InProcess();

    /** The event-bus transport on the test's own (local) {@code Vertx}: a fresh address per server. */
    TransportRig EVENT_BUS = new EventBus();

    /**
     * The event-bus transport across a clustered event bus: the server on node A, the channels on node B, two
     * Hazelcast nodes in this JVM on 127.0.0.1 ({@link EventBusCluster}).
     */
    TransportRig EVENT_BUS_CLUSTERED = new ClusteredEventBus();

    /**
     * A started server with {@code handlers}, and the target a channel dials to reach it.
     *
     * @throws Exception if the server does not start within a few seconds
     */
    Endpoint start(Vertx vertx, ServerOptions options, GenericRpcHandler... handlers) throws Exception;

    /** A channel to {@code endpoint}. */
    Channel channel(Vertx vertx, Endpoint endpoint, ChannelOptions options);

    /** A channel whose target nobody serves. */
    Channel unreachableChannel(Vertx vertx, ChannelOptions options) throws Exception;

    /**
     * What {@code ServicerContext.peer()} starts with for a client of this transport: a wire-level difference the
     * contract allows ({@code ipv4:127.0.0.1:<port>} over TCP, {@code inprocess:<name>} in process).
     */
    String peerPrefix();

    /**
     * The {@code Vertx} this rig's channels run on, for a test that must create its channel on a loop of its own (the
     * channel then owns that loop): the test's own by default.
     */
    default Vertx clientVertx(Vertx testVertx) {
        return testVertx;
    }

    /** Releases what the rig holds beyond one test (the clustered rig's nodes). */
    default void close() throws Exception {}

    /** A started server and the target that reaches it. */
    record Endpoint(Server server, String target) {}

    /** {@link #HTTP2}. */
    final class Http2 implements TransportRig {
        private final Http2Transport serverTransport;
        private final Http2Transport clientTransport;

        Http2() {
            this(Http2Transport.VERTX_HTTP);
        }

        Http2(Http2Transport serverTransport) {
            this(serverTransport, Http2Transport.VERTX_HTTP);
        }

        Http2(Http2Transport serverTransport, Http2Transport clientTransport) {
            this.serverTransport = serverTransport;
            this.clientTransport = clientTransport;
        }

        @Override
        public Endpoint start(Vertx vertx, ServerOptions options, GenericRpcHandler... handlers) throws Exception {
            Server server = RpcVertx.server(vertx, options.withHttp2Transport(serverTransport));
            server.addGenericRpcHandlers(handlers);
            int port = server.addInsecurePort("127.0.0.1:0").await(5, SECONDS);
            server.start().await(5, SECONDS);
            return new Endpoint(server, "127.0.0.1:" + port);
        }

        @Override
        public Channel channel(Vertx vertx, Endpoint endpoint, ChannelOptions options) {
            return RpcVertx.insecureChannel(vertx, endpoint.target(), options.withHttp2Transport(clientTransport));
        }

        @Override
        public Channel unreachableChannel(Vertx vertx, ChannelOptions options) throws Exception {
            // a port that was free a moment ago: connecting to it is refused
            NetServer probe = vertx.createNetServer().connectHandler(socket -> socket.close());
            int port = probe.listen(0, "127.0.0.1").await(5, SECONDS).actualPort();
            probe.close().await(5, SECONDS);
            return RpcVertx.insecureChannel(vertx, "127.0.0.1:" + port, options.withHttp2Transport(clientTransport));
        }

        @Override
        public String peerPrefix() {
            return "ipv4:127.0.0.1:";
        }

        @Override
        public String toString() {
            if (clientTransport == Http2Transport.NETTY) {
                return serverTransport == Http2Transport.NETTY ? "HTTP/2 netty-both" : "HTTP/2 netty-client";
            }
            return serverTransport == Http2Transport.NETTY ? "HTTP/2 netty-server" : "HTTP/2";
        }
    }

    /** {@link #IN_PROCESS}: a fresh name per server, so tests never meet each other's servers. */
    final class InProcess implements TransportRig {
        @Override
        public Endpoint start(Vertx vertx, ServerOptions options, GenericRpcHandler... handlers) throws Exception {
            String name = "contract-" + UUID.randomUUID();
            Server server = RpcVertx.inProcessServer(vertx, name, options);
            server.addGenericRpcHandlers(handlers);
            server.start().await(5, SECONDS);
            return new Endpoint(server, name);
        }

        @Override
        public Channel channel(Vertx vertx, Endpoint endpoint, ChannelOptions options) {
            return RpcVertx.inProcessChannel(vertx, endpoint.target(), options);
        }

        @Override
        public Channel unreachableChannel(Vertx vertx, ChannelOptions options) {
            return RpcVertx.inProcessChannel(vertx, "nobody-" + UUID.randomUUID(), options);
        }

        @Override
        public String peerPrefix() {
            return "inprocess:contract-";
        }

        @Override
        public String toString() {
            return "in-process";
        }
    }

    /** {@link #EVENT_BUS}. */
    final class EventBus implements TransportRig {
        @Override
        public Endpoint start(Vertx vertx, ServerOptions options, GenericRpcHandler... handlers) throws Exception {
            String address = "contract-" + UUID.randomUUID();
            Server server = RpcVertx.server(vertx, options);
            server.addGenericRpcHandlers(handlers);
            server.addEventBusPort(address).await(5, SECONDS);
            server.start().await(5, SECONDS);
            return new Endpoint(server, "eventbus:" + address);
        }

        @Override
        public Channel channel(Vertx vertx, Endpoint endpoint, ChannelOptions options) {
            return RpcVertx.insecureChannel(vertx, endpoint.target(), options);
        }

        @Override
        public Channel unreachableChannel(Vertx vertx, ChannelOptions options) {
            return RpcVertx.insecureChannel(vertx, "eventbus:nobody-" + UUID.randomUUID(), options);
        }

        @Override
        public String peerPrefix() {
            return "eventbus:rpcvertx.channel.";
        }

        @Override
        public String toString() {
            return "event bus";
        }
    }

    /**
     * {@link #EVENT_BUS_CLUSTERED}: the server on node A and every channel on node B, whatever {@code Vertx} the test
     * runs on. A channel is handed out once node B sees the server (node B learns of new consumers asynchronously).
     */
    final class ClusteredEventBus implements TransportRig {
        private EventBusCluster cluster;

        private synchronized EventBusCluster cluster() throws Exception {
            if (cluster == null) {
                cluster = EventBusCluster.start(2);
            }
            return cluster;
        }

        @Override
        public Endpoint start(Vertx vertx, ServerOptions options, GenericRpcHandler... handlers) throws Exception {
            Vertx nodeA = cluster().node(0);
            String address = "contract-" + UUID.randomUUID();
            Server server = RpcVertx.server(nodeA, options);
            server.addGenericRpcHandlers(handlers);
            server.addEventBusPort(address).await(5, SECONDS);
            server.start().await(10, SECONDS);
            Endpoint endpoint = new Endpoint(server, "eventbus:" + address);
            Channel probe = RpcVertx.insecureChannel(cluster().node(1), endpoint.target());
            probe.channelReady().await(20, SECONDS);
            probe.close().await(5, SECONDS);
            return endpoint;
        }

        @Override
        public Channel channel(Vertx vertx, Endpoint endpoint, ChannelOptions options) {
            try {
                return RpcVertx.insecureChannel(cluster().node(1), endpoint.target(), options);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public Channel unreachableChannel(Vertx vertx, ChannelOptions options) throws Exception {
            return RpcVertx.insecureChannel(cluster().node(1), "eventbus:nobody-" + UUID.randomUUID(), options);
        }

        @Override
        public Vertx clientVertx(Vertx testVertx) {
            try {
                return cluster().node(1);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public String peerPrefix() {
            return "eventbus:rpcvertx.channel.";
        }

        @Override
        public synchronized void close() throws Exception {
            if (cluster != null) {
                cluster.close();
                cluster = null;
            }
        }

        @Override
        public String toString() {
            return "clustered event bus";
        }
    }
}
