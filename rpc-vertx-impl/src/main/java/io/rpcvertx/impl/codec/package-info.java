/**
 * L1 wire codec: gRPC over HTTP/2 framing, compression, {@code grpc-timeout}, status and {@code grpc-message}
 * coding, metadata headers and content types. Pure functions and small state holders on {@link
 * io.vertx.core.buffer.Buffer}: no I/O, no event loops, no threads.
 */
@NullMarked
package io.rpcvertx.impl.codec;

import org.jspecify.annotations.NullMarked;
