package io.rpcvertx.impl.server;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.rpcvertx.RpcVertx;
import io.rpcvertx.Server;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code vertx.close()} undeploys every deployment at once, so a server's IO verticles may be gone (each reporting
 * Drained on its way out) before the verticle that owns the server stops it. That stop must still complete.
 */
@ExtendWith(VertxExtension.class)
@Timeout(30)
class ServerStopAfterIoUndeployTest {

    /** Owns a server, as a user's verticle does: started in start(), stopped in stop(). */
    static final class Owner extends VerticleBase {
        Server server;

        @Override
        public Future<?> start() {
            server = RpcVertx.server(vertx);
            return server.addInsecurePort("127.0.0.1:0").compose(port -> server.start());
        }

        @Override
        public Future<?> stop() {
            return server.stop(Duration.ofSeconds(10));
        }
    }

    @Test
    void stop_ioVerticlesUndeployedFirst_completes(Vertx vertx) throws Exception {
        Set<String> before = new HashSet<>(vertx.deploymentIDs());
        Owner owner = new Owner();
        String ownerId = vertx.deployVerticle(owner).await(10, SECONDS);

        // what vertx.close() may do first: undeploy the IO verticles (the deployments the owner's start added)
        Set<String> io = new HashSet<>(vertx.deploymentIDs());
        io.removeAll(before);
        io.remove(ownerId);
        assertThat(io).isNotEmpty();
        for (String id : io) {
            vertx.undeploy(id).await(10, SECONDS);
        }

        vertx.undeploy(ownerId).await(5, SECONDS); // the owner's stop() returns the server's stop: well within grace
        assertThat(owner.server.waitForTermination(Duration.ZERO).await(5, SECONDS))
                .isTrue();
    }
}
