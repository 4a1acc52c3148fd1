/**
 * A ready-made {@code grpc.health.v1.Health} service ({@link io.rpcvertx.services.health.HealthService}) with its
 * status API, for any rpc-vertx {@link io.rpcvertx.Server}. The message classes are in
 * {@code io.rpcvertx.services.health.v1} (generated from grpc's {@code health.proto}, proto package unchanged).
 * Needs {@code protobuf-java} on the classpath.
 */
@NullMarked
package io.rpcvertx.services.health;

import org.jspecify.annotations.NullMarked;
