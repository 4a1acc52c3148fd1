package io.rpcvertx.it.interop;

import io.rpcvertx.examples.interop.InteropClient;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The interop cases of the matrix, how the soak cases run in it, and the parser of the peers' one-line-per-case output
 * ({@code PASS case}, {@code FAIL case: reason}, {@code NOTE case: text}).
 */
final class InteropCases {
    /**
     * What rpc-vertx's and grpc-java's clients run: every case of grpc-java 1.79's {@code TestServiceClient} that
     * needs no cloud credentials, less {@code cacheable_unary} and {@code orca_*} ({@link InteropClient#TEST_CASES}
     * says why).
     */
    static final List<String> ALL = InteropClient.TEST_CASES;

    /**
     * What the grpcio and grpc-js peer clients run ({@code --test_case=all}): the credential-free cases of those
     * libraries' own interop clients (grpcio's {@code tests/interop/methods.py}, grpc-node's
     * {@code test/interop/interop_client.js}), plus grpc-java's compression cases (with and without the probe) and
     * very_large_request.
     */
    static final List<String> PEER_CLIENT = List.of(
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
            "very_large_request",
            "client_compressed_unary_noprobe",
            "client_compressed_streaming_noprobe");

    /**
     * The soak cases' flags in the matrix, for grpc-java's client and ours alike: few iterations, and bounds loose
     * enough for two shared cores (a 314 KB unary call is far below 5 s; it is the count that makes a soak).
     */
    static final Map<String, String> SOAK_FLAGS = Map.of(
            "soak_iterations", "6",
            "soak_num_threads", "2",
            "soak_per_iteration_max_acceptable_latency_ms", "5000",
            "soak_overall_timeout_seconds", "60");

    /** {@link #SOAK_FLAGS} for our client. */
    static final InteropClient.Soak SOAK = InteropClient.Soak.fromFlags(SOAK_FLAGS);

    /** {@link #SOAK_FLAGS} as command-line flags. */
    static List<String> soakArgs() {
        List<String> args = new ArrayList<>();
        SOAK_FLAGS.forEach((key, value) -> args.add("--" + key + "=" + value));
        args.sort(null);
        return args;
    }

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
