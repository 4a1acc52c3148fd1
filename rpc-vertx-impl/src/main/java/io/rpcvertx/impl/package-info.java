/** The rpc-vertx implementation: provider wiring. */
@NullMarked
package io.rpcvertx.impl;

import org.jspecify.annotations.NullMarked;
