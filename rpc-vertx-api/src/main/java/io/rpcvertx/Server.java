package io.rpcvertx;

import io.vertx.core.Future;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A gRPC server (grpc.aio {@code aio.Server}): add handlers and ports, {@link #start()}, later {@link #stop}.
 *
 * <p>Lifecycle: NEW → STARTED → STOPPING → STOPPED. Handlers and ports may only be added while NEW. Every method may
 * be called from any thread; futures complete on the caller's context.
 *
 * <p>A server is a control context (its lifecycle) plus {@link ServerOptions#ioInstances()} IO verticles that share
 * every listening socket, so connections spread over that many event loops; each call runs on its connection's event
 * loop. To deploy a server as a verticle of your own, see {@link RpcVertx#serverVerticle}.
 *
 * <p>Event bus: once started, the server listens on {@code rpcvertx.server.<id>.control} (see {@link #id()}) for a
 * stop request from any verticle, also from another node of a clustered Vert.x. The body is a JSON object
 * {@code {"grace": millis}} for {@link #stop stop(Duration.ofMillis(millis))}, or {@code null} (or
 * {@code {"grace": null}}) for {@code stop(null)}; the reply ({@code {"stopped": true}}) is sent once the server has
 * stopped, a malformed body fails the request with code 400.
 *
 * <pre>{@code
 * Server server = RpcVertx.server(vertx);
 * server.addGenericRpcHandlers(GreeterGrpc.bindService(new MyGreeter()));
 * int port = server.addInsecurePort("127.0.0.1:0").await();
 * server.start().await();
 * ...
 * server.stop(Duration.ofSeconds(5));
 * }</pre>
 */
public interface Server {
    /**
     * This server's id: its {@link ServerOptions#withName name}, or else a random UUID; its event-bus control address is
     * {@code "rpcvertx.server." + id() + ".control"} (see {@link #controlAddress()}).
     */
    String id();

    /** The event-bus address that accepts stop requests once the server has started (see the class comment). */
    default String controlAddress() {
        return "rpcvertx.server." + id() + ".control";
    }

    /**
     * Registers handlers (aio {@code add_generic_rpc_handlers}). Only before {@link #start()}.
     *
     * @throws IllegalStateException if the server has started
     */
    Server addGenericRpcHandlers(GenericRpcHandler... handlers);

    /**
     * The {@link ServiceDefinition}s registered so far with {@link #addGenericRpcHandlers}, in registration order
     * (grpc-java {@code Server.getServices()}); other {@link GenericRpcHandler}s are not listed, as they do not say
     * which services they serve. Tools such as server reflection read it. May be called from any thread, in any state;
     * the list is an immutable snapshot, and final once the server has started.
     */
    List<ServiceDefinition> services();

    /**
     * Binds a plaintext (h2c, prior knowledge) port: {@code host:port}, {@code [ipv6]:port}, {@code :port} (all
     * interfaces) or {@code unix:/path}. Port 0 picks a free port, shared by all IO instances. Only before
     * {@link #start()}; until then the port accepts connections but answers every RPC with
     * {@link StatusCode#UNAVAILABLE}.
     *
     * @return the bound port ({@code -1} for a Unix domain socket); fails with {@link IllegalStateException} after
     *     start, {@link IllegalArgumentException} for a malformed address, or the bind error
     */
    Future<Integer> addInsecurePort(String address);

    /**
     * Binds a secure port (aio {@code add_secure_port}): TLS 1.2+ with ALPN {@code h2} only, presenting
     * {@code credentials}' certificates and asking for client certificates as they say. Addresses as for
     * {@link #addInsecurePort}. Only before {@link #start()}. With {@link DynamicServerCredentials} the port follows
     * their updates while it runs.
     *
     * @return the bound port ({@code -1} for a Unix domain socket); fails with {@link IllegalStateException} after
     *     start or when the chosen {@link TlsEngine} is unavailable, {@link IllegalArgumentException} for a malformed
     *     address, or the error of certificates or keys that do not parse or of the bind
     */
    Future<Integer> addSecurePort(String address, ServerCredentials credentials);

    /**
     * Also serves on the event bus of the server's {@code Vertx} at {@code address} (an event-bus address, e.g.
     * {@link RpcVertx#DEFAULT_EVENT_BUS_ADDRESS}): event-bus channels ({@link RpcVertx#eventBusChannel(io.vertx.core.Vertx,
     * String, ChannelOptions)}) of this {@code Vertx} or, when it is clustered, of any node reach the server's services there.
     * Several servers may serve one address: they share its calls. Only before {@link #start()}; the address is
     * consumed from start until the stop begins, and each of the server's IO instances takes calls there.
     *
     * @return completes once the address is recorded; fails with {@link IllegalStateException} after start or
     *     {@link IllegalArgumentException} for an empty address
     */
    @Experimental
    Future<Void> addEventBusPort(String address);

    /**
     * Starts serving on every added port. Only once.
     *
     * @return completes when every port accepts RPCs and the control address is registered; fails with
     *     {@link IllegalStateException} if called twice or after {@link #stop}
     */
    Future<Void> start();

    /**
     * Stops the server (aio {@code stop(grace)}), from any state and any number of times:
     *
     * <ol>
     *   <li>RPCs that reach the server after {@code stop} has returned are refused with
     *       {@link StatusCode#UNAVAILABLE}; at once, every connection gets a double
     *       GOAWAY (the first with last-stream-id 2^31-1, the second after a PING round trip), so streams racing the
     *       stop get a clean status instead of a reset; once every connection has its second GOAWAY, the ports stop
     *       listening;
     *   <li>RPCs in flight may finish until {@code grace} has passed;
     *   <li>at the grace deadline the remaining ones are cancelled at the transport: clients get {@link
     *       StatusCode#CANCELLED} (RST_STREAM CANCEL); handlers see {@link ServicerContext#isCancelled()} and their
     *       done callbacks; a request stream fails with {@link StatusCode#CANCELLED} (its {@code exceptionHandler}
     *       runs, its {@code endHandler} does not: a cancelled stream does not pretend a clean end); blocking handlers
     *       still running are interrupted; then each connection closes;
     *   <li>a handler whose future has not completed 500 ms after the deadline is given up on: it is logged once, as a
     *       WARNING naming its method, as leaked, and the stop no longer waits for it.
     * </ol>
     *
     * So a stop always ends, whatever the handlers do: no later than {@code grace} + 1 s (given event loops that are
     * not blocked). {@link #waitForTermination}, undeploying a {@link ServerVerticle} and {@code Vertx.close()}
     * follow the same rule. A later call with a shorter grace brings the deadline forward, a longer one does not
     * extend it. {@code null} is the same as {@link Duration#ZERO}: in-flight RPCs are cancelled at once. Stopping a
     * server that was never started just releases its ports.
     *
     * @return completes once every connection is closed and every handler has terminated (its future completed) or
     *     been given up on as leaked; never fails
     */
    Future<Void> stop(@Nullable Duration grace);

    /**
     * Completes with {@code true} once the server has stopped (as {@link #stop}'s future), or {@code false} if
     * {@code timeout} passes first (aio {@code wait_for_termination}). May be called before or after {@link #stop}.
     */
    Future<Boolean> waitForTermination(Duration timeout);

    /** Completes with {@code true} once the server has stopped. */
    Future<Boolean> waitForTermination();

    /**
     * A snapshot of this server's statistics (grpc channelz's data model): its calls started, succeeded and failed
     * over every transport, when the last one started, and its listen sockets. Counting costs a few counter increments
     * per call and needs no tracer or metrics library. Any state; the future completes on the caller's context and
     * does not fail.
     */
    @Experimental
    Future<ServerStats> stats();
}
