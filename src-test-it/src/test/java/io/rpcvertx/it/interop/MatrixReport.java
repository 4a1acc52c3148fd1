package io.rpcvertx.it.interop;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The interop matrix results of one test class as a TSV file, for the README's "Interoperability" table:
 * {@code case, client, server, transport, result, detail}, one row per case and direction; result is {@code PASS},
 * {@code FAIL} or {@code REFERENCE_FAILURE} (fails for us and for grpc-java against itself).
 */
final class MatrixReport {
    static final String HEADER = "case\tclient\tserver\ttransport\tresult\tdetail";

    private final Transport transport;
    private final List<String> rows = new ArrayList<>();

    MatrixReport(Transport transport) {
        this.transport = transport;
    }

    synchronized void add(String testCase, String client, String server, String result, String detail) {
        rows.add(
                String.join("\t", testCase, client, server, transport.label(), result, detail.replaceAll("\\s+", " ")));
    }

    /** Writes {@code grpc-java-<transport>.tsv} into {@code directory}, replacing an earlier run's. */
    synchronized void write(Path directory) throws IOException {
        Files.createDirectories(directory);
        List<String> lines = new ArrayList<>();
        lines.add(HEADER);
        lines.addAll(rows);
        Files.write(directory.resolve("grpc-java-" + transport.label() + ".tsv"), lines, UTF_8);
    }
}
