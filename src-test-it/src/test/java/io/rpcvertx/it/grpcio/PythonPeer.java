package io.rpcvertx.it.grpcio;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.concurrent.TimeUnit.MILLISECONDS;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * One {@code /usr/bin/python3} process running a grpcio peer script from {@code src/test/python}, with its stdout
 * collected line by line so a test can wait for a line (with a bound) instead of sleeping.
 *
 * <p>Each stdout line is handed to at most one {@link #awaitLine} caller: a line that nobody waits for yet is kept
 * until someone asks for it. Stderr only goes into the {@link #transcript()}, which failure messages include.
 *
 * <p>Every process is bounded: {@link #awaitExit} kills it when its time is up, {@link #close()} sends SIGTERM and
 * then kills it, and the server script also exits when its stdin (a pipe from this JVM) closes.
 */
public final class PythonPeer implements AutoCloseable {
    public static final String PYTHON = "/usr/bin/python3";
    static final String MISSING = "grpcio peer missing: apt-get install python3-grpcio (Debian) — .ci/run installs it";

    /** Relative to the module directory, which surefire uses as the working directory. */
    private static final Path SCRIPTS = Path.of("src", "test", "python");

    private static final Duration STOP_GRACE = Duration.ofSeconds(10);
    private static final Duration READER_DRAIN = Duration.ofSeconds(5);

    private final String name;
    private final Process process;
    private final Thread stdoutReader;
    private final Thread stderrReader;
    private final Object lock = new Object();
    // Guarded by lock.
    private final List<String> unclaimed = new ArrayList<>();
    private final List<Waiter> waiters = new ArrayList<>();
    private final StringBuilder transcript = new StringBuilder();
    private final StringBuilder stdout = new StringBuilder();
    private boolean stdoutEnded;

    private record Waiter(String prefix, CompletableFuture<String> line) {}

    private PythonPeer(String name, List<String> command) throws IOException {
        this.name = name;
        this.process = new ProcessBuilder(command).start();
        this.stdoutReader = reader("stdout", process.getInputStream(), this::onStdoutLine, this::onStdoutEnd);
        this.stderrReader = reader("stderr", process.getErrorStream(), line -> record("err| " + line), () -> {});
    }

    /**
     * Skips the calling test class when {@code /usr/bin/python3} cannot {@code import grpc, grpc.aio}, or fails it
     * when the environment variable {@code RPCVERTX_REQUIRE_PEERS=true} says the peer must be there (CI).
     */
    public static void assumeAvailable() {
        Optional<String> problem = Probe.PROBLEM;
        if (problem.isEmpty()) {
            return;
        }
        String message = MISSING + " [" + problem.get() + "]";
        if ("true".equals(System.getenv("RPCVERTX_REQUIRE_PEERS"))) {
            Assertions.fail(message);
        }
        Assumptions.assumeTrue(false, message);
    }

    /** Starts {@code python3 -u src/test/python/<script> args...}; stdin stays open until {@link #close()}. */
    public static PythonPeer startScript(String script, String... args) throws IOException {
        Path path = SCRIPTS.resolve(script);
        if (!Files.isRegularFile(path)) {
            throw new IllegalStateException("script not found: " + path.toAbsolutePath()
                    + " (run the tests with the src-test-it module as working directory)");
        }
        List<String> command = new ArrayList<>(List.of(PYTHON, "-u", path.toString()));
        command.addAll(List.of(args));
        return new PythonPeer(script, command);
    }

    /**
     * Starts any peer program (the interop tests also run node through this); stdin stays open until
     * {@link #close()}.
     *
     * @param name how messages name the process
     */
    public static PythonPeer startCommand(String name, List<String> command) throws IOException {
        return new PythonPeer(name, List.copyOf(command));
    }

    /**
     * Runs any peer program to completion within {@code timeout} (killed if it takes longer, which fails the test),
     * with its stdin closed.
     *
     * @return the exit code, the full stdout and the transcript
     */
    public static Finished runCommand(Duration timeout, String name, List<String> command)
            throws IOException, InterruptedException {
        try (PythonPeer peer = startCommand(name, command)) {
            peer.process.getOutputStream().close();
            int exitCode = peer.awaitExit(timeout);
            return new Finished(exitCode, peer.stdout(), peer.transcript());
        }
    }

    /**
     * Runs a script to completion within {@code timeout} (killed if it takes longer, which fails the test).
     *
     * @return the exit code, the full stdout and the transcript
     */
    public static Finished run(Duration timeout, String script, String... args)
            throws IOException, InterruptedException {
        try (PythonPeer peer = startScript(script, args)) {
            peer.process.getOutputStream().close();
            int exitCode = peer.awaitExit(timeout);
            return new Finished(exitCode, peer.stdout(), peer.transcript());
        }
    }

    /** The outcome of {@link #run}. */
    public record Finished(int exitCode, String stdout, String transcript) {}

    /** The process id, for messages. */
    long pid() {
        return process.pid();
    }

    /**
     * The first stdout line starting with {@code prefix} that no earlier call took, waiting up to {@code timeout}
     * for it; fails the test on timeout or when stdout ends first.
     */
    public String awaitLine(String prefix, Duration timeout) throws InterruptedException {
        CompletableFuture<String> line = new CompletableFuture<>();
        Waiter waiter = new Waiter(prefix, line);
        synchronized (lock) {
            for (Iterator<String> it = unclaimed.iterator(); it.hasNext(); ) {
                String candidate = it.next();
                if (candidate.startsWith(prefix)) {
                    it.remove();
                    return candidate;
                }
            }
            if (stdoutEnded) {
                throw new AssertionError(describe() + ": stdout ended without a line starting with \"" + prefix
                        + "\"; transcript:\n" + transcript);
            }
            waiters.add(waiter);
        }
        try {
            return line.get(timeout.toMillis(), MILLISECONDS);
        } catch (TimeoutException e) {
            synchronized (lock) {
                waiters.remove(waiter);
            }
            throw new AssertionError(
                    describe() + ": no line starting with \"" + prefix + "\" within " + timeout + "; transcript:\n"
                            + transcript(),
                    e);
        } catch (ExecutionException e) {
            throw new AssertionError(
                    describe() + ": stdout ended without a line starting with \"" + prefix + "\"; transcript:\n"
                            + transcript(),
                    e.getCause());
        }
    }

    /**
     * Waits up to {@code timeout} for the process to exit and for its output to be read, and returns its exit code.
     * If it is still running then, it is killed and the test fails.
     */
    int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), MILLISECONDS)) {
            process.destroyForcibly();
            process.waitFor(STOP_GRACE.toMillis(), MILLISECONDS);
            throw new AssertionError(
                    describe() + ": still running after " + timeout + ", killed; transcript:\n" + transcript());
        }
        drainReaders();
        return process.exitValue();
    }

    /** Everything read from stdout so far. */
    String stdout() {
        synchronized (lock) {
            return stdout.toString();
        }
    }

    /** Stdout ({@code out| }) and stderr ({@code err| }) lines so far, in arrival order. */
    public String transcript() {
        synchronized (lock) {
            return transcript.toString();
        }
    }

    /**
     * Stops the process: closes its stdin and sends SIGTERM, waits up to 10 s, then kills it. Idempotent.
     */
    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            try {
                process.getOutputStream().close();
            } catch (IOException e) {
                record("io| closing stdin: " + e);
            }
            // SIGTERM through the handle: Process.destroy() would also close our ends of its stdout and stderr,
            // losing whatever it prints while stopping.
            process.toHandle().destroy();
            if (!process.waitFor(STOP_GRACE.toMillis(), MILLISECONDS)) {
                record("io| no exit within " + STOP_GRACE + " of SIGTERM: killing");
                process.destroyForcibly();
                process.waitFor(STOP_GRACE.toMillis(), MILLISECONDS);
            }
        }
        drainReaders();
    }

    private String describe() {
        return name + " (pid " + process.pid() + ")";
    }

    private void drainReaders() throws InterruptedException {
        stdoutReader.join(READER_DRAIN.toMillis());
        stderrReader.join(READER_DRAIN.toMillis());
    }

    private void onStdoutLine(String line) {
        Waiter taker = null;
        synchronized (lock) {
            transcript.append("out| ").append(line).append('\n');
            stdout.append(line).append('\n');
            for (Iterator<Waiter> it = waiters.iterator(); it.hasNext(); ) {
                Waiter w = it.next();
                if (line.startsWith(w.prefix())) {
                    it.remove();
                    taker = w;
                    break;
                }
            }
            if (taker == null) {
                unclaimed.add(line);
            }
        }
        if (taker != null) {
            taker.line().complete(line);
        }
    }

    private void onStdoutEnd() {
        List<Waiter> orphans;
        synchronized (lock) {
            stdoutEnded = true;
            orphans = new ArrayList<>(waiters);
            waiters.clear();
        }
        for (Waiter w : orphans) {
            w.line().completeExceptionally(new IllegalStateException("stdout ended"));
        }
    }

    private void record(String line) {
        synchronized (lock) {
            transcript.append(line).append('\n');
        }
    }

    private Thread reader(String stream, InputStream in, Consumer<String> onLine, Runnable onEnd) {
        Thread thread = new Thread(
                () -> {
                    try (BufferedReader r = new BufferedReader(new InputStreamReader(in, UTF_8))) {
                        for (String line = r.readLine(); line != null; line = r.readLine()) {
                            onLine.accept(line);
                        }
                    } catch (IOException e) {
                        record("io| reading " + stream + ": " + e);
                    } finally {
                        onEnd.run();
                    }
                },
                "python-peer-" + stream + "-" + process.pid());
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    /** Whether grpcio imports, checked once per JVM; the problem if not. */
    private static final class Probe {
        static final Optional<String> PROBLEM = probe();

        private static Optional<String> probe() {
            if (!Files.isExecutable(Path.of(PYTHON))) {
                return Optional.of(PYTHON + " not found");
            }
            List<String> command = List.of(PYTHON, "-c", "import grpc, grpc.aio; print(grpc.__version__)");
            try (PythonPeer peer = new PythonPeer("grpcio probe", command)) {
                peer.process.getOutputStream().close();
                int exitCode = peer.awaitExit(Duration.ofSeconds(30));
                return exitCode == 0
                        ? Optional.empty()
                        : Optional.of("import grpc failed (exit " + exitCode + "): "
                                + peer.transcript().strip());
            } catch (IOException e) {
                return Optional.of("cannot run " + PYTHON + ": " + e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.of("interrupted while probing " + PYTHON);
            } catch (AssertionError e) {
                return Optional.of(String.valueOf(e.getMessage()));
            }
        }
    }
}
