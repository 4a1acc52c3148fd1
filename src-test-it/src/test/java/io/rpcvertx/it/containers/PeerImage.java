package io.rpcvertx.it.containers;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Image;
import io.rpcvertx.examples.Main;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Assumptions;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.images.builder.ImageFromDockerfile;

/**
 * The image of the containerized peer, built locally because no image can be pulled here: {@code FROM scratch}, a Java
 * runtime jlinked from the JDK that runs the tests, the shared libraries that runtime links (found with {@code ldd}),
 * and the examples' shaded jar (about 60 MB in all). The tag is a digest of those inputs, so a later run with the same
 * jar and JDK reuses the image instead of building it again (about 30 s on a busy 2-core host, half of it jlink);
 * images built from older inputs are removed when a new one is built.
 *
 * <p>{@link #name()} aborts the calling test (a skip, with the reason) where such an image cannot be made: a host that
 * is not Linux (its JDK cannot run in a Linux container), no {@code ldd}, or no up-to-date shaded examples jar (it is
 * made by {@code mvn package}, so {@code mvn verify} has it; {@code mvn test} alone may not). Call it from
 * {@code @BeforeEach}: an abort in {@code @BeforeAll} makes surefire report no tests at all, without the reason.
 */
final class PeerImage {
    static final String REPOSITORY = "rpc-vertx-it-peer";
    /** What the examples jar needs ({@code jdeps --print-module-deps}, less compile-time-only modules). */
    static final List<String> MODULES =
            List.of("java.base", "java.logging", "java.naming", "java.management", "jdk.unsupported");

    static final String DOCKERFILE = String.join(
            "\n",
            "FROM scratch",
            "COPY rootfs/ /",
            "ENTRYPOINT [\"/opt/jre/bin/java\", \"-XX:+UseSerialGC\", \"-Xmx96m\", \"-XX:TieredStopAtLevel=1\","
                    + " \"-jar\", \"/opt/app.jar\"]",
            "");

    private static final Duration TOOL_TIMEOUT = Duration.ofMinutes(2);
    private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(5);
    private static final Pattern LDD_LIBRARY = Pattern.compile("^\\s*(?:\\S+\\s+=>\\s+)?(/\\S+)\\s+\\(0x[0-9a-f]+\\)");

    /** The image of this test JVM, once built or found. */
    private static String resolved;

    private PeerImage() {}

    /** The image name, building the image if the engine does not have it yet; one build per test JVM at most. */
    static synchronized String name() throws Exception {
        if (resolved != null) {
            return resolved;
        }
        if (!System.getProperty("os.name").toLowerCase(Locale.ROOT).contains("linux")) {
            skip("the peer image is assembled from this JDK and its shared libraries: needs a Linux host, not "
                    + System.getProperty("os.name"));
        }
        Path jar = examplesJar();
        Path javaHome = Path.of(System.getProperty("java.home"));
        String name = REPOSITORY + ":" + digest(jar, javaHome);
        DockerClient docker = DockerClientFactory.instance().client();
        if (!exists(docker, name)) {
            build(name, jar, javaHome);
            removeOthers(docker, name);
        }
        resolved = name;
        return name;
    }

    /**
     * The shaded examples jar: the examples on the test classpath when Maven put the packaged jar there, else the one
     * next to their classes directory if it holds the same classes (a {@code mvn test} after a change in the examples
     * has not repackaged it).
     */
    static Path examplesJar() throws Exception {
        Path source = Path.of(
                Main.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        if (Files.isRegularFile(source) && isShaded(source)) {
            return source;
        }
        Path classes = Files.isDirectory(source) ? source : null;
        Path jar = (classes != null ? classes.getParent() : source.getParent()).resolve("rpc-vertx-examples.jar");
        if (!Files.isRegularFile(jar) || !isShaded(jar)) {
            skip("no shaded examples jar at " + jar
                    + ": run `mvn verify` (or `mvn package -pl verticles-examples -am`)");
        }
        if (classes != null) {
            String stale = firstDifference(classes, jar);
            if (stale != null) {
                skip(jar + " is out of date (" + stale + " differs from " + classes
                        + "): run `mvn verify` (or package verticles-examples) again");
            }
        }
        return jar;
    }

    /** Aborts the calling test, which JUnit reports as skipped, and says why on the console too. */
    static void skip(String reason) {
        System.out.println("container tests skipped: " + reason);
        Assumptions.abort(reason);
    }

    private static boolean isShaded(Path jar) throws IOException {
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            return zip.getEntry("io/vertx/core/Vertx.class") != null
                    && zip.getEntry("io/rpcvertx/examples/Main.class") != null;
        }
    }

    /** The first class file under {@code classes} that {@code jar} lacks or holds with other content, or null. */
    private static String firstDifference(Path classes, Path jar) throws IOException {
        try (ZipFile zip = new ZipFile(jar.toFile());
                Stream<Path> files = Files.walk(classes)) {
            for (Path file : (Iterable<Path>) files.filter(f -> f.toString().endsWith(".class"))::iterator) {
                String name = classes.relativize(file).toString().replace('\\', '/');
                ZipEntry entry = zip.getEntry(name);
                CRC32 crc = new CRC32();
                crc.update(Files.readAllBytes(file));
                if (entry == null || entry.getCrc() != crc.getValue()) {
                    return name;
                }
            }
            return null;
        }
    }

    /** A digest of the image's inputs: the jar's entries (names and CRCs, not its timestamps), the JDK, the recipe. */
    private static String digest(Path jar, Path javaHome) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            for (Enumeration<? extends ZipEntry> entries = zip.entries(); entries.hasMoreElements(); ) {
                ZipEntry entry = entries.nextElement();
                sha.update((entry.getName() + ":" + entry.getCrc() + "\n").getBytes(StandardCharsets.UTF_8));
            }
        }
        String recipe = String.join(
                "\n",
                javaHome.toString(),
                System.getProperty("java.vm.version"),
                String.join(",", MODULES),
                DOCKERFILE);
        sha.update(recipe.getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(sha.digest(), 0, 8);
    }

    private static boolean exists(DockerClient docker, String name) {
        try {
            docker.inspectImageCmd(name).exec();
            return true;
        } catch (NotFoundException e) {
            return false;
        }
    }

    private static void build(String name, Path jar, Path javaHome) throws Exception {
        Path context = Files.createTempDirectory("rpc-vertx-peer-image");
        try {
            Path rootfs = context.resolve("rootfs");
            Path jre = rootfs.resolve("opt/jre");
            Files.createDirectories(jre.getParent());
            run(List.of(
                    javaHome.resolve("bin/jlink").toString(),
                    "--add-modules",
                    String.join(",", MODULES),
                    "--strip-debug",
                    "--no-header-files",
                    "--no-man-pages",
                    "--compress=2",
                    "--output",
                    jre.toString()));
            // license texts only; on Debian they are symlinks out of the JDK, which the build context cannot follow
            deleteTree(jre.resolve("legal"));
            for (Path library : sharedLibraries(jre)) {
                Path target = rootfs.resolve(library.toString().substring(1));
                Files.createDirectories(target.getParent());
                Files.copy(library, target); // follows links: the image gets the files the names point to
            }
            Files.copy(jar, rootfs.resolve("opt/app.jar"));
            new ImageFromDockerfile(name, false)
                    .withFileFromPath("rootfs", rootfs)
                    .withFileFromString("Dockerfile", DOCKERFILE)
                    .get(BUILD_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } finally {
            deleteTree(context);
        }
    }

    /** The libraries outside the runtime that its launcher and native libraries link, and the dynamic loader. */
    private static Set<Path> sharedLibraries(Path jre) throws Exception {
        List<Path> binaries = new ArrayList<>();
        binaries.add(jre.resolve("bin/java"));
        try (Stream<Path> files = Files.walk(jre.resolve("lib"))) {
            files.filter(f -> f.getFileName().toString().endsWith(".so")).forEach(binaries::add);
        }
        Set<Path> libraries = new TreeSet<>();
        for (Path binary : binaries) {
            for (String line : run(List.of("ldd", binary.toString()))) {
                Matcher m = LDD_LIBRARY.matcher(line);
                if (m.find() && !Path.of(m.group(1)).startsWith(jre)) {
                    libraries.add(Path.of(m.group(1)));
                }
            }
        }
        if (libraries.stream().noneMatch(l -> l.getFileName().toString().startsWith("ld-linux"))) {
            throw new IllegalStateException("ldd named no dynamic loader for " + jre + "/bin/java: " + libraries);
        }
        return libraries;
    }

    /** Runs a tool to completion within {@link #TOOL_TIMEOUT} and returns its output lines; fails unless it exits 0. */
    private static List<String> run(List<String> command) throws Exception {
        Path output = Files.createTempFile("rpc-vertx-peer-image", ".out");
        try {
            Process process;
            try {
                process = new ProcessBuilder(command)
                        .redirectErrorStream(true)
                        .redirectOutput(output.toFile())
                        .start();
            } catch (IOException e) {
                skip("cannot run " + command.get(0) + " to assemble the peer image: " + e.getMessage());
                throw e;
            }
            if (!process.waitFor(TOOL_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new IllegalStateException(command + " did not finish within " + TOOL_TIMEOUT);
            }
            List<String> lines = Files.readAllLines(output);
            if (process.exitValue() != 0) {
                throw new IllegalStateException(command + " exited " + process.exitValue() + ": " + lines);
            }
            return lines;
        } finally {
            Files.deleteIfExists(output);
        }
    }

    /** Removes the images of this repository built from other inputs (the cache keeps one image). */
    private static void removeOthers(DockerClient docker, String keep) {
        for (Image image :
                docker.listImagesCmd().withImageNameFilter(REPOSITORY).exec()) {
            String[] tags = image.getRepoTags() == null ? new String[0] : image.getRepoTags();
            if (!Arrays.asList(tags).contains(keep)) {
                try {
                    docker.removeImageCmd(image.getId()).withForce(true).exec();
                } catch (RuntimeException e) {
                    // still used by a container of another run: it goes with a later build
                }
            }
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                Files.delete(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
