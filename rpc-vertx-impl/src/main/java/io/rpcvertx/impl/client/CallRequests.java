package io.rpcvertx.impl.client;

import io.rpcvertx.CallOptions;
import io.rpcvertx.Metadata;
import io.rpcvertx.MethodDescriptor;
import io.rpcvertx.RpcException;
import io.rpcvertx.StatusCode;
import io.rpcvertx.impl.codec.Encoding;
import io.rpcvertx.impl.codec.Marshalling;
import io.rpcvertx.impl.codec.WireException;
import io.rpcvertx.impl.transport.ClientStream;
import io.rpcvertx.impl.transport.Contexts;
import io.rpcvertx.impl.transport.OutboundWrites;
import io.rpcvertx.impl.transport.RequestHead;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.streams.WriteStream;
import org.jspecify.annotations.Nullable;

/**
 * The request side of a {@link ClientCallImpl}: the request head its streams are opened with, and the request messages
 * ({@code write()}, {@code doneWriting()}, the {@link WriteStream} view) through its {@link OutboundWrites} onto the
 * call's current stream. The call's state machine stays in the call: the half-close is its transition, and its
 * terminal event closes this side ({@link #close}). Owner loop, except the application's entry points.
 */
final class CallRequests<Req> implements RequestHead, OutboundWrites.Sink {
    private final ClientCallImpl<Req, ?> call;
    private final CallSetup setup;
    private final MethodDescriptor<Req, ?> method;
    private final CallOptions options;
    private final ContextInternal owner;
    private final ContextInternal caller;
    private final long deadlineNanos;
    private final Encoding encoding;
    private final OutboundWrites<Req> outbound;

    // owner state
    private Metadata credentialsMetadata = Metadata.EMPTY;
    private @Nullable RpcException failure;

    CallRequests(
            ClientCallImpl<Req, ?> call,
            CallSetup setup,
            MethodDescriptor<Req, ?> method,
            CallOptions options,
            ContextInternal caller,
            long deadlineNanos) {
        this.call = call;
        this.setup = setup;
        this.method = method;
        this.options = options;
        this.owner = setup.owner();
        this.caller = caller;
        this.deadlineNanos = deadlineNanos;
        this.encoding = Encoding.of(options.compression().orElse(setup.compression()));
        this.outbound = new OutboundWrites<>(owner, caller, this, true);
    }

    OutboundWrites<Req> outbound() {
        return outbound;
    }

    /** What the call credentials produced, sent with the request headers; owner only. */
    void setCredentialsMetadata(Metadata metadata) {
        credentialsMetadata = metadata;
    }

    /** The call ended ({@code error} null for OK): pending and later writes fail with it; owner only. */
    void close(@Nullable RpcException error) {
        failure = error;
        outbound.close(error);
    }

    // ---------------------------------------------------------------- RequestHead (owner)

    @Override
    public String path() {
        return method.path();
    }

    @Override
    public Metadata metadata() {
        return options.metadata();
    }

    @Override
    public Metadata credentialsMetadata() {
        return credentialsMetadata;
    }

    @Override
    public long deadlineNanos() {
        return deadlineNanos;
    }

    @Override
    public Encoding encoding() {
        return encoding;
    }

    @Override
    public int maxReceiveBytes() {
        return setup.maxReceiveBytes();
    }

    @Override
    public int previousAttempts() {
        return 0;
    }

    @Override
    public boolean waitForReady() {
        return options.waitForReady().orElse(false);
    }

    @Override
    public ContextInternal callerContext() {
        return caller;
    }

    // ---------------------------------------------------------------- OutboundWrites.Sink (owner)

    @Override
    public Buffer frame(Buffer payload) {
        int max = setup.maxSendBytes();
        if (max >= 0 && payload.length() > max) {
            throw new WireException(
                    StatusCode.RESOURCE_EXHAUSTED,
                    "Sent message larger than max (" + payload.length() + " vs. " + max + ")");
        }
        return payload; // the transport frames (and compresses) it
    }

    @Override
    public void send(Buffer payload, boolean last) {
        call.stream().writeMessage(payload, last);
    }

    @Override
    public void sendEnd() {
        call.stream().halfClose();
    }

    @Override
    public boolean writeQueueFull() {
        ClientStream s = call.currentStream();
        return s != null && !s.isReady();
    }

    @Override
    public void onWriteError(WireException e) {
        call.terminate(e.code(), e.getMessage(), Metadata.EMPTY, true);
    }

    @Override
    public @Nullable Throwable terminalError() {
        return failure;
    }

    // ---------------------------------------------------------------- the application's writes (any thread)

    Future<Void> write(Req message) {
        checkClientStreaming();
        Buffer payload;
        try {
            payload = Marshalling.serialize(method.requestMarshaller(), message);
        } catch (RuntimeException e) {
            RpcException error = new RpcException(StatusCode.INTERNAL, "Failed to serialize request: " + e);
            Contexts.run(owner, () -> call.terminate(error.code(), error.details(), Metadata.EMPTY, true));
            return caller.failedFuture(error);
        }
        Promise<Void> promise = caller.promise();
        Contexts.run(owner, () -> outbound.write(payload, promise));
        return promise.future();
    }

    Future<Void> doneWriting() {
        checkClientStreaming();
        Promise<Void> promise = caller.promise();
        Contexts.run(owner, () -> {
            call.halfCloseOnOwner();
            promise.complete();
        });
        return promise.future();
    }

    WriteStream<Req> requests() {
        checkClientStreaming();
        return outbound.view(this::write, this::doneWriting);
    }

    private void checkClientStreaming() {
        if (!method.type().isClientStreaming()) {
            throw new IllegalStateException(method.fullMethodName() + " takes a single request");
        }
    }
}
