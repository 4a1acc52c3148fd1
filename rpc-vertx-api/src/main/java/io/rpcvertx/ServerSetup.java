package io.rpcvertx;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * Prepares a new {@link Server} deployed as a verticle ({@link RpcVertx#serverVerticle}): adds its handlers and ports.
 *
 * <pre>{@code
 * ServerSetup setup = (server, config) -> {
 *     server.addGenericRpcHandlers(GreeterGrpc.bindService(new MyGreeter()));
 *     return server.addInsecurePort(config.getString("host", "0.0.0.0") + ":" + config.getInteger("port", 50051));
 * };
 * }</pre>
 */
@FunctionalInterface
public interface ServerSetup {
    /**
     * Adds handlers and ports to {@code server} (state NEW). Runs on the deployment's event loop and must not block.
     *
     * @param config the deployment's configuration ({@code DeploymentOptions.getConfig()}, empty if unset)
     * @return completes when the server may start (typically when its ports are bound); a failure fails the deployment
     */
    Future<?> setUp(Server server, JsonObject config);
}
