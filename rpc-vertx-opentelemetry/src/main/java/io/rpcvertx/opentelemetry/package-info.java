/** gRPC metrics on OpenTelemetry for rpc-vertx channels and servers: see {@link io.rpcvertx.opentelemetry.RpcOpenTelemetry}. */
@NullMarked
package io.rpcvertx.opentelemetry;

import org.jspecify.annotations.NullMarked;
