package io.rpcvertx.impl.client;

import io.rpcvertx.StatusCode;
import io.rpcvertx.impl.codec.Encoding;
import io.rpcvertx.impl.codec.GrpcHeaders;
import io.rpcvertx.impl.codec.GrpcTimeout;
import io.rpcvertx.impl.codec.MessageFramer;
import io.rpcvertx.impl.codec.MetadataCodec;
import io.rpcvertx.impl.codec.ResponseRules;
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
 * channel's intrusive list of live streams meanwhile; the response rules and the state machine are
 * {@link AdmittedStream}'s. Owner context (the channel's event loop) only.
 */
final class VertxHttpClientStream extends AdmittedStream implements Completable<HttpClientRequest>, Handler<Buffer> {
    private @Nullable HttpClientRequest request;
    private @Nullable HttpClientResponse response;
    private boolean trailersOnly;
    private boolean paused;
    private boolean endSent;
    /** Request and response errors, one handler for both (the hot path allocates per call, not per handler). */
    private final Handler<Throwable> errors = t -> onTransportError(t, false);

    VertxHttpClientStream(ChannelImpl channel, RequestHead head, boolean transparentRetry) {
        super(channel, head, transparentRetry);
    }

    // ---------------------------------------------------------------- admission (the channel)

    @Override
    protected void open(ClientConnection connection) {
        ((VertxHttpConnection) connection)
                .http
                .request(new RequestOptions().setMethod(HttpMethod.POST).setURI(head.path()))
                .onComplete(this);
    }

    // ---------------------------------------------------------------- opening

    /** The HTTP/2 stream was created (or could not be): {@link Completable} of {@code HttpClientConnection.request}. */
    @Override
    public void complete(@Nullable HttpClientRequest req, @Nullable Throwable failure) {
        if (failure != null || req == null) {
            onTransportError(failure != null ? failure : new IllegalStateException("no request"), true);
            return;
        }
        if (isClosed()) {
            req.reset(CANCEL); // cancelled while the stream was being created
            return;
        }
        this.request = req;
        if (expiredBeforeOpen()) {
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
            if (isOpen()) {
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
        opened();
    }

    // ---------------------------------------------------------------- ClientStream (owner)

    @Override
    public void sendHeaders() {
        HttpClientRequest req = request;
        if (isOpen() && req != null) {
            req.sendHead();
        }
    }

    @Override
    public int writeMessage(Buffer payload, boolean endOfStream) {
        HttpClientRequest req = request;
        if (!isOpen() || req == null) {
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
        if (isOpen() && req != null && !endSent) {
            endSent = true;
            req.end();
        }
    }

    @Override
    public boolean isReady() {
        HttpClientRequest req = request;
        // an ended request throws on writeQueueFull()
        return req == null || endSent || isClosed() || !req.writeQueueFull();
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

    // ---------------------------------------------------------------- response (owner)

    private void onResponse(HttpClientResponse resp) {
        if (isClosed()) {
            return;
        }
        response = resp;
        // before any early exit: a reset we send on the way out must not surface as an unhandled error
        resp.exceptionHandler(errors);
        MultiMap headers = resp.headers();
        trailersOnly = ResponseRules.isTrailersOnly(headers);
        if (!responseHead(resp.statusCode(), headers)) {
            return;
        }
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
        if (isClosed() || !hasResponseHead()) {
            return;
        }
        deframe(data);
    }

    private void onEnd() {
        HttpClientResponse resp = response;
        if (isClosed() || resp == null || !hasResponseHead()) {
            return;
        }
        endResponse(trailersOnly ? resp.headers() : resp.trailers(), NO_RESET);
    }

    // ---------------------------------------------------------------- errors and the end (owner)

    private void onTransportError(Throwable t, boolean beforeStream) {
        if (isClosed()) {
            return;
        }
        if (t instanceof StreamResetException) {
            closeWithReset(CANCEL, ((StreamResetException) t).getCode());
            return;
        }
        StatusCode code = StatusCode.UNAVAILABLE;
        String details;
        boolean refused = beforeStream;
        if (t instanceof HttpClosedException) {
            // not HttpClosedException.goAway(): it copies debug data Vert.x may already have released
            boolean aboveGoAway = isAboveGoAway();
            details = aboveGoAway ? REFUSED_BY_GOAWAY : "Connection closed: " + t.getMessage();
            refused |= aboveGoAway;
        } else {
            code = TransportErrors.code(t, response == null);
            details = TransportErrors.details(t, response == null);
            if (TransportErrors.isStreamError(t)) {
                // Netty resets the stream with the error's code (PROTOCOL_ERROR for response headers it rejects): a
                // CANCEL of ours would hide the reason from the server
                closeWithStatus(NO_RESET, code, details, refused);
                return;
            }
        }
        closeWithStatus(CANCEL, code, details, refused);
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

    /** Off the wire: a reset we send surfaces (synchronously) as a StreamResetException, which finds it closed. */
    @Override
    protected void onClose(long resetCode, boolean wasOpen) {
        HttpClientRequest req = request;
        if (resetCode != NO_RESET && req != null) {
            req.reset(resetCode);
        }
        // a stream we do not reset was ended by the peer (trailers), or never had a slot (queued)
        released(resetCode == NO_RESET);
    }
}
