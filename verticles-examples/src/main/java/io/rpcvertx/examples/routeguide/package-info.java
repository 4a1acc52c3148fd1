/**
 * The classic gRPC route guide on generated code: {@link io.rpcvertx.examples.routeguide.RouteGuideServerVerticle}
 * implements the generated {@code RouteGuideServicer}, {@link io.rpcvertx.examples.routeguide.RouteGuideClientVerticle}
 * calls all four rpcs through the generated {@code RouteGuideStub}. The features are a made-up island, see
 * {@link io.rpcvertx.examples.routeguide.FeatureDatabase}.
 */
@NullMarked
package io.rpcvertx.examples.routeguide;

import org.jspecify.annotations.NullMarked;
