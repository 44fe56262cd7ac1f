package org.voicestudio.engines.tensorrt.plan;

import org.junit.jupiter.api.Test;
import org.voicestudio.inference.config.ModelConfig;
import org.voicestudio.inference.loading.CheckpointLayout;
import org.voicestudio.inference.loading.ModelFolder;
import org.voicestudio.inference.tensor.StateDict;
import org.voicestudio.inference.testing.Golden;

import java.io.IOException;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.*;

class HiftDecoderPlanTest {
    private static final FrameProfile P = FrameProfile.OFFICIAL;

    /** The decoder's keys after weight-norm fusing: the layout without the F0 predictor and the source module. */
    private static Set<String> decoderKeys(ModelConfig c) {
        return CheckpointLayout.of(c).hift().entries().stream().map(CheckpointLayout.Entry::key)
                .filter(k -> !k.startsWith("f0_predictor.") && !k.startsWith("m_source."))
                .filter(k -> !k.endsWith(".original0"))
                .map(k -> k.replace(".parametrizations.weight.original1", ".weight"))
                .collect(Collectors.toCollection(TreeSet::new));
    }

    @Test
    void planReadsEveryDecoderTensorForTinyAndFull() {
        for (ModelConfig c : new ModelConfig[] {Geometries.tiny(), Geometries.full()}) {
            LayerPlan plan = HiftDecoderPlan.of(c.hift(), P);
            assertEquals(decoderKeys(c), new TreeSet<>(plan.weightKeys()));
        }
    }

    @Test
    void tinyPlanShapesFitTheFusedGoldenWeights() throws IOException {
        try (ModelFolder folder = ModelFolder.open(Golden.tinyModel())) {
            StateDict w = folder.hiftWeights();
            LayerPlan plan = HiftDecoderPlan.of(folder.config().hift(), P);
            for (Layer l : plan.layers()) {
                if (l.op() instanceof Op.Conv1d op) {
                    assertDoesNotThrow(() -> w.get(op.weight(), op.out(), op.in() / op.groups(), op.kernel()), l.name());
                    assertDoesNotThrow(() -> w.get(op.bias(), op.out()), l.name());
                }
                if (l.op() instanceof Op.Snake op) assertDoesNotThrow(() -> w.get(op.alpha(), op.channels()), l.name());
            }
        }
    }

    @Test
    void fullGeometryFrameRatesMatchTheSourceStft() {
        LayerPlan plan = HiftDecoderPlan.of(Geometries.full().hift(), P);
        assertEquals(SymShape.of(1, 80, new Dim.Frames(1, 4)), plan.tensor(HiftDecoderPlan.MEL).shape());
        assertEquals(SymShape.of(1, 18, new Dim.Frames(120, 1)), plan.tensor(HiftDecoderPlan.SOURCE_STFT).shape());
        assertEquals(SymShape.of(1, 512, Dim.T), plan.tensor("conv_pre").shape());
        assertEquals(SymShape.of(1, 256, new Dim.Frames(8, 0)), plan.tensor("ups.0").shape());
        assertEquals(SymShape.of(1, 256, new Dim.Frames(8, 0)), plan.tensor("source_downs.0").shape());
        assertEquals(SymShape.of(1, 128, new Dim.Frames(40, 0)), plan.tensor("source_downs.1").shape());
        assertEquals(SymShape.of(1, 64, new Dim.Frames(120, 1)), plan.tensor("reflection_pad").shape());
        assertEquals(SymShape.of(1, 18, new Dim.Frames(120, 1)), plan.tensor(HiftDecoderPlan.OUTPUT).shape());
        assertArrayEquals(new long[] {1, 18, 120 * 500 + 1}, plan.tensor(HiftDecoderPlan.OUTPUT).shape().resolve(500));
    }

    @Test
    void vocoderIsFp32ThroughoutAndSaysWhy() {
        LayerPlan plan = HiftDecoderPlan.of(Geometries.full().hift(), P);
        assertEquals(PrecisionMode.FP32, plan.mode());
        assertTrue(plan.layers().stream().allMatch(l -> l.precision() == Precision.FP32));
        assertTrue(plan.layer("conv_post").why().contains("F0/phase"));
    }

    @Test
    void causalPaddingFollowsTheOfficialFormula() {
        assertEquals(2, HiftDecoderPlan.causalPadding(3, 1));
        assertEquals(10, HiftDecoderPlan.causalPadding(3, 5));
        assertEquals(30, HiftDecoderPlan.causalPadding(11, 3));
        assertEquals(3, HiftDecoderPlan.causalPadding(4, 1));   // even kernel: floor(3/2)*2 + 1
    }
}
