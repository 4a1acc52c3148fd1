package io.rpcvertx.impl.transport;

import io.netty.buffer.ByteBuf;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.GoAway;
import io.vertx.core.internal.buffer.BufferInternal;

/**
 * Works around a buffer leak of Vert.x 5.0.10: the debug data of a GOAWAY handed to a {@code goAwayHandler} is never
 * released. For a connection with a {@code goAwayHandler}, {@code Http2ConnectionBase.onGoAwayReceived} dispatches
 * {@code new GoAway(goAway)}, whose constructor copies the debug data with {@code Buffer.copy()}: a pooled direct
 * buffer (the frame's bytes are a slice of Netty's read buffer) that nothing releases, since a Vert.x {@code Buffer}
 * has no release and {@code getByteBuf()} hands out an unreleasable view. Every GOAWAY received leaked one, reported
 * as {@code LEAK: ... io.vertx.core.http.GoAway.<init>(GoAway.java:42)}. A {@code goAwayHandler} is the copy's only
 * holder, so it can free it: {@link #detach} puts a heap copy in its place and releases it.
 *
 * <p>Reproducer for upstream (not filed; run with {@code -Dio.netty.leakDetection.level=paranoid} and Netty logging to
 * a logger that prints, e.g. {@code InternalLoggerFactory.setDefaultFactory(JdkLoggerFactory.INSTANCE)}):
 *
 * <pre>{@code
 * Vertx vertx = Vertx.vertx();
 * HttpServer server = vertx.createHttpServer(new HttpServerOptions().setHttp2ClearTextEnabled(true))
 *         .requestHandler(req -> req.connection().goAway(0, -1, Buffer.buffer("bye")))
 *         .listen(0, "127.0.0.1").await();
 * HttpClientAgent client = vertx.createHttpClient(new HttpClientOptions()
 *         .setProtocolVersion(HttpVersion.HTTP_2).setHttp2ClearTextUpgrade(false));
 * for (int i = 0; i < 100; i++) {
 *     HttpClientConnection conn = client.connect(new HttpConnectOptions()
 *             .setHost("127.0.0.1").setPort(server.actualPort())).await();
 *     Promise<Void> goAway = Promise.promise();
 *     conn.goAwayHandler(ga -> goAway.tryComplete()); // with no goAwayHandler, no copy and no leak
 *     conn.request(HttpMethod.GET, "/").compose(HttpClientRequest::send);
 *     goAway.future().await();
 *     conn.close().await();
 * }
 * System.gc();
 * ByteBufAllocator.DEFAULT.directBuffer(1).release(); // Netty reports leaks when it tracks a new buffer
 * // SEVERE: LEAK: ByteBuf.release() was not called ... io.vertx.core.http.GoAway.<init>(GoAway.java:42)
 * }</pre>
 *
 * (Run against 5.0.10 / Netty 4.2.12: one LEAK report; none with {@link #detach} in the handler.) The fix upstream
 * would be a heap copy in {@code GoAway(GoAway)}, or handing the handler the frame's slice for the call's duration.
 */
public final class GoAwayDebugData {
    private GoAwayDebugData() {}

    /**
     * Replaces {@code goAway}'s debug data, Vert.x's pooled copy, with a heap copy and releases the pooled one. Call it
     * once, first thing in a {@code goAwayHandler}, on the {@code GoAway} the handler was given.
     *
     * @return {@code goAway}
     */
    public static GoAway detach(GoAway goAway) {
        Buffer debug = goAway.getDebugData();
        if (!(debug instanceof BufferInternal)) {
            return goAway;
        }
        goAway.setDebugData(Buffer.buffer(debug.getBytes()));
        // getByteBuf() is an unreleasable view (or, for Vert.x's own heap buffers, a plain slice) of the copy; the
        // buffer it wraps shares the copy's reference count
        ByteBuf shared = ((BufferInternal) debug).getByteBuf().unwrap();
        if (shared != null && shared.refCnt() > 0) {
            shared.release();
        }
        return goAway;
    }
}
