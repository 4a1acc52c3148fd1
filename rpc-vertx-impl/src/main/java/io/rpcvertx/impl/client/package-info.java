/** rpc-vertx implementation: client. */
@NullMarked
package io.rpcvertx.impl.client;

import org.jspecify.annotations.NullMarked;
