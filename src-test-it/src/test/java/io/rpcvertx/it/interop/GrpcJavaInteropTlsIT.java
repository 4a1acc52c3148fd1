package io.rpcvertx.it.interop;

import org.junit.jupiter.api.Timeout;

/**
 * {@link AbstractGrpcJavaInteropIT} over TLS: grpc-java's test CA and server certificate on both servers, clients
 * expecting {@code foo.test.google.fr} ({@code --server_host_override}).
 */
@Timeout(120)
class GrpcJavaInteropTlsIT extends AbstractGrpcJavaInteropIT {
    GrpcJavaInteropTlsIT() {
        super(Transport.TLS);
    }
}
