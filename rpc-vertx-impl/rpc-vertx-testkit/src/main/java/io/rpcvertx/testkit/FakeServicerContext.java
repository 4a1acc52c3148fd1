package io.rpcvertx.testkit;

import io.rpcvertx.Compression;
import io.rpcvertx.ContextKey;
import io.rpcvertx.Metadata;
import io.rpcvertx.RpcException;
import io.rpcvertx.ServicerContext;
import io.rpcvertx.StatusCode;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.streams.ReadStream;
import io.vertx.core.streams.WriteStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A {@link ServicerContext} with no transport, to unit-test one servicer method: feed it requests, call the handler,
 * then read what the handler wrote and set (grpc-java has no such fake; this plays the role of OkHttp's
 * {@code MockWebServer} for one call, from the server's side).
 *
 * <pre>{@code
 * FakeServicerContext<HelloRequest, HelloReply> ctx = FakeServicerContext.create();
 * ctx.withInvocationMetadata(Metadata.of("x-user", "ada")).withDeadline(Duration.ofSeconds(1));
 * StatusCode code = ctx.finish(servicer.sayHello(request, ctx)).await(5, SECONDS);
 * assertThat(code).isEqualTo(StatusCode.OK);
 * }</pre>
 *
 * <p><b>Requests.</b> {@link #addRequests} and {@link #endRequests()} feed the request stream; a handler reads them with
 * {@link #read()} (pull) or from {@link #requestStream()} (the {@code ReadStream} a client- or bidi-streaming handler
 * takes), not both ({@link IllegalStateException}).
 *
 * <p><b>Responses.</b> {@link #write}, {@link #responses()} and the handler's result are recorded; read them with
 * {@link #writtenResponses()}. Writes succeed at once while the call is live; once it has ended they fail with the
 * call's {@link RpcException} (or {@link IllegalStateException} after {@code OK}).
 *
 * <p><b>End of the call.</b> The fake has no clock and no event loop: nothing ends the call by itself. {@link #finish}
 * ends it with the handler's outcome (as the server would: a failed {@link RpcException} gives its status, another
 * throwable {@code UNKNOWN}, success the {@link #setCode code} set or {@code OK}); {@link #cancel()} ends it as a
 * client cancellation ({@code CANCELLED}) and {@link #expireDeadline()} as a passed deadline
 * ({@code DEADLINE_EXCEEDED}). Then {@link #isDone()} is true, done callbacks run (on the thread that ended the call),
 * a pending {@link #read()} fails, and later writes fail. The first end wins.
 *
 * <p>Any thread may call it; state changes are serialized, and callbacks run on the calling thread, outside its lock.
 *
 * @param <Req> the request message type
 * @param <Resp> the response message type
 */
public final class FakeServicerContext<Req, Resp> implements ServicerContext<Req, Resp> {
    private enum State {
        OPEN,
        DONE
    }

    private final Object lock = new Object();

    private State state = State.OPEN;
    private String method = "fake.Service/Method";
    private Metadata invocationMetadata = Metadata.EMPTY;
    private String peer = "fake";
    private @Nullable Long deadlineNanos;
    private final Map<ContextKey<?>, Object> values = new HashMap<>();

    private final FakeRequests<Req> requests = new FakeRequests<>(lock);

    private final FakeResponses<Resp> responses = new FakeResponses<>(lock);
    private Metadata trailingMetadata = Metadata.EMPTY;
    private @Nullable StatusCode code;
    private @Nullable String details;

    private final List<Handler<Void>> doneCallbacks = new ArrayList<>();

    private FakeServicerContext() {}

    /** A live call of method {@code fake.Service/Method}, no metadata, no deadline, no requests yet. */
    public static <Req, Resp> FakeServicerContext<Req, Resp> create() {
        return new FakeServicerContext<>();
    }

    /** Sets the {@link #method()} name ({@code package.Service/Method}); returns this. */
    public FakeServicerContext<Req, Resp> withMethod(String method) {
        Objects.requireNonNull(method, "method");
        synchronized (lock) {
            this.method = method;
        }
        return this;
    }

    /** Sets the metadata the client sent ({@link #invocationMetadata()}); returns this. */
    public FakeServicerContext<Req, Resp> withInvocationMetadata(Metadata metadata) {
        Objects.requireNonNull(metadata, "metadata");
        synchronized (lock) {
            this.invocationMetadata = metadata;
        }
        return this;
    }

    /**
     * Gives the call a deadline {@code timeout} from now: {@link #timeRemaining()} counts down to zero. Passing it
     * ends nothing by itself; call {@link #expireDeadline()} for that. Returns this.
     *
     * @throws IllegalArgumentException if {@code timeout} is negative
     */
    public FakeServicerContext<Req, Resp> withDeadline(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("timeout: " + timeout + " (expected: >= 0)");
        }
        synchronized (lock) {
            this.deadlineNanos = System.nanoTime() + timeout.toNanos();
        }
        return this;
    }

    /** Sets {@link #peer()}; returns this. */
    public FakeServicerContext<Req, Resp> withPeer(String peer) {
        Objects.requireNonNull(peer, "peer");
        synchronized (lock) {
            this.peer = peer;
        }
        return this;
    }

    /** Sets the value {@link #get(ContextKey)} returns for {@code key} (what an interceptor would add); returns this. */
    public <T> FakeServicerContext<Req, Resp> withValue(ContextKey<T> key, T value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        synchronized (lock) {
            values.put(key, value);
        }
        return this;
    }

    /**
     * Appends request messages to the request stream, delivered to a pending {@link #read()} or, as demand allows, to
     * {@link #requestStream()}'s handler. Returns this.
     *
     * @throws IllegalStateException after {@link #endRequests()}
     */
    @SafeVarargs
    public final FakeServicerContext<Req, Resp> addRequests(Req... messages) {
        Objects.requireNonNull(messages, "messages");
        List<Req> batch = new ArrayList<>(messages.length);
        for (Req message : messages) {
            batch.add(Objects.requireNonNull(message, "message"));
        }
        requests.add(batch);
        return this;
    }

    /** Ends the request stream (the client's {@code doneWriting()}); idempotent. Returns this. */
    public FakeServicerContext<Req, Resp> endRequests() {
        requests.end();
        return this;
    }

    /**
     * The request stream as a {@code ReadStream}, for a client- or bidi-streaming handler
     * ({@code handler.handle(ctx.requestStream(), ctx)}). It honours {@code pause}/{@code fetch}; it ends after
     * {@link #endRequests()} and the last message, and fails with the call's {@link RpcException} if the call ends
     * first.
     *
     * @throws IllegalStateException if the handler already reads with {@link #read()}
     */
    public ReadStream<Req> requestStream() {
        return requests.stream();
    }

    /** The messages written so far, in order: {@link #write}, {@link #responses()} and results passed to {@link #finish}. */
    public List<Resp> writtenResponses() {
        return responses.written();
    }

    /** The initial metadata the handler sent, if it called {@link #sendInitialMetadata}. */
    public Optional<Metadata> sentInitialMetadata() {
        return responses.sentInitialMetadata();
    }

    /** The trailing metadata: what the handler set, merged with an abort's or failure's trailers. */
    public Metadata trailingMetadata() {
        synchronized (lock) {
            return trailingMetadata;
        }
    }

    /** The compression the handler chose with {@link #setCompression}, if any. */
    public Optional<Compression> compression() {
        return responses.compression();
    }

    /** How many times the handler called {@link #disableNextMessageCompression()}. */
    public int uncompressedMessageRequests() {
        return responses.uncompressedMessageRequests();
    }

    /**
     * Ends the call with the handler's outcome once {@code handlerResult} completes, as the server would: a response
     * value is recorded as written; a failure with {@link RpcException} sets its code, details and trailers, any other
     * failure {@code UNKNOWN}; a success keeps the {@link #setCode code} set, or {@code OK}. If the call ended before
     * (cancel, deadline), that end stands. The returned future completes with the call's final code.
     */
    @SuppressWarnings("unchecked")
    public Future<StatusCode> finish(Future<?> handlerResult) {
        Objects.requireNonNull(handlerResult, "handlerResult");
        Promise<StatusCode> result = Promise.promise();
        handlerResult.onComplete(ar -> {
            if (ar.succeeded() && ar.result() != null && !(ar.result() instanceof Void)) {
                responses.record((Resp) ar.result());
            }
            end(outcome(ar));
            synchronized (lock) {
                result.complete(Objects.requireNonNull(code));
            }
        });
        return result.future();
    }

    /** Ends the call as a passed deadline: {@code DEADLINE_EXCEEDED}, {@link #isCancelled()} true. */
    public void expireDeadline() {
        synchronized (lock) {
            deadlineNanos = System.nanoTime();
        }
        end(new Outcome(StatusCode.DEADLINE_EXCEEDED, "Deadline Exceeded", Metadata.EMPTY));
    }

    /** Ends the call as the client cancelling it ({@code CANCELLED}); returns false if the call had ended already. */
    @Override
    public boolean cancel() {
        return end(new Outcome(StatusCode.CANCELLED, "Cancelled", Metadata.EMPTY));
    }

    @Override
    public boolean isCancelled() {
        synchronized (lock) {
            return state == State.DONE && (code == StatusCode.CANCELLED || code == StatusCode.DEADLINE_EXCEEDED);
        }
    }

    @Override
    public boolean isDone() {
        synchronized (lock) {
            return state == State.DONE;
        }
    }

    @Override
    public Optional<Duration> timeRemaining() {
        synchronized (lock) {
            if (deadlineNanos == null) {
                return Optional.empty();
            }
            return Optional.of(Duration.ofNanos(Math.max(0, deadlineNanos - System.nanoTime())));
        }
    }

    @Override
    public void addDoneCallback(Handler<Void> callback) {
        Objects.requireNonNull(callback, "callback");
        synchronized (lock) {
            if (state == State.OPEN) {
                doneCallbacks.add(callback);
                return;
            }
        }
        callback.handle(null);
    }

    @Override
    public String method() {
        synchronized (lock) {
            return method;
        }
    }

    @Override
    public Metadata invocationMetadata() {
        synchronized (lock) {
            return invocationMetadata;
        }
    }

    @Override
    public Future<Void> sendInitialMetadata(Metadata metadata) {
        Objects.requireNonNull(metadata, "metadata");
        return responses.sendInitialMetadata(metadata);
    }

    @Override
    public void setTrailingMetadata(Metadata metadata) {
        Objects.requireNonNull(metadata, "metadata");
        synchronized (lock) {
            trailingMetadata = metadata;
        }
    }

    @Override
    public void setCode(StatusCode code) {
        Objects.requireNonNull(code, "code");
        synchronized (lock) {
            if (state == State.OPEN) {
                this.code = code;
            }
        }
    }

    @Override
    public void setDetails(String details) {
        Objects.requireNonNull(details, "details");
        synchronized (lock) {
            if (state == State.OPEN) {
                this.details = details;
            }
        }
    }

    /** The code set so far, or after the end the call's final code. */
    @Override
    public Optional<StatusCode> code() {
        synchronized (lock) {
            return Optional.ofNullable(code);
        }
    }

    /** The details set so far, or after the end the call's final details. */
    @Override
    public Optional<String> details() {
        synchronized (lock) {
            return Optional.ofNullable(details);
        }
    }

    @Override
    public <T> Future<T> abort(StatusCode code, String details) {
        return abort(code, details, Metadata.EMPTY);
    }

    @Override
    public <T> Future<T> abort(StatusCode code, String details, Metadata trailingMetadata) {
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(details, "details");
        Objects.requireNonNull(trailingMetadata, "trailingMetadata");
        if (code == StatusCode.OK) {
            throw new IllegalArgumentException("code: OK (expected: an error code)");
        }
        synchronized (lock) {
            if (state == State.OPEN) {
                this.code = code;
                this.details = details;
                this.trailingMetadata = this.trailingMetadata.merge(trailingMetadata);
            }
        }
        return Future.failedFuture(new RpcException(code, details, trailingMetadata));
    }

    @Override
    public String peer() {
        synchronized (lock) {
            return peer;
        }
    }

    /** Empty: the fake call is a plaintext one. */
    @Override
    public Map<String, List<byte[]>> authContext() {
        return Map.of();
    }

    /** Empty: the fake call is a plaintext one. */
    @Override
    public List<byte[]> peerIdentities() {
        return List.of();
    }

    /** Empty: the fake call is a plaintext one. */
    @Override
    public Optional<String> peerIdentityKey() {
        return Optional.empty();
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> Optional<T> get(ContextKey<T> key) {
        Objects.requireNonNull(key, "key");
        synchronized (lock) {
            return Optional.ofNullable((T) values.get(key));
        }
    }

    /**
     * The next request, {@code Optional.empty()} after {@link #endRequests()} and the last one; waits for
     * {@link #addRequests} if none is queued; fails with the call's {@link RpcException} once the call has ended.
     *
     * @throws IllegalStateException if the handler reads from {@link #requestStream()}, or a read is already pending
     */
    @Override
    public Future<Optional<Req>> read() {
        return requests.read();
    }

    @Override
    public Future<Void> write(Resp message) {
        Objects.requireNonNull(message, "message");
        return responses.write(message);
    }

    /** A {@code WriteStream} over {@link #write}; never full. */
    @Override
    public WriteStream<Resp> responses() {
        return responses.stream();
    }

    @Override
    public void setCompression(Compression compression) {
        Objects.requireNonNull(compression, "compression");
        responses.setCompression(compression);
    }

    @Override
    public void disableNextMessageCompression() {
        responses.disableNextMessageCompression();
    }

    /** {@code NO_COMPRESSION}: the fake client sends uncompressed messages. */
    @Override
    public Compression requestCompression() {
        return Compression.NO_COMPRESSION;
    }

    @Override
    public String toString() {
        synchronized (lock) {
            return "FakeServicerContext{" + method + ", " + state + (code == null ? "" : ", " + code) + "}";
        }
    }

    private Outcome outcome(AsyncResult<?> ar) {
        if (ar.failed()) {
            if (ar.cause() instanceof RpcException e) {
                return new Outcome(e.code(), e.details(), e.trailingMetadata());
            }
            return new Outcome(StatusCode.UNKNOWN, "Unexpected " + ar.cause(), Metadata.EMPTY);
        }
        synchronized (lock) {
            return new Outcome(code == null ? StatusCode.OK : code, details == null ? "" : details, Metadata.EMPTY);
        }
    }

    /** How a call ended. */
    private record Outcome(StatusCode code, String details, Metadata trailers) {
        Exception asException() {
            return code == StatusCode.OK
                    ? new IllegalStateException("the call has ended (status: OK)")
                    : new RpcException(code, details, trailers);
        }
    }

    /** Ends the call once: records the status, fails a pending read, runs the done callbacks. */
    private boolean end(Outcome outcome) {
        Exception cause = outcome.asException();
        List<Handler<Void>> callbacks;
        Promise<Optional<Req>> read;
        synchronized (lock) {
            if (state == State.DONE) {
                return false;
            }
            state = State.DONE;
            responses.closeLocked(cause);
            code = outcome.code();
            details = outcome.details();
            trailingMetadata = trailingMetadata.merge(outcome.trailers());
            callbacks = List.copyOf(doneCallbacks);
            doneCallbacks.clear();
            read = requests.closeLocked();
        }
        requests.fail(cause, read);
        callbacks.forEach(cb -> cb.handle(null));
        return true;
    }
}
