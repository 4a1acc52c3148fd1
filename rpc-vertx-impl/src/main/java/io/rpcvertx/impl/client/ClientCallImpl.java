package io.rpcvertx.impl.client;

import io.rpcvertx.CallOptions;
import io.rpcvertx.Metadata;
import io.rpcvertx.MethodDescriptor;
import io.rpcvertx.RpcException;
import io.rpcvertx.StatusCode;
import io.rpcvertx.impl.codec.ContentTypes;
import io.rpcvertx.impl.codec.Encoding;
import io.rpcvertx.impl.codec.GrpcHeaders;
import io.rpcvertx.impl.codec.GrpcTimeout;
import io.rpcvertx.impl.codec.MessageDeframer;
import io.rpcvertx.impl.codec.MessageFramer;
import io.rpcvertx.impl.codec.MetadataCodec;
import io.rpcvertx.impl.codec.StatusMapping;
import io.rpcvertx.impl.codec.StatusMessages;
import io.rpcvertx.impl.codec.WireException;
import io.rpcvertx.impl.transport.DoneCallbacks;
import io.rpcvertx.impl.transport.InboundMessages;
import io.rpcvertx.impl.transport.OutboundWrites;
import io.rpcvertx.impl.transport.TransportErrors;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.StreamResetException;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.streams.ReadStream;
import io.vertx.core.streams.WriteStream;
import java.time.Duration;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * One client RPC, all four shapes. State lives on the channel's event loop ({@link #owner}); futures and streams
 * complete on the creator's context ({@link #caller}).
 *
 * <p>State machine (request side; the response side is the orthogonal {@link #initialMetadata} latch):
 *
 * <pre>
 * PENDING --stream opened--&gt; OPEN --doneWriting--&gt; HALF_CLOSED
 * PENDING --doneWriting--&gt; PENDING_HALF_CLOSED --stream opened--&gt; HALF_CLOSED
 * any --terminal event (trailers, cancel, deadline, transport error, local error)--&gt; CLOSED
 * </pre>
 *
 * The first terminal event wins; later ones are ignored.
 */
final class ClientCallImpl<Req, Resp> implements ClientCall<Req, Resp>, InboundMessages.Transport, OutboundWrites.Sink {

    enum State {
        PENDING,
        PENDING_HALF_CLOSED,
        OPEN,
        HALF_CLOSED,
        CLOSED;

        boolean isHalfClosed() {
            return this == PENDING_HALF_CLOSED || this == HALF_CLOSED;
        }
    }

    private static final long CANCEL = 0x8;
    private static final long REFUSED_STREAM = 0x7;
    /** Timer resolution plus scheduling slack: a peer cancel this close to our deadline is the deadline. */
    private static final long DEADLINE_SLACK_NANOS = 20_000_000;

    private final ChannelImpl channel;
    private final MethodDescriptor<Req, Resp> method;
    private final CallOptions options;
    final ContextInternal owner;
    private final ContextInternal caller;
    private final long deadlineNanos;
    private final boolean hasDeadline;
    private final Encoding requestEncoding;
    private final boolean unaryResponse;

    private final Promise<Metadata> initialMetadataPromise;
    private final Promise<Metadata> trailingMetadataPromise;
    private final Promise<StatusCode> codePromise;
    private final Promise<String> detailsPromise;
    private final Promise<Void> connectionPromise;
    private final @Nullable Promise<Resp> responsePromise;
    private final @Nullable InboundMessages<Resp> inbound;
    private final OutboundWrites<Req> outbound;
    private final DoneCallbacks doneCallbacks = new DoneCallbacks();
    // this call's place in its channel's intrusive list of live calls: touched only by the channel, on the owner
    @Nullable
    ClientCallImpl<?, ?> livePrev;

    @Nullable
    ClientCallImpl<?, ?> liveNext;

    boolean live;

    private volatile State state = State.PENDING;
    private volatile @Nullable StatusCode finalCode;
    private @Nullable RpcException failure;
    private long deadlineTimer = -1;
    private boolean retried;
    private int messagesSent;
    private ChannelImpl.@Nullable Conn conn;
    private @Nullable HttpClientRequest request;
    private @Nullable HttpClientResponse response;
    private @Nullable Metadata initialMetadata;
    private boolean trailersOnly;
    private @Nullable MessageDeframer deframer;
    private @Nullable Resp unaryValue;
    private int responsesReceived;
    private Metadata credentialsMetadata = Metadata.EMPTY;

    // set by the layer above one attempt (RetryingCall, MultiCallables) before the call starts
    private @Nullable Observer<Resp> observer;
    private int previousAttempts;
    private int maxSendBytes;
    private int maxReceiveBytes;
    private @Nullable String pushback;

    /**
     * Receives the response events of an attempt of a retrying call, on the owner context, instead of the attempt's
     * own futures and streams: headers (not trailers-only), each message, and the terminal event.
     */
    interface Observer<Resp> {
        void onHeaders(ClientCallImpl<?, Resp> attempt, Metadata headers);

        void onMessage(ClientCallImpl<?, Resp> attempt, Resp message);

        void onClose(ClientCallImpl<?, Resp> attempt, StatusCode code, String details, Metadata trailing);
    }

    ClientCallImpl(
            ChannelImpl channel, MethodDescriptor<Req, Resp> method, CallOptions options, ContextInternal caller) {
        this.channel = channel;
        this.method = method;
        this.options = options;
        this.owner = channel.owner;
        this.caller = caller;
        Optional<Duration> timeout = options.timeout();
        this.hasDeadline = timeout.isPresent();
        this.deadlineNanos = hasDeadline ? System.nanoTime() + saturatedNanos(timeout.get()) : 0;
        this.requestEncoding = Encoding.of(options.compression().orElse(channel.options.compression()));
        this.unaryResponse = !method.type().isServerStreaming();
        this.initialMetadataPromise = caller.promise();
        this.trailingMetadataPromise = caller.promise();
        this.codePromise = caller.promise();
        this.detailsPromise = caller.promise();
        this.connectionPromise = caller.promise();
        this.responsePromise = unaryResponse ? caller.promise() : null;
        this.inbound = unaryResponse ? null : new InboundMessages<>(owner, caller, this);
        this.outbound = new OutboundWrites<>(owner, caller, this, true);
        this.maxSendBytes = channel.options.maxSendMessageLength();
        this.maxReceiveBytes = channel.options.maxReceiveMessageLength();
    }

    /** Makes this call an attempt of a retrying call: events go to {@code o}; {@code n} attempts came before. */
    void observe(Observer<Resp> o, int n) {
        this.observer = o;
        this.previousAttempts = n;
    }

    /** Message limits for this call (service config), in bytes; -1 means unlimited. */
    void limitMessages(int maxSend, int maxReceive) {
        this.maxSendBytes = maxSend;
        this.maxReceiveBytes = maxReceive;
    }

    /** The {@code grpc-retry-pushback-ms} trailer of an observed attempt, if the server sent one. */
    @Nullable
    String retryPushback() {
        return pushback;
    }

    private static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return d.isNegative() ? Long.MIN_VALUE / 2 : Long.MAX_VALUE / 2;
        }
    }

    boolean waitForReady() {
        return options.waitForReady().orElse(false);
    }

    // ---------------------------------------------------------------- start (any thread)

    /** Starts the call: the serialized request (unary-request shapes) is sent with the headers. */
    void start(@Nullable Req request) {
        Buffer payload = null;
        if (request != null) {
            try {
                payload = method.requestMarshaller().serialize(request);
            } catch (RuntimeException e) {
                Buffer none = null;
                onOwner(() -> admit(none, new RpcException(StatusCode.INTERNAL, "Failed to serialize request: " + e)));
                return;
            }
        }
        Buffer p = payload;
        onOwner(() -> admit(p, null));
    }

    /** Starts an observed attempt on the owner; its messages follow with {@link #sendPayload}. */
    void startOnOwner() {
        admit(null, null);
    }

    /** Sends (or buffers until the stream opens) one serialized message; owner only. */
    void sendPayload(Buffer payload, @Nullable Promise<Void> promise) {
        assert owner.inThread();
        outbound.write(payload, promise);
    }

    private void admit(@Nullable Buffer requestPayload, @Nullable RpcException startError) {
        assert owner.inThread();
        if (startError != null) {
            terminate(startError.code(), startError.details(), Metadata.EMPTY, false);
            return;
        }
        if (hasDeadline) {
            long remaining = deadlineNanos - System.nanoTime();
            if (remaining <= 0) {
                onDeadline();
                return;
            }
            // timers have millisecond resolution: round up so the deadline never fires early
            deadlineTimer = owner.setTimer(Math.max(1, (remaining + 999_999) / 1_000_000), id -> onDeadline());
        }
        if (requestPayload != null) {
            outbound.write(requestPayload, null);
            outbound.halfClose();
            state = State.PENDING_HALF_CLOSED;
        }
        if (channel.security.hasCallCredentials(options)) {
            admitWithCallCredentials();
        } else {
            channel.admit(this);
        }
    }

    /**
     * Call credentials run before the call takes a stream slot (the deadline already counts); their metadata goes
     * out with the request headers, and their failure ends the call before anything is sent.
     */
    private void admitWithCallCredentials() {
        channel.security.callMetadata(options, method, owner).onComplete(ar -> {
            if (state == State.CLOSED) {
                return; // cancelled or past its deadline meanwhile
            }
            if (ar.failed()) {
                RpcException e = (RpcException) ar.cause();
                terminate(e.code(), e.details(), e.trailingMetadata(), false);
                return;
            }
            credentialsMetadata = ar.result();
            channel.admit(this);
        });
    }

    // ---------------------------------------------------------------- stream (owner)

    /** The channel gave this call a stream slot on {@code conn}. */
    void startOn(ChannelImpl.Conn c) {
        assert owner.inThread();
        this.conn = c;
        RequestOptions ro = new RequestOptions().setMethod(HttpMethod.POST).setURI(method.path());
        c.http.request(ro).onComplete(ar -> {
            if (ar.succeeded()) {
                onRequest(ar.result());
            } else {
                onTransportError(ar.cause(), true);
            }
        });
    }

    ChannelImpl.@Nullable Conn conn() {
        return conn;
    }

    /** The connection this call holds a stream slot on, now released (null if none). */
    ChannelImpl.@Nullable Conn takeConn() {
        ChannelImpl.Conn c = conn;
        conn = null;
        return c;
    }

    private void onRequest(HttpClientRequest req) {
        if (state == State.CLOSED) {
            req.reset(CANCEL);
            return;
        }
        if (hasDeadline && deadlineNanos - System.nanoTime() <= 0) {
            req.reset(CANCEL);
            onDeadline();
            return;
        }
        this.request = req;
        req.authority(channel.authorityHeader);
        MultiMap h = req.headers();
        h.set(GrpcHeaders.CONTENT_TYPE, GrpcHeaders.APPLICATION_GRPC);
        h.set(GrpcHeaders.TE, GrpcHeaders.TRAILERS);
        h.set(GrpcHeaders.USER_AGENT, channel.userAgent);
        h.set(GrpcHeaders.GRPC_ACCEPT_ENCODING, GrpcHeaders.ACCEPT_ENCODING_VALUE);
        if (requestEncoding != Encoding.IDENTITY) {
            h.set(GrpcHeaders.GRPC_ENCODING, requestEncoding.headerValue());
        }
        if (hasDeadline) {
            h.set(GrpcHeaders.GRPC_TIMEOUT, GrpcTimeout.format(deadlineNanos - System.nanoTime()));
        }
        MetadataCodec.toHeaders(options.metadata(), h);
        if (previousAttempts > 0) {
            h.set("grpc-previous-rpc-attempts", Integer.toString(previousAttempts));
        }
        MetadataCodec.toHeaders(credentialsMetadata, h);
        req.setChunked(true);
        req.exceptionHandler(t -> onTransportError(t, false));
        req.drainHandler(v -> outbound.onDrain());
        req.response().onComplete(ar -> {
            if (ar.succeeded()) {
                onResponse(ar.result());
            } else {
                onTransportError(ar.cause(), false);
            }
        });
        boolean halfClosed = state.isHalfClosed();
        state = halfClosed ? State.HALF_CLOSED : State.OPEN;
        connectionPromise.tryComplete();
        if (!halfClosed) {
            // a streaming call is visible to the server before its first message (it may speak first)
            req.sendHead();
        }
        outbound.open(halfClosed);
    }

    // OutboundWrites.Sink (owner): the framed message goes to the HTTP/2 stream

    @Override
    public Buffer frame(Buffer payload) {
        int max = maxSendBytes;
        if (max >= 0 && payload.length() > max) {
            throw new WireException(
                    StatusCode.RESOURCE_EXHAUSTED,
                    "Sent message larger than max (" + payload.length() + " vs. " + max + ")");
        }
        if (requestEncoding == Encoding.IDENTITY) {
            return MessageFramer.frame(payload, false);
        }
        return MessageFramer.frame(requestEncoding.compress(payload), true);
    }

    @Override
    public void send(Buffer frame, boolean last) {
        HttpClientRequest req = request;
        assert req != null;
        messagesSent++;
        if (last) {
            req.end(frame);
        } else {
            req.write(frame);
        }
    }

    @Override
    public void sendEnd() {
        HttpClientRequest req = request;
        assert req != null;
        req.end();
    }

    @Override
    public boolean writeQueueFull() {
        HttpClientRequest req = request;
        // Vert.x throws on an ended request; nothing more is written then anyway
        return req != null && state == State.OPEN && req.writeQueueFull();
    }

    @Override
    public void onWriteError(WireException e) {
        terminate(e.code(), e.getMessage(), Metadata.EMPTY, true);
    }

    @Override
    public @Nullable Throwable terminalError() {
        if (state != State.CLOSED) {
            return null;
        }
        RpcException f = failure;
        return f != null ? f : new IllegalStateException("the call has already ended with OK");
    }

    private void onResponse(HttpClientResponse resp) {
        if (state == State.CLOSED) {
            return;
        }
        this.response = resp;
        // before any early exit: a reset we send on the way out must not surface as an unhandled error
        resp.exceptionHandler(t -> onTransportError(t, false));
        MultiMap headers = resp.headers();
        int status = resp.statusCode();
        if (status != 200) {
            terminate(
                    StatusMapping.fromHttpStatus(status),
                    "HTTP status code " + status
                            + (headers.contains(GrpcHeaders.GRPC_STATUS) ? "" : ", no grpc-status"),
                    Metadata.EMPTY,
                    true);
            return;
        }
        trailersOnly = headers.contains(GrpcHeaders.GRPC_STATUS);
        if (!trailersOnly && !ContentTypes.isGrpc(headers.get(HttpHeaders.CONTENT_TYPE))) {
            terminate(
                    StatusCode.INTERNAL,
                    "invalid content-type: " + headers.get(HttpHeaders.CONTENT_TYPE),
                    Metadata.EMPTY,
                    true);
            return;
        }
        if (!trailersOnly) {
            Metadata md;
            try {
                md = MetadataCodec.fromResponseHeaders(headers);
            } catch (WireException e) {
                terminate(e.code(), e.getMessage(), Metadata.EMPTY, true);
                return;
            }
            initialMetadata = md;
            initialMetadataPromise.tryComplete(md);
            Observer<Resp> o = observer;
            if (o != null) {
                o.onHeaders(this, md);
                if (state == State.CLOSED) {
                    return;
                }
            }
        }
        String encodingName = headers.get(GrpcHeaders.GRPC_ENCODING);
        Encoding encoding = encodingName == null ? Encoding.IDENTITY : Encoding.forName(encodingName);
        if (encoding == null) {
            terminate(StatusCode.INTERNAL, "Can't find decompressor for " + encodingName, Metadata.EMPTY, true);
            return;
        }
        deframer = new MessageDeframer(maxReceiveBytes, encoding);
        resp.handler(this::onData);
        resp.endHandler(v -> onEnd());
    }

    private void onData(Buffer data) {
        ChannelImpl.Conn c = conn;
        if (c != null && c.keepalive != null) {
            c.keepalive.onDataReceived();
        }
        MessageDeframer d = deframer;
        if (state == State.CLOSED || d == null) {
            return;
        }
        try {
            d.update(data, this::onMessage);
        } catch (WireException e) {
            terminate(e.code(), e.getMessage(), Metadata.EMPTY, true);
        }
    }

    private void onMessage(Buffer payload) {
        if (state == State.CLOSED) {
            return;
        }
        Resp message;
        try {
            message = method.responseMarshaller().deserialize(payload);
        } catch (RuntimeException e) {
            throw new WireException(StatusCode.INTERNAL, "Failed to read message: " + e);
        }
        responsesReceived++;
        Observer<Resp> o = observer;
        if (unaryResponse) {
            if (responsesReceived > 1) {
                throw new WireException(StatusCode.INTERNAL, "More than one value received for unary call");
            }
            unaryValue = message;
            if (o != null) {
                o.onMessage(this, message);
            }
        } else if (o != null) {
            o.onMessage(this, message);
        } else {
            InboundMessages<Resp> in = inbound;
            assert in != null;
            in.offer(message);
        }
    }

    private void onEnd() {
        HttpClientResponse resp = response;
        MessageDeframer d = deframer;
        if (state == State.CLOSED || resp == null || d == null) {
            return;
        }
        if (d.hasPartialMessage()) {
            terminate(StatusCode.INTERNAL, "Encountered end-of-stream mid-frame", Metadata.EMPTY, false);
            return;
        }
        MultiMap source = trailersOnly ? resp.headers() : resp.trailers();
        if (observer != null) {
            pushback = source.get("grpc-retry-pushback-ms");
        }
        String grpcStatus = source.get(GrpcHeaders.GRPC_STATUS);
        Metadata trailing;
        try {
            trailing = MetadataCodec.fromResponseHeaders(source);
        } catch (WireException e) {
            terminate(e.code(), e.getMessage(), Metadata.EMPTY, false);
            return;
        }
        if (grpcStatus == null) {
            terminate(StatusCode.UNKNOWN, "missing grpc-status in response trailers", trailing, false);
            return;
        }
        StatusCode code = StatusMapping.parseGrpcStatus(grpcStatus);
        String message = source.get(GrpcHeaders.GRPC_MESSAGE);
        String details = message == null ? "" : StatusMessages.decode(message);
        if (code == StatusCode.UNKNOWN && !StatusMapping.isKnownGrpcStatus(grpcStatus)) {
            details = "Invalid grpc-status '" + grpcStatus + "'" + (details.isEmpty() ? "" : ": " + details);
        }
        if (code == StatusCode.OK && unaryResponse && responsesReceived == 0) {
            terminate(StatusCode.INTERNAL, "No value received for unary call", trailing, false);
            return;
        }
        terminate(code, details, trailing, false);
    }

    private void onTransportError(Throwable t, boolean beforeStream) {
        if (state == State.CLOSED) {
            return;
        }
        StatusCode code;
        String details;
        boolean refused = beforeStream;
        if (t instanceof StreamResetException) {
            long errorCode = ((StreamResetException) t).getCode();
            code = StatusMapping.fromHttp2ErrorCode(errorCode);
            details = "Received RST_STREAM with error code " + errorCode;
            refused = errorCode == REFUSED_STREAM;
            if (code == StatusCode.CANCELLED && deadlineReached()) {
                // the server enforced the grpc-timeout we sent, a hair before our own timer (grpc-java does the same)
                code = StatusCode.DEADLINE_EXCEEDED;
                details = "deadline exceeded (the server cancelled the call at its deadline)";
            }
        } else if (t instanceof HttpClosedException) {
            code = StatusCode.UNAVAILABLE;
            // not HttpClosedException.goAway(): it copies debug data Vert.x may already have released
            boolean aboveGoAway = isAboveGoAway();
            details = aboveGoAway
                    ? "Connection closed: stream refused by GOAWAY (not processed by the server)"
                    : "Connection closed: " + t.getMessage();
            refused |= aboveGoAway;
        } else {
            code = TransportErrors.code(t, response == null);
            details = TransportErrors.details(t, response == null);
        }
        // gRPC transparent retry: a stream the server never processed is replayed once on another stream
        if (refused && !retried && response == null && outbound.replayable()) {
            retried = true;
            HttpClientRequest req = request;
            request = null;
            if (req != null) {
                req.reset(CANCEL);
            }
            state = state.isHalfClosed() ? State.PENDING_HALF_CLOSED : State.PENDING;
            outbound.rewind();
            channel.requeue(this);
            return;
        }
        terminate(code, details, Metadata.EMPTY, true);
    }

    /** Our deadline has passed, or is within the slack of our millisecond timer. */
    private boolean deadlineReached() {
        return hasDeadline && deadlineNanos - System.nanoTime() < DEADLINE_SLACK_NANOS;
    }

    /** Whether the peer's GOAWAY says it never processed this stream (id above its last-stream-id). */
    private boolean isAboveGoAway() {
        ChannelImpl.Conn c = conn;
        HttpClientRequest req = request;
        if (c == null || c.goAwayLastStreamId < 0) {
            return false;
        }
        if (req == null) {
            return true;
        }
        try {
            return req.streamId() > c.goAwayLastStreamId;
        } catch (IllegalStateException e) {
            return true; // no stream id: the headers never left
        }
    }

    private void onDeadline() {
        deadlineTimer = -1;
        double seconds = (options.timeout().orElse(Duration.ZERO).toNanos()) / 1e9;
        terminate(
                StatusCode.DEADLINE_EXCEEDED,
                String.format("deadline exceeded after %.3fs", seconds),
                Metadata.EMPTY,
                true);
    }

    // ---------------------------------------------------------------- the terminal event (owner)

    /**
     * Ends the call; the first terminal event wins.
     *
     * @param reset whether the stream (if any) is reset with CANCEL, for endings the peer did not cause
     * @return whether this call ended it
     */
    boolean terminate(StatusCode code, String details, Metadata trailing, boolean reset) {
        assert owner.inThread();
        if (state == State.CLOSED) {
            return false;
        }
        State previous = state;
        state = State.CLOSED;
        finalCode = code;
        if (deadlineTimer >= 0) {
            owner.owner().cancelTimer(deadlineTimer);
            deadlineTimer = -1;
        }
        HttpClientRequest req = request;
        if (reset && req != null && previous != State.CLOSED) {
            req.reset(CANCEL);
        }
        Metadata initial = initialMetadata != null ? initialMetadata : Metadata.EMPTY;
        RpcException error = code == StatusCode.OK ? null : new RpcException(code, details, initial, trailing);
        failure = error;
        channel.onCallClosed(this);
        outbound.close(error);
        initialMetadataPromise.tryComplete(initial);
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
            if (code == StatusCode.CANCELLED && reset) {
                in.discardQueued();
            }
            in.end(error);
        }
        doneCallbacks.fire();
        Observer<Resp> o = observer;
        if (o != null) {
            o.onClose(this, code, details, trailing);
        }
        return true;
    }

    // ---------------------------------------------------------------- InboundMessages.Transport (owner)

    @Override
    public void pauseTransport() {
        HttpClientResponse resp = response;
        if (resp != null) {
            resp.pause();
        }
    }

    @Override
    public void resumeTransport() {
        HttpClientResponse resp = response;
        if (resp != null) {
            resp.resume();
        }
    }

    // ---------------------------------------------------------------- public API (any thread)

    private void onOwner(Runnable action) {
        if (owner.inThread()) {
            action.run();
        } else {
            owner.execute(action);
        }
    }

    @Override
    public Future<Resp> response() {
        Promise<Resp> rp = responsePromise;
        if (rp == null) {
            throw new IllegalStateException(method.fullMethodName() + " streams its responses: use read()/responses()");
        }
        return rp.future();
    }

    @Override
    public Future<Optional<Resp>> read() {
        return streamingInbound().read();
    }

    @Override
    public ReadStream<Resp> responses() {
        return streamingInbound();
    }

    private InboundMessages<Resp> streamingInbound() {
        InboundMessages<Resp> in = inbound;
        if (in == null) {
            throw new IllegalStateException(method.fullMethodName() + " has a single response: use response()");
        }
        return in;
    }

    @Override
    public Future<Void> write(Req message) {
        checkClientStreaming();
        Buffer payload;
        try {
            payload = method.requestMarshaller().serialize(message);
        } catch (RuntimeException e) {
            RpcException error = new RpcException(StatusCode.INTERNAL, "Failed to serialize request: " + e);
            onOwner(() -> terminate(error.code(), error.details(), Metadata.EMPTY, true));
            return caller.failedFuture(error);
        }
        Promise<Void> promise = caller.promise();
        onOwner(() -> outbound.write(payload, promise));
        return promise.future();
    }

    @Override
    public Future<Void> doneWriting() {
        checkClientStreaming();
        Promise<Void> promise = caller.promise();
        onOwner(() -> {
            halfCloseOnOwner();
            promise.complete();
        });
        return promise.future();
    }

    /** No more request messages; owner only. Idempotent. */
    void halfCloseOnOwner() {
        assert owner.inThread();
        switch (state) {
            case PENDING:
                state = State.PENDING_HALF_CLOSED;
                outbound.halfClose();
                break;
            case OPEN:
                state = State.HALF_CLOSED;
                outbound.halfClose();
                break;
            default:
                break;
        }
    }

    @Override
    public WriteStream<Req> requests() {
        checkClientStreaming();
        return outbound.view(this::write, this::doneWriting);
    }

    /** Pipes {@code source} into the request side; a failing source cancels the call. */
    void pipeFrom(ReadStream<Req> source) {
        source.pipe().endOnFailure(false).to(requests()).onFailure(t -> cancel());
    }

    private void checkClientStreaming() {
        if (!method.type().isClientStreaming()) {
            throw new IllegalStateException(method.fullMethodName() + " takes a single request");
        }
    }

    @Override
    public Future<Metadata> initialMetadata() {
        return initialMetadataPromise.future();
    }

    @Override
    public Future<Metadata> trailingMetadata() {
        return trailingMetadataPromise.future();
    }

    @Override
    public Future<StatusCode> code() {
        return codePromise.future();
    }

    @Override
    public Future<String> details() {
        return detailsPromise.future();
    }

    @Override
    public Future<Void> waitForConnection() {
        return connectionPromise.future();
    }

    @Override
    public boolean isCancelled() {
        return finalCode == StatusCode.CANCELLED;
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
        if (owner.inThread()) {
            return terminate(StatusCode.CANCELLED, "Locally cancelled by application!", Metadata.EMPTY, true);
        }
        boolean live = state != State.CLOSED;
        owner.execute(() -> terminate(StatusCode.CANCELLED, "Locally cancelled by application!", Metadata.EMPTY, true));
        return live;
    }

    @Override
    public void addDoneCallback(Handler<Void> callback) {
        ContextInternal registrar = io.rpcvertx.impl.transport.Contexts.caller(owner.owner());
        onOwner(() -> doneCallbacks.add(registrar, callback));
    }

    @Override
    public String toString() {
        return "ClientCall{" + method.fullMethodName() + ", " + state + "}";
    }
}
