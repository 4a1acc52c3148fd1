package io.rpcvertx.testkit;

import static io.rpcvertx.testkit.EchoService.CHAT;
import static io.rpcvertx.testkit.EchoService.JOIN;
import static io.rpcvertx.testkit.EchoService.SPLIT;
import static io.rpcvertx.testkit.EchoService.UNARY;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rpcvertx.CallOptions;
import io.rpcvertx.RpcException;
import io.rpcvertx.ServicerContext;
import io.rpcvertx.StatusCode;
import io.rpcvertx.StreamStreamCall;
import io.rpcvertx.StreamUnaryCall;
import io.rpcvertx.UnaryStreamCall;
import io.rpcvertx.UnaryUnaryCall;
import io.vertx.core.Promise;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The extension through a servicer of all four shapes: calls, deadlines, cancellation and the leak check. */
@Timeout(60)
class RpcVertxExtensionTest {
    final EchoService echo = new EchoService();

    @RegisterExtension
    final RpcVertxExtension rpc = RpcVertxExtension.withServices(echo.definition());

    @Test
    void unaryUnary_answers_withMetadataAndStatus() throws Exception {
        UnaryUnaryCall<String, String> call = rpc.channel().unaryUnary(UNARY).call("ada");

        assertThat(call.response().await(5, SECONDS)).isEqualTo("hello ada");
        assertThat(call.code().await(5, SECONDS)).isEqualTo(StatusCode.OK);
        assertThat(call.initialMetadata().await(5, SECONDS).get("x-greeted")).contains("ada");
        assertThat(call.trailingMetadata().await(5, SECONDS).get("x-length")).contains("3");
    }

    @Test
    void unaryUnary_abort_reachesTheClientWithDetailsAndTrailers() throws Exception {
        UnaryUnaryCall<String, String> call = rpc.channel().unaryUnary(UNARY).call("fail");

        assertThatThrownBy(() -> call.response().await(5, SECONDS)).isInstanceOfSatisfying(RpcException.class, e -> {
            assertThat(e.code()).isEqualTo(StatusCode.INVALID_ARGUMENT);
            assertThat(e.details()).isEqualTo("no fail");
            assertThat(e.trailingMetadata().get("x-reason")).contains("asked");
        });
    }

    @Test
    void unaryStream_streamsEveryResponse() throws Exception {
        UnaryStreamCall<String, String> call = rpc.channel().unaryStream(SPLIT).call("abc");

        List<String> got =
                call.responses().collect(java.util.stream.Collectors.toList()).await(5, SECONDS);

        assertThat(got).containsExactly("a", "b", "c");
        assertThat(call.code().await(5, SECONDS)).isEqualTo(StatusCode.OK);
    }

    @Test
    void streamUnary_readsEveryRequest() throws Exception {
        StreamUnaryCall<String, String> call = rpc.channel().streamUnary(JOIN).call();
        call.write("a");
        call.write("b");
        call.doneWriting();

        assertThat(call.response().await(5, SECONDS)).isEqualTo("a,b");
    }

    @Test
    void streamStream_answersEachRequestInTurn() throws Exception {
        StreamStreamCall<String, String> call = rpc.channel().streamStream(CHAT).call();

        call.write("one");
        assertThat(call.read().await(5, SECONDS)).contains("echo:one");
        call.write("two");
        assertThat(call.read().await(5, SECONDS)).contains("echo:two");
        call.doneWriting();
        assertThat(call.read().await(5, SECONDS)).isEmpty();
        assertThat(call.code().await(5, SECONDS)).isEqualTo(StatusCode.OK);
    }

    @Test
    void unaryUnary_deadlinePasses_deadlineExceeded_andTheServerCallEnds() throws Exception {
        UnaryUnaryCall<String, String> call =
                rpc.channel().unaryUnary(UNARY).call("sleep", CallOptions.DEFAULT.withTimeout(Duration.ofMillis(200)));
        ServicerContext<String, String> server = echo.contexts.poll(5, SECONDS);
        assertThat(server).isNotNull();
        assertThat(server.timeRemaining())
                .hasValueSatisfying(d -> assertThat(d).isLessThanOrEqualTo(Duration.ofMillis(200)));

        assertThat(call.code().await(5, SECONDS)).isEqualTo(StatusCode.DEADLINE_EXCEEDED);
        assertThat(serverDone(server)).isTrue();
        assertThat(server.isCancelled()).isTrue();
    }

    @Test
    void unaryStream_clientCancels_cancelled_andTheServerCallEnds() throws Exception {
        UnaryStreamCall<String, String> call = rpc.channel().unaryStream(SPLIT).call("sleep");
        assertThat(call.read().await(5, SECONDS)).contains("s");
        ServicerContext<String, String> server = echo.contexts.poll(5, SECONDS);
        assertThat(server).isNotNull();

        assertThat(call.cancel()).isTrue();

        assertThat(call.code().await(5, SECONDS)).isEqualTo(StatusCode.CANCELLED);
        assertThat(serverDone(server)).isTrue();
        assertThat(server.isCancelled()).isTrue();
    }

    @Test
    void streamStream_clientCancels_theServerSeesTheRequestStreamFail() throws Exception {
        StreamStreamCall<String, String> call = rpc.channel().streamStream(CHAT).call();
        call.write("one");
        assertThat(call.read().await(5, SECONDS)).contains("echo:one");
        ServicerContext<String, String> server = echo.contexts.poll(5, SECONDS);
        assertThat(server).isNotNull();

        call.cancel();

        assertThat(call.code().await(5, SECONDS)).isEqualTo(StatusCode.CANCELLED);
        assertThat(serverDone(server)).isTrue();
        assertThat(rpc.openCalls()).isEmpty();
    }

    @Test
    void accessors_giveOneStartedSetUpPerTest() {
        assertThat(rpc.server().services()).hasSize(1);
        assertThat(rpc.channel().target()).contains(rpc.name());
        assertThat(rpc.newChannel(io.rpcvertx.ChannelOptions.DEFAULT)).isNotSameAs(rpc.channel());
        assertThat(rpc.vertx()).isNotNull();
    }

    @Test
    void stop_callStillOpen_failsNamingTheMethod_andClosesEverything() throws Exception {
        EchoService other = new EchoService();
        RpcVertxExtension extension =
                RpcVertxExtension.withServices(other.definition()).withLeakGrace(Duration.ofMillis(100));
        extension.start();
        io.rpcvertx.Channel channel = extension.channel();
        channel.unaryUnary(UNARY).call("sleep");
        ServicerContext<String, String> server = other.contexts.poll(5, SECONDS);
        assertThat(server).isNotNull();
        assertThat(extension.openCalls()).containsExactly("/testkit.Echo/Unary");

        assertThatThrownBy(extension::stop)
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("1 call(s) still open")
                .hasMessageContaining("testkit.Echo/Unary");
        assertThat(server.isDone())
                .as("the server stopped, ending the leaked call")
                .isTrue();
        assertThatThrownBy(extension::vertx).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void stop_everyCallFinishedOrCancelled_passes() throws Exception {
        EchoService other = new EchoService();
        RpcVertxExtension extension = RpcVertxExtension.withServices(other.definition());
        extension.start();
        assertThat(extension.channel().unaryUnary(UNARY).call("a").response().await(5, SECONDS))
                .isEqualTo("hello a");
        UnaryUnaryCall<String, String> sleeping =
                extension.channel().unaryUnary(UNARY).call("sleep");
        assertThat(other.contexts.poll(5, SECONDS)).isNotNull();
        assertThat(other.contexts.poll(5, SECONDS)).isNotNull();
        sleeping.cancel();
        assertThat(sleeping.code().await(5, SECONDS)).isEqualTo(StatusCode.CANCELLED);

        extension.stop();
    }

    /**
     * The race the leak grace covers: the client has its status before the server-side call is done. Repeated, a
     * finished call is never reported as leaked.
     */
    @Test
    void stop_rightAfterEachShapeCompletes_neverReportsALeak_repeated() throws Exception {
        for (int i = 0; i < 15; i++) {
            EchoService other = new EchoService();
            RpcVertxExtension extension = RpcVertxExtension.withServices(other.definition());
            extension.start();
            io.rpcvertx.Channel channel = extension.channel();
            assertThat(channel.unaryUnary(UNARY).call("a").response().await(5, SECONDS))
                    .isEqualTo("hello a");
            assertThat(channel.unaryStream(SPLIT)
                            .call("ab")
                            .responses()
                            .collect(java.util.stream.Collectors.toList())
                            .await(5, SECONDS))
                    .containsExactly("a", "b");
            StreamStreamCall<String, String> chat = channel.streamStream(CHAT).call();
            chat.write("x");
            chat.doneWriting();
            assertThat(chat.code().await(5, SECONDS)).isEqualTo(StatusCode.OK);

            extension.stop();
        }
    }

    @Test
    void start_twice_illegalState() throws Exception {
        assertThatThrownBy(() -> rpc.start()).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void withLeakGrace_negative_illegalArgument() {
        assertThatThrownBy(() -> rpc.withLeakGrace(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expected: >= 0");
    }

    /** Whether the server-side call is done within 5 s (a done callback, not a poll). */
    static boolean serverDone(ServicerContext<?, ?> server) throws Exception {
        Promise<Boolean> done = Promise.promise();
        server.addDoneCallback(v -> done.tryComplete(true));
        return done.future().await(5, TimeUnit.SECONDS);
    }
}
