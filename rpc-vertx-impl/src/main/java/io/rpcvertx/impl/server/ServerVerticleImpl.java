package io.rpcvertx.impl.server;

import io.rpcvertx.Server;
import io.rpcvertx.ServerOptions;
import io.rpcvertx.ServerSetup;
import io.rpcvertx.ServerVerticle;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/** A server deployed as the user's verticle: its control context is the deployment's context. */
public final class ServerVerticleImpl implements ServerVerticle {
    private final ServerOptions options;
    private final @Nullable Duration stopGrace;
    private final ServerSetup setup;
    private volatile @Nullable ServerImpl server;

    public ServerVerticleImpl(ServerOptions options, @Nullable Duration stopGrace, ServerSetup setup) {
        this.options = options;
        this.stopGrace = stopGrace;
        this.setup = setup;
    }

    @Override
    public Server server() {
        ServerImpl s = server;
        if (s == null) {
            throw new IllegalStateException("server: not deployed yet");
        }
        return s;
    }

    @Override
    public Future<?> deploy(Context context) {
        if (server != null) {
            throw new IllegalStateException(
                    "a ServerVerticle deploys once; with DeploymentOptions.setInstances(n) supply a new one each time");
        }
        ContextInternal owner = ((ContextInternal) context).unwrap();
        ServerImpl s = new ServerImpl((VertxInternal) context.owner(), options, owner);
        server = s;
        JsonObject config = context.config() != null ? context.config() : new JsonObject();
        Future<?> ready;
        try {
            ready = setup.setUp(s, config);
        } catch (RuntimeException e) {
            ready = Future.failedFuture(e);
        }
        if (ready == null) {
            ready = Future.failedFuture(new NullPointerException("ServerSetup.setUp returned null"));
        }
        // a failed deployment is not undeployed: release the ports it bound
        return ready.compose(v -> s.start()).recover(err -> s.stop(null).transform(ar -> Future.failedFuture(err)));
    }

    @Override
    public Future<?> undeploy(Context context) {
        ServerImpl s = server;
        return s == null ? Future.succeededFuture() : s.stop(stopGrace);
    }
}
