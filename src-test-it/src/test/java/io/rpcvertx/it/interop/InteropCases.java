package io.rpcvertx.it.interop;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The standard interop cases every pairing runs, and the parser of the peers' one-line-per-case output ({@code PASS case}, {@code FAIL case: reason},
 * {@code NOTE case: text}).
 */
final class InteropCases {
    /** In the order the clients run them (grpc-java's names). */
    static final List<String> ALL = List.of(
            "empty_unary",
            "large_unary",
            "client_streaming",
            "server_streaming",
            "ping_pong",
            "empty_stream",
            "cancel_after_begin",
            "cancel_after_first_response",
            "timeout_on_sleeping_server",
            "custom_metadata",
            "status_code_and_message",
            "special_status_message",
            "unimplemented_method",
            "unimplemented_service",
            "client_compressed_unary",
            "client_compressed_streaming",
            "server_compressed_unary",
            "server_compressed_streaming",
            "very_large_request");

    private InteropCases() {}

    /** One case's outcome. */
    record Outcome(String testCase, boolean passed, String detail, List<String> notes) {
        String result() {
            return passed ? "PASS" : "FAIL";
        }
    }

    /**
     * The outcomes in a peer client's stdout, by case. A case without a PASS/FAIL line is missing from the map.
     */
    static Map<String, Outcome> parse(String stdout) {
        Map<String, Outcome> outcomes = new LinkedHashMap<>();
        Map<String, List<String>> notes = new LinkedHashMap<>();
        for (String line : stdout.split("\n")) {
            String[] parts = line.split(" ", 2);
            if (parts.length < 2) {
                continue;
            }
            String rest = parts[1];
            int colon = rest.indexOf(": ");
            String testCase = colon < 0 ? rest.strip() : rest.substring(0, colon);
            String text = colon < 0 ? "" : rest.substring(colon + 2);
            switch (parts[0]) {
                case "PASS" ->
                    outcomes.put(testCase, new Outcome(testCase, true, "", notes.getOrDefault(testCase, List.of())));
                case "FAIL" ->
                    outcomes.put(testCase, new Outcome(testCase, false, text, notes.getOrDefault(testCase, List.of())));
                case "NOTE" ->
                    notes.computeIfAbsent(testCase, k -> new ArrayList<>()).add(text);
                default -> {}
            }
        }
        return outcomes;
    }
}
