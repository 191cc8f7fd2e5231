package io.occlusion4j.render;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Renders in a separate JVM started with {@code -Djava.awt.headless=true}, as the CLI does on servers. */
class HeadlessRenderingTest {

    @Test
    void rendersAndWritesInAHeadlessJvm(@TempDir Path dir) throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Path out = dir.resolve("panels.png");
        Path log = dir.resolve("log.txt");
        Process p = new ProcessBuilder(List.of(java.toString(), "-Djava.awt.headless=true",
                "-cp", System.getProperty("java.class.path"), HeadlessSmoke.class.getName(), out.toString()))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean finished = p.waitFor(60, TimeUnit.SECONDS);
        if (!finished) {
            p.destroyForcibly();
        }
        String text = Files.readString(log, StandardCharsets.UTF_8);
        assertThat(finished).as("headless JVM finished; output: %s", text).isTrue();
        assertThat(p.exitValue()).as("exit status; output: %s", text).isZero();
        assertThat(text).contains("rendered 800x");
        BufferedImage img = ImageIO.read(out.toFile());
        assertThat(img.getWidth()).isEqualTo(800);
        assertThat(img.getHeight()).isEqualTo(new HeatmapRenderer().layout(128, 128).height());
    }
}
