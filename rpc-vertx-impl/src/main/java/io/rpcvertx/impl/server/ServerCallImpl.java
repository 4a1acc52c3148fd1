package io.rpcvertx.impl.server;

import io.rpcvertx.Compression;
import io.rpcvertx.ContextKey;
import io.rpcvertx.HandlerCallDetails;
import io.rpcvertx.Metadata;
import io.rpcvertx.MethodDescriptor;
import io.rpcvertx.RpcException;
import io.rpcvertx.RpcMethodHandler;
import io.rpcvertx.ServerInterceptor;
import io.rpcvertx.ServicerContext;
import io.rpcvertx.StatusCode;
import io.rpcvertx.impl.codec.ContentTypes;
import io.rpcvertx.impl.codec.Encoding;
import io.rpcvertx.impl.codec.GrpcHeaders;
import io.rpcvertx.impl.codec.GrpcTimeout;
import io.rpcvertx.impl.codec.MessageDeframer;
import io.rpcvertx.impl.codec.MessageFramer;
import io.rpcvertx.impl.codec.MetadataCodec;
import io.rpcvertx.impl.codec.StatusMessages;
import io.rpcvertx.impl.codec.WireException;
import io.rpcvertx.impl.security.AuthContext;
import io.rpcvertx.impl.transport.Contexts;
import io.rpcvertx.impl.transport.DoneCallbacks;
import io.rpcvertx.impl.transport.InboundMessages;
import io.rpcvertx.impl.transport.OutboundWrites;
import io.rpcvertx.impl.transport.ServerCallLocal;
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
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
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
 *
 * <p>Dispatch: while ACTIVE and before the handler is known ({@code handler == null}), the server interceptors run
 * around the handler lookup (grpc.aio order: interceptors first, then the lookup); the request stream is paused
 * meanwhile, so no message arrives before there is a marshaller for it. A blocking handler runs on the server's
 * {@link BlockingPool}; its outcome is handled here, on the call's context. Message interceptors ({@link MessageHooks})
 * sit between the deframer and the handler, and between the handler's writes and the stream, one message at a time.
 */
final class ServerCallImpl<Req, Resp>
        implements ServicerContext<Req, Resp>, InboundMessages.Transport, OutboundWrites.Sink {
    private static final Logger log = LoggerFactory.getLogger(ServerCallImpl.class);
    private static final long CANCEL = 0x8;
    private static final long NO_ERROR = 0x0;
    private static final long REFUSED_STREAM = 0x7;

    enum State {
        ACTIVE,
        HEADERS_SENT,
        CLOSED
    }

    /**
     * Responses that may wait for their message hooks; a writer that ignores its futures and writeQueueFull() is cut
     * off there (as OutboundWrites does at 16 MiB) instead of growing memory.
     */
    static final int MAX_RESPONSES_IN_HOOKS = 1024;

    /** Marks the end of the request stream behind messages waiting for their hooks. */
    private static final Object END_OF_REQUESTS = new Object();

    private final ServerImpl server;
    private final ServerConnection connection;
    private final HttpServerRequest request;
    private final HttpServerResponse response;
    private final ContextInternal ctx;
    private final String path;
    private final Encoding requestEncoding;
    private final long deadlineNanos;
    private final boolean hasDeadline;
    private final MessageDeframer deframer;
    private final OutboundWrites<Resp> outbound;
    private final DoneCallbacks doneCallbacks = new DoneCallbacks();

    // known once dispatched (handler != null); written once on ctx before any reader can run
    private @Nullable RpcMethodHandler<Req, Resp> handler;
    private @Nullable MethodDescriptor<Req, Resp> method;
    private @Nullable InboundMessages<Req> inbound;
    private @Nullable MessageHooks hooks;
    private volatile @Nullable HandlerCallDetails callDetails;

    // message hooks: one message at a time per direction, in arrival order (sized 0: most calls have no hooks)
    private final ArrayDeque<Object> hookedRequests = new ArrayDeque<>(0);
    private boolean requestHookRunning;
    private final ArrayDeque<HookedResponse<Resp>> hookedResponses = new ArrayDeque<>(0);
    private boolean responseHookRunning;
    private final AtomicInteger responsesInHooks = new AtomicInteger();
    private @Nullable Runnable afterResponseHooks;
    private @Nullable HookedResponses hookedView;

    private boolean readerPaused;
    private boolean transportPaused;

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
    private volatile @Nullable AuthContext authContext;

    /** A response waiting for its hooks; {@code uncompressed}: disableNextMessageCompression applied to it. */
    private record HookedResponse<Resp>(Resp message, Promise<Void> promise, boolean uncompressed) {}
    // the connection's list of live calls (ServerConnection, on the loop)
    @Nullable
    ServerCallImpl<?, ?> prevInConnection;

    @Nullable
    ServerCallImpl<?, ?> nextInConnection;

    boolean inConnection;

    /** From dispatch until the handler's future completes: a server stop waits for it. */
    private boolean handlerRunning;

    private ServerCallImpl(
            ServerImpl server,
            ServerConnection connection,
            HttpServerRequest request,
            ContextInternal ctx,
            Encoding requestEncoding,
            long timeoutNanos) {
        this.server = server;
        this.connection = connection;
        this.request = request;
        this.response = request.response();
        this.ctx = ctx;
        this.path = request.path();
        this.requestEncoding = requestEncoding;
        this.hasDeadline = timeoutNanos >= 0;
        this.deadlineNanos = hasDeadline ? System.nanoTime() + timeoutNanos : 0;
        this.deframer = new MessageDeframer(server.options.maxReceiveMessageLength(), requestEncoding);
        this.outbound = new OutboundWrites<>(ctx, ctx, this, false);
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
        if (!ContentTypes.isGrpc(req.getHeader(GrpcHeaders.CONTENT_TYPE))) {
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
            // a stream that raced our GOAWAY: REFUSED_STREAM tells any gRPC client that nothing was processed, so it
            // retries transparently elsewhere (or reports UNAVAILABLE)
            resp.reset(REFUSED_STREAM);
            return;
        }
        String encodingName = req.getHeader(GrpcHeaders.GRPC_ENCODING);
        Encoding encoding = encodingName == null ? Encoding.IDENTITY : Encoding.forName(encodingName);
        if (encoding == null) {
            resp.putHeader(GrpcHeaders.GRPC_ACCEPT_ENCODING, GrpcHeaders.ACCEPT_ENCODING_VALUE);
            trailersOnly(resp, StatusCode.UNIMPLEMENTED, "Content-Encoding '" + encodingName + "' is not supported");
            return;
        }
        long timeoutNanos = -1;
        String timeout = req.getHeader(GrpcHeaders.GRPC_TIMEOUT);
        if (timeout != null) {
            try {
                timeoutNanos = GrpcTimeout.parseNanos(timeout);
            } catch (IllegalArgumentException e) {
                trailersOnly(resp, StatusCode.INTERNAL, "invalid grpc-timeout: " + timeout);
                return;
            }
        }
        ContextInternal ctx = ContextInternal.current();
        ServerCallImpl<?, ?> call = new ServerCallImpl<>(server, connection, req, ctx, encoding, timeoutNanos);
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
        resp.putHeader(GrpcHeaders.CONTENT_TYPE, GrpcHeaders.APPLICATION_GRPC);
        resp.putHeader(GrpcHeaders.GRPC_STATUS, GrpcHeaders.status(code));
        if (!message.isEmpty()) {
            resp.putHeader(GrpcHeaders.GRPC_MESSAGE, StatusMessages.encode(message));
        }
        resp.end();
    }

    private void start() {
        ServerCallLocal.publish(ctx, this); // deadline propagation: client calls made in the handler find this call
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
        resolveHandler();
    }

    // ---------------------------------------------------------------- dispatch (ctx)

    /** Interceptors, then the lookup (grpc.aio runs interceptors before it); synchronous when there are none. */
    private void resolveHandler() {
        List<ServerInterceptor> interceptors = server.options.interceptors();
        if (interceptors.isEmpty()) {
            RpcMethodHandler<?, ?> found;
            try {
                found = server.registry().lookup(path, () -> new HandlerCallDetails(path, invocationMetadata()));
            } catch (RuntimeException e) {
                closeWithFailure(e, "the handler lookup of " + path, "generic handler");
                return;
            }
            onResolved(found);
            return;
        }
        Future<Optional<RpcMethodHandler<?, ?>>> resolved = InterceptorChain.run(
                interceptors,
                server.registry(),
                ctx,
                new HandlerCallDetails(path, invocationMetadata()),
                reached -> callDetails = reached);
        if (!resolved.isComplete()) {
            updateTransport(); // hold request data back until there is a handler to read it
        }
        resolved.onComplete(ar -> onCtx(() -> {
            if (ar.failed()) {
                closeWithFailure(ar.cause(), "an interceptor of " + path, "interceptor");
            } else {
                onResolved(ar.result().orElse(null));
            }
        }));
    }

    @SuppressWarnings("unchecked") // the handler's types are its descriptor's; the call was created untyped
    private void onResolved(@Nullable RpcMethodHandler<?, ?> found) {
        if (state == State.CLOSED) {
            return; // cancelled or past its deadline while interceptors ran
        }
        if (found == null) {
            closeWithStatus(StatusCode.UNIMPLEMENTED, unknownMethodMessage(path, server.registry()), Metadata.EMPTY);
            return;
        }
        RpcMethodHandler<Req, Resp> h = (RpcMethodHandler<Req, Resp>) found;
        MethodDescriptor<Req, Resp> m = h.method();
        handler = h;
        method = m;
        inbound = m.type().isClientStreaming() ? new InboundMessages<>(ctx, ctx, this) : null;
        hooks = h.messageInterceptors().isEmpty() ? null : new MessageHooks(h.messageInterceptors(), this, ctx);
        updateTransport();
        if (m.type().isClientStreaming()) {
            invokeHandler();
        }
    }

    private MethodDescriptor<Req, Resp> descriptor() {
        MethodDescriptor<Req, Resp> m = method;
        if (m == null) {
            throw new IllegalStateException("call " + path + " has no handler yet");
        }
        return m;
    }

    /**
     * One place decides whether request data flows: it is held while the handler is being resolved, while a request
     * message waits for its hooks, and while the reader's queue is full ({@link InboundMessages} asked).
     */
    private void updateTransport() {
        boolean hold = state != State.CLOSED
                && (handler == null || readerPaused || requestHookRunning || !hookedRequests.isEmpty());
        if (hold == transportPaused) {
            return;
        }
        transportPaused = hold;
        if (request.isEnded()) {
            return; // fully read or reset: nothing left to hold, and Vert.x refuses pause/resume then
        }
        if (hold) {
            request.pause();
        } else {
            request.resume();
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
            message = descriptor().requestMarshaller().deserialize(payload);
        } catch (RuntimeException e) {
            throw new WireException(StatusCode.INTERNAL, "Failed to read request message: " + e);
        }
        requestsReceived++;
        if (inbound == null && requestsReceived > 1) {
            throw new WireException(StatusCode.INTERNAL, "Too many requests for a unary-request method");
        }
        if (hooks == null) {
            deliverRequest(message);
        } else {
            hookedRequests.add(message);
            pumpRequestHooks();
        }
    }

    private void deliverRequest(Req message) {
        InboundMessages<Req> in = inbound;
        if (in != null) {
            in.offer(message);
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
        if (requestHookRunning || !hookedRequests.isEmpty()) {
            hookedRequests.add(END_OF_REQUESTS); // the end waits behind the messages still in their hooks
            return;
        }
        onRequestsEnd();
    }

    private void onRequestsEnd() {
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

    // ---------------------------------------------------------------- message hooks (ctx)

    /** Passes queued request messages through the hooks, one at a time; the end follows the last one. */
    private void pumpRequestHooks() {
        MessageHooks h = Objects.requireNonNull(hooks);
        while (!requestHookRunning && state != State.CLOSED) {
            Object next = hookedRequests.poll();
            if (next == null) {
                break;
            }
            if (next == END_OF_REQUESTS) {
                onRequestsEnd();
                continue;
            }
            @SuppressWarnings("unchecked") // only Req messages and the end marker are queued
            Req message = (Req) next;
            Future<Void> passed = h.onRequest(message);
            if (passed.isComplete()) {
                onRequestHookDone(message, passed.cause());
                continue;
            }
            requestHookRunning = true;
            updateTransport();
            passed.onComplete(ar -> {
                requestHookRunning = false;
                onRequestHookDone(message, ar.cause());
                pumpRequestHooks();
            });
            return;
        }
        updateTransport();
    }

    private void onRequestHookDone(Req message, @Nullable Throwable failure) {
        if (state == State.CLOSED) {
            return;
        }
        if (failure != null) {
            closeWithFailure(failure, "a message interceptor of " + path, "message interceptor");
            resetIfRequestOpen();
            return;
        }
        deliverRequest(message);
    }

    /** Passes queued response messages through the hooks, one at a time, then on to the stream. */
    private void pumpResponseHooks() {
        MessageHooks h = Objects.requireNonNull(hooks);
        while (!responseHookRunning) {
            HookedResponse<Resp> next = hookedResponses.poll();
            if (next == null) {
                break;
            }
            if (state == State.CLOSED) {
                responsesInHooks.decrementAndGet();
                next.promise().tryFail(Objects.requireNonNull(terminalError()));
                continue;
            }
            Future<Void> passed = h.onResponse(next.message());
            if (passed.isComplete()) {
                onResponseHookDone(next, passed.cause());
                continue;
            }
            responseHookRunning = true;
            passed.onComplete(ar -> {
                responseHookRunning = false;
                onResponseHookDone(next, ar.cause());
                pumpResponseHooks();
            });
            return;
        }
        Runnable after = afterResponseHooks;
        if (after != null) {
            afterResponseHooks = null;
            after.run();
        }
        HookedResponses view = hookedView;
        if (view != null) {
            view.onHooksIdle();
        }
    }

    private void onResponseHookDone(HookedResponse<Resp> r, @Nullable Throwable failure) {
        responsesInHooks.decrementAndGet();
        if (state == State.CLOSED) {
            r.promise().tryFail(Objects.requireNonNull(terminalError()));
            return;
        }
        if (failure != null) {
            closeWithFailure(failure, "a message interceptor of " + path, "message interceptor");
            r.promise().tryFail(failure);
            return;
        }
        Buffer payload;
        try {
            payload = descriptor().responseMarshaller().serialize(r.message());
        } catch (RuntimeException e) {
            log.error("serializing a response of " + path + " failed", e);
            closeWithStatus(StatusCode.INTERNAL, "Failed to serialize response", trailingMetadata);
            r.promise().tryFail(e);
            return;
        }
        nextMessageUncompressed = r.uncompressed(); // a message is framed as soon as the stream takes it
        outbound.write(payload, r.promise());
    }

    private boolean responseHooksBusy() {
        return responseHookRunning || !hookedResponses.isEmpty();
    }

    // ---------------------------------------------------------------- the handler (ctx)

    private void invokeHandler() {
        handlerStarted = true;
        handlerRunning = state != State.CLOSED;
        RpcMethodHandler<Req, Resp> h = Objects.requireNonNull(handler);
        if (h.isBlocking()) {
            invocationMetadata(); // parsed here, so the worker thread only reads it
            server.blockingPool().run(ctx, this::dispatch).onComplete(ar -> {
                if (ar.failed()) {
                    onHandlerTerminated();
                    onHandlerDone(null, ar.cause());
                } else {
                    onHandlerResult(ar.result());
                }
            });
            return;
        }
        Future<?> result;
        try {
            result = dispatch();
        } catch (RuntimeException | Error e) {
            onHandlerTerminated();
            onHandlerDone(null, e);
            return;
        }
        onHandlerResult(result);
    }

    private void onHandlerResult(@Nullable Future<?> result) {
        if (result == null) {
            onHandlerTerminated();
            onHandlerDone(null, new NullPointerException(path + " handler returned null"));
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

    /** Calls the handler: on the call's context, or on a worker thread for a blocking handler. */
    private Future<?> dispatch() {
        RpcMethodHandler<Req, Resp> h = Objects.requireNonNull(handler);
        Req req = unaryRequest;
        InboundMessages<Req> in = inbound;
        switch (h.method().type()) {
            case UNARY_UNARY:
                return h.unaryUnaryHandler().handle(Objects.requireNonNull(req), this);
            case UNARY_STREAM:
                return h.unaryStreamHandler().handle(Objects.requireNonNull(req), this);
            case STREAM_UNARY:
                return h.streamUnaryHandler().handle(Objects.requireNonNull(in), this);
            case STREAM_STREAM:
                return h.streamStreamHandler().handle(Objects.requireNonNull(in), this);
            default:
                throw new AssertionError(h.method().type());
        }
    }

    @SuppressWarnings("unchecked")
    private void onHandlerDone(@Nullable Object value, @Nullable Throwable failure) {
        if (state == State.CLOSED) {
            return;
        }
        if (failure != null) {
            closeWithFailure(failure, "the handler of " + path, "handler");
            return;
        }
        if (responseHooksBusy()) {
            // the status follows the responses the handler wrote, even when it did not wait for them
            afterResponseHooks = () -> onHandlerDone(value, null);
            return;
        }
        MethodDescriptor<Req, Resp> m = descriptor();
        StatusCode c = code != null ? code : StatusCode.OK;
        String d = details != null ? details : "";
        if (m.type().isServerStreaming() || c != StatusCode.OK) {
            closeWithStatus(c, d, trailingMetadata);
            return;
        }
        if (value == null) {
            closeWithStatus(
                    StatusCode.INTERNAL,
                    m.fullMethodName() + " handler completed without a response",
                    trailingMetadata);
            return;
        }
        MessageHooks h = hooks;
        if (h == null) {
            sendUnaryResponse((Resp) value);
            return;
        }
        h.onResponse(value).onComplete(ar -> {
            if (state == State.CLOSED) {
                return;
            }
            if (ar.failed()) {
                closeWithFailure(ar.cause(), "a message interceptor of " + path, "message interceptor");
            } else {
                sendUnaryResponse((Resp) value);
            }
        });
    }

    /** RpcException: its status; anything else from user code: UNKNOWN, logged, no details to the peer. */
    private void closeWithFailure(Throwable failure, String where, String what) {
        if (failure instanceof RpcException) {
            RpcException e = (RpcException) failure;
            closeWithStatus(e.code(), e.details(), trailingMetadata.merge(e.trailingMetadata()));
        } else {
            log.error(where + " failed", failure);
            closeWithStatus(StatusCode.UNKNOWN, "Unexpected error in " + what, trailingMetadata);
        }
    }

    private void sendUnaryResponse(Resp value) {
        Buffer frame;
        try {
            frame = frame(descriptor().responseMarshaller().serialize(value));
        } catch (WireException e) {
            closeWithStatus(e.code(), e.getMessage(), trailingMetadata);
            return;
        } catch (RuntimeException e) {
            log.error("serializing the response of " + path + " failed", e);
            closeWithStatus(StatusCode.INTERNAL, "Failed to serialize response", trailingMetadata);
            return;
        }
        ensureHeaders();
        putStatus(response.trailers(), StatusCode.OK, details != null ? details : "", trailingMetadata);
        finish();
        connection.onResponseWrite(response.end(frame), frame.length());
    }

    // ---------------------------------------------------------------- outbound (ctx)

    private void ensureHeaders() {
        if (state != State.ACTIVE) {
            return;
        }
        state = State.HEADERS_SENT;
        MultiMap h = response.headers();
        h.set(GrpcHeaders.CONTENT_TYPE, GrpcHeaders.APPLICATION_GRPC);
        h.set(GrpcHeaders.GRPC_ACCEPT_ENCODING, GrpcHeaders.ACCEPT_ENCODING_VALUE);
        Encoding enc = responseEncoding();
        if (enc != Encoding.IDENTITY) {
            h.set(GrpcHeaders.GRPC_ENCODING, enc.headerValue());
        }
    }

    private Encoding responseEncoding() {
        Encoding enc = responseEncoding;
        if (enc == null) {
            Compression wanted = compression != null ? compression : server.options.compression();
            Encoding e = Encoding.of(wanted);
            // the header lookup only when compressing was asked for: most calls answer uncompressed
            enc = e == Encoding.IDENTITY || Encoding.accepts(request.getHeader(GrpcHeaders.GRPC_ACCEPT_ENCODING), e)
                    ? e
                    : Encoding.IDENTITY;
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
        connection.onResponseWrite(response.write(frame), frame.length());
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
            h.set(GrpcHeaders.CONTENT_TYPE, GrpcHeaders.APPLICATION_GRPC);
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
        map.set(GrpcHeaders.GRPC_STATUS, GrpcHeaders.status(c));
        if (!d.isEmpty()) {
            map.set(GrpcHeaders.GRPC_MESSAGE, StatusMessages.encode(d));
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
        hookedRequests.clear();
        if (hooks != null && !responseHookRunning) {
            pumpResponseHooks(); // fails the responses still waiting for their hooks
        }
        updateTransport();
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
        return path;
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
        return authContextOfConnection().properties();
    }

    @Override
    public List<byte[]> peerIdentities() {
        return authContextOfConnection().peerIdentities();
    }

    @Override
    public Optional<String> peerIdentityKey() {
        return authContextOfConnection().peerIdentityKey();
    }

    /** Computed when a handler first asks: most never do, and the certificate's PEM is not free. */
    private AuthContext authContextOfConnection() {
        AuthContext a = authContext;
        if (a == null) {
            a = AuthContext.of(request.connection());
            authContext = a;
        }
        return a;
    }

    @Override
    public <T> Optional<T> get(ContextKey<T> key) {
        Objects.requireNonNull(key, "key");
        HandlerCallDetails d = callDetails;
        return d == null ? Optional.empty() : d.get(key);
    }

    @Override
    public Future<Optional<Req>> read() {
        InboundMessages<Req> in = inbound;
        if (in == null) {
            throw new IllegalStateException(path + " takes a single request: it is the handler's argument");
        }
        return in.read();
    }

    @Override
    public Future<Void> write(Resp message) {
        Objects.requireNonNull(message, "message");
        MethodDescriptor<Req, Resp> m = descriptor();
        if (!m.type().isServerStreaming()) {
            throw new IllegalStateException(m.fullMethodName() + " has a single response: return it from the handler");
        }
        if (hooks != null) {
            return writeThroughHooks(message);
        }
        Buffer payload;
        try {
            payload = m.responseMarshaller().serialize(message);
        } catch (RuntimeException e) {
            log.error("serializing a response of " + m.fullMethodName() + " failed", e);
            onCtx(() -> closeWithStatus(StatusCode.INTERNAL, "Failed to serialize response", trailingMetadata));
            return ctx.failedFuture(e);
        }
        Promise<Void> promise = Contexts.caller(ctx.owner()).promise();
        onCtx(() -> outbound.write(payload, promise));
        return promise.future();
    }

    private Future<Void> writeThroughHooks(Resp message) {
        // counted at once, so writeQueueFull() reports it to this writer
        int waiting = responsesInHooks.incrementAndGet();
        if (waiting > MAX_RESPONSES_IN_HOOKS) {
            responsesInHooks.decrementAndGet();
            return Contexts.caller(ctx.owner())
                    .failedFuture(new IllegalStateException("write buffer full (" + MAX_RESPONSES_IN_HOOKS
                            + " responses wait for message interceptors): wait for the previous write() futures"
                            + " or honour writeQueueFull()/drainHandler"));
        }
        Promise<Void> promise = Contexts.caller(ctx.owner()).promise();
        onCtx(() -> {
            hookedResponses.add(new HookedResponse<>(message, promise, nextMessageUncompressed));
            nextMessageUncompressed = false;
            pumpResponseHooks();
        });
        return promise.future();
    }

    @Override
    public WriteStream<Resp> responses() {
        MethodDescriptor<Req, Resp> m = descriptor();
        if (!m.type().isServerStreaming()) {
            throw new IllegalStateException(m.fullMethodName() + " has a single response: return it from the handler");
        }
        WriteStream<Resp> plain = outbound.view(this::write, () -> ctx.succeededFuture());
        if (hooks == null) {
            return plain;
        }
        synchronized (this) {
            HookedResponses view = hookedView;
            if (view == null) {
                view = new HookedResponses(plain);
                hookedView = view;
            }
            return view;
        }
    }

    /**
     * The responses view when message hooks exist: full while a response waits for its hooks. The drain handler runs
     * (on the call's context) once per full-to-not-full transition a writer saw, whichever side (hooks or stream) held
     * it back.
     */
    private final class HookedResponses implements WriteStream<Resp> {
        private final WriteStream<Resp> plain;
        private volatile @Nullable Handler<Void> drainHandler;
        private volatile boolean sawFull;

        HookedResponses(WriteStream<Resp> plain) {
            this.plain = plain;
            plain.drainHandler(v -> onHooksIdle());
        }

        /** Call's context: the hooks or the stream may have room again. */
        void onHooksIdle() {
            Handler<Void> h = drainHandler;
            if (h != null && sawFull && !isFull()) {
                sawFull = false;
                ctx.runOnContext(h); // not from inside the hook pump: the handler usually writes again
            }
        }

        private boolean isFull() {
            return responsesInHooks.get() > 0 || plain.writeQueueFull();
        }

        @Override
        public WriteStream<Resp> exceptionHandler(@Nullable Handler<Throwable> handler) {
            plain.exceptionHandler(handler);
            return this;
        }

        @Override
        public Future<Void> write(Resp data) {
            return plain.write(data);
        }

        @Override
        public Future<Void> end() {
            return plain.end();
        }

        @Override
        public WriteStream<Resp> setWriteQueueMaxSize(int maxSize) {
            return this;
        }

        @Override
        public boolean writeQueueFull() {
            boolean full = isFull();
            if (full) {
                sawFull = true;
            }
            return full;
        }

        @Override
        public WriteStream<Resp> drainHandler(@Nullable Handler<Void> handler) {
            drainHandler = handler;
            onCtx(this::onHooksIdle); // room may have come back before the handler was set
            return this;
        }
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
    public Compression requestCompression() {
        return requestEncoding.toCompression();
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
        // DESIGN.md section 5: on the call's loop, whoever registers (a blocking handler registers from a worker)
        onCtx(() -> doneCallbacks.add(ctx, callback));
    }

    // ---------------------------------------------------------------- InboundMessages.Transport (ctx)

    @Override
    public void pauseTransport() {
        readerPaused = true;
        updateTransport();
    }

    @Override
    public void resumeTransport() {
        readerPaused = false;
        updateTransport();
    }

    @Override
    public String toString() {
        return "ServerCall{" + path + ", " + state + (handlerStarted ? "" : ", not dispatched") + "}";
    }
}
