package io.rpcvertx.examples.interop;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * PEM files for the interop programs: a file given by flag, or else grpc-java's public test CA and server certificate
 * ({@code certs/ca.pem}, {@code certs/server1.pem}, {@code certs/server1.key}, valid for {@code *.test.google.fr})
 * from the classpath, where the {@code io.grpc:grpc-testing} jar puts them. The examples jar does not ship them.
 */
final class TlsFiles {
    static final String TEST_CA = "ca.pem";
    static final String TEST_SERVER_CERT = "server1.pem";
    static final String TEST_SERVER_KEY = "server1.key";

    private TlsFiles() {}

    /**
     * The text of {@code file}, or of grpc-java's test file {@code certs/<testName>} when {@code file} is null; fails
     * with {@link IllegalArgumentException} naming {@code flag} when neither is there. Reads off the event loop.
     */
    static Future<String> read(Vertx vertx, @Nullable Path file, String testName, String flag) {
        if (file != null) {
            return vertx.fileSystem()
                    .readFile(file.toString())
                    .map(buffer -> buffer.toString(UTF_8))
                    .recover(e -> Future.failedFuture(
                            new IllegalArgumentException(flag + ": cannot read " + file + ": " + e.getMessage(), e)));
        }
        return vertx.executeBlocking(() -> {
            try (InputStream in = TlsFiles.class.getClassLoader().getResourceAsStream("certs/" + testName)) {
                if (in == null) {
                    throw new IllegalArgumentException("no " + flag + " given, and grpc-java's test file certs/"
                            + testName + " is not on the classpath (it is in io.grpc:grpc-testing): pass " + flag
                            + "=FILE");
                }
                return new String(in.readAllBytes(), UTF_8);
            } catch (IOException e) {
                throw new IllegalArgumentException("reading certs/" + testName + " from the classpath: " + e, e);
            }
        });
    }
}
