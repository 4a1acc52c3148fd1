package io.rpcvertx.testkit;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rpcvertx.ContextKey;
import io.rpcvertx.Metadata;
import io.rpcvertx.RpcException;
import io.rpcvertx.StatusCode;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** One servicer method at a time, with no transport: the four shapes, deadlines, cancellation, the recorded outcome. */
@Timeout(30)
class FakeServicerContextTest {
    final EchoService echo = new EchoService();
    final FakeServicerContext<String, String> ctx = FakeServicerContext.create();

    @Test
    void unaryUnary_success_okWithResponseAndMetadata() throws Exception {
        StatusCode code = ctx.finish(echo.unary("ada", ctx)).await(5, SECONDS);

        assertThat(code).isEqualTo(StatusCode.OK);
        assertThat(ctx.writtenResponses()).containsExactly("hello ada");
        assertThat(ctx.sentInitialMetadata())
                .hasValueSatisfying(md -> assertThat(md.get("x-greeted")).contains("ada"));
        assertThat(ctx.trailingMetadata().get("x-length")).contains("3");
        assertThat(ctx.isDone()).isTrue();
        assertThat(ctx.isCancelled()).isFalse();
    }

    @Test
    void unaryUnary_abort_recordsCodeDetailsAndTrailers() throws Exception {
        Future<String> result = echo.unary("fail", ctx);

        assertThat(ctx.finish(result).await(5, SECONDS)).isEqualTo(StatusCode.INVALID_ARGUMENT);
        assertThat(ctx.details()).contains("no fail");
        assertThat(ctx.trailingMetadata().get("x-reason")).contains("asked");
        assertThat(result.cause()).isInstanceOf(RpcException.class);
        assertThat(ctx.writtenResponses()).isEmpty();
    }

    @Test
    void unaryUnary_handlerThrowsSomethingElse_unknown() throws Exception {
        Future<String> failed = Future.failedFuture(new IllegalStateException("boom"));

        assertThat(ctx.finish(failed).await(5, SECONDS)).isEqualTo(StatusCode.UNKNOWN);
    }

    @Test
    void unaryUnary_setCodeThenSucceed_thatCodeIsFinal() throws Exception {
        ctx.setCode(StatusCode.NOT_FOUND);
        ctx.setDetails("gone");

        assertThat(ctx.finish(Future.succeededFuture()).await(5, SECONDS)).isEqualTo(StatusCode.NOT_FOUND);
        assertThat(ctx.details()).contains("gone");
    }

    @Test
    void unaryStream_recordsEveryWrite() throws Exception {
        assertThat(ctx.finish(echo.split("abc", ctx)).await(5, SECONDS)).isEqualTo(StatusCode.OK);

        assertThat(ctx.writtenResponses()).containsExactly("a", "b", "c");
    }

    @Test
    void streamUnary_requestStream_readsFedRequestsUntilTheEnd() throws Exception {
        Future<String> result = echo.join(ctx.requestStream(), ctx);
        ctx.addRequests("a", "b");
        assertThat(result.isComplete()).as("not before the end of the requests").isFalse();

        ctx.addRequests("c").endRequests();

        assertThat(ctx.finish(result).await(5, SECONDS)).isEqualTo(StatusCode.OK);
        assertThat(ctx.writtenResponses()).containsExactly("a,b,c");
    }

    @Test
    void streamUnary_pullRead_queuedAndWaitingRequestsThenEmpty() throws Exception {
        ctx.addRequests("queued");

        assertThat(ctx.read().await(5, SECONDS)).contains("queued");
        Future<Optional<String>> waiting = ctx.read();
        assertThat(waiting.isComplete()).isFalse();
        ctx.addRequests("later");
        assertThat(waiting.await(5, SECONDS)).contains("later");
        ctx.endRequests();
        assertThat(ctx.read().await(5, SECONDS)).isEmpty();
    }

    @Test
    void read_mixedWithRequestStream_illegalState() {
        ctx.read();

        assertThatThrownBy(ctx::requestStream)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("one style");
    }

    @Test
    void streamStream_answersEachRequestAsItArrives() throws Exception {
        Future<Void> result = echo.chat(ctx.requestStream(), ctx);

        ctx.addRequests("one");
        assertThat(ctx.writtenResponses()).containsExactly("echo:one");
        ctx.addRequests("two").endRequests();

        assertThat(ctx.finish(result).await(5, SECONDS)).isEqualTo(StatusCode.OK);
        assertThat(ctx.writtenResponses()).containsExactly("echo:one", "echo:two");
    }

    @Test
    void requestStream_pausedThenFetched_deliversOnlyWhatWasAskedFor() {
        AtomicInteger received = new AtomicInteger();
        var stream = ctx.requestStream();
        stream.pause();
        stream.handler(r -> received.incrementAndGet());
        ctx.addRequests("a", "b", "c");
        assertThat(received).hasValue(0);

        stream.fetch(2);

        assertThat(received).hasValue(2);
    }

    @Test
    void deadline_timeRemainingCountsDown_expireDeadlineEndsTheCall() throws Exception {
        ctx.withDeadline(Duration.ofSeconds(30));
        assertThat(ctx.timeRemaining())
                .hasValueSatisfying(d -> assertThat(d).isPositive().isLessThanOrEqualTo(Duration.ofSeconds(30)));
        AtomicInteger doneCallbacks = new AtomicInteger();
        ctx.addDoneCallback(v -> doneCallbacks.incrementAndGet());
        Future<String> sleeping = echo.unary("sleep", ctx);
        Future<StatusCode> outcome = ctx.finish(sleeping);

        ctx.expireDeadline();

        assertThat(ctx.code()).contains(StatusCode.DEADLINE_EXCEEDED);
        assertThat(ctx.timeRemaining()).contains(Duration.ZERO);
        assertThat(ctx.isCancelled()).isTrue();
        assertThat(doneCallbacks).hasValue(1);
        assertThat(ctx.write("late").failed()).isTrue();
        assertThat(sleeping.isComplete())
                .as("the handler's future is the handler's")
                .isFalse();
        assertThat(outcome.isComplete()).isFalse();
    }

    @Test
    void noDeadline_timeRemainingEmpty() {
        assertThat(ctx.timeRemaining()).isEmpty();
    }

    @Test
    void cancel_endsTheCallOnce_pendingReadAndRequestStreamFail() throws Exception {
        Future<Void> chat = echo.chat(ctx.requestStream(), ctx);
        ctx.addRequests("one");
        AtomicInteger doneCallbacks = new AtomicInteger();
        ctx.addDoneCallback(v -> doneCallbacks.incrementAndGet());

        assertThat(ctx.cancel()).isTrue();
        assertThat(ctx.cancel()).isFalse();

        assertThat(ctx.code()).contains(StatusCode.CANCELLED);
        assertThat(ctx.isCancelled()).isTrue();
        assertThat(doneCallbacks).hasValue(1);
        assertThat(chat.failed())
                .as("the request stream failed, so the handler did")
                .isTrue();
        assertThat(((RpcException) chat.cause()).code()).isEqualTo(StatusCode.CANCELLED);
        assertThat(ctx.finish(chat).await(5, SECONDS))
                .as("the first end stands")
                .isEqualTo(StatusCode.CANCELLED);
        assertThat(ctx.writtenResponses()).containsExactly("echo:one");
    }

    @Test
    void cancel_pendingPullReadFails() {
        Future<Optional<String>> read = ctx.read();

        ctx.cancel();

        assertThat(read.failed()).isTrue();
        assertThat(((RpcException) read.cause()).code()).isEqualTo(StatusCode.CANCELLED);
    }

    @Test
    void addDoneCallback_afterTheEnd_runsAtOnce() throws Exception {
        ctx.finish(Future.succeededFuture("x")).await(5, SECONDS);
        AtomicInteger doneCallbacks = new AtomicInteger();

        ctx.addDoneCallback(v -> doneCallbacks.incrementAndGet());

        assertThat(doneCallbacks).hasValue(1);
    }

    @Test
    void setUp_metadataPeerValuesAndMethodAreWhatTheHandlerSees() {
        ContextKey<String> user = ContextKey.named("user");
        ctx.withMethod("/pkg.Svc/Do")
                .withInvocationMetadata(Metadata.of("x-user", "ada"))
                .withPeer("ipv4:10.0.0.1:5000")
                .withValue(user, "ada");

        assertThat(ctx.method()).isEqualTo("/pkg.Svc/Do");
        assertThat(ctx.invocationMetadata().get("x-user")).contains("ada");
        assertThat(ctx.peer()).isEqualTo("ipv4:10.0.0.1:5000");
        assertThat(ctx.get(user)).contains("ada");
        assertThat(ctx.get(ContextKey.<String>named("other"))).isEmpty();
        assertThat(ctx.authContext()).isEmpty();
    }

    @Test
    void sendInitialMetadata_twice_illegalState() {
        ctx.sendInitialMetadata(Metadata.EMPTY);

        assertThatThrownBy(() -> ctx.sendInitialMetadata(Metadata.EMPTY)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void addRequests_afterEndRequests_illegalState() {
        ctx.endRequests();

        assertThatThrownBy(() -> ctx.addRequests("x")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void responses_writeStream_recordsWrites() throws Exception {
        ctx.responses().write("a");
        ctx.responses().write("b");

        assertThat(ctx.writtenResponses()).containsExactly("a", "b");
        assertThat(ctx.responses().writeQueueFull()).isFalse();
    }
}
