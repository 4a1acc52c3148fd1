package io.rpcvertx.impl.server;

import io.rpcvertx.Metadata;
import io.rpcvertx.StatusCode;
import io.rpcvertx.impl.codec.Encoding;
import io.rpcvertx.impl.security.AuthContext;
import io.rpcvertx.impl.transport.ServerStream;
import io.rpcvertx.impl.transport.ServerStreamListener;
import io.rpcvertx.impl.transport.ServerStreamListener.CancelCause;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.ContextInternal;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * A {@link ServerStream} without a transport: records what the call layer does to it, and lets a test play the
 * transport's events. Follows the seam's rules as {@link Http2ServerStream} does: writes after the stream closed are
 * ignored, a peer event on a closed stream is dropped, {@code callTerminated} on an open stream cancels it.
 */
final class RecordingServerStream implements ServerStream {
    /** What reached the wire, in order. */
    record Event(String kind, @Nullable StatusCode code, String details) {
        static Event of(String kind) {
            return new Event(kind, null, "");
        }
    }

    final List<Event> events = new CopyOnWriteArrayList<>();
    final List<Boolean> holds = new CopyOnWriteArrayList<>();
    final AtomicInteger terminations = new AtomicInteger();
    final CompletableFuture<Void> terminated = new CompletableFuture<>();
    private final ContextInternal context;
    private final String path;
    private final MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    private volatile @Nullable ServerStreamListener listener;
    private volatile boolean open = true;
    private volatile boolean ready = true;
    private boolean headersWritten;

    RecordingServerStream(ContextInternal context, String path) {
        this.context = context;
        this.path = path;
    }

    RecordingServerStream header(String name, String value) {
        headers.add(name, value);
        return this;
    }

    // ---------------------------------------------------------------- the transport's events (on the context)

    void data(Buffer framed) {
        assert context.inThread();
        if (open) {
            listener().onData(framed);
        }
    }

    void halfClose() {
        assert context.inThread();
        if (open) {
            listener().onHalfClose();
        }
    }

    /** The peer reset the stream, or the connection went: the call hears of it unless the stream already closed. */
    void lost(CancelCause cause) {
        assert context.inThread();
        if (open) {
            open = false;
            events.add(Event.of("lost:" + cause));
            listener().onCancel(cause);
        }
    }

    void setReady(boolean r) {
        assert context.inThread();
        ready = r;
        if (r) {
            listener().onReady();
        }
    }

    private ServerStreamListener listener() {
        ServerStreamListener l = listener;
        if (l == null) {
            throw new IllegalStateException("no listener set");
        }
        return l;
    }

    boolean isOpen() {
        return open;
    }

    long count(String kind) {
        return events.stream().filter(e -> e.kind().equals(kind)).count();
    }

    // ---------------------------------------------------------------- ServerStream

    @Override
    public ContextInternal context() {
        return context;
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public @Nullable String header(CharSequence name) {
        return headers.get(name);
    }

    @Override
    public Metadata metadata() {
        return Metadata.EMPTY;
    }

    @Override
    public String peer() {
        return "ipv4:127.0.0.1:1";
    }

    @Override
    public AuthContext authContext() {
        throw new UnsupportedOperationException("no connection under a recording stream");
    }

    @Override
    public void setListener(ServerStreamListener l) {
        assert context.inThread();
        listener = l;
    }

    @Override
    public void holdReading(boolean hold) {
        assert context.inThread();
        holds.add(hold);
    }

    @Override
    public Future<Void> writeHeaders(Metadata metadata, Encoding encoding, boolean flush) {
        assert context.inThread();
        if (headersWritten) {
            throw new IllegalStateException("headers written twice");
        }
        headersWritten = true;
        events.add(Event.of(flush ? "headers+flush" : "headers"));
        return context.succeededFuture();
    }

    @Override
    public void writeMessage(Buffer frame) {
        assert context.inThread();
        if (!headersWritten) {
            throw new IllegalStateException("message before headers");
        }
        if (open) {
            events.add(Event.of("message"));
        }
    }

    @Override
    public boolean isReady() {
        return ready;
    }

    @Override
    public void writeTrailers(StatusCode code, String details, Metadata trailers) {
        assert context.inThread();
        if (open) {
            open = false;
            events.add(new Event(headersWritten ? "trailers" : "trailers-only", code, details));
        }
    }

    @Override
    public void writeLastMessage(Buffer frame, StatusCode code, String details, Metadata trailers) {
        assert context.inThread();
        if (!headersWritten) {
            throw new IllegalStateException("last message before headers");
        }
        if (open) {
            open = false;
            events.add(new Event("last-message", code, details));
        }
    }

    @Override
    public void stopReading() {
        assert context.inThread();
        events.add(Event.of("stop-reading"));
    }

    @Override
    public void cancel() {
        assert context.inThread();
        if (open) {
            open = false;
            events.add(Event.of("cancel"));
        }
    }

    @Override
    public void callTerminated() {
        assert context.inThread();
        if (open) {
            cancel();
        }
        terminations.incrementAndGet();
        terminated.complete(null);
    }
}
