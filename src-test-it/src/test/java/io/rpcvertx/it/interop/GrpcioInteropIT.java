package io.rpcvertx.it.interop;

import org.junit.jupiter.api.Timeout;

/**
 * rpc-vertx against grpcio (Debian's python3-grpcio, grpc.aio on C-core): {@code src/test/python/interop_client.py}
 * and {@code interop_server.py}, with {@code /usr/bin/python3}.
 */
@Timeout(300)
class GrpcioInteropIT extends AbstractPeerInterop {
    GrpcioInteropIT() {
        super(InteropPeer.GRPCIO);
    }
}
