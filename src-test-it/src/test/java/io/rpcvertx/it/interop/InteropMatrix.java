package io.rpcvertx.it.interop;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The grpcio and grpc-js interop results of this test JVM, written to {@code target/interop-matrix/<peer>.tsv} in
 * the grpc-java matrix's format ({@link MatrixReport}): {@code case, client, server, transport, result, detail}, result
 * {@code PASS}, {@code FAIL} or {@code REFERENCE_FAILURE} (fails for us and for the reference pairing). Each file is
 * rewritten whole after every recorded run, so it holds exactly what this JVM ran.
 */
final class InteropMatrix {
    static final Path DIRECTORY = Path.of("target", "interop-matrix");

    /** Per peer label: rows keyed by case, client, server and transport, in recording order. */
    private static final Map<String, Map<String, String>> ROWS = new LinkedHashMap<>();

    private InteropMatrix() {}

    /** Records one row of {@code peer}'s file and rewrites that file. */
    static synchronized void add(
            InteropPeer peer,
            String testCase,
            String client,
            String server,
            Transport transport,
            String result,
            String detail) {
        ROWS.computeIfAbsent(peer.label(), k -> new LinkedHashMap<>())
                .put(
                        String.join("\t", testCase, client, server, transport.label()),
                        String.join(
                                "\t",
                                testCase,
                                client,
                                server,
                                transport.label(),
                                result,
                                detail.replaceAll("\\s+", " ")));
        write(peer.label(), List.copyOf(ROWS.get(peer.label()).values()));
    }

    private static void write(String label, List<String> rows) {
        StringBuilder tsv = new StringBuilder(MatrixReport.HEADER).append('\n');
        rows.forEach(r -> tsv.append(r).append('\n'));
        try {
            Files.createDirectories(DIRECTORY);
            Files.writeString(DIRECTORY.resolve(label + ".tsv"), tsv.toString(), UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + DIRECTORY.resolve(label + ".tsv"), e);
        }
    }
}
