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
 * The interop results of this test JVM, written machine-readably to {@code target/interop-matrix/<peer>.tsv} (the
 * README's interoperability table is generated from these files): one row per case, direction and transport, with
 * the columns {@code case, direction, transport, result, note}. Each file is rewritten whole after every recorded
 * run, so it holds exactly what this JVM ran.
 */
final class InteropMatrix {
    static final Path DIRECTORY = Path.of("target", "interop-matrix");

    /** Per peer label: rows keyed by case, direction and transport, in recording order. */
    private static final Map<String, Map<String, String>> ROWS = new LinkedHashMap<>();

    private InteropMatrix() {}

    /**
     * Records one client run: every standard case, with its outcome or {@code MISSING} when the client printed
     * none.
     */
    static synchronized void record(
            InteropPeer peer, String direction, String transport, Map<String, InteropCases.Outcome> outcomes) {
        Map<String, String> rows = ROWS.computeIfAbsent(peer.label(), k -> new LinkedHashMap<>());
        for (String testCase : InteropCases.ALL) {
            InteropCases.Outcome outcome = outcomes.get(testCase);
            String result = outcome == null ? "MISSING" : outcome.result();
            StringBuilder note = new StringBuilder();
            if (outcome != null && !outcome.passed()) {
                note.append(outcome.detail());
            }
            String reference = InteropCases.REFERENCE_FAILURES.get(testCase);
            if (reference != null) {
                append(note, reference);
            }
            if (outcome != null) {
                outcome.notes().forEach(n -> append(note, n));
            }
            rows.put(
                    testCase + "\t" + direction + "\t" + transport,
                    String.join("\t", testCase, direction, transport, result, clean(note.toString())));
        }
        write(peer.label(), List.copyOf(rows.values()));
    }

    private static void append(StringBuilder note, String text) {
        if (note.length() > 0) {
            note.append("; ");
        }
        note.append(text);
    }

    private static String clean(String text) {
        return text.replace('\t', ' ').replace('\n', ' ').replace('\r', ' ');
    }

    private static void write(String label, List<String> rows) {
        StringBuilder tsv = new StringBuilder("case\tdirection\ttransport\tresult\tnote\n");
        rows.forEach(r -> tsv.append(r).append('\n'));
        try {
            Files.createDirectories(DIRECTORY);
            Files.writeString(DIRECTORY.resolve(label + ".tsv"), tsv.toString(), UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + DIRECTORY.resolve(label + ".tsv"), e);
        }
    }
}
