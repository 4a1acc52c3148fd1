package io.rpcvertx.it.testservice;

import io.grpc.Codec;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.InflaterInputStream;

/**
 * The {@code deflate} message encoding for grpc-java, which ships only gzip. gRPC's {@code deflate} is the HTTP
 * content-coding of that name: zlib format (RFC 1950), which is what {@link java.util.zip.Deflater} writes by default.
 */
final class GrpcDeflateCodec implements Codec {
    @Override
    public String getMessageEncoding() {
        return "deflate";
    }

    @Override
    public OutputStream compress(OutputStream os) {
        return new DeflaterOutputStream(os);
    }

    @Override
    public InputStream decompress(InputStream is) {
        return new InflaterInputStream(is);
    }
}
