package io.rpcvertx.impl.client;

import io.rpcvertx.Metadata;
import io.rpcvertx.StatusCode;
import io.rpcvertx.impl.codec.Encoding;
import io.rpcvertx.impl.codec.StatusMapping;
import io.rpcvertx.impl.transport.ClientStream;
import io.rpcvertx.impl.transport.ClientStreamListener;
import io.rpcvertx.impl.transport.RequestHead;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.ContextInternal;
import org.jspecify.annotations.Nullable;

/**
 * One attempt of a {@link RetryingStream}: a transport stream (replaced once by gRPC transparent retry when the peer
 * refused it before responding), what it has written of the retrying stream's messages, and how it ended. Its request
 * head is the call's, with this attempt's number. Owner context only.
 */
final class RetryAttempt implements ClientStreamListener, RequestHead {
    private static final long REFUSED_STREAM = 0x7;

    private final RetryingStream retrying;
    private final RequestHead head;
    private final int previous;
    private @Nullable ClientStream stream;
    private boolean opened;
    private boolean replayed;
    private boolean headers;
    boolean headersSent;
    int written;
    boolean endSent;
    boolean ended;
    StatusCode code = StatusCode.UNAVAILABLE;
    String details = "";

    @Nullable
    Metadata trailers;

    long resetCode = -1;

    RetryAttempt(RetryingStream retrying, RequestHead head, int previous) {
        this.retrying = retrying;
        this.head = head;
        this.previous = previous;
    }

    void open(ClientStream s) {
        stream = s;
        s.start(this);
    }

    ClientStream stream() {
        ClientStream s = stream;
        assert s != null;
        return s;
    }

    boolean isOpen() {
        return opened && !ended;
    }

    /** Sends the request headers ahead of any message, once. */
    void sendHeaders() {
        if (isOpen() && !headersSent) {
            headersSent = true;
            stream().sendHeaders();
        }
    }

    void pause() {
        if (isOpen()) {
            stream().pause();
        }
    }

    void cancel() {
        ended = true;
        ClientStream s = stream;
        if (s != null) {
            s.cancel();
        }
    }

    // RequestHead: the call's, with this attempt's number

    @Override
    public String path() {
        return head.path();
    }

    @Override
    public Metadata metadata() {
        return head.metadata();
    }

    @Override
    public Metadata credentialsMetadata() {
        return head.credentialsMetadata();
    }

    @Override
    public long deadlineNanos() {
        return head.deadlineNanos();
    }

    @Override
    public Encoding encoding() {
        return head.encoding();
    }

    @Override
    public int maxReceiveBytes() {
        return head.maxReceiveBytes();
    }

    @Override
    public int previousAttempts() {
        return previous;
    }

    @Override
    public boolean waitForReady() {
        return head.waitForReady();
    }

    @Override
    public @Nullable ContextInternal callerContext() {
        return head.callerContext();
    }

    // ClientStreamListener

    @Override
    public void onOpen() {
        if (ended || retrying.isClosed()) {
            return;
        }
        opened = true;
        retrying.onAttemptOpen(this);
    }

    @Override
    public void onReady() {
        if (!ended) {
            retrying.onAttemptReady(this);
        }
    }

    @Override
    public void onHeaders(Metadata md) {
        if (ended || retrying.isClosed()) {
            return;
        }
        headers = true;
        retrying.onAttemptHeaders(this, md);
    }

    @Override
    public void onMessage(Buffer payload) {
        if (!ended) {
            retrying.onAttemptMessage(this, payload);
        }
    }

    @Override
    public void onTrailers(StatusCode c, String d, Metadata t) {
        code = c;
        details = d;
        trailers = t;
        ended(false);
    }

    @Override
    public void onReset(long http2ErrorCode) {
        resetCode = http2ErrorCode;
        code = StatusMapping.fromHttp2ErrorCode(http2ErrorCode);
        details = "Received RST_STREAM with error code " + http2ErrorCode;
        ended(http2ErrorCode == REFUSED_STREAM);
    }

    @Override
    public void onClosed(StatusCode c, String d, boolean refused) {
        code = c;
        details = d;
        ended(refused);
    }

    private void ended(boolean refused) {
        if (ended) {
            return;
        }
        // gRPC transparent retry: a stream the server never processed is replayed once, ahead of new calls
        if (refused && !replayed && !headers && retrying.mayReplay(this)) {
            replayed = true;
            opened = false;
            headersSent = false;
            written = 0;
            endSent = false;
            resetCode = -1;
            open(retrying.transport().newRetryStream(this));
            return;
        }
        ended = true;
        retrying.onAttemptEnded(this);
    }
}
