package io.rpcvertx.impl.client;

import io.rpcvertx.Metadata;
import io.rpcvertx.StatusCode;
import io.rpcvertx.impl.codec.Encoding;
import io.rpcvertx.impl.codec.GrpcHeaders;
import io.rpcvertx.impl.codec.GrpcTimeout;
import io.rpcvertx.impl.codec.MessageDeframer;
import io.rpcvertx.impl.codec.MessageFramer;
import io.rpcvertx.impl.codec.MetadataCodec;
import io.rpcvertx.impl.codec.ResponseRules;
import io.rpcvertx.impl.codec.WireException;
import io.rpcvertx.impl.transport.ClientConnection;
import io.rpcvertx.impl.transport.RequestHead;
import io.rpcvertx.impl.transport.TransportErrors;
import io.vertx.core.Completable;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.StreamResetException;
import org.jspecify.annotations.Nullable;

/**
 * One gRPC stream on a Vert.x HTTP/2 client connection: the only client code that touches {@link HttpClientRequest}
 * and {@link HttpClientResponse}. It is also what the channel's admission queues and counts: it waits in the channel's
 * queue until a connection has a free stream slot ({@link #startOn}), holds that slot until it ends, and sits in the
 * channel's intrusive list of live streams meanwhile. Owner context (the channel's event loop) only.
 *
 * <pre>
 * QUEUED --a connection took it--&gt; OPENING --the HTTP/2 stream exists--&gt; OPEN
 * any --terminal event, cancel(), or the channel ended it--&gt; CLOSED (the slot is released, no event follows)
 * </pre>
 */
final class VertxHttpClientStream extends AdmittedStream
        implements Completable<HttpClientRequest>, Handler<Buffer>, MessageDeframer.Listener {
    enum State {
        QUEUED,
        OPENING,
        OPEN,
        CLOSED
    }

    private static final long CANCEL = 0x8;

    private State state = State.QUEUED;
    private @Nullable HttpClientRequest request;
    private @Nullable HttpClientResponse response;
    private boolean trailersOnly;
    private boolean paused;
    private boolean endSent;
    private @Nullable MessageDeframer deframer;
    private @Nullable String pushback;
    /** Request and response errors, one handler for both (the hot path allocates per call, not per handler). */
    private final Handler<Throwable> errors = t -> onTransportError(t, false);

    VertxHttpClientStream(ChannelImpl channel, RequestHead head, boolean transparentRetry) {
        super(channel, head, transparentRetry);
    }

    // ---------------------------------------------------------------- admission (the channel)

    @Override
    protected void open(ClientConnection connection) {
        state = State.OPENING;
        ((VertxHttpConnection) connection)
                .http
                .request(new RequestOptions().setMethod(HttpMethod.POST).setURI(head.path()))
                .onComplete(this);
    }

    @Override
    protected void fail(StatusCode code, String details, boolean reset) {
        if (state == State.CLOSED) {
            return;
        }
        close(reset);
        listener().onClosed(code, details, false);
    }

    // ---------------------------------------------------------------- opening

    /** The HTTP/2 stream was created (or could not be): {@link Completable} of {@code HttpClientConnection.request}. */
    @Override
    public void complete(@Nullable HttpClientRequest req, @Nullable Throwable failure) {
        if (failure != null || req == null) {
            onTransportError(failure != null ? failure : new IllegalStateException("no request"), true);
            return;
        }
        if (state == State.CLOSED) {
            req.reset(CANCEL); // cancelled while the stream was being created
            return;
        }
        this.request = req;
        if (Deadline.isExpired(head.deadlineNanos())) {
            close(true);
            listener().onClosed(StatusCode.DEADLINE_EXCEEDED, "deadline exceeded before the stream opened", false);
            return;
        }
        req.authority(channel.authorityHeader);
        MultiMap h = req.headers();
        h.set(GrpcHeaders.CONTENT_TYPE, GrpcHeaders.APPLICATION_GRPC);
        h.set(GrpcHeaders.TE, GrpcHeaders.TRAILERS);
        h.set(GrpcHeaders.USER_AGENT, channel.userAgent);
        h.set(GrpcHeaders.GRPC_ACCEPT_ENCODING, GrpcHeaders.ACCEPT_ENCODING_VALUE);
        Encoding encoding = head.encoding();
        if (encoding != Encoding.IDENTITY) {
            h.set(GrpcHeaders.GRPC_ENCODING, encoding.headerValue());
        }
        long deadline = head.deadlineNanos();
        if (deadline != RequestHead.NO_DEADLINE) {
            h.set(GrpcHeaders.GRPC_TIMEOUT, GrpcTimeout.format(Deadline.remainingNanos(deadline)));
        }
        MetadataCodec.toHeaders(head.metadata(), h);
        int previous = head.previousAttempts();
        if (previous > 0) {
            h.set("grpc-previous-rpc-attempts", Integer.toString(previous));
        }
        MetadataCodec.toHeaders(head.credentialsMetadata(), h);
        // streaming writes need chunked mode, or Vert.x asks for a content-length
        req.setChunked(true);
        req.exceptionHandler(errors);
        req.drainHandler(v -> {
            if (state == State.OPEN) {
                listener().onReady();
            }
        });
        // a Completable, not a Handler<AsyncResult>: Vert.x wraps the latter in one more object per call
        req.response().onComplete((resp, error) -> {
            if (error == null) {
                onResponse(resp);
            } else {
                onTransportError(error, false);
            }
        });
        state = State.OPEN;
        listener().onOpen();
    }

    // ---------------------------------------------------------------- ClientStream (owner)

    @Override
    public void sendHeaders() {
        HttpClientRequest req = request;
        if (state == State.OPEN && req != null) {
            req.sendHead();
        }
    }

    @Override
    public int writeMessage(Buffer payload, boolean endOfStream) {
        HttpClientRequest req = request;
        if (state != State.OPEN || req == null) {
            return 0; // ended meanwhile: the call fails its writes itself
        }
        Encoding encoding = head.encoding();
        Buffer message = encoding == Encoding.IDENTITY ? payload : encoding.compress(payload);
        Buffer frame = MessageFramer.frame(message, encoding != Encoding.IDENTITY);
        if (endOfStream) {
            endSent = true;
            req.end(frame);
        } else {
            req.write(frame);
        }
        return message.length();
    }

    @Override
    public void halfClose() {
        HttpClientRequest req = request;
        if (state == State.OPEN && req != null && !endSent) {
            endSent = true;
            req.end();
        }
    }

    @Override
    public boolean isReady() {
        HttpClientRequest req = request;
        // an ended request throws on writeQueueFull()
        return req == null || endSent || state == State.CLOSED || !req.writeQueueFull();
    }

    @Override
    public void pause() {
        paused = true;
        HttpClientResponse resp = response;
        if (resp != null) {
            resp.pause();
        }
    }

    @Override
    public void resume() {
        paused = false;
        HttpClientResponse resp = response;
        if (resp != null) {
            resp.resume();
        }
    }

    @Override
    public void cancel() {
        if (state == State.CLOSED) {
            return;
        }
        close(true);
    }

    @Override
    public @Nullable String retryPushback() {
        return pushback;
    }

    // ---------------------------------------------------------------- response (owner)

    private void onResponse(HttpClientResponse resp) {
        if (state == State.CLOSED) {
            return;
        }
        response = resp;
        // before any early exit: a reset we send on the way out must not surface as an unhandled error
        resp.exceptionHandler(errors);
        MultiMap headers = resp.headers();
        Encoding encoding;
        try {
            ResponseRules.checkHead(resp.statusCode(), headers);
            trailersOnly = ResponseRules.isTrailersOnly(headers);
            if (!trailersOnly) {
                Metadata initial = MetadataCodec.fromResponseHeaders(headers);
                listener().onHeaders(initial);
                if (state == State.CLOSED) {
                    return;
                }
            }
            encoding = ResponseRules.encoding(headers);
        } catch (WireException e) {
            failMalformed(e.code(), e.getMessage());
            return;
        }
        deframer = new MessageDeframer(head.maxReceiveBytes(), encoding);
        if (paused) {
            resp.pause();
        }
        resp.handler(this);
        resp.endHandler(v -> onEnd());
    }

    /** A DATA frame's bytes ({@code HttpClientResponse.handler}). */
    @Override
    public void handle(Buffer data) {
        onFrameReceived();
        MessageDeframer d = deframer;
        if (state == State.CLOSED || d == null) {
            return;
        }
        try {
            d.update(data, this);
        } catch (WireException e) {
            failMalformed(e.code(), e.getMessage());
        }
    }

    /** One deframed message ({@link MessageDeframer.Listener}). */
    @Override
    public void onMessage(Buffer payload) {
        if (state == State.CLOSED) {
            return; // the call ended (e.g. a second message on a unary call) while this chunk was being deframed
        }
        listener().onMessage(payload);
    }

    private void onEnd() {
        HttpClientResponse resp = response;
        MessageDeframer d = deframer;
        if (state == State.CLOSED || resp == null || d == null) {
            return;
        }
        if (d.hasPartialMessage()) {
            close(false);
            listener().onTrailers(StatusCode.INTERNAL, ResponseRules.END_MID_FRAME, Metadata.EMPTY);
            return;
        }
        MultiMap source = trailersOnly ? resp.headers() : resp.trailers();
        pushback = source.get("grpc-retry-pushback-ms");
        ResponseRules.Outcome outcome = ResponseRules.outcome(source);
        close(false);
        listener().onTrailers(outcome.code(), outcome.details(), outcome.trailers());
    }

    // ---------------------------------------------------------------- errors and the end (owner)

    /** A response we cannot read: reset the stream and end with {@code code}. */
    private void failMalformed(StatusCode code, String details) {
        close(true);
        listener().onClosed(code, details, false);
    }

    private void onTransportError(Throwable t, boolean beforeStream) {
        if (state == State.CLOSED) {
            return;
        }
        if (t instanceof StreamResetException) {
            long errorCode = ((StreamResetException) t).getCode();
            close(true);
            listener().onReset(errorCode);
            return;
        }
        StatusCode code = StatusCode.UNAVAILABLE;
        String details;
        boolean refused = beforeStream;
        if (t instanceof HttpClosedException) {
            // not HttpClosedException.goAway(): it copies debug data Vert.x may already have released
            boolean aboveGoAway = isAboveGoAway();
            details = aboveGoAway
                    ? "Connection closed: stream refused by GOAWAY (not processed by the server)"
                    : "Connection closed: " + t.getMessage();
            refused |= aboveGoAway;
        } else {
            code = TransportErrors.code(t, response == null);
            details = TransportErrors.details(t, response == null);
            if (TransportErrors.isStreamError(t)) {
                // Netty resets the stream with the error's code (PROTOCOL_ERROR for response headers it rejects): a
                // CANCEL of ours would hide the reason from the server
                close(false);
                listener().onClosed(code, details, refused);
                return;
            }
        }
        close(true);
        listener().onClosed(code, details, refused);
    }

    /** Whether the peer's GOAWAY says it never processed this stream (id above its last-stream-id). */
    private boolean isAboveGoAway() {
        int lastStreamId = goAwayLastStreamId();
        HttpClientRequest req = request;
        if (lastStreamId < 0) {
            return false;
        }
        if (req == null) {
            return true;
        }
        try {
            return req.streamId() > lastStreamId;
        } catch (IllegalStateException e) {
            return true; // no stream id: the headers never left
        }
    }

    /**
     * The one transition to CLOSED, before anything it sets off: a reset we send surfaces (synchronously) as a
     * StreamResetException that must find the stream closed. The slot goes back to the channel before the listener
     * hears of the end.
     *
     * @param reset whether the HTTP/2 stream (if any) is reset with CANCEL, for endings the peer did not cause
     */
    private void close(boolean reset) {
        state = State.CLOSED;
        HttpClientRequest req = request;
        if (reset && req != null) {
            req.reset(CANCEL);
        }
        // a stream we do not reset was ended by the peer (trailers), or never had a slot (queued)
        released(!reset);
    }

    @Override
    public String toString() {
        return "VertxHttpClientStream{" + head.path() + ", " + state + "}";
    }
}
