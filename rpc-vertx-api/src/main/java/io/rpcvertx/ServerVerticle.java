package io.rpcvertx;

import io.vertx.core.Deployable;

/**
 * A {@link Server} packaged as a Vert.x {@link Deployable}, made by {@link RpcVertx#serverVerticle}: deploying it
 * creates the server on the deployment's event loop, runs the {@link ServerSetup} and starts the server; undeploying it
 * stops the server with the stop grace given to {@code serverVerticle} and completes once the server has stopped.
 *
 * <pre>{@code
 * vertx.deployVerticle(RpcVertx.serverVerticle(ServerOptions.DEFAULT, Duration.ofSeconds(10), setup));
 * }</pre>
 *
 * One instance deploys once. With {@code DeploymentOptions.setInstances(n)}, pass a supplier that makes a new
 * {@code ServerVerticle} each time: you get {@code n} independent servers, which share a socket only for a fixed port
 * (port 0 gives each its own port). To spread one server over event loops, prefer
 * {@link ServerOptions#withIoInstances(int)}.
 */
public interface ServerVerticle extends Deployable {
    /**
     * The server.
     *
     * @throws IllegalStateException before the verticle was deployed
     */
    Server server();
}
