package io.rpcvertx.impl.netty;

import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.rpcvertx.Metadata;
import io.rpcvertx.StatusCode;
import io.rpcvertx.impl.codec.MetadataCodec;
import io.rpcvertx.impl.transport.StatusHeaders;
import io.vertx.core.MultiMap;
import io.vertx.core.http.impl.headers.Http2HeadersAdaptor;

/**
 * Metadata and status in Netty {@link Http2Headers}, both ways, through the same codec the Vert.x transport uses
 * ({@link MetadataCodec}, {@link StatusHeaders}): the one adapter between Netty's header blocks and Vert.x's {@link
 * MultiMap} view of them (the view Vert.x's own HTTP/2 server hands out, so both transports read headers alike).
 */
public final class NettyHeaders {
    private NettyHeaders() {}

    /** A live {@link MultiMap} view of {@code headers}: writes go through to them. */
    public static MultiMap view(Http2Headers headers) {
        return new Http2HeadersAdaptor(headers);
    }

    /** An empty header block for us to fill; names are not validated again (the codec wrote them, lowercase). */
    public static Http2Headers outbound() {
        return new DefaultHttp2Headers(false);
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
