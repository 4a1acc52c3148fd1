/**
 * The grpc.aio API translated to Java on Vert.x 5.
 *
 * <p>Entry point: {@link io.rpcvertx.RpcVertx}. Every asynchronous result is a Vert.x {@link io.vertx.core.Future},
 * every message stream a {@link io.vertx.core.streams.ReadStream} or {@link io.vertx.core.streams.WriteStream}.
 * Futures and streams returned by this API complete and call back on the Vert.x context of the thread that made the
 * call (the caller's context), so a verticle sees its callbacks on its own event loop.
 */
@NullMarked
package io.rpcvertx;

import org.jspecify.annotations.NullMarked;
