package io.rpcvertx.impl.server;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import org.jspecify.annotations.Nullable;

/**
 * One gRPC call made with a plain Vert.x HTTP/2 client, below the library: one uncompressed message of UTF-8 text
 * to 127.0.0.1, the response as it came (its HTTP status, its grpc-status from the headers or the trailers, and its
 * body, the response frames). A stream reset fails the future.
 */
record RawGrpcCall(int httpStatus, @Nullable String grpcStatus, Buffer body) {
    static Future<RawGrpcCall> call(HttpClient client, int port, String fullMethodName, String text) {
        byte[] payload = text.getBytes(UTF_8);
        Buffer frame =
                Buffer.buffer().appendByte((byte) 0).appendInt(payload.length).appendBytes(payload);
        RequestOptions options = new RequestOptions()
                .setHost("127.0.0.1")
                .setPort(port)
                .setMethod(HttpMethod.POST)
                .setURI("/" + fullMethodName)
                .putHeader("content-type", "application/grpc")
                .putHeader("te", "trailers");
        return client.request(options)
                .compose(req -> req.send(frame))
                .compose(resp -> resp.body().map(body -> {
                    String status = resp.getHeader("grpc-status");
                    return new RawGrpcCall(
                            resp.statusCode(), status != null ? status : resp.getTrailer("grpc-status"), body);
                }));
    }
}
