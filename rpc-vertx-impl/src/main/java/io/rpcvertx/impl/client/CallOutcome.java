package io.rpcvertx.impl.client;

import io.rpcvertx.Metadata;
import io.rpcvertx.MethodDescriptor;
import io.rpcvertx.RpcException;
import io.rpcvertx.StatusCode;
import io.rpcvertx.impl.codec.Marshalling;
import io.rpcvertx.impl.transport.DoneCallbacks;
import io.rpcvertx.impl.transport.InboundMessages;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.streams.ReadStream;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The response side of a {@link ClientCallImpl}: what the application reads (the unary {@code response()}, or the pull
 * {@code read()} and {@link ReadStream} views of a streaming one) and the outcome futures and done callbacks, completed
 * once by the call's terminal event. It holds no call state of its own: the call decides, on its owner loop, which
 * events reach it, and it is the only holder of what those events carried (headers, the unary value). Futures and
 * streams complete on the creator's context.
 */
final class CallOutcome<Resp> {
    private final MethodDescriptor<?, Resp> method;
    private final boolean unaryResponse;
    private final Promise<Metadata> initialMetadataPromise;
    private final Promise<Metadata> trailingMetadataPromise;
    private final Promise<StatusCode> codePromise;
    private final Promise<String> detailsPromise;
    private final Promise<Void> connectionPromise;
    private final @Nullable Promise<Resp> responsePromise;
    private final @Nullable InboundMessages<Resp> inbound;

    // owner state
    /** Created by the first done callback (most calls have none), so that this side costs no object per call. */
    private @Nullable DoneCallbacks doneCallbacks;

    private boolean completed;
    private @Nullable Metadata initialMetadata;
    private @Nullable Resp unaryValue;
    private int responsesReceived;

    CallOutcome(
            MethodDescriptor<?, Resp> method,
            ContextInternal owner,
            ContextInternal caller,
            InboundMessages.Transport transport) {
        this.method = method;
        this.unaryResponse = !method.type().isServerStreaming();
        this.initialMetadataPromise = caller.promise();
        this.trailingMetadataPromise = caller.promise();
        this.codePromise = caller.promise();
        this.detailsPromise = caller.promise();
        this.connectionPromise = caller.promise();
        this.responsePromise = unaryResponse ? caller.promise() : null;
        this.inbound = unaryResponse ? null : new InboundMessages<>(owner, caller, transport);
    }

    // ---------------------------------------------------------------- stream events the call let through (owner)

    void onOpen() {
        connectionPromise.tryComplete();
    }

    void onHeaders(Metadata headers) {
        initialMetadata = headers;
        initialMetadataPromise.tryComplete(headers);
    }

    /** Whether response headers arrived (a stream that responded is not replayed). */
    boolean hasHeaders() {
        return initialMetadata != null;
    }

    /** Takes one response message; returns why the call must end with INTERNAL, or null. */
    @Nullable
    String onMessage(Buffer payload) {
        Resp message;
        try {
            message = Marshalling.deserialize(method.responseMarshaller(), payload);
        } catch (RuntimeException e) {
            return "Failed to read message: " + e;
        }
        responsesReceived++;
        if (unaryResponse) {
            if (responsesReceived > 1) {
                return "More than one value received for unary call";
            }
            unaryValue = message;
        } else {
            InboundMessages<Resp> in = inbound;
            assert in != null;
            in.offer(message);
        }
        return null;
    }

    /** Whether an OK status would end a unary-response call without its one value. */
    boolean lacksUnaryValue() {
        return unaryResponse && responsesReceived == 0;
    }

    /** The error a non-OK ending reports, with the response headers if any came. */
    @Nullable
    RpcException error(StatusCode code, String details, Metadata trailing) {
        return code == StatusCode.OK ? null : new RpcException(code, details, initialMetadata(), trailing);
    }

    private Metadata initialMetadata() {
        Metadata initial = initialMetadata;
        return initial != null ? initial : Metadata.EMPTY;
    }

    /**
     * Completes everything once, on the owner loop, after the call's terminal transition.
     *
     * @param discard whether queued responses are dropped (an ending nobody reads past: a cancel, a reset)
     */
    void complete(StatusCode code, String details, Metadata trailing, @Nullable RpcException error, boolean discard) {
        initialMetadataPromise.tryComplete(initialMetadata());
        trailingMetadataPromise.tryComplete(trailing);
        codePromise.tryComplete(code);
        detailsPromise.tryComplete(details);
        if (error != null) {
            connectionPromise.tryFail(error);
        } else {
            connectionPromise.tryComplete();
        }
        Promise<Resp> rp = responsePromise;
        if (rp != null) {
            if (error == null) {
                rp.tryComplete(unaryValue);
            } else {
                rp.tryFail(error);
            }
        }
        InboundMessages<Resp> in = inbound;
        if (in != null) {
            if (discard) {
                in.discardQueued();
            }
            in.end(error);
        }
        completed = true;
        DoneCallbacks callbacks = doneCallbacks;
        if (callbacks != null) {
            callbacks.fire();
        }
    }

    /** Registers a done callback to run on {@code registrar}; owner only. */
    void addDoneCallback(ContextInternal registrar, Handler<Void> callback) {
        DoneCallbacks callbacks = doneCallbacks;
        if (callbacks == null) {
            callbacks = new DoneCallbacks();
            doneCallbacks = callbacks;
            if (completed) {
                callbacks.fire(); // the call is done: the callback is scheduled at once
            }
        }
        callbacks.add(registrar, callback);
    }

    // ---------------------------------------------------------------- what the application reads (any thread)

    Future<Resp> response() {
        Promise<Resp> rp = responsePromise;
        if (rp == null) {
            throw new IllegalStateException(method.fullMethodName() + " streams its responses: use read()/responses()");
        }
        return rp.future();
    }

    Future<Optional<Resp>> read() {
        return responses().read();
    }

    InboundMessages<Resp> responses() {
        InboundMessages<Resp> in = inbound;
        if (in == null) {
            throw new IllegalStateException(method.fullMethodName() + " has a single response: use response()");
        }
        return in;
    }

    Future<Metadata> initialMetadataFuture() {
        return initialMetadataPromise.future();
    }

    Future<Metadata> trailingMetadata() {
        return trailingMetadataPromise.future();
    }

    Future<StatusCode> code() {
        return codePromise.future();
    }

    Future<String> details() {
        return detailsPromise.future();
    }

    Future<Void> connection() {
        return connectionPromise.future();
    }
}
