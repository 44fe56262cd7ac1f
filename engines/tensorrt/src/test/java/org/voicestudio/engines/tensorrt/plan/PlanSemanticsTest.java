package org.voicestudio.engines.tensorrt.plan;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.voicestudio.inference.loading.ModelFolder;
import org.voicestudio.inference.testing.Golden;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The layer plans evaluated op by op by {@link PlanInterpreter} on the CPU reproduce the official tensors: the
 * plan is the DiT / HiFT decoder, not just a list with the right shapes. What TensorRT makes of the plan is
 * checked by the doctor on a machine with TensorRT.
 */
class PlanSemanticsTest {
    /** fp32, summation order differs from PyTorch's kernels (observed 3.5e-7). */
    private static final double FP32_REL_TOL = 1e-5;
    /** Strongly typed fp16 storage (11-bit mantissa) through 2 blocks of the tiny DiT (observed 5e-4). */
    private static final double FP16_REL_TOL = 5e-3;
    /** bf16 storage (8-bit mantissa; observed 3.8e-3). */
    private static final double BF16_REL_TOL = 2e-2;
    /** The HiFT decoder in fp32: 12001 frames through ~60 convolutions (observed 1e-6). */
    private static final double HIFT_REL_TOL = 1e-5;

    private static ModelFolder folder;

    @BeforeAll
    static void open() throws IOException { folder = ModelFolder.open(Golden.tinyModel()); }

    @AfterAll
    static void close() { folder.close(); }

    private static Map<String, float[]> estimatorInputs(String prefix) {
        Map<String, float[]> in = new HashMap<>();
        for (String n : DitPlan.INPUT_NAMES) in.put(n, Golden.tensor(prefix + "_" + n).toFloats());
        return in;
    }

    private static double relError(float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length);
        double maxRef = 0, maxDiff = 0;
        for (int i = 0; i < expected.length; i++) {
            assertTrue(Float.isFinite(actual[i]), "non-finite output at " + i);
            maxRef = Math.max(maxRef, Math.abs(expected[i]));
            maxDiff = Math.max(maxDiff, Math.abs(expected[i] - (double) actual[i]));
        }
        return maxDiff / maxRef;
    }

    private static double estimator(PrecisionMode mode, MaskMode mask, boolean streaming, String prefix) {
        LayerPlan plan = DitPlan.of(folder.config().flow(), mode, mask, streaming, FrameProfile.OFFICIAL);
        Map<String, float[]> in = estimatorInputs(prefix);
        int frames = (int) Golden.tensor(prefix + "_x").dim(2);
        if (mask == MaskMode.INPUT) {   // the host-side bias the runtime feeds the bias-input engine
            var request = new org.voicestudio.inference.flow.FlowEstimator.Input(80, frames, in.get("x"), in.get("mask"), in.get("mu"),
                    in.get("t"), in.get("spks"), in.get("cond"), streaming);
            in.put(DitPlan.ATTN_BIAS, org.voicestudio.engines.tensorrt.TensorRtDitEstimator.attentionBias(request, folder.config().flow().staticChunkSize()));
        }
        float[] out = new PlanInterpreter(plan, folder.flowWeights()).run(frames, in).get(DitPlan.OUTPUT);
        return relError(Golden.tensor(prefix + "_out").toFloats(), out);
    }

    @Test
    void fp32FullAttentionPlanMatchesOfficialEstimatorOutput() {
        double e = estimator(PrecisionMode.FP32, MaskMode.BAKED, false, "flow_est");
        assertTrue(e <= FP32_REL_TOL, "relative error " + e);
    }

    @Test
    void fp32StreamingPlanMatchesOfficialFirstChunkEstimatorOutput() {
        double e = estimator(PrecisionMode.FP32, MaskMode.BAKED, true, "flow_st1_est");
        assertTrue(e <= FP32_REL_TOL, "relative error " + e);
        // and the full-attention plan does not: the chunk mask matters on this input
        assertTrue(estimator(PrecisionMode.FP32, MaskMode.BAKED, false, "flow_st1_est") > 100 * FP32_REL_TOL);
    }

    @Test
    void biasInputPlanMatchesBothMasks() {
        assertTrue(estimator(PrecisionMode.FP32, MaskMode.INPUT, false, "flow_est") <= FP32_REL_TOL);
        assertTrue(estimator(PrecisionMode.FP32, MaskMode.INPUT, true, "flow_st1_est") <= FP32_REL_TOL);
    }

    @Test
    void mixedPrecisionPlansStayFiniteAndClose() {
        double fp16 = estimator(PrecisionMode.MIXED_FP16, MaskMode.BAKED, true, "flow_st1_est");
        assertTrue(fp16 <= FP16_REL_TOL, "fp16 relative error " + fp16);
        assertTrue(fp16 > 0, "fp16 rounding must show");
        double bf16 = estimator(PrecisionMode.MIXED_BF16, MaskMode.BAKED, false, "flow_est");
        assertTrue(bf16 <= BF16_REL_TOL, "bf16 relative error " + bf16);
    }

    @Test
    void hiftDecoderPlanMatchesOfficialConvPost() throws IOException {
        // hift_a: inference(flow_ns_mel, finalize=True): conv_pre sees 4 zero frames of right padding
        float[] mel = Golden.tensor("flow_ns_mel").toFloats();   // [1, 80, 100]
        int frames = 100, look = 4;
        float[] padded = new float[80 * (frames + look)];
        for (int c = 0; c < 80; c++) System.arraycopy(mel, c * frames, padded, c * (frames + look), frames);
        LayerPlan plan = HiftDecoderPlan.of(folder.config().hift(), FrameProfile.OFFICIAL);
        Map<String, float[]> in = Map.of(HiftDecoderPlan.MEL, padded, HiftDecoderPlan.SOURCE_STFT, Golden.tensor("hift_a_stft").toFloats());
        float[] out = new PlanInterpreter(plan, folder.hiftWeights()).run(frames, in).get(HiftDecoderPlan.OUTPUT);
        double e = relError(Golden.tensor("hift_a_conv_post").toFloats(), out);
        assertTrue(e <= HIFT_REL_TOL, "relative error " + e);
    }
}
