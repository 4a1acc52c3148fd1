package io.rpcvertx.codegen;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.compiler.PluginProtos.CodeGeneratorResponse;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.Timeout;

/**
 * Generates the code of every proto under {@code src/test/proto} in-process and compares each file with
 * {@code src/test/resources/golden/<path>.txt}. Run with {@code -Dgolden.update=true} to rewrite the golden files
 * (and delete those nothing generates any more); reviewers read the diff.
 *
 * <p>protoc writes the descriptor set (with imports and source info) in {@code generate-test-sources}; the build
 * passes its path as {@code test.descriptor.set} and the golden directory as {@code golden.dir}.
 */
@Timeout(60)
class GoldenFilesTest {
    private static final String SUFFIX = ".txt";

    static Path goldenDir;
    static CodeGeneratorResponse response;
    static boolean update;

    @BeforeAll
    static void generate() throws IOException {
        goldenDir = Path.of(System.getProperty("golden.dir", "src/test/resources/golden"));
        update = Boolean.getBoolean("golden.update");
        Path descriptorSet = Path.of(System.getProperty("test.descriptor.set", "target/test-protos.binpb"));
        FileDescriptorSet set;
        try (InputStream in = Files.newInputStream(descriptorSet)) {
            set = FileDescriptorSet.parseFrom(in);
        }
        response = Main.generate(Main.request(set, List.of()));
    }

    @TestFactory
    Stream<DynamicTest> generatedFile_matchesGoldenFile() {
        assertThat(response.hasError()).as(response.getError()).isFalse();
        return response.getFileList().stream()
                .map(file -> DynamicTest.dynamicTest(file.getName(), () -> {
                    Path golden = goldenDir.resolve(file.getName() + SUFFIX);
                    if (update) {
                        Files.createDirectories(golden.getParent());
                        Files.writeString(golden, file.getContent(), StandardCharsets.UTF_8);
                    }
                    assertThat(golden)
                            .as("golden file %s (run with -Dgolden.update=true to create it)", golden)
                            .exists();
                    assertThat(file.getContent())
                            .as(
                                    "%s differs from its golden file; run with -Dgolden.update=true to accept",
                                    file.getName())
                            .isEqualTo(Files.readString(golden, StandardCharsets.UTF_8));
                }));
    }

    @Test
    void goldenFiles_eachIsStillGenerated() throws IOException {
        Set<String> generated = response.getFileList().stream()
                .map(f -> f.getName() + SUFFIX)
                .collect(Collectors.toCollection(TreeSet::new));
        List<String> stale = new ArrayList<>();
        try (Stream<Path> files = Files.walk(goldenDir)) {
            for (Path p : files.filter(Files::isRegularFile).toList()) {
                String name = goldenDir.relativize(p).toString().replace('\\', '/');
                if (!generated.contains(name)) {
                    if (update) {
                        Files.delete(p);
                    } else {
                        stale.add(name);
                    }
                }
            }
        }
        assertThat(stale)
                .as("golden files nothing generates (-Dgolden.update=true deletes them)")
                .isEmpty();
    }

    @Test
    void everyTestProtoWithServices_isCovered() {
        assertThat(response.getFileList())
                .extracting(CodeGeneratorResponse.File::getName)
                .contains(
                        "io/rpcvertx/codegen/test/routeguide/RouteGuideStub.java",
                        "io/rpcvertx/codegen/test/outer/MailboxStub.java",
                        "io/rpcvertx/codegen/test/outer/ClasherStub.java",
                        "io/rpcvertx/codegen/test/explicit/ExplicitStub.java",
                        "io/rpcvertx/codegen/test/comments/DocumentedStub.java",
                        "io/rpcvertx/codegen/test/comments/RetiredStub.java",
                        "io/rpcvertx/codegen/test/comments/PlainStub.java",
                        "io/rpcvertx/codegen/test/clashes/ClashesStub.java",
                        "io/rpcvertx/codegen/test/streaming/StreamsStub.java",
                        "a/b/c/NothingStub.java",
                        "a/b/c/PingerStub.java",
                        "LonelyStub.java");
    }

    @Test
    void everyGeneratedFile_startsWithTheHeader() {
        assertThat(response.getFileList())
                .allSatisfy(file -> assertThat(file.getContent())
                        .startsWith("// generated by rpc-vertx-codegen from ")
                        .contains(".proto — do not edit\n"));
    }
}
