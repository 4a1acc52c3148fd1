package io.rpcvertx.impl.client;

import io.rpcvertx.Metadata;
import io.rpcvertx.StatusCode;
import io.rpcvertx.impl.transport.ClientStream;
import io.rpcvertx.impl.transport.ClientStreamListener;
import io.rpcvertx.impl.transport.RequestHead;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A {@link ClientStream} without a transport: records what the call does to it, and lets a test play the peer's
 * events ({@link #open()}, {@link #trailers}, ...) to the call's listener. Like a real stream, it delivers nothing
 * after its terminal event, and a {@link #cancel()} after it is not a reset. Owner context only, like the real one.
 */
final class RecordingClientStream implements ClientStream {
    final RequestHead head;
    final boolean retry;
    final List<String> events = new ArrayList<>();
    final List<Buffer> written = new ArrayList<>();

    @Nullable
    ClientStreamListener listener;

    boolean ready = true;
    boolean ended;
    /** The stream's own terminal event (trailers, reset, closed) reached the call. */
    boolean peerEnded;

    int resets;

    @Nullable
    String pushback;

    RecordingClientStream(RequestHead head, boolean retry) {
        this.head = head;
        this.retry = retry;
    }

    // ---------------------------------------------------------------- what the call does

    @Override
    public void start(ClientStreamListener l) {
        listener = l;
        events.add("start");
    }

    @Override
    public void sendHeaders() {
        events.add("headers");
    }

    @Override
    public int writeMessage(Buffer payload, boolean endOfStream) {
        written.add(payload);
        events.add("message:" + payload + (endOfStream ? ":end" : ""));
        return payload.length();
    }

    @Override
    public void halfClose() {
        events.add("halfClose");
    }

    @Override
    public boolean isReady() {
        return ready;
    }

    @Override
    public void pause() {
        events.add("pause");
    }

    @Override
    public void resume() {
        events.add("resume");
    }

    @Override
    public void cancel() {
        if (!ended) {
            ended = true;
            resets++;
            events.add("cancel");
        }
    }

    @Override
    public @Nullable String retryPushback() {
        return pushback;
    }

    // ---------------------------------------------------------------- the peer's events

    private ClientStreamListener listener() {
        ClientStreamListener l = listener;
        if (l == null) {
            throw new IllegalStateException("stream not started");
        }
        return l;
    }

    void open() {
        listener().onOpen();
    }

    void drain() {
        ready = true;
        listener().onReady();
    }

    void headers(Metadata md) {
        if (!ended) {
            listener().onHeaders(md);
        }
    }

    void message(String text) {
        if (!ended) {
            listener().onMessage(Buffer.buffer(text));
        }
    }

    void trailers(StatusCode code, String details, Metadata trailers) {
        if (!ended) {
            ended = true;
            peerEnded = true;
            listener().onTrailers(code, details, trailers);
        }
    }

    void reset(long http2ErrorCode) {
        if (!ended) {
            ended = true;
            peerEnded = true;
            listener().onReset(http2ErrorCode);
        }
    }

    void closed(StatusCode code, String details, boolean refused) {
        if (!ended) {
            ended = true;
            peerEnded = true;
            listener().onClosed(code, details, refused);
        }
    }
}
