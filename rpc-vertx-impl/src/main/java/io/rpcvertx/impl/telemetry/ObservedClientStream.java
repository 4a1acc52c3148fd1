package io.rpcvertx.impl.telemetry;

import io.rpcvertx.Metadata;
import io.rpcvertx.StatusCode;
import io.rpcvertx.impl.codec.Encoding;
import io.rpcvertx.impl.codec.StatusMapping;
import io.rpcvertx.impl.transport.ClientStream;
import io.rpcvertx.impl.transport.ClientStreamListener;
import io.rpcvertx.impl.transport.RequestHead;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.spi.tracing.SpanKind;
import io.vertx.core.spi.tracing.TagExtractor;
import io.vertx.core.spi.tracing.VertxTracer;
import org.jspecify.annotations.Nullable;

/**
 * One observed call attempt: between the call (or its retrying stream) and a transport's stream, it starts the
 * attempt's CLIENT span when the stream starts (the trace context joins the request metadata), counts the message
 * bytes each way, and ends the span and records the attempt's metrics at its one terminal event. Owner context only,
 * like the stream it wraps.
 *
 * <p>Message sizes are the bytes on the wire without the 5-byte prefixes: sent ones as the transport's stream reports
 * them (after compression), received ones as the call gets them back (the transport decompresses them first, so a
 * compressed response counts its uncompressed size).
 */
final class ObservedClientStream implements ClientStream, ClientStreamListener, RequestHead {
    private static final TagExtractor<ObservedClientStream> REQUEST_TAGS = new TagExtractor<>() {
        @Override
        public int len(ObservedClientStream s) {
            return s.telemetry.serverAddress == null ? 3 : s.telemetry.serverPort < 0 ? 4 : 5;
        }

        @Override
        public String name(ObservedClientStream s, int index) {
            switch (index) {
                case 0:
                    return "rpc.system";
                case 1:
                    return "rpc.service";
                case 2:
                    return "rpc.method";
                case 3:
                    return "server.address";
                case 4:
                    return "server.port";
                default:
                    throw new IndexOutOfBoundsException(index);
            }
        }

        @Override
        public String value(ObservedClientStream s, int index) {
            switch (index) {
                case 0:
                    return "grpc";
                case 1:
                    return Spans.service(s.method);
                case 2:
                    return Spans.method(s.method);
                case 3:
                    String address = s.telemetry.serverAddress;
                    return address == null ? "" : address;
                case 4:
                    return Integer.toString(s.telemetry.serverPort);
                default:
                    throw new IndexOutOfBoundsException(index);
            }
        }
    };

    private final Telemetry telemetry;
    private final RequestHead head;
    private final String method;
    /** The transport's stream; set once, right after this is made (the transport needs this as its head). */
    @Nullable
    ClientStream delegate;

    private @Nullable ClientStreamListener listener;
    private @Nullable Object span;
    private Metadata.@Nullable Builder traceHeaders;
    private @Nullable Metadata metadata;
    private long startNanos;
    private long sentBytes;
    private long receivedBytes;
    private @Nullable StatusCode status;

    ObservedClientStream(Telemetry telemetry, RequestHead head) {
        this.telemetry = telemetry;
        this.head = head;
        this.method = Telemetry.fullMethodName(head.path());
    }

    private ClientStream delegate() {
        ClientStream d = delegate;
        assert d != null;
        return d;
    }

    private ClientStreamListener listener() {
        ClientStreamListener l = listener;
        assert l != null;
        return l;
    }

    // ---------------------------------------------------------------- ClientStream (from the call)

    @Override
    public void start(ClientStreamListener listener) {
        this.listener = listener;
        startNanos = System.nanoTime();
        RpcMetrics m = telemetry.metrics;
        if (m != null) {
            m.clientAttemptStarted(method, telemetry.target);
        }
        VertxTracer<Object, Object> tracer = telemetry.tracer;
        ContextInternal caller = head.callerContext();
        if (tracer != null && caller != null) {
            span = tracer.sendRequest(
                    caller, SpanKind.RPC, telemetry.policy, this, method, this::addTraceHeader, REQUEST_TAGS);
        }
        delegate().start(this);
    }

    private void addTraceHeader(String key, String value) {
        Metadata.Builder b = traceHeaders;
        if (b == null) {
            b = traceHeaders = Metadata.builder();
        }
        b.add(key, value);
    }

    @Override
    public void sendHeaders() {
        delegate().sendHeaders();
    }

    @Override
    public int writeMessage(Buffer payload, boolean endOfStream) {
        int wire = delegate().writeMessage(payload, endOfStream);
        sentBytes += wire;
        return wire;
    }

    @Override
    public void halfClose() {
        delegate().halfClose();
    }

    @Override
    public boolean isReady() {
        return delegate().isReady();
    }

    @Override
    public void pause() {
        delegate().pause();
    }

    @Override
    public void resume() {
        delegate().resume();
    }

    @Override
    public void cancel() {
        delegate().cancel();
        // the call ended the attempt (no listener event follows): at its deadline, or cancelled
        long deadline = head.deadlineNanos();
        boolean expired = deadline != NO_DEADLINE && System.nanoTime() - deadline >= 0;
        end(expired ? StatusCode.DEADLINE_EXCEEDED : StatusCode.CANCELLED, null);
    }

    @Override
    public @Nullable String retryPushback() {
        return delegate().retryPushback();
    }

    // ---------------------------------------------------------------- RequestHead (to the transport)

    @Override
    public String path() {
        return head.path();
    }

    @Override
    public Metadata metadata() {
        Metadata md = metadata;
        if (md == null) {
            Metadata.Builder trace = traceHeaders;
            md = trace == null ? head.metadata() : withTraceHeaders(head.metadata(), trace.build());
            metadata = md;
        }
        return md;
    }

    /** The application's metadata with the tracer's headers, which replace any of the same name. */
    private static Metadata withTraceHeaders(Metadata application, Metadata trace) {
        Metadata.Builder b = application.toBuilder();
        for (String key : trace.keys()) {
            b.removeAll(key);
        }
        return b.addAll(trace).build();
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
        return head.previousAttempts();
    }

    @Override
    public boolean waitForReady() {
        return head.waitForReady();
    }

    @Override
    public @Nullable ContextInternal callerContext() {
        return head.callerContext();
    }

    // ---------------------------------------------------------------- ClientStreamListener (from the transport)

    @Override
    public void onOpen() {
        listener().onOpen();
    }

    @Override
    public void onReady() {
        listener().onReady();
    }

    @Override
    public void onHeaders(Metadata headers) {
        listener().onHeaders(headers);
    }

    @Override
    public void onMessage(Buffer payload) {
        receivedBytes += payload.length();
        listener().onMessage(payload);
    }

    @Override
    public void onTrailers(StatusCode code, String details, Metadata trailers) {
        end(code, details);
        listener().onTrailers(code, details, trailers);
    }

    @Override
    public void onReset(long http2ErrorCode) {
        end(StatusMapping.fromHttp2ErrorCode(http2ErrorCode), "Received RST_STREAM with error code " + http2ErrorCode);
        listener().onReset(http2ErrorCode);
    }

    @Override
    public void onClosed(StatusCode code, String details, boolean refused) {
        end(code, details);
        listener().onClosed(code, details, refused);
    }

    // ---------------------------------------------------------------- the end, once

    private void end(StatusCode code, @Nullable String details) {
        if (status != null || listener == null) {
            return; // ended already, or never started (nothing was recorded)
        }
        status = code;
        RpcMetrics m = telemetry.metrics;
        if (m != null) {
            m.clientAttemptEnded(
                    method, telemetry.target, code, System.nanoTime() - startNanos, sentBytes, receivedBytes);
        }
        Object s = span;
        VertxTracer<Object, Object> tracer = telemetry.tracer;
        ContextInternal caller = head.callerContext();
        if (s != null && tracer != null && caller != null) {
            span = null;
            tracer.receiveResponse(caller, code, s, Telemetry.failure(code, details), Spans.STATUS_TAGS);
        }
    }
}
