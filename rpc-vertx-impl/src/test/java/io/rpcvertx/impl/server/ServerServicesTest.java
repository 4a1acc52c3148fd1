package io.rpcvertx.impl.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.rpcvertx.GenericRpcHandler;
import io.rpcvertx.RpcVertx;
import io.rpcvertx.Server;
import io.rpcvertx.ServiceDefinition;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link Server#services()}: what reflection sees. */
@ExtendWith(VertxExtension.class)
@Timeout(30)
class ServerServicesTest {
    @Test
    void services_definitionsInRegistrationOrder_withoutGenericHandlers_snapshot(Vertx vertx) throws Exception {
        Server server = RpcVertx.server(vertx);
        ServiceDefinition a = ServiceDefinition.of("x.A");
        ServiceDefinition b = ServiceDefinition.of("x.B").withSchema("schema of B");
        GenericRpcHandler generic = details -> Optional.empty();

        server.addGenericRpcHandlers(a, generic);
        List<ServiceDefinition> before = server.services();
        server.addGenericRpcHandlers(b);

        assertThat(before).containsExactly(a);
        assertThat(server.services()).containsExactly(a, b);
        server.addInsecurePort("127.0.0.1:0").await(5, TimeUnit.SECONDS);
        server.start().await(5, TimeUnit.SECONDS);
        assertThat(server.services()).containsExactly(a, b);
        server.stop(null).await(5, TimeUnit.SECONDS);
    }
}
