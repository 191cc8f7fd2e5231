// `batch` on a real standalone cluster (Master and Worker JVMs on 127.0.0.1) against `explain` on each file.
package io.occlusion4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.occlusion4j.io.Images;
import io.occlusion4j.io.Npy;
import io.occlusion4j.spark.AppJars;
import io.occlusion4j.spark.StandaloneCluster;
import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Twenty inputs cut from the committed scans (a page of text and a text line, in PNG, JPEG, BMP and TIFF) and one
 * truncated JPEG go through {@code batch --master spark://...} on PaddleOCR's orientation classifier; every pixel
 * map equals the one {@code explain --image --out-npy} writes for the same file, the truncated file is the one
 * error row of the table (the summary is counted from the written table), and every process the test started
 * has exited at the end.
 */
class BatchClusterTest {
    private static final String[] FLAGS = {"--window", "16", "--stride", "16", "--fill", "0.5", "--mean", "0.5", "--std", "0.5",
            "--bgr"};

    @TempDir
    Path dir;

    /** The test JVM's class path (Surefire hides it behind a manifest-only jar). */
    private static List<Path> classPath() {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        return Arrays.stream(cp.split(File.pathSeparator)).filter(s -> !s.isBlank()).map(Path::of).toList();
    }

    /** Spark's jars for SPARK_HOME/jars: the class path's jars without ours, which executors get through spark.jars. */
    private static List<Path> sparkJars() {
        List<Path> ours = AppJars.locations().stream().map(Path::toAbsolutePath).toList();
        return classPath().stream().map(Path::toAbsolutePath).filter(p -> p.toString().endsWith(".jar"))
                .filter(p -> !ours.contains(p)).toList();
    }

    private List<String> writeInputs(Path folder) throws IOException {
        BufferedImage page = Images.read(Cli.asset("images/page.png"));
        BufferedImage strip = Images.read(Cli.asset("images/text_strip.png"));
        String[] formats = {"png", "jpg", "bmp", "tiff"};
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            BufferedImage source = i % 5 == 4 ? strip : page;
            int w = Math.min(source.getWidth(), 160 + 12 * i);
            int h = Math.min(source.getHeight(), 40 + 2 * i);
            int x = (37 * i) % Math.max(1, source.getWidth() - w);
            int y = (53 * i) % Math.max(1, source.getHeight() - h);
            BufferedImage crop = Images.toRgb(source.getSubimage(x, y, w, h));
            String name = String.format("scan%02d.%s", i, formats[i % formats.length]);
            assertThat(ImageIO.write(crop, formats[i % formats.length], folder.resolve(name).toFile())).isTrue();
            names.add(name);
        }
        byte[] jpeg = Files.readAllBytes(folder.resolve("scan01.jpg"));
        Files.write(folder.resolve("truncated.jpg"), Arrays.copyOf(jpeg, jpeg.length / 2));
        return names;
    }

    private static String[] args(Object... head) {
        List<String> all = new ArrayList<>();
        for (Object o : head) {
            all.add(String.valueOf(o));
        }
        all.addAll(List.of(FLAGS));
        return all.toArray(String[]::new);
    }

    @Test
    void everyMapOfTheClusterEqualsExplainsAndTheTruncatedFileIsAnErrorRow() throws Exception {
        Path model = Cli.asset("models/ppocr_mobile_v2_cls.onnx");
        Path inputs = Files.createDirectories(dir.resolve("scans"));
        List<String> names = writeInputs(inputs);
        Path table = dir.resolve("maps.parquet");
        Path npy = dir.resolve("maps");
        Set<ProcessHandle> started = ConcurrentHashMap.newKeySet();
        long t0 = System.nanoTime();
        try (StandaloneCluster cluster = StandaloneCluster.start(sparkJars(), 1, 2, "1g", dir.resolve("cluster"))) {
            started.addAll(cluster.processes());
            // the executor JVMs the Worker starts (and ends with the application), seen while the batch runs
            ScheduledExecutorService watch = Executors.newSingleThreadScheduledExecutor();
            watch.scheduleAtFixedRate(() -> cluster.processes().forEach(p -> p.descendants().forEach(started::add)), 0, 100,
                    TimeUnit.MILLISECONDS);
            System.out.printf("cluster started in %.1f s%n", (System.nanoTime() - t0) / 1e9);
            Cli.Result batch = Cli.run((Object[]) args("batch", "--model", model, "--input", inputs, "--out-parquet", table, "--out-npy-dir",
                    npy, "--master", cluster.masterUrl(), "--conf", "spark.executor.memory=512m", "--conf", "spark.driver.host=127.0.0.1"));
            watch.shutdownNow();
            System.out.printf("batch done at %.1f s:%n%s%s", (System.nanoTime() - t0) / 1e9, batch.out(), batch.err());
            assertThat(batch.code()).as(batch.err()).isZero();
            // the summary is counted from the written table: 21 rows, the truncated file's row the one error row
            assertThat(batch.out()).contains("batch: 21 rows, 1 errors").contains("error: file:" + inputs.resolve("truncated.jpg") + " is truncated or corrupt");
            try (Stream<Path> maps = Files.list(npy)) {
                assertThat(maps.count()).as("a pixel map for each readable file").isEqualTo(20);
            }
        }
        assertThat(started.size()).as("Master, Worker and at least one executor").isGreaterThanOrEqualTo(3);
        for (ProcessHandle p : started) {
            assertThat(p.onExit().get(30, TimeUnit.SECONDS).isAlive()).as("process %d stopped", p.pid()).isFalse();
        }

        System.out.printf("cluster stopped at %.1f s%n", (System.nanoTime() - t0) / 1e9);
        for (String name : names) {
            Path expected = dir.resolve("explain-" + name + ".npy");
            Cli.Result explain = Cli.run((Object[]) args("explain", "--model", model, "--image", inputs.resolve(name), "--out-npy", expected,
                    "--quiet"));
            assertThat(explain.code()).as(explain.err()).isZero();
            String stem = name.substring(0, name.lastIndexOf('.'));
            assertThat(Npy.read(npy.resolve(stem + ".npy")).data()).as(name).containsExactly(Npy.read(expected).data());
        }
        System.out.printf("explain runs done at %.1f s%n", (System.nanoTime() - t0) / 1e9);
    }
}
