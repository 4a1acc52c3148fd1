/** rpc-vertx implementation: server. */
@NullMarked
package io.rpcvertx.impl.server;

import org.jspecify.annotations.NullMarked;
