package io.rpcvertx.impl.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rpcvertx.Channel;
import io.rpcvertx.Marshaller;
import io.rpcvertx.MethodDescriptor;
import io.rpcvertx.MethodType;
import io.rpcvertx.RpcException;
import io.rpcvertx.RpcMethodHandler;
import io.rpcvertx.RpcVertx;
import io.rpcvertx.Server;
import io.rpcvertx.ServerOptions;
import io.rpcvertx.ServiceDefinition;
import io.rpcvertx.StatusCode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** ServerOptions.withName and withEventBusSignals: what a user sees on the event bus. */
@ExtendWith(VertxExtension.class)
@Timeout(30)
class ServerEventBusSignalsTest {
    private static final MethodDescriptor<Buffer, Buffer> ECHO =
            MethodDescriptor.of(MethodType.UNARY_UNARY, "t.Svc/Echo", Marshaller.BUFFER, Marshaller.BUFFER);
    private static final MethodDescriptor<Buffer, Buffer> FAIL =
            MethodDescriptor.of(MethodType.UNARY_UNARY, "t.Svc/Fail", Marshaller.BUFFER, Marshaller.BUFFER);

    private static ServiceDefinition service() {
        return ServiceDefinition.of(
                "t.Svc",
                RpcMethodHandler.unaryUnary(ECHO, (req, ctx) -> Future.succeededFuture(req)),
                RpcMethodHandler.unaryUnary(FAIL, (req, ctx) -> ctx.abort(StatusCode.NOT_FOUND, "no such thing")));
    }

    @Test
    void namedServer_publishesLifecycleAndCallEvents_andStopsOnItsNamedControlAddress(Vertx vertx) throws Exception {
        ServerOptions options = ServerOptions.DEFAULT.withName("signals-1").withEventBusSignals(true);
        Server server = RpcVertx.inProcessServer(vertx, "signals-1-ip", options);
        server.addGenericRpcHandlers(service());
        List<JsonObject> events = new CopyOnWriteArrayList<>();
        List<JsonObject> calls = new CopyOnWriteArrayList<>();
        MessageConsumer<JsonObject> ev =
                vertx.eventBus().<JsonObject>consumer("rpcvertx.server.signals-1.events", m -> events.add(m.body()));
        MessageConsumer<JsonObject> ca =
                vertx.eventBus().<JsonObject>consumer("rpcvertx.server.signals-1.calls", m -> calls.add(m.body()));
        Future.all(ev.completion(), ca.completion()).await(5, TimeUnit.SECONDS);

        assertThat(server.id()).isEqualTo("signals-1");
        assertThat(server.controlAddress()).isEqualTo("rpcvertx.server.signals-1.control");
        server.start().await(5, TimeUnit.SECONDS);

        Channel channel = RpcVertx.inProcessChannel(vertx, "signals-1-ip");
        assertThat(channel.unaryUnary(ECHO)
                        .call(Buffer.buffer("hi"))
                        .response()
                        .await(5, TimeUnit.SECONDS)
                        .toString())
                .isEqualTo("hi");
        assertThatThrownBy(() -> channel.unaryUnary(FAIL)
                        .call(Buffer.buffer("x"))
                        .response()
                        .await(5, TimeUnit.SECONDS))
                .isInstanceOfSatisfying(
                        RpcException.class, e -> assertThat(e.code()).isEqualTo(StatusCode.NOT_FOUND));
        awaitSize(vertx, calls, 2);
        JsonObject ok = calls.stream()
                .filter(c -> c.getString("method").equals("/t.Svc/Echo"))
                .findFirst()
                .orElseThrow();
        assertThat(ok.getString("server")).isEqualTo("signals-1");
        assertThat(ok.getString("code")).isEqualTo("OK");
        assertThat(ok.getInteger("status")).isZero();
        assertThat(ok.getLong("durationMicros")).isNotNegative();
        assertThat(ok.getString("peer")).isNotEmpty();
        JsonObject failed = calls.stream()
                .filter(c -> c.getString("method").equals("/t.Svc/Fail"))
                .findFirst()
                .orElseThrow();
        assertThat(failed.getString("code")).isEqualTo("NOT_FOUND");
        assertThat(failed.getInteger("status")).isEqualTo(5);

        // the named control address stops it, as documented
        JsonObject reply = vertx.eventBus()
                .<JsonObject>request(server.controlAddress(), new JsonObject().put("grace", 1000))
                .await(10, TimeUnit.SECONDS)
                .body();
        assertThat(reply.getBoolean("stopped")).isTrue();
        awaitSize(vertx, events, 3);
        assertThat(events).extracting(e -> e.getString("event")).containsExactly("started", "stopping", "stopped");
        assertThat(events).allSatisfy(e -> assertThat(e.getString("server")).isEqualTo("signals-1"));
        channel.close(Duration.ZERO).await(5, TimeUnit.SECONDS);
        Future.all(ev.unregister(), ca.unregister()).await(5, TimeUnit.SECONDS);
    }

    @Test
    void signalsOff_nothingPublished_andAnUnnamedServerKeepsAUuid(Vertx vertx) throws Exception {
        Server server = RpcVertx.inProcessServer(vertx, "signals-2-ip");
        server.addGenericRpcHandlers(service());
        assertThat(server.id()).matches("[0-9a-f-]{36}");
        List<Object> seen = new CopyOnWriteArrayList<>();
        MessageConsumer<Object> ev =
                vertx.eventBus().consumer("rpcvertx.server." + server.id() + ".events", m -> seen.add(m.body()));
        MessageConsumer<Object> ca =
                vertx.eventBus().consumer("rpcvertx.server." + server.id() + ".calls", m -> seen.add(m.body()));
        Future.all(ev.completion(), ca.completion()).await(5, TimeUnit.SECONDS);
        server.start().await(5, TimeUnit.SECONDS);
        Channel channel = RpcVertx.inProcessChannel(vertx, "signals-2-ip");
        channel.unaryUnary(ECHO).call(Buffer.buffer("hi")).response().await(5, TimeUnit.SECONDS);
        server.stop(Duration.ZERO).await(5, TimeUnit.SECONDS);
        // a published message would have been delivered before this round trip through the same event bus
        MessageConsumer<String> probe = vertx.eventBus().consumer("signals-2-probe", m -> m.reply("pong"));
        probe.completion().await(5, TimeUnit.SECONDS);
        vertx.eventBus().request("signals-2-probe", "ping").await(5, TimeUnit.SECONDS);
        assertThat(seen).isEmpty();
        channel.close(Duration.ZERO).await(5, TimeUnit.SECONDS);
        Future.all(ev.unregister(), ca.unregister(), probe.unregister()).await(5, TimeUnit.SECONDS);
    }

    @Test
    void twoStartedServersCannotShareAName_theNameIsFreeAgainAfterStop(Vertx vertx) throws Exception {
        ServerOptions named = ServerOptions.DEFAULT.withName("signals-3");
        Server first = RpcVertx.server(vertx, named);
        first.addInsecurePort("127.0.0.1:0").await(5, TimeUnit.SECONDS);
        first.start().await(5, TimeUnit.SECONDS);
        Server second = RpcVertx.server(vertx, named);
        second.addInsecurePort("127.0.0.1:0").await(5, TimeUnit.SECONDS);
        assertThatThrownBy(() -> second.start().await(5, TimeUnit.SECONDS))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("signals-3");
        first.stop(Duration.ZERO).await(5, TimeUnit.SECONDS);
        Server third = RpcVertx.server(vertx, named);
        third.addInsecurePort("127.0.0.1:0").await(5, TimeUnit.SECONDS);
        third.start().await(5, TimeUnit.SECONDS);
        third.stop(Duration.ZERO).await(5, TimeUnit.SECONDS);
        second.stop(Duration.ZERO).await(5, TimeUnit.SECONDS);
    }

    @Test
    void nameTaken_startFails_theReservedPortIsReleased(Vertx vertx) throws Exception {
        ServerOptions named = ServerOptions.DEFAULT.withName("signals-4");
        Server first = RpcVertx.server(vertx, named);
        first.start().await(5, TimeUnit.SECONDS);
        Server second = RpcVertx.server(vertx, named);
        int port = second.addInsecurePort("127.0.0.1:0").await(5, TimeUnit.SECONDS);
        assertThatThrownBy(() -> second.start().await(5, TimeUnit.SECONDS)).isInstanceOf(IllegalStateException.class);

        Server third = RpcVertx.server(vertx);
        assertThat(third.addInsecurePort("127.0.0.1:" + port).await(5, TimeUnit.SECONDS))
                .isEqualTo(port);

        third.stop(Duration.ZERO).await(5, TimeUnit.SECONDS);
        second.stop(Duration.ZERO).await(5, TimeUnit.SECONDS);
        first.stop(Duration.ZERO).await(5, TimeUnit.SECONDS);
    }

    @Test
    void withName_rejectsAddressBreakingCharacters() {
        assertThatThrownBy(() -> ServerOptions.DEFAULT.withName("a b")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ServerOptions.DEFAULT.withName("")).isInstanceOf(IllegalArgumentException.class);
        assertThat(ServerOptions.DEFAULT.withName("a.b-c_1").name()).contains("a.b-c_1");
    }

    private static void awaitSize(Vertx vertx, List<?> list, int size) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (list.size() < size) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("expected " + size + " events, got " + list);
            }
            // wait one timer turn of the event bus, not a sleep on the test's own clock
            vertx.timer(5).await(5, TimeUnit.SECONDS);
        }
    }
}
