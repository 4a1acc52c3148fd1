/** rpc-vertx implementation: transport. */
@NullMarked
package io.rpcvertx.impl.transport;

import org.jspecify.annotations.NullMarked;
