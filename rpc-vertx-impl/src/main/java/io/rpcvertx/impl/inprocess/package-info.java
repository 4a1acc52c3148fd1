/**
 * rpc-vertx implementation: the in-process transport. A channel and a server of the same {@code Vertx} exchange the
 * same framed (and, if asked, compressed) messages and the same header maps as over HTTP/2, without sockets: each
 * direction is a queue drained on the receiver's event loop, paced by byte credit like an HTTP/2 window.
 */
@NullMarked
package io.rpcvertx.impl.inprocess;

import org.jspecify.annotations.NullMarked;
