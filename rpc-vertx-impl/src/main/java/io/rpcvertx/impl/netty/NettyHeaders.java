package io.rpcvertx.impl.netty;

import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.rpcvertx.Metadata;
import io.rpcvertx.StatusCode;
import io.rpcvertx.impl.codec.Encoding;
import io.rpcvertx.impl.codec.GrpcHeaders;
import io.rpcvertx.impl.codec.GrpcTimeout;
import io.rpcvertx.impl.codec.MetadataCodec;
import io.rpcvertx.impl.transport.RequestHead;
import io.rpcvertx.impl.transport.StatusHeaders;
import io.vertx.core.MultiMap;
import io.vertx.core.http.impl.headers.Http2HeadersAdaptor;

/**
 * Metadata and status in Netty {@link Http2Headers}, both ways, through the same codec the Vert.x transport uses
 * ({@link MetadataCodec}, {@link StatusHeaders}): the one adapter between Netty's header blocks and Vert.x's {@link
 * MultiMap} view of them (the view Vert.x's own HTTP/2 server hands out, so both transports read headers alike).
 */
public final class NettyHeaders {
    private static final AsciiString POST = AsciiString.cached("POST");
    private static final AsciiString HTTP = AsciiString.cached("http");
    private static final AsciiString HTTPS = AsciiString.cached("https");
    private static final String PREVIOUS_ATTEMPTS = "grpc-previous-rpc-attempts";

    private NettyHeaders() {}

    /** A live {@link MultiMap} view of {@code headers}: writes go through to them. */
    public static MultiMap view(Http2Headers headers) {
        return new Http2HeadersAdaptor(headers);
    }

    /** An empty header block for us to fill; names are not validated again (the codec wrote them, lowercase). */
    public static Http2Headers outbound() {
        return new DefaultHttp2Headers(false);
    }

    /**
     * The request headers of a call: pseudo-headers, gRPC's fixed headers, the encoding, the remaining deadline (counted
     * from now, as the headers leave: time spent queued counts), the metadata, the retry attempt and the credentials'
     * metadata.
     */
    public static Http2Headers request(RequestHead head, boolean tls, CharSequence authority, CharSequence userAgent) {
        Http2Headers h = outbound()
                .method(POST)
                .scheme(tls ? HTTPS : HTTP)
                .path(head.path())
                .authority(authority);
        h.add(GrpcHeaders.CONTENT_TYPE, GrpcHeaders.APPLICATION_GRPC);
        h.add(GrpcHeaders.TE, GrpcHeaders.TRAILERS);
        h.add(GrpcHeaders.USER_AGENT, userAgent);
        h.add(GrpcHeaders.GRPC_ACCEPT_ENCODING, GrpcHeaders.ACCEPT_ENCODING_VALUE);
        Encoding encoding = head.encoding();
        if (encoding != Encoding.IDENTITY) {
            h.add(GrpcHeaders.GRPC_ENCODING, encoding.headerValue());
        }
        long deadline = head.deadlineNanos();
        if (deadline != RequestHead.NO_DEADLINE) {
            h.add(GrpcHeaders.GRPC_TIMEOUT, GrpcTimeout.format(Math.max(1, deadline - System.nanoTime())));
        }
        MultiMap view = view(h);
        MetadataCodec.toHeaders(head.metadata(), view);
        int previous = head.previousAttempts();
        if (previous > 0) {
            h.add(PREVIOUS_ATTEMPTS, Integer.toString(previous));
        }
        MetadataCodec.toHeaders(head.credentialsMetadata(), view);
        return h;
    }

    /** The invocation metadata of a request (or metadata of any block): reserved headers and pseudo-headers skipped. */
    public static Metadata metadata(Http2Headers headers) {
        return MetadataCodec.fromHeaders(view(headers));
    }

    /** Adds {@code metadata} to {@code headers} (repeated keys stay repeated, {@code -bin} values base64). */
    public static void putMetadata(Metadata metadata, Http2Headers headers) {
        if (!metadata.isEmpty()) {
            MetadataCodec.toHeaders(metadata, view(headers));
        }
    }

    /** Adds the trailers, {@code grpc-status} and the percent-encoded {@code grpc-message} to {@code headers}. */
    public static Http2Headers putStatus(Http2Headers headers, StatusCode code, String details, Metadata trailers) {
        StatusHeaders.put(view(headers), code, details, trailers);
        return headers;
    }
}
