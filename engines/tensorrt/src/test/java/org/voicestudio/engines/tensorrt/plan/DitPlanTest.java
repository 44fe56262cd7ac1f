package org.voicestudio.engines.tensorrt.plan;

import org.junit.jupiter.api.Test;
import org.voicestudio.inference.config.ModelConfig;
import org.voicestudio.inference.loading.CheckpointLayout;

import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.*;

class DitPlanTest {
    private static final FrameProfile P = FrameProfile.OFFICIAL;

    private static LayerPlan plan(ModelConfig c, PrecisionMode mode, MaskMode mask, boolean streaming) {
        return DitPlan.of(c.flow(), mode, mask, streaming, P);
    }

    @Test
    void planReadsEveryEstimatorTensorWithItsCheckpointShape() {
        for (ModelConfig c : new ModelConfig[] {Geometries.tiny(), Geometries.full()}) {
            LayerPlan plan = plan(c, PrecisionMode.MIXED_FP16, MaskMode.BAKED, true);
            Map<String, CheckpointLayout.Entry> layout = CheckpointLayout.of(c).flow().byKey();
            Set<String> estimatorKeys = layout.keySet().stream().filter(k -> k.startsWith(CheckpointLayout.ESTIMATOR_PREFIX))
                    .collect(Collectors.toCollection(TreeSet::new));
            assertEquals(estimatorKeys, new TreeSet<>(plan.weightKeys()), "the plan must use exactly the estimator's tensors");
            for (Layer l : plan.layers()) {
                switch (l.op()) {
                    case Op.Linear op -> {
                        assertArrayEquals(new long[] {op.out(), op.in()}, layout.get(op.weight()).shape(), l.name());
                        assertArrayEquals(new long[] {op.out()}, layout.get(op.bias()).shape(), l.name());
                    }
                    case Op.Conv1d op -> assertArrayEquals(new long[] {op.out(), op.in() / op.groups(), op.kernel()},
                            layout.get(op.weight()).shape(), l.name());
                    default -> {}
                }
            }
        }
    }

    @Test
    void fullGeometryHas22BlocksOf1024ChannelsAndVelocityOutput() {
        ModelConfig c = Geometries.full();
        LayerPlan plan = plan(c, PrecisionMode.MIXED_FP16, MaskMode.BAKED, false);
        assertEquals(SymShape.of(2, 80, Dim.T), plan.tensor(DitPlan.OUTPUT).shape());
        assertEquals(Precision.FP32, plan.tensor(DitPlan.OUTPUT).precision());
        assertEquals(SymShape.of(2, Dim.T, 1024), plan.tensor("block21.ff.residual").shape());
        assertEquals(SymShape.of(2, 16, Dim.T, Dim.T), plan.tensor("block0.scores").shape());
        assertEquals(SymShape.of(2, Dim.T, 2048), plan.tensor("block0.ff0").shape());
        assertEquals(SymShape.of(2, 6 * 1024), plan.tensor("block0.mod").shape());
        assertEquals(SymShape.of(2, Dim.T, 320), plan.tensor("input.cat").shape());
        assertThrows(IllegalArgumentException.class, () -> plan.layer("block22.q"));
        // the residual stream threads through every block in order
        for (int i = 1; i < 22; i++) assertEquals("block" + (i - 1) + ".ff.residual", plan.layer("block" + i + ".attn.residual").inputs().get(0));
        assertEquals("proj_out", plan.layers().get(plan.layers().size() - 1).inputs().get(0));
        assertArrayEquals(new long[] {2, 80, 3000}, plan.tensor(DitPlan.OUTPUT).shape().resolve(P.max()));
    }

    @Test
    void ioMatchesTheOfficialEstimatorContract() {
        LayerPlan plan = plan(Geometries.tiny(), PrecisionMode.MIXED_FP16, MaskMode.BAKED, false);
        assertEquals(DitPlan.INPUT_NAMES, plan.inputs().stream().map(TensorSpec::name).toList());
        assertEquals(SymShape.of(2, 80, Dim.T), plan.tensor("x").shape());
        assertEquals(SymShape.of(2, 1, Dim.T), plan.tensor("mask").shape());
        assertEquals(SymShape.of(2), plan.tensor("t").shape());
        assertEquals(SymShape.of(2, 80), plan.tensor("spks").shape());
        assertTrue(plan.inputs().stream().allMatch(t -> t.precision() == Precision.FP32), "float32 at the boundary");
        assertEquals(new FrameProfile(4, 500, 3000), plan.profile());
    }

    @Test
    void mixedPlanKeepsNormsSoftmaxScoresModulationAndOutputInFp32() {
        for (PrecisionMode mode : new PrecisionMode[] {PrecisionMode.MIXED_FP16, PrecisionMode.MIXED_BF16}) {
            LayerPlan plan = plan(Geometries.full(), mode, MaskMode.BAKED, true);
            for (Layer l : plan.layers()) {
                boolean sensitive = switch (l.op()) {
                    case Op.LayerNorm x -> true;
                    case Op.Softmax x -> true;
                    case Op.MatMul m -> m.transposeB();                     // q @ k^T
                    case Op.Rope x -> true;
                    case Op.AttentionBias x -> true;
                    case Op.SinusoidalEmbedding x -> true;
                    case Op.Linear lin -> lin.weight().contains("attn_norm") || lin.weight().contains("norm_out")
                            || lin.weight().contains("proj_out") || lin.weight().contains("time_embed");
                    default -> l.name().endsWith(".residual") || l.name().endsWith(".gated");
                };
                if (sensitive) {
                    assertEquals(Precision.FP32, l.precision(), l.name() + " must stay fp32");
                    assertFalse(l.why().isEmpty() && !(l.op() instanceof Op.AttentionBias), l.name() + " must say why it stays fp32");
                }
                if (l.op() instanceof Op.Linear lin && lin.weight().matches(".*(to_q|to_k|to_v|to_out\\.0|ff\\.ff\\.0\\.0|ff\\.ff\\.2|input_embed\\.proj)\\.weight")) {
                    assertEquals(mode.gemm(), l.precision(), l.name() + " is a GEMM and runs in " + mode.gemm());
                }
                if (l.op() instanceof Op.Conv1d) assertEquals(mode.gemm(), l.precision(), l.name());
            }
            assertTrue(plan.layers().stream().anyMatch(l -> l.op() instanceof Op.Cast c && c.to() == mode.gemm()), "casts into " + mode.gemm());
            assertEquals(mode.gemm(), plan.tensor("block0.attn").precision(), "probabilities @ V in reduced precision");
        }
    }

    @Test
    void fp32PlanHasNoReducedPrecisionAndNoCasts() {
        LayerPlan plan = plan(Geometries.tiny(), PrecisionMode.FP32, MaskMode.BAKED, false);
        assertTrue(plan.layers().stream().allMatch(l -> l.precision() == Precision.FP32));
        assertTrue(plan.layers().stream().noneMatch(l -> l.op() instanceof Op.Cast));
        assertTrue(plan.layers().stream().allMatch(l -> l.why().isEmpty()));
    }

    @Test
    void streamingBakesTheFiftyFrameChunkMaskFullAttentionOnlyAKeyBias() {
        ModelConfig c = Geometries.tiny();
        Layer streaming = plan(c, PrecisionMode.MIXED_FP16, MaskMode.BAKED, true).layer("attn.bias");
        assertEquals(new Op.AttentionBias(50), streaming.op());
        assertEquals(SymShape.of(2, 1, Dim.T, Dim.T), streaming.output().shape());
        Layer full = plan(c, PrecisionMode.MIXED_FP16, MaskMode.BAKED, false).layer("attn.bias");
        assertEquals(new Op.AttentionBias(0), full.op());
        assertEquals(SymShape.of(2, 1, 1, Dim.T), full.output().shape());
        assertEquals("dit-fp16-streaming", DitPlan.name(PrecisionMode.MIXED_FP16, MaskMode.BAKED, true));
        assertEquals("dit-fp32-full", DitPlan.name(PrecisionMode.FP32, MaskMode.BAKED, false));
    }

    @Test
    void biasInputPlanTakesTheMaskAsAnInputAndComputesNone() {
        LayerPlan plan = plan(Geometries.tiny(), PrecisionMode.MIXED_FP16, MaskMode.INPUT, true);
        assertEquals(SymShape.of(2, 1, Dim.T, Dim.T), plan.tensor(DitPlan.ATTN_BIAS).shape());
        assertTrue(plan.layers().stream().noneMatch(l -> l.op() instanceof Op.AttentionBias));
        assertEquals(DitPlan.ATTN_BIAS, plan.layer("block0.scores.masked").inputs().get(1));
        assertEquals("dit-fp16-biasinput", plan.name());
    }

    @Test
    void ropeTablesCoverTheProfileMaximum() {
        LayerPlan plan = plan(Geometries.tiny(), PrecisionMode.FP32, MaskMode.BAKED, false);
        Op.Rope rope = (Op.Rope) plan.layer("block0.q.rope").op();
        assertEquals(3000, rope.maxFrames());
        assertEquals(16, rope.dimHead());   // cv3-tiny: 4 heads x 16
    }

    @Test
    void planRejectsALayerWhoseInputHasAnotherTypeWithoutACast() {
        TensorSpec x = new TensorSpec("x", SymShape.of(2, Dim.T, 4), Precision.FP32);
        Layer bad = new Layer(new Op.Linear("w", "b", 4, 4), java.util.List.of("x"), new TensorSpec("y", SymShape.of(2, Dim.T, 4), Precision.FP16), "");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new LayerPlan("bad", PrecisionMode.MIXED_FP16, P, java.util.List.of(x), java.util.List.of(bad), java.util.List.of("y")));
        assertTrue(e.getMessage().contains("a cast is needed"), e.getMessage());
        Layer dangling = new Layer(new Op.Softmax(2), java.util.List.of("nope"), new TensorSpec("z", SymShape.of(2), Precision.FP32), "");
        assertThrows(IllegalStateException.class,
                () -> new LayerPlan("bad", PrecisionMode.FP32, P, java.util.List.of(x), java.util.List.of(dangling), java.util.List.of("z")));
    }

    @Test
    void profileRejectsFramesOutsideFourToThreeThousand() {
        assertDoesNotThrow(() -> P.check(4));
        assertDoesNotThrow(() -> P.check(3000));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> P.check(3001));
        assertTrue(e.getMessage().contains("4..3000"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> P.check(3));
        assertThrows(IllegalArgumentException.class, () -> new FrameProfile(500, 4, 3000));
    }

    @Test
    void symbolicShapesPrintAndResolve() {
        assertEquals("[2, T, 1024]", SymShape.of(2, Dim.T, 1024).toString());
        assertEquals("[1, 18, 120T+1]", SymShape.of(1, 18, new Dim.Frames(120, 1)).toString());
        assertArrayEquals(new long[] {1, 18, 60001}, SymShape.of(1, 18, new Dim.Frames(120, 1)).resolve(500));
    }
}
