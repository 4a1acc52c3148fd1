package io.rpcvertx;

import io.vertx.core.Future;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * A gRPC server (grpc.aio {@code aio.Server}): add handlers and ports, {@link #start()}, later {@link #stop}.
 *
 * <p>Lifecycle: NEW → STARTED → STOPPING → STOPPED. Handlers and ports may only be added while NEW. Every method may
 * be called from any thread; futures complete on the caller's context.
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
     * Registers handlers (aio {@code add_generic_rpc_handlers}). Only before {@link #start()}.
     *
     * @throws IllegalStateException if the server has started
     */
    Server addGenericRpcHandlers(GenericRpcHandler... handlers);

    /**
     * Binds a plaintext (h2c, prior knowledge) port: {@code host:port}, {@code [ipv6]:port}, {@code :port} (all
     * interfaces) or {@code unix:/path}. Port 0 picks a free port. Only before {@link #start()}.
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
     * Starts serving on every added port. Only once.
     *
     * @return completes when every port accepts RPCs; fails with {@link IllegalStateException} if called twice
     */
    Future<Void> start();

    /**
     * Stops the server (aio {@code stop(grace)}): new RPCs are refused at once with {@link StatusCode#UNAVAILABLE};
     * RPCs in flight may finish until {@code grace} has passed, then they are cancelled and the ports closed.
     * {@code null} or zero grace cancels in-flight RPCs at once. Idempotent; a later call with a shorter grace
     * brings the deadline forward, a longer one does not extend it.
     *
     * @return completes once every handler has ended and every port is closed
     */
    Future<Void> stop(@Nullable Duration grace);

    /**
     * Completes with {@code true} once the server has stopped, or {@code false} if {@code timeout} passes first
     * (aio {@code wait_for_termination}). May be called before or after {@link #stop}.
     */
    Future<Boolean> waitForTermination(Duration timeout);

    /** Completes with {@code true} once the server has stopped. */
    Future<Boolean> waitForTermination();
}
