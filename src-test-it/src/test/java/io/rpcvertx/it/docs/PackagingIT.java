package io.rpcvertx.it.docs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.rpcvertx.it.docs.DocSnippets.Block;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An empty Maven project that depends on rpc-vertx with exactly the README's dependency blocks ({@code pom: runtime},
 * {@code pom: services} and the test-scoped {@code pom: testkit}) compiles a program against them and runs a health
 * check with it over TCP, and compiles a test-source program that runs the same check in-process through the test
 * kit's extension on the test class path.
 *
 * <p>The nested Maven run uses a private local repository under {@code target/packaging-it/repo}: this build's jars and
 * poms are copied into it (never installed into the shared {@code ~/.m2}), and everything else is read from the shared
 * repository as a {@code file:} mirror, so the run needs no network.
 */
@Timeout(300)
class PackagingIT {
    private static final String CONSUMER_MAIN = """
            package consumer;

            import io.rpcvertx.Channel;
            import io.rpcvertx.RpcVertx;
            import io.rpcvertx.Server;
            import io.rpcvertx.services.health.HealthService;
            import io.rpcvertx.services.health.v1.HealthCheckRequest;
            import io.rpcvertx.services.health.v1.HealthCheckResponse;
            import io.vertx.core.Vertx;
            import java.util.concurrent.TimeUnit;

            public class HealthCheck {
                public static void main(String[] args) throws Exception {
                    Vertx vertx = Vertx.vertx();
                    try {
                        HealthService health = HealthService.create();
                        Server server = RpcVertx.server(vertx);
                        server.addGenericRpcHandlers(health.bindService());
                        int port = server.addInsecurePort("127.0.0.1:0").await(10, TimeUnit.SECONDS);
                        server.start().await(10, TimeUnit.SECONDS);
                        Channel channel = RpcVertx.insecureChannel(vertx, "127.0.0.1:" + port);
                        HealthCheckResponse response = channel.unaryUnary(HealthService.CHECK_METHOD)
                                .call(HealthCheckRequest.newBuilder().setService("").build())
                                .response()
                                .await(10, TimeUnit.SECONDS);
                        System.out.println("health: " + response.getStatus());
                        channel.close().await(10, TimeUnit.SECONDS);
                        server.stop(null).await(10, TimeUnit.SECONDS);
                    } finally {
                        vertx.close().await(10, TimeUnit.SECONDS);
                    }
                }
            }
            """;

    /** A test source: the test kit's extension driven by hand (as JUnit would), the health check in-process. */
    private static final String CONSUMER_TEST = """
            package consumer;

            import io.rpcvertx.services.health.HealthService;
            import io.rpcvertx.services.health.v1.HealthCheckRequest;
            import io.rpcvertx.services.health.v1.HealthCheckResponse;
            import io.rpcvertx.testkit.RpcVertxExtension;
            import java.util.concurrent.TimeUnit;

            public class InProcessHealthCheck {
                public static void main(String[] args) throws Exception {
                    RpcVertxExtension rpc = RpcVertxExtension.withServices(HealthService.create().bindService());
                    rpc.beforeEach(null);
                    try {
                        HealthCheckResponse response = rpc.channel()
                                .unaryUnary(HealthService.CHECK_METHOD)
                                .call(HealthCheckRequest.newBuilder().setService("").build())
                                .response()
                                .await(10, TimeUnit.SECONDS);
                        System.out.println("in-process health: " + response.getStatus());
                    } finally {
                        rpc.afterEach(null);
                    }
                }
            }
            """;

    /** The reactor's artifacts a user's project resolves: directory, artifactId, packaging. */
    private static final List<String[]> ARTIFACTS = List.of(
            new String[] {".", "rpc-vertx-parent", "pom"},
            new String[] {"rpc-vertx-api", "rpc-vertx-api", "jar"},
            new String[] {"rpc-vertx-impl", "rpc-vertx-impl", "jar"},
            new String[] {"rpc-vertx-impl/rpc-vertx-services", "rpc-vertx-services", "jar"},
            new String[] {"rpc-vertx-impl/rpc-vertx-testkit", "rpc-vertx-testkit", "jar"});

    @Test
    void readmeDependencyBlocks_emptyProject_compilesAndRunsAHealthCheck_andATestKitUse() throws Exception {
        String mavenHome = System.getProperty("rpcvertx.maven.home");
        String sharedRepo = System.getProperty("rpcvertx.maven.localRepository");
        String version = System.getProperty("rpcvertx.version");
        assumeTrue(
                mavenHome != null && sharedRepo != null && version != null,
                "run by Maven's surefire (rpcvertx.maven.home, rpcvertx.maven.localRepository, rpcvertx.version)");
        Path root = DocSnippets.root();
        for (String[] a : ARTIFACTS) {
            if (a[2].equals("jar")) {
                Path jar = root.resolve(a[0]).resolve("target").resolve(a[1] + "-" + version + ".jar");
                assumeTrue(Files.isRegularFile(jar), "not packaged yet (run mvn verify): " + jar);
            }
        }

        List<Block> poms = DocSnippets.parse(
                        root.resolve("README.md"),
                        Files.readAllLines(root.resolve("README.md"), StandardCharsets.UTF_8))
                .stream()
                .filter(b -> !b.attribute("pom").isEmpty())
                .collect(Collectors.toList());
        assertThat(poms.stream().map(b -> b.attribute("pom").get(0))).containsExactly("runtime", "services", "testkit");

        Path work = Path.of("target", "packaging-it").toAbsolutePath();
        Path repo = work.resolve("repo");
        seed(repo, root, version);
        Path project = work.resolve("consumer");
        deleteTree(project);
        Files.createDirectories(project.resolve("src/main/java/consumer"));
        Files.writeString(project.resolve("pom.xml"), consumerPom(poms));
        Files.writeString(project.resolve("src/main/java/consumer/HealthCheck.java"), CONSUMER_MAIN);
        Files.createDirectories(project.resolve("src/test/java/consumer"));
        Files.writeString(project.resolve("src/test/java/consumer/InProcessHealthCheck.java"), CONSUMER_TEST);
        Files.writeString(
                work.resolve("settings.xml"),
                "<settings><mirrors><mirror><id>shared-local-repository</id><mirrorOf>*</mirrorOf><url>"
                        + Path.of(sharedRepo).toUri() + "</url></mirror></mirrors></settings>\n");

        Path classpathFile = project.resolve("target/runtime.classpath");
        Result build = run(
                project,
                180,
                Path.of(mavenHome, "bin", "mvn").toString(),
                "-B",
                "-q",
                "-s",
                work.resolve("settings.xml").toString(),
                "-Dmaven.repo.local=" + repo,
                "test-compile",
                "org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath",
                "-Dmdep.includeScope=runtime",
                "-Dmdep.outputFile=" + classpathFile);
        assertThat(build.exitCode())
                .as("mvn compile of the consumer project:\n" + build.output())
                .isZero();

        String classpath = project.resolve("target/classes") + File.pathSeparator + Files.readString(classpathFile);
        Result health = run(
                project,
                60,
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                classpath,
                "consumer.HealthCheck");
        assertThat(health.exitCode()).as(health.output()).isZero();
        assertThat(health.output()).contains("health: SERVING");

        Path testClasspathFile = project.resolve("target/test.classpath");
        Result testBuild = run(
                project,
                120,
                Path.of(mavenHome, "bin", "mvn").toString(),
                "-B",
                "-q",
                "-s",
                work.resolve("settings.xml").toString(),
                "-Dmaven.repo.local=" + repo,
                "org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath",
                "-Dmdep.includeScope=test",
                "-Dmdep.outputFile=" + testClasspathFile);
        assertThat(testBuild.exitCode())
                .as("the consumer project's test class path:\n" + testBuild.output())
                .isZero();
        Result inProcess = run(
                project,
                60,
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                project.resolve("target/test-classes")
                        + File.pathSeparator
                        + project.resolve("target/classes")
                        + File.pathSeparator
                        + Files.readString(testClasspathFile),
                "consumer.InProcessHealthCheck");
        assertThat(inProcess.exitCode()).as(inProcess.output()).isZero();
        assertThat(inProcess.output()).contains("in-process health: SERVING");
    }

    /** The README's blocks, exactly as written, in an otherwise empty project. */
    private static String consumerPom(List<Block> dependencyBlocks) {
        String dependencies = dependencyBlocks.stream().map(Block::code).collect(Collectors.joining());
        return """
                <?xml version="1.0" encoding="UTF-8"?>
                <project xmlns="http://maven.apache.org/POM/4.0.0">
                  <modelVersion>4.0.0</modelVersion>
                  <groupId>consumer</groupId>
                  <artifactId>consumer</artifactId>
                  <version>1</version>
                  <properties>
                    <maven.compiler.release>17</maven.compiler.release>
                    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
                  </properties>
                  <dependencies>
                """ + dependencies + """
                  </dependencies>
                  <build>
                    <plugins>
                      <plugin>
                        <groupId>org.apache.maven.plugins</groupId>
                        <artifactId>maven-compiler-plugin</artifactId>
                        <version>3.14.1</version>
                      </plugin>
                      <plugin>
                        <groupId>org.apache.maven.plugins</groupId>
                        <artifactId>maven-resources-plugin</artifactId>
                        <version>3.3.1</version>
                      </plugin>
                    </plugins>
                  </build>
                </project>
                """;
    }

    /** Copies this build's poms and jars into {@code repo}, in the local-repository layout. */
    private static void seed(Path repo, Path root, String version) throws IOException {
        deleteTree(repo.resolve("io/rpcvertx"));
        for (String[] a : ARTIFACTS) {
            Path dir = repo.resolve("io/rpcvertx").resolve(a[1]).resolve(version);
            Files.createDirectories(dir);
            Path module = root.resolve(a[0]);
            Files.copy(module.resolve("pom.xml"), dir.resolve(a[1] + "-" + version + ".pom"));
            if (a[2].equals("jar")) {
                Files.copy(
                        module.resolve("target").resolve(a[1] + "-" + version + ".jar"),
                        dir.resolve(a[1] + "-" + version + ".jar"));
            }
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).collect(Collectors.toList())) {
                Files.delete(p);
            }
        }
    }

    record Result(int exitCode, String output) {}

    /** Runs a process in {@code dir}, output and errors merged; kills it (by its handle) after the timeout. */
    private static Result run(Path dir, long timeoutSeconds, String... command) throws Exception {
        Path log = Files.createTempFile(dir, "process", ".log");
        Process process = new ProcessBuilder(new ArrayList<>(List.of(command)))
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        try {
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
                return new Result(
                        -1,
                        "timed out after " + timeoutSeconds + " s: " + String.join(" ", command) + "\n"
                                + Files.readString(log));
            }
            return new Result(process.exitValue(), Objects.requireNonNull(Files.readString(log)));
        } finally {
            Files.deleteIfExists(log);
        }
    }
}
