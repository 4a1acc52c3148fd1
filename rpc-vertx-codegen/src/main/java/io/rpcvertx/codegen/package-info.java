/**
 * The rpc-vertx protoc plugin: {@link io.rpcvertx.codegen.Main} reads a {@code CodeGeneratorRequest},
 * {@link io.rpcvertx.codegen.ModelReader} turns its descriptors into {@link io.rpcvertx.codegen.ServiceModel}s, and
 * {@link io.rpcvertx.codegen.Renderer} writes the Java for each of them. The generated code uses only rpc-vertx-api,
 * vertx-core and the protobuf message classes.
 */
@NullMarked
package io.rpcvertx.codegen;

import org.jspecify.annotations.NullMarked;
