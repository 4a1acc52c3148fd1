package io.rpcvertx.impl.telemetry;

import io.rpcvertx.Marshaller;
import io.rpcvertx.Metadata;
import io.rpcvertx.StatusCode;
import io.rpcvertx.impl.codec.Encoding;
import io.rpcvertx.impl.security.AuthContext;
import io.rpcvertx.impl.transport.ServerStream;
import io.rpcvertx.impl.transport.ServerStreamListener;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.spi.tracing.SpanKind;
import io.vertx.core.spi.tracing.TagExtractor;
import io.vertx.core.spi.tracing.VertxTracer;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * One observed server call: between the call layer and a transport's stream, it starts the SERVER span when the
 * stream arrives (a child of the trace in the request metadata, and the current span of the call's context, so the
 * handler's own calls join the trace), counts the message bytes each way, and ends the span and records the call's
 * metrics when the status is written or the stream is cancelled. The stream's (duplicated) context only.
 *
 * <p>Sizes are message bytes as they cross the wire, after compression and without the 5-byte prefixes.
 */
final class ObservedServerStream implements ServerStream, ServerStreamListener {
    private static final int PREFIX = 5;

    private static final TagExtractor<ObservedServerStream> REQUEST_TAGS = new TagExtractor<>() {
        @Override
        public int len(ObservedServerStream s) {
            return s.peerAddress == null ? 3 : 5;
        }

        @Override
        public String name(ObservedServerStream s, int index) {
            switch (index) {
                case 0:
                    return "rpc.system";
                case 1:
                    return "rpc.service";
                case 2:
                    return "rpc.method";
                case 3:
                    return "network.peer.address";
                case 4:
                    return "network.peer.port";
                default:
                    throw new IndexOutOfBoundsException(index);
            }
        }

        @Override
        public String value(ObservedServerStream s, int index) {
            switch (index) {
                case 0:
                    return "grpc";
                case 1:
                    return Spans.service(s.method);
                case 2:
                    return Spans.method(s.method);
                case 3:
                    String address = s.peerAddress;
                    return address == null ? "" : address;
                case 4:
                    return Integer.toString(s.peerPort);
                default:
                    throw new IndexOutOfBoundsException(index);
            }
        }
    };

    private final Telemetry telemetry;
    private final ServerStream stream;
    private final String method;
    /** The metrics label: the method, or {@link RpcMetrics#OTHER_METHOD} for one the server did not register. */
    private final String methodLabel;

    private final @Nullable String peerAddress;
    private final int peerPort;
    private final long startNanos;
    private @Nullable Object span;
    private @Nullable ServerStreamListener listener;
    private long sentBytes;
    private long receivedBytes;
    // where the inbound byte stream is: in a message prefix (bytes of it left) or in a message body (bytes left)
    private int prefixLeft = PREFIX;
    private long bodyLeft;
    private long bodyLength;
    private @Nullable StatusCode status;

    ObservedServerStream(Telemetry telemetry, ServerStream stream, boolean registered) {
        this.telemetry = telemetry;
        this.stream = stream;
        this.method = Telemetry.fullMethodName(stream.path());
        this.methodLabel = registered ? method : RpcMetrics.OTHER_METHOD;
        SocketAddress remote = stream.remoteAddress();
        if (remote != null) {
            String ip = remote.hostAddress();
            this.peerAddress = ip != null ? ip : remote.host();
            this.peerPort = remote.port();
        } else {
            this.peerAddress = null;
            this.peerPort = -1;
        }
        this.startNanos = System.nanoTime();
        RpcMetrics m = telemetry.metrics;
        if (m != null) {
            m.serverCallStarted(methodLabel);
        }
        VertxTracer<Object, Object> tracer = telemetry.tracer;
        if (tracer != null) {
            span = tracer.receiveRequest(
                    stream.context(),
                    SpanKind.RPC,
                    telemetry.policy,
                    this,
                    method,
                    stream.propagationHeaders(),
                    REQUEST_TAGS);
        }
    }

    private void end(StatusCode code, @Nullable String details) {
        if (status != null) {
            return;
        }
        status = code;
        RpcMetrics m = telemetry.metrics;
        if (m != null) {
            m.serverCallEnded(methodLabel, code, System.nanoTime() - startNanos, sentBytes, receivedBytes);
        }
        Object s = span;
        VertxTracer<Object, Object> tracer = telemetry.tracer;
        if (s != null && tracer != null) {
            span = null;
            tracer.sendResponse(stream.context(), code, s, Telemetry.failure(code, details), Spans.STATUS_TAGS);
        }
    }

    /** Counts the message bytes of inbound DATA, whatever the chunking: everything but the message prefixes. */
    private void countInbound(Buffer data) {
        int i = 0;
        int n = data.length();
        while (i < n) {
            if (bodyLeft > 0) {
                int take = (int) Math.min(bodyLeft, n - i);
                bodyLeft -= take;
                receivedBytes += take;
                i += take;
                continue;
            }
            int b = data.getByte(i++) & 0xff;
            // prefix: a compressed-flag byte, then the message length (4 bytes, big-endian)
            bodyLength = prefixLeft == PREFIX ? 0 : (bodyLength << 8) | b;
            if (--prefixLeft == 0) {
                bodyLeft = bodyLength;
                prefixLeft = PREFIX;
            }
        }
    }

    // ---------------------------------------------------------------- ServerStream (from the call layer)

    @Override
    public ContextInternal context() {
        return stream.context();
    }

    @Override
    public String path() {
        return stream.path();
    }

    @Override
    public @Nullable String header(CharSequence name) {
        return stream.header(name);
    }

    @Override
    public Metadata metadata() {
        return stream.metadata();
    }

    @Override
    public String peer() {
        return stream.peer();
    }

    @Override
    public @Nullable SocketAddress remoteAddress() {
        return stream.remoteAddress();
    }

    @Override
    public Iterable<Map.Entry<String, String>> propagationHeaders() {
        return stream.propagationHeaders();
    }

    @Override
    public AuthContext authContext() {
        return stream.authContext();
    }

    @Override
    public void setListener(ServerStreamListener listener) {
        this.listener = listener;
        stream.setListener(this);
    }

    @Override
    public void holdReading(boolean hold) {
        stream.holdReading(hold);
    }

    @Override
    public Future<Void> writeHeaders(Metadata metadata, Encoding encoding, boolean flush) {
        return stream.writeHeaders(metadata, encoding, flush);
    }

    @Override
    public void writeMessage(Buffer frame) {
        sentBytes += frame.length() - PREFIX;
        stream.writeMessage(frame);
    }

    @Override
    public <T> void writeMessage(Marshaller<T> marshaller, T message, int size) {
        stream.writeMessage(marshaller, message, size);
        sentBytes += size; // counted once written, as a failed write sends nothing
    }

    @Override
    public boolean isReady() {
        return stream.isReady();
    }

    @Override
    public void writeTrailers(StatusCode code, String details, Metadata trailers) {
        end(code, details);
        stream.writeTrailers(code, details, trailers);
    }

    @Override
    public void writeLastMessage(Buffer frame, StatusCode code, String details, Metadata trailers) {
        sentBytes += frame.length() - PREFIX;
        end(code, details);
        stream.writeLastMessage(frame, code, details, trailers);
    }

    @Override
    public void stopReading() {
        stream.stopReading();
    }

    @Override
    public void cancel() {
        end(StatusCode.CANCELLED, null);
        stream.cancel();
    }

    @Override
    public void callTerminated() {
        end(StatusCode.CANCELLED, null); // a stream released without a status was cancelled (a no-op after one)
        stream.callTerminated();
    }

    // ---------------------------------------------------------------- ServerStreamListener (from the transport)

    private ServerStreamListener listener() {
        ServerStreamListener l = listener;
        assert l != null;
        return l;
    }

    @Override
    public void onData(Buffer data) {
        countInbound(data);
        listener().onData(data);
    }

    @Override
    public void onHalfClose() {
        listener().onHalfClose();
    }

    @Override
    public void onReady() {
        listener().onReady();
    }

    @Override
    public void onCancel(CancelCause cause) {
        end(StatusCode.CANCELLED, "cancelled: " + cause);
        listener().onCancel(cause);
    }
}
