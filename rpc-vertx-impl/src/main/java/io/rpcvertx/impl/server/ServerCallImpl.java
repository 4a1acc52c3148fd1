package io.rpcvertx.impl.server;

import io.rpcvertx.Compression;
import io.rpcvertx.Metadata;
import io.rpcvertx.MethodDescriptor;
import io.rpcvertx.RpcException;
import io.rpcvertx.RpcMethodHandler;
import io.rpcvertx.ServicerContext;
import io.rpcvertx.StatusCode;
import io.rpcvertx.impl.codec.ContentTypes;
import io.rpcvertx.impl.codec.Encoding;
import io.rpcvertx.impl.codec.GrpcTimeout;
import io.rpcvertx.impl.codec.MessageDeframer;
import io.rpcvertx.impl.codec.MessageFramer;
import io.rpcvertx.impl.codec.MetadataCodec;
import io.rpcvertx.impl.codec.StatusMessages;
import io.rpcvertx.impl.codec.WireException;
import io.rpcvertx.impl.transport.Contexts;
import io.rpcvertx.impl.transport.DoneCallbacks;
import io.rpcvertx.impl.transport.InboundMessages;
import io.rpcvertx.impl.transport.OutboundWrites;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.logging.Logger;
import io.vertx.core.internal.logging.LoggerFactory;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.streams.WriteStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * One server RPC and its {@link ServicerContext}. Lives on the request's (duplicated) context, on its connection's
 * event loop.
 *
 * <pre>
 * ACTIVE --response headers sent--&gt; HEADERS_SENT
 * ACTIVE | HEADERS_SENT --status sent, or cancelled (peer RST, connection loss, deadline, server stop)--&gt; CLOSED
 * </pre>
 *
 * The first terminal event wins; afterwards writes fail and metadata changes are ignored.
 */
final class ServerCallImpl<Req, Resp>
        implements ServicerContext<Req, Resp>, InboundMessages.Transport, OutboundWrites.Sink {
    private static final Logger log = LoggerFactory.getLogger(ServerCallImpl.class);
    private static final long CANCEL = 0x8;
    private static final long NO_ERROR = 0x0;
    private static final String GRPC = "application/grpc";

    enum State {
        ACTIVE,
        HEADERS_SENT,
        CLOSED
    }

    private final ServerImpl server;
    private final ServerConnection connection;
    private final HttpServerRequest request;
    private final HttpServerResponse response;
    private final ContextInternal ctx;
    private final RpcMethodHandler<Req, Resp> handler;
    private final MethodDescriptor<Req, Resp> method;
    private final Encoding requestEncoding;
    private final long deadlineNanos;
    private final boolean hasDeadline;
    private final MessageDeframer deframer;
    private final @Nullable InboundMessages<Req> inbound;
    private final OutboundWrites<Resp> outbound;
    private final DoneCallbacks doneCallbacks = new DoneCallbacks();

    private volatile State state = State.ACTIVE;
    private volatile boolean cancelled;
    private @Nullable Metadata invocationMetadata;
    private Metadata trailingMetadata = Metadata.EMPTY;
    private volatile @Nullable StatusCode code;
    private volatile @Nullable String details;
    private @Nullable Compression compression;
    private @Nullable Encoding responseEncoding;
    private boolean nextMessageUncompressed;
    private long deadlineTimer = -1;
    private @Nullable Req unaryRequest;
    private int requestsReceived;
    private boolean handlerStarted;
    /** From dispatch until the handler's future completes: a server stop waits for it. */
    private boolean handlerRunning;

    private ServerCallImpl(
            ServerImpl server,
            ServerConnection connection,
            HttpServerRequest request,
            ContextInternal ctx,
            RpcMethodHandler<Req, Resp> handler,
            Encoding requestEncoding,
            long timeoutNanos) {
        this.server = server;
        this.connection = connection;
        this.request = request;
        this.response = request.response();
        this.ctx = ctx;
        this.handler = handler;
        this.method = handler.method();
        this.requestEncoding = requestEncoding;
        this.hasDeadline = timeoutNanos >= 0;
        this.deadlineNanos = hasDeadline ? System.nanoTime() + timeoutNanos : 0;
        this.deframer = new MessageDeframer(server.options.maxReceiveMessageLength(), requestEncoding);
        this.inbound = method.type().isClientStreaming() ? new InboundMessages<>(ctx, ctx, this) : null;
        this.outbound = new OutboundWrites<>(ctx, ctx, this);
    }

    // ---------------------------------------------------------------- admission (request context)

    /** The reservation server answers until {@code start()} replaces it. */
    static void refuseUnstarted(HttpServerRequest req) {
        trailersOnly(req.response(), StatusCode.UNAVAILABLE, "server not started");
    }

    /** Entry point for every HTTP/2 request of a started server. */
    static void serve(HttpServerRequest req, ServerIoVerticle io) {
        ServerImpl server = io.server;
        HttpServerResponse resp = req.response();
        if (req.version() != HttpVersion.HTTP_2) {
            resp.setStatusCode(505).end();
            return;
        }
        if (!ContentTypes.isGrpc(req.getHeader(HttpHeaders.CONTENT_TYPE))) {
            // gRPC over HTTP/2: a server must answer a wrong content-type with HTTP 415
            resp.setStatusCode(415)
                    .putHeader(HttpHeaders.CONTENT_TYPE, "text/plain")
                    .end("unsupported content-type");
            return;
        }
        if (req.method() != HttpMethod.POST) {
            resp.setStatusCode(405)
                    .putHeader(HttpHeaders.CONTENT_TYPE, "text/plain")
                    .end("method not allowed");
            return;
        }
        ServerConnection connection = io.connection(req.connection());
        if (!server.isAccepting() || connection == null) {
            trailersOnly(resp, StatusCode.UNAVAILABLE, "server is shutting down");
            return;
        }
        String path = req.path();
        RpcMethodHandler<?, ?> handler = server.registry().lookup(path, () -> MetadataCodec.fromHeaders(req.headers()));
        if (handler == null) {
            trailersOnly(resp, StatusCode.UNIMPLEMENTED, unknownMethodMessage(path, server.registry()));
            return;
        }
        String encodingName = req.getHeader("grpc-encoding");
        Encoding encoding = encodingName == null ? Encoding.IDENTITY : Encoding.forName(encodingName);
        if (encoding == null) {
            resp.putHeader("grpc-accept-encoding", Encoding.acceptEncodingHeader());
            trailersOnly(resp, StatusCode.UNIMPLEMENTED, "Content-Encoding '" + encodingName + "' is not supported");
            return;
        }
        long timeoutNanos = -1;
        String timeout = req.getHeader("grpc-timeout");
        if (timeout != null) {
            try {
                timeoutNanos = GrpcTimeout.parseNanos(timeout);
            } catch (IllegalArgumentException e) {
                trailersOnly(resp, StatusCode.INTERNAL, "invalid grpc-timeout: " + timeout);
                return;
            }
        }
        ContextInternal ctx = ContextInternal.current();
        ServerCallImpl<?, ?> call = new ServerCallImpl<>(server, connection, req, ctx, handler, encoding, timeoutNanos);
        if (!connection.admit(call)) {
            trailersOnly(resp, StatusCode.RESOURCE_EXHAUSTED, "server's maximumConcurrentRpcs reached");
            return;
        }
        call.start();
    }

    private static String unknownMethodMessage(String path, HandlerRegistry registry) {
        String name = path.startsWith("/") ? path.substring(1) : path;
        int slash = name.indexOf('/');
        if (slash > 0 && !registry.knowsService(name.substring(0, slash))) {
            return "unknown service " + name.substring(0, slash);
        }
        return "Method not found: " + name;
    }

    private static void trailersOnly(HttpServerResponse resp, StatusCode code, String message) {
        resp.putHeader(HttpHeaders.CONTENT_TYPE, GRPC);
        resp.putHeader("grpc-status", Integer.toString(code.value()));
        if (!message.isEmpty()) {
            resp.putHeader("grpc-message", StatusMessages.encode(message));
        }
        resp.end();
    }

    private void start() {
        request.handler(this::onData);
        request.endHandler(v -> onHalfClose());
        request.exceptionHandler(t -> onTransportCancel());
        // a reset after the request body ended only reaches the response (vert.x#5562)
        response.exceptionHandler(t -> onTransportCancel());
        response.closeHandler(v -> onTransportCancel());
        response.drainHandler(v -> outbound.onDrain());
        response.setChunked(true);
        outbound.open(false);
        if (hasDeadline) {
            long remaining = deadlineNanos - System.nanoTime();
            if (remaining <= 0) {
                onDeadline();
                return;
            }
            deadlineTimer = ctx.setTimer(Math.max(1, (remaining + 999_999) / 1_000_000), id -> onDeadline());
        }
        if (method.type().isClientStreaming()) {
            invokeHandler();
        }
    }

    // ---------------------------------------------------------------- inbound (ctx)

    private void onData(Buffer data) {
        if (state == State.CLOSED) {
            return;
        }
        try {
            deframer.update(data, this::onMessage);
        } catch (WireException e) {
            closeWithStatus(e.code(), e.getMessage(), Metadata.EMPTY);
            resetIfRequestOpen();
        }
    }

    private void onMessage(Buffer payload) {
        if (state == State.CLOSED) {
            return;
        }
        Req message;
        try {
            message = method.requestMarshaller().deserialize(payload);
        } catch (RuntimeException e) {
            throw new WireException(StatusCode.INTERNAL, "Failed to read request message: " + e);
        }
        requestsReceived++;
        InboundMessages<Req> in = inbound;
        if (in != null) {
            in.offer(message);
        } else if (requestsReceived > 1) {
            throw new WireException(StatusCode.INTERNAL, "Too many requests for a unary-request method");
        } else {
            unaryRequest = message;
        }
    }

    private void onHalfClose() {
        if (state == State.CLOSED) {
            return;
        }
        if (deframer.hasPartialMessage()) {
            closeWithStatus(StatusCode.INTERNAL, "Encountered end-of-stream mid-frame", Metadata.EMPTY);
            return;
        }
        InboundMessages<Req> in = inbound;
        if (in != null) {
            in.end(null);
            return;
        }
        if (requestsReceived == 0) {
            closeWithStatus(StatusCode.INTERNAL, "Half-closed without a request", Metadata.EMPTY);
            return;
        }
        invokeHandler();
    }

    // ---------------------------------------------------------------- the handler (ctx)

    private void invokeHandler() {
        handlerStarted = true;
        handlerRunning = state != State.CLOSED;
        Future<?> result;
        try {
            result = dispatch();
        } catch (RuntimeException | Error e) {
            onHandlerTerminated();
            onHandlerDone(null, e);
            return;
        }
        if (result == null) {
            onHandlerTerminated();
            onHandlerDone(null, new NullPointerException(method.fullMethodName() + " handler returned null"));
            return;
        }
        // the handler may complete its future on any thread: the outcome is handled on the call's context
        result.onComplete((value, failure) -> onCtx(() -> {
            onHandlerTerminated();
            onHandlerDone(value, failure);
        }));
    }

    /**
     * Server-stop accounting (stop completes once every handler has terminated): the handler's future completed. Called
     * before its outcome is handled, so when that outcome ends the call, the end already counts as the termination.
     */
    private void onHandlerTerminated() {
        if (!handlerRunning) {
            return;
        }
        handlerRunning = false;
        if (state == State.CLOSED) {
            connection.onHandlerTerminated();
        }
    }

    private Future<?> dispatch() {
        Req req = unaryRequest;
        InboundMessages<Req> in = inbound;
        switch (method.type()) {
            case UNARY_UNARY:
                return handler.unaryUnaryHandler().handle(Objects.requireNonNull(req), this);
            case UNARY_STREAM:
                return handler.unaryStreamHandler().handle(Objects.requireNonNull(req), this);
            case STREAM_UNARY:
                return handler.streamUnaryHandler().handle(Objects.requireNonNull(in), this);
            case STREAM_STREAM:
                return handler.streamStreamHandler().handle(Objects.requireNonNull(in), this);
            default:
                throw new AssertionError(method.type());
        }
    }

    @SuppressWarnings("unchecked")
    private void onHandlerDone(@Nullable Object value, @Nullable Throwable failure) {
        if (state == State.CLOSED) {
            return;
        }
        if (failure != null) {
            if (failure instanceof RpcException) {
                RpcException e = (RpcException) failure;
                closeWithStatus(e.code(), e.details(), trailingMetadata.merge(e.trailingMetadata()));
            } else {
                log.error("handler of " + method.fullMethodName() + " failed", failure);
                closeWithStatus(StatusCode.UNKNOWN, "Unexpected error in handler", trailingMetadata);
            }
            return;
        }
        StatusCode c = code != null ? code : StatusCode.OK;
        String d = details != null ? details : "";
        if (method.type().isServerStreaming() || c != StatusCode.OK) {
            closeWithStatus(c, d, trailingMetadata);
            return;
        }
        if (value == null) {
            closeWithStatus(
                    StatusCode.INTERNAL,
                    method.fullMethodName() + " handler completed without a response",
                    trailingMetadata);
            return;
        }
        sendUnaryResponse((Resp) value);
    }

    private void sendUnaryResponse(Resp value) {
        Buffer frame;
        try {
            frame = frame(method.responseMarshaller().serialize(value));
        } catch (WireException e) {
            closeWithStatus(e.code(), e.getMessage(), trailingMetadata);
            return;
        } catch (RuntimeException e) {
            log.error("serializing the response of " + method.fullMethodName() + " failed", e);
            closeWithStatus(StatusCode.INTERNAL, "Failed to serialize response", trailingMetadata);
            return;
        }
        ensureHeaders();
        putStatus(response.trailers(), StatusCode.OK, details != null ? details : "", trailingMetadata);
        finish();
        connection.onResponseWrite(response.end(frame));
    }

    // ---------------------------------------------------------------- outbound (ctx)

    private void ensureHeaders() {
        if (state != State.ACTIVE) {
            return;
        }
        state = State.HEADERS_SENT;
        MultiMap h = response.headers();
        h.set(HttpHeaders.CONTENT_TYPE, GRPC);
        h.set("grpc-accept-encoding", Encoding.acceptEncodingHeader());
        Encoding enc = responseEncoding();
        if (enc != Encoding.IDENTITY) {
            h.set("grpc-encoding", enc.headerValue());
        }
    }

    private Encoding responseEncoding() {
        Encoding enc = responseEncoding;
        if (enc == null) {
            Compression wanted = compression != null ? compression : server.options.compression();
            Encoding e = Encoding.of(wanted);
            enc = Encoding.accepts(request.getHeader("grpc-accept-encoding"), e) ? e : Encoding.IDENTITY;
            responseEncoding = enc;
        }
        return enc;
    }

    @Override
    public Buffer frame(Buffer payload) {
        int max = server.options.maxSendMessageLength();
        if (max >= 0 && payload.length() > max) {
            throw new WireException(
                    StatusCode.RESOURCE_EXHAUSTED,
                    "Sent message larger than max (" + payload.length() + " vs. " + max + ")");
        }
        Encoding enc = responseEncoding();
        if (enc == Encoding.IDENTITY || nextMessageUncompressed) {
            nextMessageUncompressed = false;
            return MessageFramer.frame(payload, false);
        }
        return MessageFramer.frame(enc.compress(payload), true);
    }

    @Override
    public void send(Buffer frame, boolean last) {
        ensureHeaders();
        connection.onResponseWrite(response.write(frame));
    }

    @Override
    public void sendEnd() {
        // the response ends with the status, not through OutboundWrites
    }

    @Override
    public boolean writeQueueFull() {
        return response.writeQueueFull();
    }

    @Override
    public void onWriteError(WireException e) {
        closeWithStatus(e.code(), e.getMessage(), trailingMetadata);
    }

    @Override
    public @Nullable Throwable terminalError() {
        if (state != State.CLOSED) {
            return null;
        }
        return cancelled
                ? new RpcException(StatusCode.CANCELLED, "the call was cancelled")
                : new IllegalStateException("the call has already completed");
    }

    // ---------------------------------------------------------------- terminal events (ctx)

    /** Sends the status (trailers, or trailers-only) and ends the call. */
    private void closeWithStatus(StatusCode c, String d, Metadata trailing) {
        if (state == State.CLOSED) {
            return;
        }
        if (state == State.ACTIVE) {
            MultiMap h = response.headers();
            h.set(HttpHeaders.CONTENT_TYPE, GRPC);
            putStatus(h, c, d, trailing);
        } else {
            putStatus(response.trailers(), c, d, trailing);
        }
        code = c;
        details = d;
        finish();
        response.end();
    }

    private static void putStatus(MultiMap map, StatusCode c, String d, Metadata trailing) {
        MetadataCodec.toHeaders(trailing, map);
        map.set("grpc-status", Integer.toString(c.value()));
        if (!d.isEmpty()) {
            map.set("grpc-message", StatusMessages.encode(d));
        }
    }

    /**
     * After a complete response, stops a client that is still sending. RFC 7540 §8.1: RST_STREAM(NO_ERROR), so the
     * client keeps the status it received (with CANCEL, grpcio reports CANCELLED instead).
     */
    private void resetIfRequestOpen() {
        if (!request.isEnded()) {
            response.reset(NO_ERROR);
        }
    }

    /** The peer reset the stream (any code, NO_ERROR included) or the connection closed. */
    private void onTransportCancel() {
        if (state == State.CLOSED) {
            return;
        }
        cancelled = true;
        code = StatusCode.CANCELLED;
        finish();
    }

    private void onDeadline() {
        deadlineTimer = -1;
        if (state == State.CLOSED) {
            return;
        }
        cancelled = true;
        closeWithStatus(StatusCode.DEADLINE_EXCEEDED, "deadline exceeded", Metadata.EMPTY);
        resetIfRequestOpen();
    }

    /** Server stop reached its grace deadline: cancel, as grpc does (the client sees CANCELLED). */
    void cancelByServer() {
        if (ctx.inThread()) {
            cancelNow();
        } else {
            ctx.runOnContext(v -> cancelNow());
        }
    }

    private void cancelNow() {
        if (state == State.CLOSED) {
            return;
        }
        cancelled = true;
        code = StatusCode.CANCELLED;
        finish();
        response.reset(CANCEL);
    }

    /** The single terminal transition. */
    private void finish() {
        state = State.CLOSED;
        if (deadlineTimer >= 0) {
            ctx.owner().cancelTimer(deadlineTimer);
            deadlineTimer = -1;
        }
        RpcException error = cancelled ? new RpcException(StatusCode.CANCELLED, "the call was cancelled") : null;
        outbound.close(error);
        InboundMessages<Req> in = inbound;
        if (in != null) {
            in.end(error);
        }
        connection.onCallClosed(this, handlerRunning);
        doneCallbacks.fire();
    }

    // ---------------------------------------------------------------- ServicerContext (any thread)

    private void onCtx(Runnable action) {
        if (ctx.inThread()) {
            action.run();
        } else {
            ctx.runOnContext(v -> action.run());
        }
    }

    @Override
    public String method() {
        return method.path();
    }

    @Override
    public Metadata invocationMetadata() {
        Metadata md = invocationMetadata;
        if (md == null) {
            md = MetadataCodec.fromHeaders(request.headers());
            invocationMetadata = md;
        }
        return md;
    }

    @Override
    public Future<Void> sendInitialMetadata(Metadata metadata) {
        Objects.requireNonNull(metadata, "metadata");
        Promise<Void> promise = Contexts.caller(ctx.owner()).promise();
        onCtx(() -> {
            if (state != State.ACTIVE) {
                promise.fail(new IllegalStateException(
                        "sendInitialMetadata after the response headers were sent" + " (state: " + state + ")"));
                return;
            }
            MetadataCodec.toHeaders(metadata, response.headers());
            ensureHeaders();
            response.writeHead().onComplete(promise);
        });
        return promise.future();
    }

    @Override
    public void setTrailingMetadata(Metadata metadata) {
        Objects.requireNonNull(metadata, "metadata");
        onCtx(() -> trailingMetadata = metadata);
    }

    @Override
    public void setCode(StatusCode code) {
        this.code = Objects.requireNonNull(code, "code");
    }

    @Override
    public void setDetails(String details) {
        this.details = Objects.requireNonNull(details, "details");
    }

    @Override
    public Optional<StatusCode> code() {
        return Optional.ofNullable(code);
    }

    @Override
    public Optional<String> details() {
        return Optional.ofNullable(details);
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
            throw new IllegalArgumentException("code: OK (expected: an error code to abort with)");
        }
        RpcException error = new RpcException(code, details, trailingMetadata);
        // grpc.aio: abort's own trailing metadata replaces what setTrailingMetadata set; empty keeps the latter
        onCtx(() ->
                closeWithStatus(code, details, trailingMetadata.isEmpty() ? this.trailingMetadata : trailingMetadata));
        return ctx.failedFuture(error);
    }

    @Override
    public String peer() {
        SocketAddress remote = request.remoteAddress();
        if (remote == null || remote.isDomainSocket()) {
            SocketAddress local = request.localAddress();
            return "unix:" + (local != null && local.path() != null ? local.path() : "");
        }
        String host = remote.hostAddress() != null ? remote.hostAddress() : remote.host();
        return host.contains(":") ? "ipv6:[" + host + "]:" + remote.port() : "ipv4:" + host + ":" + remote.port();
    }

    @Override
    public Map<String, List<byte[]>> authContext() {
        return Map.of();
    }

    @Override
    public Future<Optional<Req>> read() {
        InboundMessages<Req> in = inbound;
        if (in == null) {
            throw new IllegalStateException(
                    method.fullMethodName() + " takes a single request: it is the handler's" + " argument");
        }
        return in.read();
    }

    @Override
    public Future<Void> write(Resp message) {
        Objects.requireNonNull(message, "message");
        if (!method.type().isServerStreaming()) {
            throw new IllegalStateException(
                    method.fullMethodName() + " has a single response: return it from the handler");
        }
        Buffer payload;
        try {
            payload = method.responseMarshaller().serialize(message);
        } catch (RuntimeException e) {
            log.error("serializing a response of " + method.fullMethodName() + " failed", e);
            onCtx(() -> closeWithStatus(StatusCode.INTERNAL, "Failed to serialize response", trailingMetadata));
            return ctx.failedFuture(e);
        }
        Promise<Void> promise = Contexts.caller(ctx.owner()).promise();
        onCtx(() -> outbound.write(payload, promise));
        return promise.future();
    }

    @Override
    public WriteStream<Resp> responses() {
        if (!method.type().isServerStreaming()) {
            throw new IllegalStateException(
                    method.fullMethodName() + " has a single response: return it from the handler");
        }
        return outbound.view(this::write, () -> ctx.succeededFuture());
    }

    @Override
    public void setCompression(Compression compression) {
        Objects.requireNonNull(compression, "compression");
        onCtx(() -> {
            if (state == State.ACTIVE) {
                this.compression = compression;
                this.responseEncoding = null;
            }
        });
    }

    @Override
    public void disableNextMessageCompression() {
        onCtx(() -> nextMessageUncompressed = true);
    }

    @Override
    public boolean isCancelled() {
        return cancelled;
    }

    @Override
    public boolean isDone() {
        return state == State.CLOSED;
    }

    @Override
    public Optional<Duration> timeRemaining() {
        return hasDeadline ? Optional.of(Duration.ofNanos(deadlineNanos - System.nanoTime())) : Optional.empty();
    }

    @Override
    public boolean cancel() {
        boolean live = state != State.CLOSED;
        onCtx(this::cancelNow);
        return live;
    }

    @Override
    public void addDoneCallback(Handler<Void> callback) {
        Objects.requireNonNull(callback, "callback");
        ContextInternal registrar = Contexts.caller(ctx.owner());
        onCtx(() -> doneCallbacks.add(registrar, callback));
    }

    // ---------------------------------------------------------------- InboundMessages.Transport (ctx)

    @Override
    public void pauseTransport() {
        request.pause();
    }

    @Override
    public void resumeTransport() {
        request.resume();
    }

    @Override
    public String toString() {
        return "ServerCall{" + method.fullMethodName() + ", " + state + (handlerStarted ? "" : ", not dispatched")
                + "}";
    }
}
