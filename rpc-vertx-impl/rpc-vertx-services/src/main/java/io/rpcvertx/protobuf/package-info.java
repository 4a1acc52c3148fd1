/**
 * Protobuf helpers for rpc-vertx: {@link io.rpcvertx.protobuf.ProtoMarshaller} (a {@link io.rpcvertx.Marshaller} for
 * protobuf messages) and {@link io.rpcvertx.protobuf.StatusProtos} (rich errors: a {@code google.rpc.Status} carried
 * in the {@code grpc-status-details-bin} trailer, interoperable with grpc-java's {@code StatusProto}).
 *
 * <p>These classes need {@code com.google.protobuf:protobuf-java} and, for rich errors,
 * {@code com.google.api.grpc:proto-google-common-protos} on the classpath; rpc-vertx-impl declares both as optional
 * dependencies, so add them to your build when you use this package.
 */
@NullMarked
package io.rpcvertx.protobuf;

import org.jspecify.annotations.NullMarked;
