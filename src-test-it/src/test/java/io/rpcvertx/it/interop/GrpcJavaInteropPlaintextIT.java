package io.rpcvertx.it.interop;

import org.junit.jupiter.api.Timeout;

/** {@link AbstractGrpcJavaInteropIT} over plaintext HTTP/2. */
@Timeout(120)
class GrpcJavaInteropPlaintextIT extends AbstractGrpcJavaInteropIT {
    GrpcJavaInteropPlaintextIT() {
        super(Transport.PLAINTEXT);
    }
}
