/** Runnable rpc-vertx examples. */
@NullMarked
package io.rpcvertx.examples;

import org.jspecify.annotations.NullMarked;
