package io.rpcvertx.services.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Descriptors;
import io.rpcvertx.Channel;
import io.rpcvertx.RpcException;
import io.rpcvertx.RpcVertx;
import io.rpcvertx.Server;
import io.rpcvertx.StatusCode;
import io.rpcvertx.UnaryStreamCall;
import io.rpcvertx.services.health.v1.HealthCheckRequest;
import io.rpcvertx.services.health.v1.HealthCheckResponse;
import io.rpcvertx.services.health.v1.HealthCheckResponse.ServingStatus;
import io.rpcvertx.services.health.v1.HealthListRequest;
import io.rpcvertx.services.health.v1.HealthListResponse;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** The status API directly, and Check, Watch and List over loopback. */
@ExtendWith(VertxExtension.class)
@Timeout(30)
class HealthServiceTest {
    HealthService health;
    Server server;
    Channel channel;

    @BeforeEach
    void setUp(Vertx vertx) throws Exception {
        health = HealthService.create();
        server = RpcVertx.server(vertx);
        server.addGenericRpcHandlers(health.bindService());
        int port = server.addInsecurePort("127.0.0.1:0").await(5, TimeUnit.SECONDS);
        server.start().await(5, TimeUnit.SECONDS);
        channel = RpcVertx.insecureChannel(vertx, "127.0.0.1:" + port);
    }

    @AfterEach
    void tearDown() throws Exception {
        channel.close().await(5, TimeUnit.SECONDS);
        server.stop(null).await(5, TimeUnit.SECONDS);
    }

    @Test
    void create_serverHealthIsServing() {
        assertThat(health.status(HealthService.SERVER_HEALTH)).contains(ServingStatus.SERVING);
        assertThat(health.statuses()).containsExactly(Map.entry("", ServingStatus.SERVING));
    }

    @Test
    void setStatus_thenClearStatus_forgetsIt() {
        health.setStatus("a.B", ServingStatus.NOT_SERVING);
        assertThat(health.status("a.B")).contains(ServingStatus.NOT_SERVING);

        health.clearStatus("a.B");

        assertThat(health.status("a.B")).isEmpty();
    }

    @Test
    void setStatus_serviceUnknownOrUnrecognized_isRejected() {
        assertThatThrownBy(() -> health.setStatus("a.B", ServingStatus.SERVICE_UNKNOWN))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("SERVICE_UNKNOWN");
        assertThatThrownBy(() -> health.setStatus("a.B", ServingStatus.UNRECOGNIZED))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void enterGracefulShutdown_everythingNotServing_laterUpdatesIgnored() {
        health.setStatus("a.B", ServingStatus.SERVING);

        health.enterGracefulShutdown();
        health.setStatus("a.B", ServingStatus.SERVING);
        health.setStatus("c.D", ServingStatus.SERVING);
        health.clearStatus("a.B");

        assertThat(health.statuses())
                .containsOnly(Map.entry("", ServingStatus.NOT_SERVING), Map.entry("a.B", ServingStatus.NOT_SERVING));
    }

    @Test
    void bindService_hasHealthProtoSchema() {
        Object schema = health.bindService().schema().orElseThrow();

        assertThat(schema).isInstanceOf(Descriptors.ServiceDescriptor.class);
        assertThat(((Descriptors.ServiceDescriptor) schema).getFullName()).isEqualTo(HealthService.SERVICE_NAME);
        assertThat(((Descriptors.ServiceDescriptor) schema).getFile().getName())
                .isEqualTo("grpc/health/v1/health.proto");
    }

    @Test
    void check_knownService_answersStatus() throws Exception {
        health.setStatus("a.B", ServingStatus.NOT_SERVING);

        assertThat(check("a.B").getStatus()).isEqualTo(ServingStatus.NOT_SERVING);
        assertThat(check("").getStatus()).isEqualTo(ServingStatus.SERVING);
    }

    @Test
    void check_unknownService_failsWithNotFound() {
        assertThatThrownBy(() -> check("no.Such")).isInstanceOfSatisfying(RpcException.class, e -> {
            assertThat(e.code()).isEqualTo(StatusCode.NOT_FOUND);
            assertThat(e.details()).contains("no.Such");
        });
    }

    @Test
    void list_answersEveryStatus() throws Exception {
        health.setStatus("a.B", ServingStatus.NOT_SERVING);

        HealthListResponse list = channel.unaryUnary(HealthService.LIST_METHOD)
                .call(HealthListRequest.getDefaultInstance())
                .response()
                .await(5, TimeUnit.SECONDS);

        assertThat(list.getStatusesMap())
                .containsOnly(
                        Map.entry("", response(ServingStatus.SERVING)),
                        Map.entry("a.B", response(ServingStatus.NOT_SERVING)));
    }

    @Test
    void list_moreThanTheLimit_failsWithResourceExhausted() {
        for (int i = 0; i < HealthService.MAX_LIST_SIZE; i++) {
            health.setStatus("s" + i, ServingStatus.SERVING);
        }

        assertThatThrownBy(() -> channel.unaryUnary(HealthService.LIST_METHOD)
                        .call(HealthListRequest.getDefaultInstance())
                        .response()
                        .await(5, TimeUnit.SECONDS))
                .isInstanceOfSatisfying(
                        RpcException.class, e -> assertThat(e.code()).isEqualTo(StatusCode.RESOURCE_EXHAUSTED));
    }

    @Test
    void watch_sendsCurrentStatusThenEveryChange() throws Exception {
        health.setStatus("a.B", ServingStatus.SERVING);
        UnaryStreamCall<HealthCheckRequest, HealthCheckResponse> call =
                channel.unaryStream(HealthService.WATCH_METHOD).call(request("a.B"));

        assertThat(next(call)).isEqualTo(ServingStatus.SERVING);
        health.setStatus("a.B", ServingStatus.NOT_SERVING);
        assertThat(next(call)).isEqualTo(ServingStatus.NOT_SERVING);
        health.setStatus("a.B", ServingStatus.NOT_SERVING); // no change, no message
        health.clearStatus("a.B");
        assertThat(next(call)).isEqualTo(ServingStatus.SERVICE_UNKNOWN);
        health.enterGracefulShutdown();
        health.setStatus("", ServingStatus.SERVING); // ignored after shutdown; a.B stays unknown
        assertThat(call.isDone()).isFalse();
        call.cancel();
        assertThat(call.code().await(5, TimeUnit.SECONDS)).isEqualTo(StatusCode.CANCELLED);
    }

    @Test
    void watch_unknownService_sendsServiceUnknownThenTheStatusOnceSet() throws Exception {
        UnaryStreamCall<HealthCheckRequest, HealthCheckResponse> call =
                channel.unaryStream(HealthService.WATCH_METHOD).call(request("later.Service"));

        assertThat(next(call)).isEqualTo(ServingStatus.SERVICE_UNKNOWN);
        health.setStatus("later.Service", ServingStatus.SERVING);
        assertThat(next(call)).isEqualTo(ServingStatus.SERVING);
        call.cancel();
    }

    @Test
    void watch_gracefulShutdown_watchersSeeNotServing() throws Exception {
        UnaryStreamCall<HealthCheckRequest, HealthCheckResponse> call =
                channel.unaryStream(HealthService.WATCH_METHOD).call(request(""));
        assertThat(next(call)).isEqualTo(ServingStatus.SERVING);

        health.enterGracefulShutdown();

        assertThat(next(call)).isEqualTo(ServingStatus.NOT_SERVING);
        call.cancel();
    }

    @Test
    void watch_manyChangesFromAnotherThread_arriveInOrderWithoutRepeats() throws Exception {
        UnaryStreamCall<HealthCheckRequest, HealthCheckResponse> call =
                channel.unaryStream(HealthService.WATCH_METHOD).call(request("flappy.Service"));
        assertThat(next(call)).isEqualTo(ServingStatus.SERVICE_UNKNOWN);

        for (int i = 0; i < 1000; i++) {
            health.setStatus("flappy.Service", i % 2 == 0 ? ServingStatus.SERVING : ServingStatus.NOT_SERVING);
        }
        health.setStatus("flappy.Service", ServingStatus.UNKNOWN);
        ServingStatus previous = ServingStatus.SERVICE_UNKNOWN;
        ServingStatus last;
        int received = 0;
        do {
            last = next(call);
            assertThat(last).isNotEqualTo(previous);
            previous = last;
            received++;
        } while (last != ServingStatus.UNKNOWN);

        // each message is a change; at most one per update (fewer if the writer coalesced while the client lagged)
        assertThat(received).isBetween(1, 1001);
        call.cancel();
    }

    private HealthCheckResponse check(String service) throws Exception {
        return channel.unaryUnary(HealthService.CHECK_METHOD)
                .call(request(service))
                .response()
                .await(5, TimeUnit.SECONDS);
    }

    private static ServingStatus next(UnaryStreamCall<HealthCheckRequest, HealthCheckResponse> call) throws Exception {
        return call.read().await(5, TimeUnit.SECONDS).orElseThrow().getStatus();
    }

    private static HealthCheckRequest request(String service) {
        return HealthCheckRequest.newBuilder().setService(service).build();
    }

    private static HealthCheckResponse response(ServingStatus status) {
        return HealthCheckResponse.newBuilder().setStatus(status).build();
    }
}
