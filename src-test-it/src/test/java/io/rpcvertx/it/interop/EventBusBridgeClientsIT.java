package io.rpcvertx.it.interop;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.rpcvertx.StatusCode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * Clients nobody here wrote, against the examples' {@code greeter-server --sockjs-bridge-port=0 --tcp-bridge-port=0}
 * in a child JVM: the npm package {@code @vertx/eventbus-bridge-client.js} run by node over the SockJS bridge, the
 * server's page {@code /greeter.html} in headless Chromium (driven over the DevTools protocol; screenshot under
 * {@code target/bridge-clients/}), and a raw socket speaking the TCP bridge's framing. Node and Chromium are skipped
 * when missing, or fail the class when {@code RPCVERTX_REQUIRE_PEERS=true} (CI; {@code .ci/run} installs them).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(180)
class EventBusBridgeClientsIT {
    private static final Path NODE_SCRIPTS = Path.of("src", "test", "node");
    private static final Path OUT = Path.of("target", "bridge-clients");
    private static final Duration SERVER_START = Duration.ofSeconds(90);
    private static final Duration CLIENT_RUN = Duration.ofSeconds(60);
    private static final Duration CHROMIUM_START = Duration.ofSeconds(60);

    private JavaPeer server;
    private String sockJsBase = "";
    private int tcpPort;

    @BeforeAll
    @Timeout(120)
    void startGreeterServer() throws Exception {
        Files.createDirectories(OUT);
        server = JavaPeer.start(
                "greeter-server with bridges",
                System.getProperty("java.class.path"),
                "io.rpcvertx.examples.Main",
                List.of(
                        "greeter-server",
                        "--host=127.0.0.1",
                        "--port=0",
                        "--grace=0",
                        "--sockjs-bridge-port=0",
                        "--tcp-bridge-port=0"));
        String sockJs = server.awaitLine("greeter-server sockjs bridge on ", SERVER_START)
                .orElseThrow(() -> new AssertionError("no sockjs bridge line:\n" + server.transcript()));
        // greeter-server sockjs bridge on http://127.0.0.1:P/eventbus (page http://127.0.0.1:P/greeter.html)
        String url =
                sockJs.substring("greeter-server sockjs bridge on ".length()).split(" ")[0];
        assertThat(url).startsWith("http://127.0.0.1:").endsWith("/eventbus");
        sockJsBase = url.substring(0, url.length() - "/eventbus".length());
        String tcp = server.awaitLine("greeter-server tcp bridge on 127.0.0.1:", SERVER_START)
                .orElseThrow(() -> new AssertionError("no tcp bridge line:\n" + server.transcript()));
        tcpPort = Integer.parseInt(tcp.substring(tcp.lastIndexOf(':') + 1));
    }

    @AfterAll
    void stopServer() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void npmClient_overSockJs_unaryErrorsServerStreamingAndRefusals() throws Exception {
        String node = require("node", findOnPath("node"));
        require(
                "the node packages",
                Files.isDirectory(InteropPeer.NODE_DIR
                                .resolve("node_modules")
                                .resolve("@vertx")
                                .resolve("eventbus-bridge-client.js"))
                        ? Optional.of(node)
                        : Optional.empty());
        Run run = Run.start(
                List.of(node, NODE_SCRIPTS.resolve("eventbus_bridge_client.js").toString(), sockJsBase + "/eventbus"));
        assertThat(run.awaitExit(CLIENT_RUN)).as(run.output()).isEqualTo(0);
        Map<String, JsonObject> cases = new LinkedHashMap<>();
        for (String line : run.lines()) {
            if (line.startsWith("{")) {
                JsonObject seen = new JsonObject(line);
                cases.put(seen.getString("case"), seen);
            }
        }
        assertThat(cases).as(run.output()).hasSize(9);

        assertThat(cases.get("unary").getJsonObject("reply")).isEqualTo(new JsonObject().put("message", "Hello node"));
        JsonObject invalid = cases.get("invalidArgument").getJsonObject("error");
        assertThat(invalid.getInteger("failureCode")).isEqualTo(StatusCode.INVALID_ARGUMENT.value());
        assertThat(invalid.getString("message")).contains("helloworld.HelloRequest", "nickname");
        assertThat(cases.get("unimplemented").getJsonObject("error").getInteger("failureCode"))
                .isEqualTo(StatusCode.UNIMPLEMENTED.value());
        assertThat(cases.get("badTimeoutHeader").getJsonObject("error").getInteger("failureCode"))
                .isEqualTo(StatusCode.INVALID_ARGUMENT.value());

        JsonObject streaming = cases.get("serverStreaming");
        assertThat(streaming.getJsonArray("messages"))
                .isEqualTo(new JsonArray()
                        .add(new JsonObject().put("message", "Hello node #1"))
                        .add(new JsonObject().put("message", "Hello node #2"))
                        .add(new JsonObject().put("message", "Hello node #3")));
        assertThat(streaming.getJsonObject("end"))
                .isEqualTo(new JsonObject().put("code", 0).put("details", ""));
        assertThat(streaming.getJsonObject("start").getString("stream"))
                .matches("rpcvertx\\.gateway\\.stream\\.[0-9a-f]{32}");

        for (String refused : List.of("notPermittedSend", "notPermittedRegister", "madeUpStreamAddress")) {
            assertThat(cases.get(refused).getJsonObject("error").getString("body"))
                    .as(refused)
                    .isEqualTo("access_denied");
        }
        JsonObject control = cases.get("controlFromAnotherConnection");
        assertThat(control.getJsonObject("intruder").getJsonObject("error").getInteger("failureCode"))
                .as("another connection cannot cancel the call")
                .isEqualTo(StatusCode.PERMISSION_DENIED.value());
        assertThat(control.getJsonObject("owner").getJsonObject("reply"))
                .as("the connection that started it can")
                .isEqualTo(new JsonObject());
    }

    @Test
    void readmeNodeExample_runsAgainstTheProgram() throws Exception {
        String node = require("node", findOnPath("node"));
        require(
                "the node packages",
                Files.isDirectory(InteropPeer.NODE_DIR
                                .resolve("node_modules")
                                .resolve("@vertx")
                                .resolve("eventbus-bridge-client.js"))
                        ? Optional.of(node)
                        : Optional.empty());
        String readme = Files.readString(Path.of("..", "README.md"));
        int section = readme.indexOf("## From node or a browser");
        assertThat(section).as("README section").isNotNegative();
        int start = readme.indexOf("```js\n", section) + "```js\n".length();
        String example = readme.substring(start, readme.indexOf("```\n", start));
        assertThat(example).contains("http://localhost:8080/eventbus");
        Path script = OUT.resolve("readme-node-example.js");
        Files.writeString(script, example.replace("http://localhost:8080", sockJsBase));
        // the example requires the package by name, as a user's program would: NODE_PATH finds it
        Run run = Run.start(
                List.of(node, script.toString()),
                Map.of("NODE_PATH", InteropPeer.NODE_DIR.resolve("node_modules").toString()));
        assertThat(run.awaitExit(CLIENT_RUN)).as(run.output()).isEqualTo(0);
        assertThat(run.lines())
                .as(run.output())
                .containsExactlyInAnyOrder("Hello node", "Hello node #1", "Hello node #2", "Hello node #3", "status 0");
    }

    @Test
    void headlessChromium_loadsTheGreeterPage_whichShowsTheGreeting() throws Exception {
        String node = require("node", findOnPath("node"));
        require(
                "the node packages",
                Files.isDirectory(InteropPeer.NODE_DIR.resolve("node_modules").resolve("faye-websocket"))
                        ? Optional.of(node)
                        : Optional.empty());
        String chromium = require("chromium (apt-get install chromium)", findOnPath("chromium"));
        Path profile = Files.createTempDirectory(OUT.toAbsolutePath(), "chromium-profile-");
        Path screenshot = OUT.resolve("greeter-page.png");
        Files.deleteIfExists(screenshot);
        Run browser = Run.start(List.of(
                chromium,
                "--headless",
                "--no-sandbox", // as root (CI); the page is ours, served on loopback
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--no-default-browser-check",
                "--user-data-dir=" + profile.toAbsolutePath(),
                "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0",
                "about:blank"));
        try {
            String devtools = browser.awaitLine("DevTools listening on ", CHROMIUM_START)
                    .orElseThrow(() -> new AssertionError("chromium did not start:\n" + browser.output()))
                    .substring("DevTools listening on ".length())
                    .trim();
            Run page = Run.start(List.of(
                    node,
                    NODE_SCRIPTS.resolve("chromium_page.js").toString(),
                    devtools,
                    sockJsBase + "/greeter.html?name=chromium",
                    screenshot.toString()));
            assertThat(page.awaitExit(CLIENT_RUN)).as(page.output()).isEqualTo(0);
            String dom = page.lines().stream()
                    .filter(l -> l.startsWith("{"))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no DOM text:\n" + page.output()));
            JsonObject shown = new JsonObject(dom);
            assertThat(shown.getString("reply")).isEqualTo("Hello chromium");
            assertThat(shown.getJsonArray("stream"))
                    .isEqualTo(new JsonArray()
                            .add("Hello chromium #1")
                            .add("Hello chromium #2")
                            .add("Hello chromium #3"));
            assertThat(shown.getString("status")).isEqualTo("status: 0");
            byte[] png = Files.readAllBytes(screenshot);
            assertThat(png.length).isGreaterThan(1000);
            assertThat(new String(png, 1, 3, UTF_8)).isEqualTo("PNG");
        } finally {
            browser.kill();
            deleteTree(profile);
        }
    }

    @Test
    void tcpBridge_rawFramedJson_unaryErrorStreamingAndRefusal() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", tcpPort)) {
            socket.setSoTimeout(10_000);
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            DataInputStream in = new DataInputStream(socket.getInputStream());

            write(out, send("helloworld.Greeter/SayHello", "r1", new JsonObject().put("name", "tcp"), null));
            JsonObject reply = read(in);
            assertThat(reply.getString("type")).as(reply.encode()).isEqualTo("message");
            assertThat(reply.getString("address")).isEqualTo("r1");
            assertThat(reply.getJsonObject("body")).isEqualTo(new JsonObject().put("message", "Hello tcp"));

            write(out, send("helloworld.Greeter/SayHello", "r2", new JsonObject().put("name", new JsonArray()), null));
            JsonObject error = read(in);
            assertThat(error.getString("type")).as(error.encode()).isEqualTo("err");
            assertThat(error.getString("address")).isEqualTo("r2");
            assertThat(error.getInteger("failureCode")).isEqualTo(StatusCode.INVALID_ARGUMENT.value());

            write(out, send("rpcvertx.server.control", "r3", new JsonObject(), null));
            JsonObject denied = read(in);
            assertThat(denied).isEqualTo(new JsonObject().put("type", "err").put("message", "access_denied"));

            write(out, send("helloworld.Greeter/SayHelloStreamReply", "r4", new JsonObject().put("name", "tcp"), null));
            JsonObject start = read(in);
            assertThat(start.getString("address")).as(start.encode()).isEqualTo("r4");
            String stream = start.getJsonObject("body").getString("stream");
            write(out, new JsonObject().put("type", "register").put("address", stream));
            write(
                    out,
                    send(
                            start.getJsonObject("body").getString("control"),
                            null,
                            new JsonObject().put("request", 16),
                            null));
            List<JsonObject> streamed = new ArrayList<>();
            while (streamed.size() < 4) {
                JsonObject frame = read(in);
                assertThat(frame.getString("address")).as(frame.encode()).isEqualTo(stream);
                streamed.add(frame);
            }
            assertThat(streamed.subList(0, 3))
                    .extracting(f -> f.getJsonObject("body").getString("message"))
                    .containsExactly("Hello tcp #1", "Hello tcp #2", "Hello tcp #3");
            assertThat(streamed.get(3).getJsonObject("headers").getString("rpcvertx-end"))
                    .isEqualTo("true");
            assertThat(streamed.get(3).getJsonObject("body"))
                    .isEqualTo(new JsonObject().put("code", 0).put("details", ""));
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (var paths = Files.walk(root)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static JsonObject send(String address, String replyAddress, Object body, JsonObject headers) {
        JsonObject frame =
                new JsonObject().put("type", "send").put("address", address).put("body", body);
        if (replyAddress != null) {
            frame.put("replyAddress", replyAddress);
        }
        return headers == null ? frame : frame.put("headers", headers);
    }

    /** The TCP bridge's framing: a 4-byte big-endian length, then the JSON frame in UTF-8. */
    private static void write(DataOutputStream out, JsonObject frame) throws IOException {
        byte[] json = frame.encode().getBytes(UTF_8);
        out.writeInt(json.length);
        out.write(json);
        out.flush();
    }

    private static JsonObject read(DataInputStream in) throws IOException {
        byte[] json = new byte[in.readInt()];
        in.readFully(json);
        return new JsonObject(new String(json, UTF_8));
    }

    /** The value, or skips the test (fails it when {@code RPCVERTX_REQUIRE_PEERS=true}) naming what is missing. */
    private static String require(String what, Optional<String> value) {
        if (value.isPresent()) {
            return value.get();
        }
        String message = what + " not found (.ci/run installs it)";
        if ("true".equals(System.getenv("RPCVERTX_REQUIRE_PEERS"))) {
            Assertions.fail(message);
        }
        Assumptions.assumeTrue(false, message);
        throw new AssertionError("unreachable");
    }

    private static Optional<String> findOnPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, program);
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate.toString());
            }
        }
        Path usrBin = Path.of("/usr/bin", program);
        return Files.isExecutable(usrBin) ? Optional.of(usrBin.toString()) : Optional.empty();
    }

    /**
     * A child process (node or Chromium), stdout and stderr merged and read line by line, so a test waits for a line
     * or the exit with a bound; {@link #kill()} ends it and the processes it started, by their pids.
     */
    private static final class Run {
        private final Process process;
        private final Thread reader;
        private final List<String> lines = new ArrayList<>();
        private final List<Map.Entry<String, CompletableFuture<String>>> waiters = new ArrayList<>();

        private Run(List<String> command, Map<String, String> environment) throws IOException {
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
            builder.environment().putAll(environment);
            process = builder.start();
            process.getOutputStream().close();
            reader = new Thread(this::readLines, "bridge-client-output-" + process.pid());
            reader.setDaemon(true);
            reader.start();
        }

        static Run start(List<String> command) throws IOException {
            return new Run(command, Map.of());
        }

        static Run start(List<String> command, Map<String, String> environment) throws IOException {
            return new Run(command, environment);
        }

        private void readLines() {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), UTF_8))) {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                    List<CompletableFuture<String>> matched = new ArrayList<>();
                    synchronized (lines) {
                        lines.add(line);
                        for (var it = waiters.iterator(); it.hasNext(); ) {
                            var waiter = it.next();
                            if (line.startsWith(waiter.getKey())) {
                                matched.add(waiter.getValue());
                                it.remove();
                            }
                        }
                    }
                    String found = line;
                    matched.forEach(f -> f.complete(found));
                }
            } catch (IOException e) {
                synchronized (lines) {
                    lines.add("io| " + e);
                }
            } finally {
                synchronized (lines) {
                    waiters.forEach(w -> w.getValue().completeExceptionally(new IOException("output ended")));
                    waiters.clear();
                }
            }
        }

        Optional<String> awaitLine(String prefix, Duration bound) throws InterruptedException {
            CompletableFuture<String> found = new CompletableFuture<>();
            synchronized (lines) {
                for (String line : lines) {
                    if (line.startsWith(prefix)) {
                        return Optional.of(line);
                    }
                }
                if (!reader.isAlive()) {
                    return Optional.empty();
                }
                waiters.add(Map.entry(prefix, found));
            }
            try {
                return Optional.of(found.get(bound.toMillis(), MILLISECONDS));
            } catch (ExecutionException | TimeoutException e) {
                return Optional.empty();
            }
        }

        /** The exit code, or -1 (after killing it) if it was still running after {@code bound}. */
        int awaitExit(Duration bound) throws InterruptedException {
            if (!process.waitFor(bound.toMillis(), MILLISECONDS)) {
                kill();
                return -1;
            }
            reader.join(5_000);
            return process.exitValue();
        }

        List<String> lines() {
            synchronized (lines) {
                return List.copyOf(lines);
            }
        }

        String output() {
            return String.join("\n", lines());
        }

        /** Kills the process and its descendants (Chromium's renderers, ...), by pid, and waits for them. */
        void kill() throws InterruptedException {
            List<ProcessHandle> tree = new ArrayList<>(process.descendants().toList());
            tree.add(process.toHandle());
            tree.forEach(ProcessHandle::destroyForcibly);
            for (ProcessHandle handle : tree) {
                try {
                    handle.onExit().get(10, java.util.concurrent.TimeUnit.SECONDS);
                } catch (ExecutionException | TimeoutException e) {
                    // reported by the assertion that follows, if it matters
                }
            }
            reader.join(5_000);
        }
    }
}
