package io.rpcvertx.it.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.rpcvertx.it.grpcio.PythonPeer;
import io.rpcvertx.it.grpcio.PythonPeer.Finished;
import java.awt.image.BufferedImage;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * BENCHMARKS.md's chart script ({@code docs/bench/charts.py}) on the checked-in fixture of {@code
 * src/test/resources/bench/charts} (a synthetic run: the results, max-message and RSS files the bench scripts write,
 * not measurements): it writes every PNG, each a whole valid PNG, the same bytes on a second run, leaves out the sizes a
 * server refused, computes each bar as requests per server core over raw Vert.x's in the same round (median over
 * rounds), and says which RSS line is flat. Skipped when {@code /usr/bin/python3} cannot import matplotlib
 * (Debian python3-matplotlib, which .ci/run installs), failed instead when {@code RPCVERTX_REQUIRE_PEERS=true}.
 */
@Timeout(120)
class BenchChartsTest {
    private static final Path SCRIPT = Path.of("..", "docs", "bench", "charts.py");
    private static final Path FIXTURE = Path.of("src", "test", "resources", "bench", "charts");
    private static final Duration RUN_LIMIT = Duration.ofSeconds(60);
    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    private static final List<String> PNGS = List.of("per-core-ratio.png", "shapes.png", "sizes.png", "rss.png");

    @TempDir
    static Path dir;

    /** One run on the fixture shared by the tests (matplotlib takes a second or two to start). */
    private static Finished run;

    @BeforeAll
    static void matplotlibAvailable() throws Exception {
        Finished probe = PythonPeer.runCommand(
                RUN_LIMIT, "matplotlib probe", List.of(PythonPeer.PYTHON, "-c", "import matplotlib"));
        if (probe.exitCode() == 0) {
            run = charts(dir.resolve("first"));
            return;
        }
        String message =
                "python3-matplotlib missing: apt-get install python3-matplotlib (Debian) — .ci/run installs it ["
                        + probe.transcript().strip() + "]";
        if ("true".equals(System.getenv("RPCVERTX_REQUIRE_PEERS"))) {
            Assertions.fail(message);
        }
        Assumptions.assumeTrue(false, message);
    }

    @Test
    void charts_fromFixture_writeValidPngs_sameBytesOnASecondRun() throws Exception {
        Path first = dir.resolve("first");
        Path second = dir.resolve("second");

        Finished again = charts(second);

        assertThat(run.exitCode()).as("%s", run.transcript()).isZero();
        assertThat(again.exitCode()).as("%s", again.transcript()).isZero();
        for (String png : PNGS) {
            Path file = first.resolve(png);
            assertValidPng(file);
            assertThat(Files.readAllBytes(second.resolve(png)))
                    .as("%s on a second run of the same input", png)
                    .isEqualTo(Files.readAllBytes(file));
        }
    }

    @Test
    void charts_sizeRefusedByAServer_isLeftOut_andRssSummary_saysWhichLineIsFlat() throws Exception {
        assertThat(run.exitCode()).as("%s", run.transcript()).isZero();
        // h2load counted vertx-grpc's RESOURCE_EXHAUSTED answers (HTTP 200) as successes: the fixture's 1 MiB rows
        assertThat(run.stdout())
                .contains("left out: vertx-grpc h2-unary-1048576B-c4m16, refused:RESOURCE_EXHAUSTED in max-message.csv"
                        + " (2 rows)")
                .doesNotContain("left out: raw-vertx");
        List<String> summary =
                Files.readAllLines(dir.resolve("first").resolve("rss-summary.txt"), StandardCharsets.UTF_8);
        // the fixture's rpc-vertx-vertx grows 2 MB/s; the other two stay within a megabyte
        assertThat(summary)
                .anySatisfy(l -> assertThat(l).startsWith("rpc-vertx-vertx: NOT flat: "))
                .anySatisfy(l -> assertThat(l).startsWith("rpc-vertx-netty: flat: "))
                .anySatisfy(l -> assertThat(l).startsWith("raw-vertx: flat: "))
                .anySatisfy(l -> assertThat(l).startsWith("rpc-vertx-netty: median RSS 1.00x raw-vertx's"));
    }

    @Test
    void perCoreRatios_areEachRoundsRequestsPerServerCore_overRawVertxsInTheSameRound_medianOverRounds()
            throws Exception {
        assertThat(run.exitCode()).as("%s", run.transcript()).isZero();
        // recomputed here from the fixture: rps / (srv_cpu_pct / 100), divided by raw-vertx's of the same round
        List<String> rows = Files.readAllLines(FIXTURE.resolve("results.csv"));
        List<String> header = List.of(rows.get(0).split(","));
        int scenario = header.indexOf("scenario");
        int server = header.indexOf("server");
        int round = header.indexOf("round");
        int rps = header.indexOf("rps");
        int cpu = header.indexOf("srv_cpu_pct");
        Map<String, Double> perCore = new TreeMap<>();
        for (String row : rows.subList(1, rows.size())) {
            String[] f = row.split(",");
            perCore.put(
                    f[scenario] + "|" + f[server] + "|" + f[round],
                    Double.parseDouble(f[rps]) / (Double.parseDouble(f[cpu]) / 100));
        }
        Map<String, Double> expected = new TreeMap<>();
        for (String key : perCore.keySet()) {
            String[] k = key.split("\\|");
            if (k[1].equals("raw-vertx") || (k[0].contains("-1048576B-") && k[1].equals("vertx-grpc"))) {
                continue; // the baseline itself, and the size the fixture's vertx-grpc refused
            }
            double r1 = perCore.get(k[0] + "|" + k[1] + "|1") / perCore.get(k[0] + "|raw-vertx|1");
            double r2 = perCore.get(k[0] + "|" + k[1] + "|2") / perCore.get(k[0] + "|raw-vertx|2");
            expected.put(k[0] + "," + k[1], (r1 + r2) / 2); // the median of two rounds
        }

        Map<String, Double> charted = new TreeMap<>();
        List<String> table = Files.readAllLines(dir.resolve("first").resolve("per-core-ratio.csv"));
        assertThat(table.get(0)).isEqualTo("scenario,server,median_ratio,rounds");
        for (String line : table.subList(1, table.size())) {
            String[] f = line.split(",");
            charted.put(f[0] + "," + f[1], Double.parseDouble(f[2]));
        }

        assertThat(charted.keySet()).containsExactlyElementsOf(expected.keySet());
        expected.forEach((key, value) -> assertThat(charted.get(key)).as(key).isCloseTo(value, within(0.0006)));
    }

    @Test
    void charts_fromCsvWithoutRows_failsAndWritesNoPng() throws Exception {
        Path empty = dir.resolve("empty").resolve("results.csv");
        Files.createDirectories(empty.getParent());
        Files.writeString(
                empty, Files.readAllLines(FIXTURE.resolve("results.csv")).get(0) + "\n");
        Path out = dir.resolve("empty").resolve("charts");

        Finished failed = PythonPeer.runCommand(
                RUN_LIMIT,
                "charts.py",
                List.of(PythonPeer.PYTHON, SCRIPT.toString(), "--out", out.toString(), empty.toString()));

        assertThat(failed.exitCode()).as("%s", failed.transcript()).isEqualTo(1);
        assertThat(failed.transcript()).contains("no usable rows in " + empty);
        assertThat(out).doesNotExist();
    }

    private static Finished charts(Path out) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(PythonPeer.PYTHON, SCRIPT.toString(), "--out", out.toString()));
        command.addAll(List.of("--rss", FIXTURE.resolve("rss.csv").toString()));
        command.add(FIXTURE.resolve("results.csv").toString());
        return PythonPeer.runCommand(RUN_LIMIT, "charts.py", command);
    }

    /** The signature, every chunk's CRC, IHDR first and IEND last, and a decoder that reads the whole image. */
    private static void assertValidPng(Path file) throws IOException {
        assertThat(file).as("%s written", file.getFileName()).isRegularFile();
        List<String> chunks = new ArrayList<>();
        try (DataInputStream in = new DataInputStream(Files.newInputStream(file))) {
            assertThat(in.readNBytes(8)).as("PNG signature").isEqualTo(PNG_SIGNATURE);
            Optional<String> type;
            while ((type = chunk(in, file)).isPresent()) {
                chunks.add(type.get());
            }
        }
        assertThat(chunks)
                .as("chunks of %s", file.getFileName())
                .startsWith("IHDR")
                .endsWith("IEND")
                .contains("IDAT");
        BufferedImage image;
        try (InputStream in = Files.newInputStream(file)) {
            image = ImageIO.read(in);
        }
        assertThat(image).as("%s decodes", file.getFileName()).isNotNull();
        assertThat(image.getWidth()).isGreaterThanOrEqualTo(600);
        assertThat(image.getHeight()).isGreaterThanOrEqualTo(400);
    }

    /** Reads one chunk and checks its CRC; empty at the end of the file. */
    private static Optional<String> chunk(DataInputStream in, Path file) throws IOException {
        byte[] lengthBytes = in.readNBytes(4);
        if (lengthBytes.length == 0) {
            return Optional.empty();
        }
        assertThat(lengthBytes).as("chunk length in %s", file.getFileName()).hasSize(4);
        int length = ((lengthBytes[0] & 0xff) << 24)
                | ((lengthBytes[1] & 0xff) << 16)
                | ((lengthBytes[2] & 0xff) << 8)
                | (lengthBytes[3] & 0xff);
        assertThat(length).isNotNegative();
        byte[] typeAndData = in.readNBytes(4 + length);
        assertThat(typeAndData)
                .as("chunk of %d bytes in %s", length, file.getFileName())
                .hasSize(4 + length);
        CRC32 crc = new CRC32();
        crc.update(typeAndData);
        assertThat(Integer.toUnsignedLong(in.readInt()))
                .as("CRC of chunk %s", new String(Arrays.copyOf(typeAndData, 4), StandardCharsets.US_ASCII))
                .isEqualTo(crc.getValue());
        return Optional.of(new String(typeAndData, 0, 4, StandardCharsets.US_ASCII));
    }
}
