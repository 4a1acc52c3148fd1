/** Runnable rpc-vertx examples. */
@NullMarked
package io.rpcvertx.examples.helloworld;

import org.jspecify.annotations.NullMarked;
