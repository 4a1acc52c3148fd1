/**
 * A ready-made gRPC server reflection service, {@code grpc.reflection.v1.ServerReflection} and its predecessor
 * {@code grpc.reflection.v1alpha.ServerReflection}
 * ({@link io.rpcvertx.services.reflection.ProtoReflectionService}), so that grpcurl, Postman, Evans and other tools
 * can list a server's services and call them without the {@code .proto} files. The message classes are in
 * {@code io.rpcvertx.services.reflection.v1} and {@code .v1alpha} (generated from grpc's {@code reflection.proto},
 * proto packages unchanged). Needs {@code protobuf-java} on the classpath.
 */
@NullMarked
package io.rpcvertx.services.reflection;

import org.jspecify.annotations.NullMarked;
