package io.rpcvertx.it.docs;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.rpcvertx.it.docs.DocSnippets.Block;
import io.rpcvertx.it.docs.DocSnippets.Compilation;
import io.vertx.core.Deployable;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.StringReader;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;

/**
 * Every fenced block of README.md, docs/*.md, BENCHMARKS.md and docs/bench/*.md is checked: Java compiles (and the
 * quick start runs), XML is well formed, JSON parses, proto blocks match their file, shell lines name existing example
 * programs and bench scripts (docs/bench), JavaScript parses
 * ({@code node --check}; skipped without node unless {@code RPCVERTX_REQUIRE_PEERS=true}). See {@link
 * DocSnippets} for the snippet comment that declares what a fragment uses.
 */
@ExtendWith(VertxExtension.class)
@Timeout(120)
class DocSnippetsTest {
    /** Languages whose blocks are checked here; {@code text} blocks (diagrams) are prose. */
    private static final Set<String> CHECKED = Set.of("java", "xml", "json", "proto", "sh", "js", "text");

    private static List<Block> blocks;
    private static Compilation compilation;

    @BeforeAll
    static void compileJavaBlocks() throws Exception {
        blocks = DocSnippets.blocks();
        Path classes = Path.of("target", "doc-snippets-classes");
        compilation = DocSnippets.compile(DocSnippets.ofLanguage(blocks, "java"), classes);
    }

    @Test
    void documents_haveJavaBlocks_inReadmeAndEveryGuidePage() throws Exception {
        Set<String> withJava = DocSnippets.ofLanguage(blocks, "java").stream()
                .map(b -> b.file().getFileName().toString())
                .collect(Collectors.toSet());
        assertThat(withJava)
                .contains(
                        "README.md",
                        "channels.md",
                        "servers-and-stop.md",
                        "handlers-and-threading.md",
                        "security.md",
                        "services.md",
                        "interceptors.md",
                        "service-config-and-retries.md");
    }

    @Test
    void everyBlock_hasACheckedLanguage() {
        List<String> unchecked = blocks.stream()
                .filter(b -> !CHECKED.contains(b.language()))
                .map(b -> b.where() + " (```" + b.language() + ")")
                .collect(Collectors.toList());
        assertThat(unchecked).as("blocks without a checked language").isEmpty();
    }

    @Test
    void javaBlocks_compile() {
        assertThat(compilation.errors())
                .as("compiling the Java blocks of README.md and docs/")
                .isEmpty();
    }

    @Test
    void quickStart_serverAndClient_deployAndTalk(Vertx vertx) throws Exception {
        assertThat(compilation.errors()).as("the Java blocks compile").isEmpty();
        Block server = runnable("quickstart-server");
        Block client = runnable("quickstart-client");
        try (URLClassLoader loader = new URLClassLoader(
                new URL[] {compilation.classes().toUri().toURL()}, getClass().getClassLoader())) {
            Object serverVerticle = instantiate(loader, server, "GreeterServer");
            vertx.deployVerticle(
                            (Deployable) serverVerticle,
                            new DeploymentOptions().setConfig(new JsonObject().put("port", 0)))
                    .await(10, SECONDS);
            int port = (Integer) serverVerticle.getClass().getMethod("port").invoke(serverVerticle);
            assertThat(port).isPositive();

            Object clientVerticle = instantiate(loader, client, "GreeterClient");
            String deployment = vertx.deployVerticle(
                            (Deployable) clientVerticle,
                            new DeploymentOptions().setConfig(new JsonObject().put("target", "127.0.0.1:" + port)))
                    .await(10, SECONDS);
            // start() completed: both calls answered (a failed call fails the deployment)
            vertx.undeploy(deployment).await(10, SECONDS);
        }
    }

    @Test
    void xmlBlocks_areWellFormed() throws Exception {
        List<String> bad = new ArrayList<>();
        for (Block b : DocSnippets.ofLanguage(blocks, "xml")) {
            try {
                DocumentBuilderFactory.newInstance()
                        .newDocumentBuilder()
                        .parse(new InputSource(new StringReader("<snippet>" + b.code() + "</snippet>")));
            } catch (Exception e) {
                bad.add(b.where() + ": " + e.getMessage());
            }
        }
        assertThat(bad).isEmpty();
        assertThat(DocSnippets.ofLanguage(blocks, "xml").stream().flatMap(b -> b.attribute("pom").stream()))
                .as("README dependency blocks")
                .contains("runtime", "services");
    }

    @Test
    void xmlBlocks_dependOnRpcVertxAsTheReadmeDependencyBlocksDo() throws Exception {
        Map<String, String> documented = new TreeMap<>();
        for (Block b : DocSnippets.ofLanguage(blocks, "xml")) {
            if (!b.attribute("pom").isEmpty()) {
                documented.putAll(rpcVertxDependencies(b));
            }
        }
        assertThat(documented).containsKeys("rpc-vertx-api", "rpc-vertx-impl", "rpc-vertx-services");
        for (Block b : DocSnippets.ofLanguage(blocks, "xml")) {
            rpcVertxDependencies(b)
                    .forEach((artifact, scope) -> assertThat(documented)
                            .as(b.where() + ": io.rpcvertx:" + artifact + " as the README declares it")
                            .containsEntry(artifact, scope));
        }
    }

    /** artifactId to scope ("compile" when none) of the io.rpcvertx dependencies of an XML block. */
    private static Map<String, String> rpcVertxDependencies(Block b) throws Exception {
        Document doc = DocumentBuilderFactory.newInstance()
                .newDocumentBuilder()
                .parse(new InputSource(new StringReader("<snippet>" + b.code() + "</snippet>")));
        Map<String, String> result = new TreeMap<>();
        NodeList dependencies = doc.getElementsByTagName("dependency");
        for (int i = 0; i < dependencies.getLength(); i++) {
            Element d = (Element) dependencies.item(i);
            if (text(d, "groupId").equals("io.rpcvertx")) {
                String scope = text(d, "scope");
                result.put(text(d, "artifactId"), scope.isEmpty() ? "compile" : scope);
            }
        }
        return result;
    }

    private static String text(Element parent, String child) {
        NodeList nodes = parent.getElementsByTagName(child);
        return nodes.getLength() == 0 ? "" : nodes.item(0).getTextContent().trim();
    }

    @Test
    void jsonBlocks_parse() {
        List<String> bad = new ArrayList<>();
        for (Block b : DocSnippets.ofLanguage(blocks, "json")) {
            try {
                String json = b.code().trim();
                Object parsed = json.startsWith("[") ? new JsonArray(json) : new JsonObject(json);
                assertThat(parsed).isNotNull();
            } catch (RuntimeException e) {
                bad.add(b.where() + ": " + e.getMessage());
            }
        }
        assertThat(bad).isEmpty();
    }

    @Test
    void protoBlocks_matchTheFileTheyQuote() throws Exception {
        List<String> bad = new ArrayList<>();
        for (Block b : DocSnippets.ofLanguage(blocks, "proto")) {
            assertThat(b.attribute("file"))
                    .as(b.where() + ": proto block without file:")
                    .hasSize(1);
            Path file = DocSnippets.root().resolve(b.attribute("file").get(0));
            Set<String> fileLines = Files.readAllLines(file, StandardCharsets.UTF_8).stream()
                    .map(DocSnippetsTest::normalize)
                    .collect(Collectors.toSet());
            b.code()
                    .lines()
                    .map(DocSnippetsTest::normalize)
                    .filter(l -> !l.isEmpty() && !fileLines.contains(l))
                    .forEach(l -> bad.add(b.where() + ": not in " + file.getFileName() + ": " + l));
        }
        assertThat(bad).isEmpty();
    }

    @Test
    void shBlocks_runExistingExamplePrograms() throws Exception {
        String main = Files.readString(
                DocSnippets.root().resolve("verticles-examples/src/main/java/io/rpcvertx/examples/Main.java"));
        Pattern program = Pattern.compile("rpc-vertx-examples\\.jar\\s+([a-z][a-z-]*)");
        List<String> bad = new ArrayList<>();
        int checked = 0;
        for (Block b : DocSnippets.ofLanguage(blocks, "sh")) {
            Matcher m = program.matcher(b.code());
            while (m.find()) {
                checked++;
                if (!Pattern.compile("\"\\s{2}" + Pattern.quote(m.group(1)) + "\\s")
                        .matcher(main)
                        .find()) {
                    bad.add(b.where() + ": the examples jar has no program " + m.group(1));
                }
            }
        }
        assertThat(bad).isEmpty();
        assertThat(checked).as("example program lines checked").isGreaterThanOrEqualTo(5);
    }

    @Test
    void shBlocks_runExistingBenchScripts() {
        Path root = DocSnippets.root();
        Pattern script = Pattern.compile("(?<![\\w./-])(docs/bench/[A-Za-z0-9_-]+\\.(?:sh|py))\\b");
        List<String> bad = new ArrayList<>();
        int checked = 0;
        for (Block b : DocSnippets.ofLanguage(blocks, "sh")) {
            Matcher m = script.matcher(b.code());
            while (m.find()) {
                checked++;
                Path file = root.resolve(m.group(1));
                if (!Files.isRegularFile(file) || !Files.isExecutable(file)) {
                    bad.add(b.where() + ": no executable script " + m.group(1));
                }
            }
        }
        assertThat(bad).isEmpty();
        assertThat(checked).as("bench script lines checked").isGreaterThanOrEqualTo(3);
    }

    @Test
    void jsBlocks_parse() throws Exception {
        List<Block> js = DocSnippets.ofLanguage(blocks, "js");
        assertThat(js).as("JavaScript blocks (README's node example)").isNotEmpty();
        Path node = Path.of("/usr/bin/node");
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "node"))) {
                node = Path.of(dir, "node");
                break;
            }
        }
        if (!Files.isExecutable(node)) {
            if ("true".equals(System.getenv("RPCVERTX_REQUIRE_PEERS"))) {
                Assertions.fail("node not found (.ci/run installs it): JavaScript blocks not checked");
            }
            Assumptions.assumeTrue(false, "node not found: JavaScript blocks not checked");
        }
        Path dir = Files.createDirectories(Path.of("target", "doc-snippets-js"));
        List<String> bad = new ArrayList<>();
        for (Block b : js) {
            Path file = dir.resolve(b.file().getFileName() + "-" + b.firstLine() + ".js");
            Files.writeString(file, b.code());
            Process check = new ProcessBuilder(node.toString(), "--check", file.toString())
                    .redirectErrorStream(true)
                    .start();
            check.getOutputStream().close();
            if (!check.waitFor(30, SECONDS)) {
                check.destroyForcibly();
                bad.add(b.where() + ": node --check did not finish in 30 s");
            } else if (check.exitValue() != 0) {
                bad.add(b.where() + ": " + new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            }
        }
        assertThat(bad).isEmpty();
    }

    @Test
    void relativeLinks_pointToExistingFilesAndHeadings() throws Exception {
        Pattern link = Pattern.compile("\\]\\(([^)#\\s]*)(?:#([^)\\s]+))?\\)");
        List<String> broken = new ArrayList<>();
        int checked = 0;
        for (Path doc : DocSnippets.documents()) {
            String text = withoutCodeBlocks(Files.readString(doc));
            Matcher m = link.matcher(text);
            while (m.find()) {
                String file = m.group(1);
                String anchor = m.group(2);
                if (file.startsWith("http:") || file.startsWith("https:")) {
                    continue;
                }
                Path target =
                        file.isEmpty() ? doc : doc.getParent().resolve(file).normalize();
                checked++;
                // written by the interop matrix generator of another part of the build, not by hand
                if (target.getFileName().toString().equals("interop-matrix.md") && !Files.exists(target)) {
                    continue;
                }
                if (!Files.exists(target)) {
                    broken.add(doc.getFileName() + ": " + m.group() + " (no such file)");
                } else if (anchor != null && !headingAnchors(target).contains(anchor)) {
                    broken.add(doc.getFileName() + ": " + m.group() + " (no such heading)");
                }
            }
        }
        assertThat(broken).isEmpty();
        assertThat(checked).as("relative links checked").isGreaterThan(30);
    }

    /** GitHub's heading anchors: lower case, punctuation dropped, spaces as hyphens. */
    private static Set<String> headingAnchors(Path markdown) throws Exception {
        return withoutCodeBlocks(Files.readString(markdown))
                .lines()
                .filter(l -> l.startsWith("#"))
                .map(l -> l.replaceFirst("^#+\\s*", "")
                        .toLowerCase(java.util.Locale.ROOT)
                        .replaceAll("[^a-z0-9 _-]", "")
                        .replace(' ', '-'))
                .collect(Collectors.toSet());
    }

    private static String withoutCodeBlocks(String markdown) {
        return markdown.replaceAll("(?s)```.*?```", "");
    }

    private static String normalize(String line) {
        return line.replaceAll("//.*$", "").trim().replaceAll("\\s+", " ");
    }

    private static Block runnable(String name) {
        return blocks.stream()
                .filter(b -> b.attribute("run").contains(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no block marked run: " + name));
    }

    private static Object instantiate(ClassLoader loader, Block block, String simpleName) throws Exception {
        return loader.loadClass(block.javaPackage() + "." + simpleName)
                .getDeclaredConstructor()
                .newInstance();
    }
}
