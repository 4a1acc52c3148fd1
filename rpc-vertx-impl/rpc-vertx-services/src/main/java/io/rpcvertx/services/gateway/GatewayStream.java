package io.rpcvertx.services.gateway;

import com.google.protobuf.Descriptors;
import io.rpcvertx.Call;
import io.rpcvertx.RequestStream;
import io.rpcvertx.RpcException;
import io.rpcvertx.StatusCode;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.core.streams.ReadStream;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;

/**
 * One streaming call of the gateway (server, client or bidirectional streaming) with its two server-issued addresses:
 * {@code stream}, where the client listens for responses and the end message, and {@code control}, where it sends
 * credit, request messages, its half-close and a cancel. Both end in the same random 128-bit id, so a bridged client
 * cannot guess another client's. Everything runs on the context that started the call (the call's own).
 *
 * <p>Credit: a response goes to {@code stream} only against credit the client granted with {@code {"request": n}}.
 * Nothing is sent before the client's first control message (so it can register on {@code stream} after the start
 * reply without losing anything); if that first message is not a grant, the client is given the default credit, so a
 * client that never grants receives that many responses and then holds the server: the call's response stream is
 * paused, the in-process transport stops returning window, and the server's writes stay pending.
 */
final class GatewayStream {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Set<String> CONTROL_KEYS = Set.of("request", "message", "end", "cancel");

    private enum State {
        OPEN,
        /** The call ended before the client's first control message: its end waits for that message (or idling). */
        ENDED,
        CLOSED
    }

    private final EventBusGateway gateway;
    private final Vertx vertx;
    private final Context context;
    private final Descriptors.MethodDescriptor method;
    private final @Nullable String socket;
    private final long idleNanos;
    private final int defaultCredit;
    final String streamAddress;
    final String controlAddress;
    private final MessageConsumer<Object> control;
    /** What the gateway tracks for the client's bridge socket. */
    final BooleanSupplier socketCanceller = this::cancelFromSocket;

    /** Written on the call's context; read from a bridge's thread by {@link #cancelFromSocket}. */
    private volatile State state = State.OPEN;

    private @Nullable Call call;
    /** Server and bidirectional streaming: the responses, paused, fetched as credit arrives. */
    private @Nullable ReadStream<byte[]> responses;
    /** Client and bidirectional streaming: where the client's messages go. */
    private @Nullable RequestStream<byte[]> requests;
    /** Client streaming: credit not yet used, and the response while it waits for credit. */
    private long credit;

    private byte @Nullable [] heldResponse;
    /** The status of a call that ended in {@link State#ENDED}, null for OK. */
    private @Nullable RpcException endedWith;

    private boolean heard;
    private boolean granted;
    private boolean halfClosed;
    private int pendingWrites;
    private long lastHeard = System.nanoTime();
    private long idleTimer = -1;

    GatewayStream(
            EventBusGateway gateway,
            Vertx vertx,
            Descriptors.MethodDescriptor method,
            @Nullable String socket,
            GatewayOptions options) {
        this.gateway = gateway;
        this.vertx = vertx;
        this.context = vertx.getOrCreateContext();
        this.method = method;
        this.socket = socket;
        this.idleNanos = options.streamIdleTimeout().toNanos();
        this.defaultCredit = options.defaultCredit();
        byte[] id = new byte[16];
        RANDOM.nextBytes(id);
        String hex = HexFormat.of().formatHex(id);
        this.streamAddress = EventBusGateway.STREAM_ADDRESS_PREFIX + hex;
        this.controlAddress = EventBusGateway.CONTROL_ADDRESS_PREFIX + hex;
        this.control = vertx.eventBus().consumer(controlAddress, this::onControl);
    }

    /** The start reply's body, once the control address is registered (on a clustered bus: known to the cluster). */
    Future<JsonObject> opened() {
        return control.completion()
                .map(v -> new JsonObject().put("stream", streamAddress).put("control", controlAddress));
    }

    /** Server or bidirectional streaming: reads {@code responses} against the client's credit. */
    void serve(Call call, ReadStream<byte[]> responses, @Nullable RequestStream<byte[]> requests) {
        this.call = call;
        this.responses = responses;
        this.requests = requests;
        responses.pause();
        responses
                .handler(this::sendResponse)
                .exceptionHandler(t -> finish(EventBusGateway.asRpc(t)))
                .endHandler(v -> finish(null));
        armIdleTimer(idleNanos);
    }

    /** Client streaming: one response, sent against credit like any other, then the end. */
    void serve(Call call, Future<byte[]> response, RequestStream<byte[]> requests) {
        this.call = call;
        this.requests = requests;
        response.onComplete(ar -> {
            if (ar.failed()) {
                finish(EventBusGateway.asRpc(ar.cause()));
            } else {
                heldResponse = ar.result();
                flushHeldResponse();
            }
        });
        armIdleTimer(idleNanos);
    }

    /** From any thread (a bridge socket closed): cancels the call. False if it had ended. */
    boolean cancelFromSocket() {
        boolean open = state == State.OPEN;
        context.runOnContext(v -> abort(new RpcException(StatusCode.CANCELLED, "the client's bridge socket closed")));
        return open;
    }

    // ---------------------------------------------------------------- from the client

    private void onControl(Message<Object> msg) {
        if (socket != null && !socket.equals(msg.headers().get(EventBusGateway.BRIDGE_SOCKET_HEADER))) {
            // another socket that got hold of the address: it may not steer this call, nor end it
            fail(msg, new RpcException(StatusCode.PERMISSION_DENIED, "not the stream of this client"));
            return;
        }
        if (state == State.CLOSED) {
            fail(msg, new RpcException(StatusCode.FAILED_PRECONDITION, "the call has ended"));
            return;
        }
        lastHeard = System.nanoTime();
        boolean firstMessage = !heard;
        heard = true;
        if (state == State.ENDED) {
            // the client listens now: it learns how the call ended, whatever it asked
            RpcException status = endedWith;
            if (status == null) {
                ok(msg);
            } else {
                fail(msg, status);
            }
            close(status);
            return;
        }
        JsonObject body;
        try {
            body = controlBody(msg.body());
        } catch (RpcException e) {
            fail(msg, e);
            abort(e);
            return;
        }
        if (body.getValue("cancel") != null) {
            if (!Boolean.TRUE.equals(body.getValue("cancel"))) {
                rejectAndAbort(msg, "\"cancel\": " + body.getValue("cancel") + " (expected: true)");
                return;
            }
            abort(new RpcException(StatusCode.CANCELLED, "cancelled by the client"));
            ok(msg);
            return;
        }
        Future<Void> written = Future.succeededFuture();
        if (body.containsKey("message")) {
            if (requests == null) {
                rejectAndAbort(msg, method.getFullName() + " takes one request, in the start message");
                return;
            }
            if (halfClosed) {
                rejectAndAbort(msg, "a message after \"end\"");
                return;
            }
            if (pendingWrites >= EventBusGateway.MAX_PENDING_MESSAGES) {
                RpcException e = new RpcException(
                        StatusCode.RESOURCE_EXHAUSTED,
                        "more than " + EventBusGateway.MAX_PENDING_MESSAGES
                                + " messages wait for the server: wait for the replies to your messages");
                fail(msg, e);
                abort(e);
                return;
            }
            byte[] item;
            try {
                item = gateway.parseMessage(method.getInputType(), body.getValue("message"));
            } catch (RpcException e) {
                fail(msg, e);
                abort(e);
                return;
            }
            pendingWrites++;
            written = requests.write(item).andThen(ar -> pendingWrites--);
        }
        if (body.containsKey("end")) {
            if (!Boolean.TRUE.equals(body.getValue("end"))) {
                rejectAndAbort(msg, "\"end\": " + body.getValue("end") + " (expected: true)");
                return;
            }
            if (requests != null && !halfClosed) {
                halfClosed = true;
                requests.doneWriting();
            }
        }
        if (body.containsKey("request")) {
            Object n = body.getValue("request");
            if (!(n instanceof Integer || n instanceof Long) || ((Number) n).longValue() < 0) {
                rejectAndAbort(msg, "\"request\": " + n + " (expected: a whole number >= 0)");
                return;
            }
            granted = true;
            grant(((Number) n).longValue());
        } else if (firstMessage && !granted) {
            grant(defaultCredit);
        }
        written.onComplete(ar -> {
            if (ar.succeeded()) {
                ok(msg);
            } else {
                fail(msg, EventBusGateway.asRpc(ar.cause()));
            }
        });
    }

    private JsonObject controlBody(@Nullable Object body) {
        JsonObject json;
        try {
            if (body instanceof JsonObject) {
                json = (JsonObject) body;
            } else if (body instanceof String) {
                json = new JsonObject((String) body);
            } else if (body instanceof Buffer) {
                json = new JsonObject((Buffer) body);
            } else {
                throw new RpcException(
                        StatusCode.INVALID_ARGUMENT,
                        "control message: "
                                + (body == null
                                        ? "empty"
                                        : "a " + body.getClass().getSimpleName()) + " (expected: a JSON object)");
            }
        } catch (DecodeException e) {
            throw new RpcException(StatusCode.INVALID_ARGUMENT, "control message is not JSON: " + e.getMessage());
        }
        for (String key : json.fieldNames()) {
            if (!CONTROL_KEYS.contains(key)) {
                throw new RpcException(
                        StatusCode.INVALID_ARGUMENT,
                        "control message: unknown field \"" + key + "\" (expected: " + CONTROL_KEYS + ")");
            }
        }
        return json;
    }

    private void rejectAndAbort(Message<Object> msg, String details) {
        RpcException e = new RpcException(StatusCode.INVALID_ARGUMENT, details);
        fail(msg, e);
        abort(e);
    }

    private void grant(long n) {
        if (n == 0) {
            return;
        }
        ReadStream<byte[]> r = responses;
        if (r != null) {
            r.fetch(n);
        } else {
            credit = credit + n < 0 ? Long.MAX_VALUE : credit + n;
            flushHeldResponse();
        }
    }

    // ---------------------------------------------------------------- to the client

    private void sendResponse(byte[] bytes) {
        if (state != State.OPEN) {
            return;
        }
        String json;
        try {
            json = EventBusGateway.toJson(method.getOutputType(), bytes);
        } catch (RpcException e) {
            abort(e);
            return;
        }
        vertx.eventBus().send(streamAddress, new JsonObject(json));
    }

    private void flushHeldResponse() {
        byte[] response = heldResponse;
        if (response != null && credit > 0 && state == State.OPEN) {
            heldResponse = null;
            credit--;
            sendResponse(response);
            finish(null);
        }
    }

    /** Ends the stream here with {@code status}, then cancels the call (whose own end is then ignored). */
    private void abort(RpcException status) {
        if (state == State.ENDED) {
            close(endedWith); // the call had ended: nothing to cancel
            return;
        }
        if (state != State.OPEN) {
            return;
        }
        close(status);
        Call c = call;
        if (c != null) {
            c.cancel();
        }
    }

    /**
     * The call's one terminal event. Its end message goes to {@code stream} at once if the client listens, that is,
     * has sent a control message; else it waits for that message, so a call that fails at once is not lost on a
     * client still registering.
     */
    private void finish(@Nullable RpcException error) {
        if (state != State.OPEN) {
            return;
        }
        if (!heard) {
            state = State.ENDED;
            endedWith = error;
            return;
        }
        close(error);
    }

    /** The end message on {@code stream}, the control address closed. */
    private void close(@Nullable RpcException error) {
        if (state == State.CLOSED) {
            return;
        }
        state = State.CLOSED;
        if (idleTimer >= 0) {
            vertx.cancelTimer(idleTimer);
        }
        control.unregister();
        gateway.untrack(socket, socketCanceller);
        StatusCode code = error == null ? StatusCode.OK : error.code();
        String details = error == null ? "" : error.details();
        JsonObject status = new JsonObject().put("code", code.value()).put("details", details);
        vertx.eventBus()
                .send(streamAddress, status, new DeliveryOptions().addHeader(EventBusGateway.END_HEADER, "true"));
    }

    /** A client that sends nothing for the idle timeout is taken to be gone: its call is cancelled. */
    private void armIdleTimer(long nanos) {
        idleTimer = vertx.setTimer(Math.max(1, TimeUnit.NANOSECONDS.toMillis(nanos) + 1), id -> {
            long idle = System.nanoTime() - lastHeard;
            if (state == State.CLOSED) {
                return;
            }
            if (idle >= idleNanos) {
                // ENDED: the end message goes out for a client that never spoke; OPEN: the call is cancelled
                abort(new RpcException(
                        StatusCode.CANCELLED,
                        "no message from the client for " + TimeUnit.NANOSECONDS.toMillis(idleNanos) + " ms"));
            } else {
                armIdleTimer(idleNanos - idle);
            }
        });
    }

    private static void ok(Message<Object> msg) {
        if (msg.replyAddress() != null) {
            msg.reply(new JsonObject());
        }
    }

    private static void fail(Message<Object> msg, RpcException e) {
        if (msg.replyAddress() != null) {
            msg.fail(e.code().value(), e.details());
        }
    }
}
