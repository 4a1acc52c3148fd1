/**
 * Observability at the call layer, over the transport seam: spans through Vert.x's tracer SPI and gRPC's standard
 * metrics (gRFC A66) for every transport. Nothing here runs unless the Vert.x instance has a tracer or
 * {@link io.rpcvertx.impl.telemetry.RpcMetrics}.
 */
@NullMarked
package io.rpcvertx.impl.telemetry;

import org.jspecify.annotations.NullMarked;
