package io.rpcvertx.impl.server;

import io.netty.buffer.ByteBuf;
import io.rpcvertx.Marshaller;
import io.rpcvertx.Metadata;
import io.rpcvertx.StatusCode;
import io.rpcvertx.impl.codec.ContentTypes;
import io.rpcvertx.impl.codec.Encoding;
import io.rpcvertx.impl.codec.GrpcHeaders;
import io.rpcvertx.impl.codec.Marshalling;
import io.rpcvertx.impl.codec.MessageFramer;
import io.rpcvertx.impl.codec.MetadataCodec;
import io.rpcvertx.impl.security.AuthContext;
import io.rpcvertx.impl.transport.ServerStream;
import io.rpcvertx.impl.transport.ServerStreamListener;
import io.rpcvertx.impl.transport.ServerStreamListener.CancelCause;
import io.rpcvertx.impl.transport.StatusHeaders;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.StreamResetException;
import io.vertx.core.impl.buffer.VertxByteBufAllocator;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.net.SocketAddress;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The Vert.x HTTP/2 server transport's {@link ServerStream}: one request/response pair of an IO instance's connection.
 * The only call code that touches {@link HttpServerRequest} and {@link HttpServerResponse}. Lives on the request's
 * (duplicated) context, on its connection's event loop.
 *
 * <pre>
 * OPEN --status written, reset by us, reset by the peer, connection lost--&gt; CLOSED
 * CLOSED --callTerminated (or given up on as leaked by a stop)--&gt; TERMINATED
 * </pre>
 *
 * A stream is linked into its connection's list while OPEN (a drain deadline cancels those) and into its IO
 * instance's list until TERMINATED (a stop waits for those, and gives up on them after its grace).
 */
final class Http2ServerStream implements ServerStream {
    private static final long NO_ERROR = 0x0;
    private static final long REFUSED_STREAM = 0x7;
    private static final long CANCEL = 0x8;
    private static final Future<Void> WRITTEN_LATER = Future.succeededFuture();

    enum State {
        OPEN,
        CLOSED,
        TERMINATED
    }

    private final HttpServerRequest request;
    private final ServerConnection connection;
    private final ServerIoVerticle io;
    private final ContextInternal context;
    private @Nullable ServerStreamListener listener;
    private @Nullable Metadata metadata;
    private @Nullable AuthContext authContext;
    private State state = State.OPEN;
    private boolean headersWritten;
    private boolean readingHeld;

    // the connection's list of open streams (ServerConnection, on the loop)
    @Nullable
    Http2ServerStream prevInConnection;

    @Nullable
    Http2ServerStream nextInConnection;

    boolean inConnection;

    // the IO instance's list of streams not yet terminated (ServerIoVerticle, on the loop)
    @Nullable
    Http2ServerStream prevInIo;

    @Nullable
    Http2ServerStream nextInIo;

    private Http2ServerStream(
            HttpServerRequest request, ServerConnection connection, ServerIoVerticle io, ContextInternal context) {
        this.request = request;
        this.connection = connection;
        this.io = io;
        this.context = context;
    }

    // ---------------------------------------------------------------- HTTP checks, then the call layer

    /** Entry point for every HTTP/2 request of a started server: the HTTP checks, then the call layer takes over. */
    static void serve(HttpServerRequest req, ServerIoVerticle io) {
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
        if (!io.server.isAccepting() || connection == null) {
            // a stream that raced our GOAWAY: REFUSED_STREAM tells any gRPC client that nothing was processed, so it
            // retries transparently elsewhere (or reports UNAVAILABLE)
            resp.reset(REFUSED_STREAM);
            return;
        }
        Http2ServerStream stream = new Http2ServerStream(req, connection, io, ContextInternal.current());
        connection.add(stream);
        io.onStreamOpened(stream);
        io.dispatcher.streamCreated(stream);
    }

    // ---------------------------------------------------------------- the request head

    @Override
    public ContextInternal context() {
        return context;
    }

    @Override
    public String path() {
        return request.path(); // parsed once by Vert.x
    }

    /** The request's response (held by the request: one field less per call here). */
    private HttpServerResponse response() {
        return request.response();
    }

    @Override
    public @Nullable String header(CharSequence name) {
        return request.getHeader(name);
    }

    @Override
    public Metadata metadata() {
        Metadata md = metadata;
        if (md == null) {
            md = MetadataCodec.fromHeaders(request.headers());
            metadata = md;
        }
        return md;
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
    public @Nullable SocketAddress remoteAddress() {
        SocketAddress remote = request.remoteAddress();
        return remote == null || remote.isDomainSocket() ? null : remote;
    }

    /**
     * Vert.x's view of the HTTP/2 headers: its entries convert a name when read (Netty caches it) and a value only when
     * asked, so a propagator's few lookups cost no parse of the metadata.
     */
    @Override
    public Iterable<Map.Entry<String, String>> propagationHeaders() {
        return request.headers();
    }

    /** Computed when a handler first asks: most never do, and the certificate's PEM is not free. */
    @Override
    public AuthContext authContext() {
        AuthContext a = authContext;
        if (a == null) {
            a = AuthContext.of(request.connection());
            authContext = a;
        }
        return a;
    }

    // ---------------------------------------------------------------- events

    @Override
    public void setListener(ServerStreamListener l) {
        assert context.inThread();
        listener = l;
        request.handler(l::onData);
        request.endHandler(v -> l.onHalfClose());
        Handler<Throwable> onError = this::onStreamError;
        request.exceptionHandler(onError);
        // a reset after the request body ended only reaches the response (vert.x#5562)
        response().exceptionHandler(onError);
        response().closeHandler(v -> onPeerGone(CancelCause.CONNECTION_LOST));
        response().drainHandler(v -> l.onReady());
        response().setChunked(true);
    }

    private void onStreamError(Throwable t) {
        onPeerGone(t instanceof StreamResetException ? CancelCause.PEER_RESET : CancelCause.CONNECTION_LOST);
    }

    /** The peer reset the stream (any code, NO_ERROR included) or the connection closed. */
    private void onPeerGone(CancelCause cause) {
        if (state != State.OPEN) {
            return;
        }
        close();
        ServerStreamListener l = listener;
        if (l != null) {
            l.onCancel(cause);
        }
    }

    /** The connection's drain deadline passed (server stop, maximum connection age): cancel, as grpc does. */
    void cancelForShutdown() {
        assert context.inThread();
        if (state != State.OPEN) {
            return;
        }
        close();
        ServerStreamListener l = listener;
        if (l != null) {
            l.onCancel(CancelCause.SHUTDOWN);
        }
        response().reset(CANCEL);
    }

    @Override
    public void holdReading(boolean hold) {
        if (hold == readingHeld) {
            return;
        }
        readingHeld = hold;
        if (request.isEnded()) {
            return; // fully read or reset: nothing left to hold, and Vert.x refuses pause/resume then
        }
        if (hold) {
            request.pause();
        } else {
            request.resume();
        }
    }

    // ---------------------------------------------------------------- outbound

    @Override
    public Future<Void> writeHeaders(Metadata md, Encoding encoding, boolean flush) {
        MultiMap h = response().headers();
        if (!md.isEmpty()) {
            MetadataCodec.toHeaders(md, h);
        }
        h.set(GrpcHeaders.CONTENT_TYPE, GrpcHeaders.APPLICATION_GRPC);
        h.set(GrpcHeaders.GRPC_ACCEPT_ENCODING, GrpcHeaders.ACCEPT_ENCODING_VALUE);
        if (encoding != Encoding.IDENTITY) {
            h.set(GrpcHeaders.GRPC_ENCODING, encoding.headerValue());
        }
        headersWritten = true;
        return flush ? response().writeHead() : WRITTEN_LATER;
    }

    @Override
    public void writeMessage(Buffer frame) {
        if (state != State.OPEN) {
            return;
        }
        connection.onResponseWrite(response().write(frame), frame.length());
    }

    /**
     * Serialized straight behind its prefix into a Vert.x heap buffer, as the unary response is: Vert.x writes its own
     * buffers as plain slices (Netty's Unpooled ones, the interface's default, get an unreleasable wrapper too).
     */
    @Override
    public <T> void writeMessage(Marshaller<T> marshaller, T message, int size) {
        ByteBuf framed = VertxByteBufAllocator.DEFAULT.heapBuffer(MessageFramer.HEADER_LENGTH + size);
        Marshalling.writeFramed(marshaller, message, size, framed);
        writeMessage(BufferInternal.buffer(framed));
    }

    @Override
    public boolean isReady() {
        // Closed: nothing is written any more, and once the status is out Vert.x's writeQueueFull() throws (a drain can
        // arrive after the response ended). Our state, not Vert.x's ended(): that takes the connection's lock, once
        // more per streamed message (every status path closes before it ends the response).
        return state != State.OPEN || !response().writeQueueFull();
    }

    @Override
    public void writeTrailers(StatusCode code, String details, Metadata trailers) {
        if (state != State.OPEN) {
            return;
        }
        close();
        if (response().closed()) {
            // the stream already failed underneath (e.g. its headers exceeded the peer's header-list limit):
            // Vert.x 5.0.10's end() would throw an NPE from its null write promise, and there is no one to tell
            return;
        }
        if (headersWritten) {
            StatusHeaders.put(response().trailers(), code, details, trailers);
            response().end();
        } else {
            trailersOnly(response(), code, details, trailers);
        }
    }

    @Override
    public void writeLastMessage(Buffer frame, StatusCode code, String details, Metadata trailers) {
        if (state != State.OPEN) {
            return;
        }
        close();
        if (response().closed()) {
            return; // failed underneath, as in writeTrailers
        }
        StatusHeaders.put(response().trailers(), code, details, trailers);
        connection.onResponseWrite(response().end(frame), frame.length());
    }

    @Override
    public void stopReading() {
        if (!request.isEnded()) {
            response().reset(NO_ERROR);
        }
    }

    @Override
    public void cancel() {
        if (state != State.OPEN) {
            return;
        }
        close();
        response().reset(CANCEL);
    }

    /**
     * Leaves the connection's list of open streams. Runs before the status is written, so a client that starts its
     * next call on seeing the status finds the connection's slot free.
     */
    private void close() {
        state = State.CLOSED;
        connection.remove(this);
    }

    @Override
    public void callTerminated() {
        assert context.inThread();
        if (state == State.TERMINATED) {
            return; // given up on as leaked by a stop: its handler completed after all
        }
        if (state == State.OPEN) {
            // the call is over without its wire work (it ended on another thread, and the handler's outcome came
            // first): the peer must not wait for a status that never comes
            close();
            response().reset(CANCEL);
        }
        state = State.TERMINATED;
        io.onStreamTerminated(this);
    }

    /** A stop gave up on this stream's call (its handler never completed): the IO instance forgets it. */
    void giveUp() {
        cancelForShutdown(); // a stream still open (none should be, past the deadline) is cancelled, its call too
        state = State.TERMINATED;
    }

    // ---------------------------------------------------------------- helpers

    /** gRPC over HTTP/2, Responses: one HEADERS frame with the status; it advertises the encodings we accept. */
    private static void trailersOnly(HttpServerResponse resp, StatusCode code, String details, Metadata trailers) {
        MultiMap h = resp.headers();
        h.set(GrpcHeaders.CONTENT_TYPE, GrpcHeaders.APPLICATION_GRPC);
        h.set(GrpcHeaders.GRPC_ACCEPT_ENCODING, GrpcHeaders.ACCEPT_ENCODING_VALUE);
        StatusHeaders.put(h, code, details, trailers);
        resp.end();
    }

    @Override
    public String toString() {
        return "Http2ServerStream{" + request.path() + ", " + state + "}";
    }
}
