/** The bench.Echo server used by the peer benchmarks in shared/bench. */
@NullMarked
package io.rpcvertx.examples.bench;

import org.jspecify.annotations.NullMarked;
