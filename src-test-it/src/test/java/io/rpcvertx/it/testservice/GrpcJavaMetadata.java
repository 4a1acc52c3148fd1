package io.rpcvertx.it.testservice;

import io.rpcvertx.Metadata;

/** Converts metadata between grpc-java ({@link io.grpc.Metadata}) and rpc-vertx ({@link Metadata}). */
public final class GrpcJavaMetadata {
    private GrpcJavaMetadata() {}

    /**
     * All entries of grpc-java metadata, in key order. Keys and text values that rpc-vertx metadata cannot hold
     * (pseudo-headers, text outside printable ASCII) are left out.
     */
    public static Metadata toRpcVertx(io.grpc.Metadata grpc) {
        Metadata.Builder md = Metadata.builder();
        for (String key : grpc.keys()) {
            if (!isValidKey(key)) {
                continue;
            }
            if (Metadata.isBinaryKey(key)) {
                Iterable<byte[]> values = grpc.getAll(binaryKey(key));
                if (values != null) {
                    values.forEach(v -> md.addBinary(key, v));
                }
            } else {
                Iterable<String> values = grpc.getAll(textKey(key));
                if (values != null) {
                    for (String v : values) {
                        if (isPrintableAscii(v)) {
                            md.add(key, v);
                        }
                    }
                }
            }
        }
        return md.build();
    }

    /** The same entries as grpc-java metadata. */
    public static io.grpc.Metadata toGrpc(Metadata md) {
        io.grpc.Metadata grpc = new io.grpc.Metadata();
        for (Metadata.Entry e : md.entries()) {
            if (e.isBinary()) {
                grpc.put(binaryKey(e.key()), e.binaryValue());
            } else {
                grpc.put(textKey(e.key()), e.value());
            }
        }
        return grpc;
    }

    /** A grpc-java text key. */
    public static io.grpc.Metadata.Key<String> textKey(String key) {
        return io.grpc.Metadata.Key.of(key, io.grpc.Metadata.ASCII_STRING_MARSHALLER);
    }

    /** A grpc-java binary key; {@code key} ends in {@code -bin}. */
    public static io.grpc.Metadata.Key<byte[]> binaryKey(String key) {
        return io.grpc.Metadata.Key.of(key, io.grpc.Metadata.BINARY_BYTE_MARSHALLER);
    }

    private static boolean isValidKey(String key) {
        return !key.isEmpty()
                && key.chars()
                        .allMatch(c ->
                                (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.');
    }

    private static boolean isPrintableAscii(String s) {
        return s.chars().allMatch(c -> c >= 0x20 && c <= 0x7e);
    }
}
