package io.rpcvertx.it.interop;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.concurrent.TimeUnit.MILLISECONDS;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

/**
 * One separate JVM ({@code java -cp <classpath> <main> args...}) running a peer program, its stdout and stderr
 * collected line by line so a test waits for a line (with a bound) instead of sleeping. Bounded: {@link #awaitExit}
 * kills it when its time is up, {@link #close()} sends SIGTERM, waits, then kills it, always by this process's id.
 */
final class JavaPeer implements AutoCloseable {
    private static final Duration STOP_GRACE = Duration.ofSeconds(10);
    private static final Duration READER_DRAIN = Duration.ofSeconds(5);

    private final String name;
    private final Process process;
    private final Thread stdoutReader;
    private final Thread stderrReader;
    private final Object lock = new Object();
    // Guarded by lock.
    private final StringBuilder transcript = new StringBuilder();
    private final List<String> stdout = new ArrayList<>();
    private final List<Waiter> waiters = new ArrayList<>();
    private boolean stdoutEnded;

    private record Waiter(String prefix, CompletableFuture<String> line) {}

    private JavaPeer(String name, List<String> command) throws IOException {
        this.name = name;
        this.process = new ProcessBuilder(command).start();
        process.getOutputStream().close();
        this.stdoutReader = reader("stdout", process.getInputStream(), true);
        this.stderrReader = reader("stderr", process.getErrorStream(), false);
    }

    /** Starts {@code mainClass} in a new JVM (this JVM's {@code java}) with {@code classpath}. */
    static JavaPeer start(String name, String classpath, String mainClass, List<String> args) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                // a short-lived test peer: quick startup matters more than peak speed
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                "-Xss1m",
                "-cp",
                classpath,
                mainClass));
        command.addAll(args);
        return new JavaPeer(name, command);
    }

    long pid() {
        return process.pid();
    }

    /**
     * The first stdout line starting with {@code prefix}, waiting up to {@code timeout}; empty if stdout ends first
     * or the time is up (the transcript says which).
     */
    Optional<String> awaitLine(String prefix, Duration timeout) throws InterruptedException {
        CompletableFuture<String> line = new CompletableFuture<>();
        synchronized (lock) {
            for (String candidate : stdout) {
                if (candidate.startsWith(prefix)) {
                    return Optional.of(candidate);
                }
            }
            if (stdoutEnded) {
                return Optional.empty();
            }
            waiters.add(new Waiter(prefix, line));
        }
        try {
            return Optional.of(line.get(timeout.toMillis(), MILLISECONDS));
        } catch (TimeoutException | ExecutionException e) {
            return Optional.empty();
        }
    }

    /**
     * Waits up to {@code timeout} for the process to exit and its output to be read; returns its exit code, or empty
     * if it was still running, in which case it has been killed.
     */
    Optional<Integer> awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), MILLISECONDS)) {
            record("io| still running after " + timeout + ": killing pid " + process.pid());
            process.destroyForcibly();
            process.waitFor(STOP_GRACE.toMillis(), MILLISECONDS);
            drainReaders();
            return Optional.empty();
        }
        drainReaders();
        return Optional.of(process.exitValue());
    }

    /** Every stdout line so far. */
    List<String> stdoutLines() {
        synchronized (lock) {
            return List.copyOf(stdout);
        }
    }

    /** Stdout ({@code out| }) and stderr ({@code err| }) lines so far, in arrival order. */
    String transcript() {
        synchronized (lock) {
            return transcript.toString();
        }
    }

    String describe() {
        return name + " (pid " + process.pid() + ")";
    }

    /** SIGTERM, up to 10 s to exit, then SIGKILL. Idempotent. */
    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.toHandle().destroy();
            if (!process.waitFor(STOP_GRACE.toMillis(), MILLISECONDS)) {
                record("io| no exit within " + STOP_GRACE + " of SIGTERM: killing");
                process.destroyForcibly();
                process.waitFor(STOP_GRACE.toMillis(), MILLISECONDS);
            }
        }
        drainReaders();
    }

    private void drainReaders() throws InterruptedException {
        stdoutReader.join(READER_DRAIN.toMillis());
        stderrReader.join(READER_DRAIN.toMillis());
    }

    private void onStdout(String line) {
        List<Waiter> takers = new ArrayList<>();
        synchronized (lock) {
            transcript.append("out| ").append(line).append('\n');
            stdout.add(line);
            waiters.removeIf(w -> {
                if (line.startsWith(w.prefix())) {
                    takers.add(w);
                    return true;
                }
                return false;
            });
        }
        takers.forEach(w -> w.line().complete(line));
    }

    private void onStdoutEnd() {
        List<Waiter> orphans;
        synchronized (lock) {
            stdoutEnded = true;
            orphans = new ArrayList<>(waiters);
            waiters.clear();
        }
        orphans.forEach(w -> w.line().completeExceptionally(new IllegalStateException("stdout ended")));
    }

    private void record(String line) {
        synchronized (lock) {
            transcript.append(line).append('\n');
        }
    }

    private Thread reader(String stream, InputStream in, boolean isStdout) {
        Thread thread = new Thread(
                () -> {
                    try (BufferedReader r = new BufferedReader(new InputStreamReader(in, UTF_8))) {
                        for (String line = r.readLine(); line != null; line = r.readLine()) {
                            if (isStdout) {
                                onStdout(line);
                            } else {
                                record("err| " + line);
                            }
                        }
                    } catch (IOException e) {
                        record("io| reading " + stream + ": " + e);
                    } finally {
                        if (isStdout) {
                            onStdoutEnd();
                        }
                    }
                },
                "java-peer-" + stream + "-" + process.pid());
        thread.setDaemon(true);
        thread.start();
        return thread;
    }
}
