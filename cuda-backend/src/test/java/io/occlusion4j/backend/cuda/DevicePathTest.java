// The CUDA back end's device path (zero copy) against its host loop on the same plan: maps, targets, bytes moved.
package io.occlusion4j.backend.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.occlusion4j.Edge;
import io.occlusion4j.Fill;
import io.occlusion4j.Occlusion;
import io.occlusion4j.Score;
import io.occlusion4j.SensitivityMap;
import io.occlusion4j.Settings;
import io.occlusion4j.Targets;
import io.occlusion4j.Tensor;
import io.occlusion4j.WindowGrid;
import io.occlusion4j.core.ExplainRequest;
import io.occlusion4j.onnx.TestModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The session's device path against its own host loop on the same plan, on the host device and (skipped, saying
 * why, without one) on a GPU: same targets and maps, and the device path moves the input, the base scores and
 * the maps once.
 */
class DevicePathTest {
    private static final float[] MEAN = {0.4f, 0.5f, 0.6f};
    private static final float[] STD = {0.2f, 0.3f, 0.25f};

    @TempDir
    Path dir;

    private static SensitivityMap hostLoop(CudaBackendSession session, ExplainRequest r) {
        String key = "occlusion4j.cuda.zeroCopy";
        System.setProperty(key, "false");
        try {
            return session.explain(r);
        } finally {
            System.clearProperty(key);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.occlusion4j.backend.cuda.TestDevices#both")
    void theDevicePathGivesTheHostLoopsMapsAndMovesTheInputAndTheMapOnce(String kind) throws Exception {
        Path model = Files.write(dir.resolve("small.onnx"), TestModels.smallCnn(3, 32, 32, 10, 1).onnx());
        Random rnd = new Random(3);
        float[] x = new float[3 * 32 * 32];
        for (int i = 0; i < x.length; i++) {
            x[i] = rnd.nextFloat();
        }
        Fill[] fills = {Fill.constant(0), Fill.mean(), Fill.blur(1.2), Fill.noise(9, 0, 1), Fill.gaussianWindow()};
        try (CudaBackendSession session = CudaBackendSession.open(model, Precision.FP32, TestDevices.open(kind))) {
            String output = session.signature().outputs().getFirst().name();
            for (Fill fill : fills) {
                for (Edge edge : Edge.values()) {
                    for (boolean perChannel : new boolean[] {false, true}) {
                        WindowGrid grid = WindowGrid.of(new int[] {32, 32}, new int[] {7, 5}, new int[] {5, 4}, edge, false);
                        List<int[]> progress = new ArrayList<>();
                        Settings settings = Occlusion.builder().window(7, 5).stride(5, 4).edge(edge).perChannel(perChannel)
                                .fill(fill).normalize(MEAN, STD).score(Score.SOFTMAX).outputs(output).targets(Targets.topK(2))
                                .batchSize(16).progress((done, total) -> progress.add(new int[] {done, total})).settings();
                        ExplainRequest r = new ExplainRequest(Tensor.of(x, 3, 32, 32), settings, grid);
                        assertThat(CudaBackendSession.zeroCopyUnsupported(r)).isNull();
                        TransferLedger ledger = new TransferLedger();
                        SensitivityMap device = session.explain(r, ledger);
                        SensitivityMap host = hostLoop(session, r);
                        String what = kind + " " + fill + " " + edge + (perChannel ? " per channel" : "");
                        assertThat(device.targets()).as(what).containsExactly(host.targets());
                        for (int k = 0; k < device.targetCount(); k++) {
                            float[] a = device.pixelMap(k).data();
                            float[] b = host.pixelMap(k).data();
                            for (int i = 0; i < a.length; i++) {
                                assertEquals(b[i], a[i], 1e-5 + 1e-4 * Math.abs(b[i]), what + " pixel " + i);
                            }
                        }
                        assertThat(progress.getLast()).as(what).containsExactly(r.windowCount(), r.windowCount());
                        int windows = r.windowCount();
                        int mapChannels = perChannel ? 3 : 1;
                        long map = 4L * 2 * (windows + mapChannels * 32 * 32) + 4;
                        long baseScores = 4L * (10 + 1);
                        assertEquals(map + baseScores, ledger.deviceToHostBytes(), what + ": " + ledger);
                        long input = 4L * (x.length + 2 * 3);
                        long fillValues = fill instanceof Fill.Constant ? 4L * 3 : 0;
                        assertEquals(input + 4L * 2 + fillValues, ledger.hostToDeviceBytes(), what + ": " + ledger);
                        System.out.println("[device-path] " + what + " " + ledger + " " + device.stats());
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.occlusion4j.backend.cuda.TestDevices#both")
    void theFp16DevicePathWritesFp16ChannelsLastVariantsIntoThePlanAndFollowsFp32(String kind) throws Exception {
        byte[] onnx = TestModels.smallCnn(3, 32, 32, 10, 1).onnx();
        Path model = Files.write(dir.resolve("small16.onnx"), onnx);
        var graph = io.occlusion4j.graph.OnnxModelReader.read(onnx, null, "small");
        String input = graph.inputs().getFirst().name();
        var plan = io.occlusion4j.graph.PlanBuilder.build(graph, 16, io.occlusion4j.graph.PlanBuilder.Options.all());
        assertThat(PlanLowering.lower(plan, true).isHalf(input)).as("the FP16 plan's input slot is fp16 NHWC").isTrue();
        Random rnd = new Random(5);
        float[] x = new float[3 * 32 * 32];
        for (int i = 0; i < x.length; i++) {
            x[i] = rnd.nextFloat();
        }
        WindowGrid grid = WindowGrid.of(new int[] {32, 32}, new int[] {8, 8}, new int[] {4, 4}, Edge.CROP, false);
        try (CudaBackendSession fp16 = CudaBackendSession.open(model, Precision.FP16, TestDevices.open(kind));
             CudaBackendSession fp32 = CudaBackendSession.open(model, Precision.FP32, TestDevices.open(kind))) {
            String output = fp32.signature().outputs().getFirst().name();
            Settings settings = Occlusion.builder().window(8, 8).stride(4, 4).fill(Fill.mean()).normalize(MEAN, STD)
                    .outputs(output).targets(Targets.of(0, 3)).batchSize(16).settings();
            ExplainRequest r = new ExplainRequest(Tensor.of(x, 3, 32, 32), settings, grid);
            assertThat(CudaBackendSession.zeroCopyUnsupported(r)).isNull();
            TransferLedger ledger = new TransferLedger();
            SensitivityMap half = fp16.explain(r, ledger);
            SensitivityMap full = fp32.explain(r);
            for (int k = 0; k < 2; k++) {
                float[] a = half.pixelMap(k).data();
                float[] b = full.pixelMap(k).data();
                double scale = Math.max(1e-3, Precision.scale(b));
                for (int i = 0; i < a.length; i++) {
                    assertEquals(b[i], a[i], 2e-2 * scale, "target " + k + " pixel " + i);
                }
            }
            System.out.println("[device-path] " + kind + " FP16 device path " + ledger + " " + half.stats());
        }
    }
}
