/** The service-provider interface between rpc-vertx-api and its implementation. */
@NullMarked
package io.rpcvertx.spi;

import org.jspecify.annotations.NullMarked;
