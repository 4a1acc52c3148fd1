/**
 * The gRPC interop programs: {@code interop-server} and {@code interop-client} on {@code grpc.testing.TestService}
 * (grpc/grpc {@code doc/interop-test-descriptions.md}), with grpc-java's flag names.
 */
@NullMarked
package io.rpcvertx.examples.interop;

import org.jspecify.annotations.NullMarked;
