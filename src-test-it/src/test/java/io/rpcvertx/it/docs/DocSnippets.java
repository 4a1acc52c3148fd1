package io.rpcvertx.it.docs;

import java.io.IOException;
import java.io.StringWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;

/**
 * The fenced code blocks of {@code README.md}, {@code docs/*.md}, {@code BENCHMARKS.md} and {@code docs/bench/*.md},
 * and the compiler for their Java blocks.
 *
 * <p>A block may be preceded by an HTML comment that the rendered page hides:
 *
 * <pre>
 * &lt;!-- snippet
 * declare: Vertx vertx; Server server;      (fields and types the fragment uses; may repeat)
 * imports: io.rpcvertx.services.health.HealthService   (extra imports, space-separated; may repeat)
 * run: quickstart-server                     (a block a test also runs)
 * pom: runtime                               (a README dependency block the packaging test uses)
 * file: verticles-examples/src/main/proto/helloworld.proto   (the file a proto block is taken from)
 * --&gt;
 * </pre>
 *
 * A Java block whose first line starts with {@code public} is a source file of its own (its public type names the
 * file); any other block becomes the body of a method {@code snippet()} of a class holding the declarations.
 */
final class DocSnippets {
    /** Imports every Java snippet gets: the API, Vert.x core, the JDK basics and the generated greeter. */
    static final List<String> DEFAULT_IMPORTS = List.of(
            "io.rpcvertx.*",
            "io.vertx.core.*",
            "io.vertx.core.json.JsonObject",
            "io.vertx.core.streams.ReadStream",
            "io.vertx.core.streams.WriteStream",
            "java.nio.charset.StandardCharsets",
            "java.time.Duration",
            "java.util.List",
            "java.util.Map",
            "java.util.Optional",
            "io.rpcvertx.examples.helloworld.*");

    private static final Pattern FENCE = Pattern.compile("^```\\s*([A-Za-z0-9_-]*)\\s*$");
    private static final Pattern ATTRIBUTE = Pattern.compile("^([a-z]+):\\s*(.*)$");
    private static final Pattern PUBLIC_TYPE =
            Pattern.compile("^public\\s+(?:final\\s+|abstract\\s+)*(?:class|interface|record|enum)\\s+(\\w+)");

    /** One fenced block: where it is, its language, its snippet attributes and its text. */
    record Block(Path file, int firstLine, String language, Map<String, List<String>> attributes, String code) {
        /** {@code README.md:42}: the block's first code line. */
        String where() {
            return file.getFileName() + ":" + firstLine;
        }

        List<String> attribute(String key) {
            return attributes.getOrDefault(key, List.of());
        }

        /** The Java package this block compiles in: one per block, named after its place. */
        String javaPackage() {
            String name = file.getFileName().toString().replaceAll("\\.md$", "");
            return "docs." + name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "_") + "_l" + firstLine;
        }
    }

    private DocSnippets() {}

    /** The repository root: the nearest directory upwards from the working directory with README.md and docs/. */
    static Path root() {
        Path dir = Path.of("").toAbsolutePath();
        for (Path d = dir; d != null; d = d.getParent()) {
            if (Files.isRegularFile(d.resolve("README.md")) && Files.isDirectory(d.resolve("docs"))) {
                return d;
            }
        }
        throw new IllegalStateException("no README.md with docs/ above " + dir);
    }

    /** README.md, then every docs/*.md sorted by name, then BENCHMARKS.md and every docs/bench/*.md. */
    static List<Path> documents() throws IOException {
        Path root = root();
        List<Path> files = new ArrayList<>();
        files.add(root.resolve("README.md"));
        addMarkdown(root.resolve("docs"), files);
        files.add(root.resolve("BENCHMARKS.md"));
        addMarkdown(root.resolve("docs").resolve("bench"), files);
        return files;
    }

    private static void addMarkdown(Path directory, List<Path> files) throws IOException {
        try (Stream<Path> docs = Files.list(directory)) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(files::add);
        }
    }

    /** Every fenced block of every document. */
    static List<Block> blocks() throws IOException {
        List<Block> blocks = new ArrayList<>();
        for (Path file : documents()) {
            blocks.addAll(parse(file, Files.readAllLines(file, StandardCharsets.UTF_8)));
        }
        return blocks;
    }

    static List<Block> parse(Path file, List<String> lines) {
        List<Block> blocks = new ArrayList<>();
        Map<String, List<String>> pending = Map.of();
        int i = 0;
        while (i < lines.size()) {
            String line = lines.get(i);
            if (line.startsWith("<!-- snippet")) {
                Map<String, List<String>> attributes = new LinkedHashMap<>();
                int j = i + 1;
                for (; j < lines.size() && !lines.get(j).startsWith("-->"); j++) {
                    Matcher m = ATTRIBUTE.matcher(lines.get(j).trim());
                    if (!m.matches()) {
                        throw new IllegalArgumentException(
                                file.getFileName() + ":" + (j + 1) + ": not a snippet attribute: " + lines.get(j));
                    }
                    attributes
                            .computeIfAbsent(m.group(1), k -> new ArrayList<>())
                            .add(m.group(2));
                }
                if (j + 1 >= lines.size() || !lines.get(j + 1).startsWith("```")) {
                    throw new IllegalArgumentException(
                            file.getFileName() + ":" + (i + 1) + ": a snippet comment must come right before a block");
                }
                pending = attributes;
                i = j + 1;
                continue;
            }
            Matcher fence = FENCE.matcher(line);
            if (fence.matches()) {
                int start = i + 1;
                int end = start;
                while (end < lines.size() && !lines.get(end).startsWith("```")) {
                    end++;
                }
                if (end == lines.size()) {
                    throw new IllegalArgumentException(file.getFileName() + ":" + (i + 1) + ": unclosed block");
                }
                String code = String.join("\n", lines.subList(start, end)) + "\n";
                blocks.add(new Block(file, start + 1, fence.group(1), pending, code));
                pending = Map.of();
                i = end + 1;
                continue;
            }
            i++;
        }
        return blocks;
    }

    /** A Java block as a compilation unit, and the line of the unit where the block's first line landed. */
    record Unit(Block block, String className, String source, int codeOffset) {}

    static Unit unit(Block block) {
        StringBuilder head = new StringBuilder();
        head.append("package ").append(block.javaPackage()).append(";\n");
        for (String i : DEFAULT_IMPORTS) {
            head.append("import ").append(i).append(";\n");
        }
        for (String list : block.attribute("imports")) {
            for (String i : list.trim().split("\\s+")) {
                head.append("import ").append(i).append(";\n");
            }
        }
        String firstCodeLine = block.code()
                .lines()
                .filter(l -> !l.isBlank() && !l.startsWith("//"))
                .findFirst()
                .orElse("");
        Matcher type = PUBLIC_TYPE.matcher(firstCodeLine);
        if (type.find()) {
            for (String declare : block.attribute("declare")) {
                head.append(declare).append("\n");
            }
            return new Unit(block, type.group(1), head + block.code(), lineCount(head));
        }
        head.append("@SuppressWarnings(\"unused\")\nclass Snippet {\n");
        for (String declare : block.attribute("declare")) {
            head.append(declare).append("\n");
        }
        head.append("void snippet() throws Exception {\n");
        return new Unit(block, "Snippet", head + block.code() + "}\n}\n", lineCount(head));
    }

    private static int lineCount(CharSequence s) {
        return (int) s.chars().filter(c -> c == '\n').count();
    }

    /** The outcome of compiling Java blocks: errors (each pointing into its document) and the output directory. */
    record Compilation(List<String> errors, Path classes) {}

    /** Compiles these Java blocks together against the test class path into {@code classes}. */
    static Compilation compile(List<Block> javaBlocks, Path classes) throws IOException {
        JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
        if (compiler == null) {
            throw new IllegalStateException("no system Java compiler (a JRE instead of a JDK?)");
        }
        Files.createDirectories(classes);
        Map<URI, Unit> byUri = new LinkedHashMap<>();
        List<JavaFileObject> sources = new ArrayList<>();
        for (Block block : javaBlocks) {
            Unit unit = unit(block);
            URI uri = URI.create(
                    "string:///" + unit.block().javaPackage().replace('.', '/') + "/" + unit.className() + ".java");
            byUri.put(uri, unit);
            sources.add(new SimpleJavaFileObject(uri, JavaFileObject.Kind.SOURCE) {
                @Override
                public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                    return unit.source();
                }
            });
        }
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        StringWriter out = new StringWriter();
        try (StandardJavaFileManager files =
                compiler.getStandardFileManager(diagnostics, null, StandardCharsets.UTF_8)) {
            List<String> options =
                    List.of("--release", "17", "-proc:none", "-classpath", classPath, "-d", classes.toString());
            compiler.getTask(out, files, diagnostics, options, null, sources).call();
        }
        List<String> errors = new ArrayList<>();
        for (Diagnostic<? extends JavaFileObject> d : diagnostics.getDiagnostics()) {
            if (d.getKind() != Diagnostic.Kind.ERROR) {
                continue;
            }
            Unit unit = d.getSource() == null ? null : byUri.get(d.getSource().toUri());
            if (unit == null) {
                errors.add(d.getMessage(Locale.ROOT));
                continue;
            }
            long unitLine = d.getLineNumber();
            long docLine = unit.block().firstLine() + (unitLine - 1 - unit.codeOffset());
            String where = unitLine - 1 < unit.codeOffset()
                    ? unit.block().where() + " (snippet declarations)"
                    : unit.block().file().getFileName() + ":" + docLine;
            errors.add(where + ": " + d.getMessage(Locale.ROOT));
        }
        if (!out.toString().isBlank()) {
            errors.add(out.toString());
        }
        return new Compilation(errors, classes);
    }

    /** The blocks of one language. */
    static List<Block> ofLanguage(List<Block> blocks, String language) {
        return blocks.stream().filter(b -> b.language().equals(language)).collect(Collectors.toList());
    }
}
