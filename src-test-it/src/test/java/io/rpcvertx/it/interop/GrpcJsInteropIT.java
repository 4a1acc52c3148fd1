package io.rpcvertx.it.interop;

import org.junit.jupiter.api.Timeout;

/**
 * rpc-vertx against grpc-js (npm {@code @grpc/grpc-js} 1.14.7 with {@code @grpc/proto-loader} 0.8.1 on node):
 * {@code src/test/node/interop_client.js} and {@code interop_server.js}.
 */
@Timeout(300)
class GrpcJsInteropIT extends AbstractPeerInterop {
    GrpcJsInteropIT() {
        super(InteropPeer.GRPC_JS);
    }
}
