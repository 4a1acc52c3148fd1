package io.rpcvertx.it.testservice;

import static io.rpcvertx.it.testservice.TestServiceContract.DEFAULT_COUNT;
import static io.rpcvertx.it.testservice.TestServiceContract.X_COMPRESS;
import static io.rpcvertx.it.testservice.TestServiceContract.X_COUNT;
import static io.rpcvertx.it.testservice.TestServiceContract.X_DETAILS_BIN;
import static io.rpcvertx.it.testservice.TestServiceContract.X_ECHO_INITIAL;
import static io.rpcvertx.it.testservice.TestServiceContract.X_ECHO_INITIAL_BIN;
import static io.rpcvertx.it.testservice.TestServiceContract.X_ECHO_TRAILING;
import static io.rpcvertx.it.testservice.TestServiceContract.X_ECHO_TRAILING_BIN;
import static io.rpcvertx.it.testservice.TestServiceContract.X_HANG;
import static io.rpcvertx.it.testservice.TestServiceContract.X_STATUS;
import static java.nio.charset.StandardCharsets.UTF_8;

import io.rpcvertx.Compression;
import io.rpcvertx.Metadata;
import io.rpcvertx.StatusCode;
import java.util.Optional;

/**
 * The behaviour one call's request metadata asks of a test-service servicer (see {@link TestServiceContract}), parsed
 * once for both servicers.
 *
 * @param requestMetadata the request metadata it was parsed from
 * @param count responses of {@code StreamingOutputCall}
 * @param hang whether the handler never responds
 * @param statusCode the {@code x-status} code, or -1 when absent
 * @param details the {@code x-details-bin} text, or empty
 * @param compression the {@code x-compress} encoding, or empty
 * @param echoInitial metadata for the response headers
 * @param echoTrailing metadata for the trailers
 */
record Behaviour(
        Metadata requestMetadata,
        int count,
        boolean hang,
        int statusCode,
        String details,
        String compression,
        Metadata echoInitial,
        Metadata echoTrailing) {

    static Behaviour of(Metadata md) {
        return new Behaviour(
                md,
                md.get(X_COUNT).map(Integer::parseInt).orElse(DEFAULT_COUNT),
                md.get(X_HANG).map("1"::equals).orElse(false),
                md.get(X_STATUS).map(Integer::parseInt).orElse(-1),
                md.getBinary(X_DETAILS_BIN).map(b -> new String(b, UTF_8)).orElse(""),
                md.get(X_COMPRESS).orElse(""),
                echo(md, X_ECHO_INITIAL, X_ECHO_INITIAL_BIN),
                echo(md, X_ECHO_TRAILING, X_ECHO_TRAILING_BIN));
    }

    /** The status to end with after the normal messages; empty for none or OK. */
    Optional<StatusCode> status() {
        if (statusCode < 0 || statusCode == StatusCode.OK.value()) {
            return Optional.empty();
        }
        return Optional.of(StatusCode.fromValue(statusCode));
    }

    /** The response compression asked for; empty for none. */
    Optional<Compression> responseCompression() {
        for (Compression c : Compression.values()) {
            if (c.encoding().equals(compression)) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }

    private static Metadata echo(Metadata md, String textKey, String binaryKey) {
        Metadata.Builder echo = Metadata.builder();
        for (String value : md.getAll(textKey)) {
            echo.add(textKey, value);
        }
        for (byte[] value : md.getAllBinary(binaryKey)) {
            echo.addBinary(binaryKey, value);
        }
        return echo.build();
    }
}
