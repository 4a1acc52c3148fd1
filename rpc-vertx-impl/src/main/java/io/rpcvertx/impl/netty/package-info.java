/**
 * rpc-vertx implementation: the Netty HTTP/2 transport (issue 13). Netty's HTTP/2 codec runs in the pipeline of Vert.x
 * {@code NetServer} sockets, on Vert.x's event loops; the wire rules stay in {@code impl.codec}. Server classes are
 * {@code NettyServer*}; the pieces both halves share are {@link io.rpcvertx.impl.netty.NettyHeaders} and {@link
 * io.rpcvertx.impl.netty.NettyFlusher}.
 */
@NullMarked
package io.rpcvertx.impl.netty;

import org.jspecify.annotations.NullMarked;
