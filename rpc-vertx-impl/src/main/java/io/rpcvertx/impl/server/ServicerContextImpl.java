package io.rpcvertx.impl.server;

import io.rpcvertx.Compression;
import io.rpcvertx.ContextKey;
import io.rpcvertx.HandlerCallDetails;
import io.rpcvertx.Metadata;
import io.rpcvertx.MethodDescriptor;
import io.rpcvertx.ServicerContext;
import io.rpcvertx.StatusCode;
import io.rpcvertx.impl.codec.Encoding;
import io.rpcvertx.impl.transport.InboundMessages;
import io.rpcvertx.impl.transport.ServerStream;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.streams.WriteStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * What a handler sees of its call: the values it reads (method, metadata, peer, auth, compression) and sets (status
 * code, details, trailing metadata), and its requests and responses. Owned by one {@link ServerCallImpl}, which keeps
 * the state and the terminal events: the state questions and {@code cancel}/{@code abort} are passed to it. Any
 * thread; what touches the wire hops to the call's context.
 */
final class ServicerContextImpl<Req, Resp> implements ServicerContext<Req, Resp> {
    private final ServerCallImpl<Req, Resp> call;
    private final ServerStream stream;
    private final ServerCallStream<Req, Resp> io;
    private final Encoding requestEncoding;

    // the status the call ends with; the call writes code and details when it ends otherwise (cancel, deadline)
    /** Written on the call's context only. */
    Metadata trailingMetadata = Metadata.EMPTY;

    volatile @Nullable StatusCode code;
    volatile @Nullable String details;
    /** What the interceptors saw last, for {@link #get}; null without interceptors. */
    volatile @Nullable HandlerCallDetails callDetails;

    ServicerContextImpl(
            ServerCallImpl<Req, Resp> call, ServerStream stream, ServerCallStream<Req, Resp> io, Encoding encoding) {
        this.call = call;
        this.stream = stream;
        this.io = io;
        this.requestEncoding = encoding;
    }

    void setCallDetails(HandlerCallDetails reached) {
        callDetails = reached;
    }

    @Override
    public String method() {
        return call.method();
    }

    @Override
    public Metadata invocationMetadata() {
        return stream.metadata();
    }

    @Override
    public Future<Void> sendInitialMetadata(Metadata metadata) {
        Objects.requireNonNull(metadata, "metadata");
        Promise<Void> promise = call.callerContext().promise();
        call.onCtx(() -> io.sendHeaders(metadata, promise));
        return promise.future();
    }

    @Override
    public void setTrailingMetadata(Metadata metadata) {
        Objects.requireNonNull(metadata, "metadata");
        call.onCtx(() -> trailingMetadata = metadata);
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
        return call.abort(code, details);
    }

    @Override
    public <T> Future<T> abort(StatusCode code, String details, Metadata trailingMetadata) {
        return call.abort(code, details, trailingMetadata);
    }

    @Override
    public String peer() {
        return stream.peer();
    }

    @Override
    public Map<String, List<byte[]>> authContext() {
        return stream.authContext().properties();
    }

    @Override
    public List<byte[]> peerIdentities() {
        return stream.authContext().peerIdentities();
    }

    @Override
    public Optional<String> peerIdentityKey() {
        return stream.authContext().peerIdentityKey();
    }

    @Override
    public <T> Optional<T> get(ContextKey<T> key) {
        Objects.requireNonNull(key, "key");
        HandlerCallDetails d = callDetails;
        return d == null ? Optional.empty() : d.get(key);
    }

    @Override
    public Future<Optional<Req>> read() {
        InboundMessages<Req> in = io.inbound();
        if (in == null) {
            throw new IllegalStateException(call.method() + " takes a single request: it is the handler's argument");
        }
        return in.read();
    }

    @Override
    public Future<Void> write(Resp message) {
        Objects.requireNonNull(message, "message");
        checkServerStreaming();
        MessageHookPump<Req, Resp> h = call.hooks();
        return h != null ? h.write(message) : io.writeResponse(message);
    }

    private void checkServerStreaming() {
        MethodDescriptor<Req, Resp> m = call.descriptor();
        if (!m.type().isServerStreaming()) {
            throw new IllegalStateException(m.fullMethodName() + " has a single response: return it from the handler");
        }
    }

    @Override
    public WriteStream<Resp> responses() {
        checkServerStreaming();
        WriteStream<Resp> plain = io.view();
        MessageHookPump<Req, Resp> h = call.hooks();
        return h == null ? plain : h.view(plain);
    }

    @Override
    public void setCompression(Compression compression) {
        Objects.requireNonNull(compression, "compression");
        call.onCtx(() -> io.setCompression(compression));
    }

    @Override
    public void disableNextMessageCompression() {
        call.onCtx(io::disableNextMessageCompression);
    }

    @Override
    public Compression requestCompression() {
        return requestEncoding.toCompression();
    }

    @Override
    public boolean isCancelled() {
        return call.isCancelled();
    }

    @Override
    public boolean isDone() {
        return call.isDone();
    }

    @Override
    public Optional<Duration> timeRemaining() {
        return call.timeRemaining();
    }

    @Override
    public boolean cancel() {
        return call.cancel();
    }

    @Override
    public void addDoneCallback(Handler<Void> callback) {
        call.addDoneCallback(callback);
    }

    @Override
    public String toString() {
        return call.toString();
    }
}
