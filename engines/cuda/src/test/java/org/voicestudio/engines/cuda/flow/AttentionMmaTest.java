package org.voicestudio.engines.cuda.flow;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.voicestudio.engines.cuda.CudaContext;
import org.voicestudio.engines.cuda.CudaTesting;
import org.voicestudio.engines.cuda.DeviceBuffer;
import org.voicestudio.engines.cuda.Kernel;
import org.voicestudio.engines.cuda.Gemm;
import org.voicestudio.engines.cuda.flow.CudaDitEstimator.Attention;
import org.voicestudio.inference.loading.PtReader;
import org.voicestudio.inference.tensor.StateDict;
import org.voicestudio.inference.testing.Golden;

import java.io.IOException;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * GPU: the tensor-core attention of the bf16 DiT ({@code attention_mma_bf16}) against the official estimator
 * output (cv3-tiny, 16-wide heads zero-padded to the kernel's 64), and both attention kernels alone against a
 * float64 reference at the full model's 64-wide heads and at 16, full and block-causal masks, T not a multiple
 * of the tile.
 */
class AttentionMmaTest {
    /** As CudaDitEstimatorTest.BF16_EST_TOL: bf16 GEMM operands over 2 blocks, outputs up to ~2.4. */
    private static final double BF16_EST_TOL = 0.05;

    private static final CudaDitEstimator.Geometry TINY = new CudaDitEstimator.Geometry(64, 2, 4, 16, 2, 50, 80);

    @BeforeEach
    void needsGpu() { CudaTesting.assumeCudaDevice(); }

    @Test
    void mmaAttentionKeepsTheBf16EstimatorWithinItsToleranceOfOfficialOutput() throws IOException {
        try (StateDict flow = PtReader.readStateDict(Golden.tinyModel().resolve("flow.pt")); CudaContext ctx = CudaContext.open(0)) {
            for (String prefix : new String[] {"flow_est_", "flow_st1_est_"}) {
                boolean streaming = prefix.startsWith("flow_st1");
                float[] ref = Golden.tensor(prefix + "out").toFloats();
                for (Attention a : Attention.values()) {
                    try (CudaDitEstimator dit = new CudaDitEstimator(ctx, TINY, flow, Gemm.Operands.BF16, a)) {
                        float[] out = dit.forward(Golden.tensor(prefix + "x").toFloats(), Golden.tensor(prefix + "mask").toFloats(),
                                Golden.tensor(prefix + "mu").toFloats(), Golden.tensor(prefix + "t").toFloats(),
                                Golden.tensor(prefix + "spks").toFloats(), Golden.tensor(prefix + "cond").toFloats(), streaming);
                        FlowFixtures.assertClose(prefix + "out BF16, attention " + a, ref, out, BF16_EST_TOL);
                    }
                }
            }
        }
    }

    /**
     * The two attention kernels alone on random q/k/v with peaked scores (logits of standard deviation ~2, so a
     * key paired with the wrong value shows), both masks, a padded key range and T not a multiple of the tile,
     * against a float64 host reference: attention_flash within fp32 rounding, attention_mma_bf16 within bf16's.
     */
    @Test
    void attentionKernelsMatchAHostReference() {
        try (CudaContext ctx = CudaContext.open(0)) {
            Kernel flash = ctx.kernels().kernel("dit.cu", "attention_flash");
            flash.allowDynamicSharedMemory(FLASH_SMEM);
            Kernel mma = ctx.kernels().kernel("dit.cu", "attention_mma_bf16");
            for (int dh : new int[] {64, 16}) {
                for (int frames : new int[] {70, 130}) {
                    for (int chunk : new int[] {0, 50}) {
                        int batch = 2, heads = 2, inner = heads * dh;
                        SplittableRandom r = new SplittableRandom(dh * 1000L + frames * 10L + chunk);
                        float[] qkv = new float[batch * frames * 3 * inner];
                        for (int i = 0; i < qkv.length; i++) {
                            boolean value = i % (3 * inner) >= 2 * inner;
                            qkv[i] = (float) (r.nextGaussian() * (value ? 1.0 : 1.4));   // logits q.k/sqrt(Dh): std 1.4^2 ~ 2
                        }
                        float[] mask = new float[batch * frames];
                        for (int t = 0; t < frames; t++) {
                            mask[t] = 1f;
                            mask[frames + t] = t < frames - 10 ? 1f : 0f;   // row 1: the last 10 frames are padding
                        }
                        float scale = (float) (1.0 / Math.sqrt(dh));
                        double[] ref = hostAttention(qkv, mask, batch, frames, heads, dh, scale, chunk);
                        float[] viaFlash = run(ctx, flash, 256, FLASH_SMEM, qkv, mask, batch, frames, heads, dh, scale, chunk);
                        float[] viaMma = run(ctx, mma, 128, 0, qkv, mask, batch, frames, heads, dh, scale, chunk);
                        String what = "Dh " + dh + ", T " + frames + ", chunk " + chunk;
                        assertCloseTo(what + ": attention_flash vs host", ref, viaFlash, FP32_ATT_TOL);
                        assertCloseTo(what + ": attention_mma_bf16 vs host", ref, viaMma, MMA_ATT_TOL);
                    }
                }
            }
        }
    }

    /** fp32 FMA over at most 130 keys of O(1) values. */
    private static final double FP32_ATT_TOL = 1e-4;
    /**
     * bf16 q and k (relative 2^-9 each) move logits (std ~2, up to ~8) by ~0.01, up to a few hundredths at the
     * tails, i.e. each probability by a few per cent; bf16 P and V add ~0.4 %. Outputs are weighted averages of
     * N(0, 1) values, so the error stays at a few hundredths; 0.1 bounds it, while pairing a probability with
     * the wrong key or value, or a wrong mask, moves outputs by O(1) with scores this peaked.
     */
    private static final double MMA_ATT_TOL = 0.1;
    private static final int FLASH_SMEM = 3 * 64 * 65 * 4;

    private static float[] run(CudaContext ctx, Kernel k, int threads, int smem, float[] qkv, float[] mask, int batch, int frames,
                               int heads, int dh, float scale, int chunk) {
        int inner = heads * dh;
        try (DeviceBuffer dq = ctx.allocate(qkv.length * 4L); DeviceBuffer dm = ctx.allocate(mask.length * 4L);
             DeviceBuffer out = ctx.allocate((long) batch * frames * inner * 4)) {
            dq.upload(qkv, 0);
            dm.upload(mask, 0);
            ctx.synchronizeDevice();
            k.launch(new Kernel.Dim(heads, (frames + 63) / 64, batch), Kernel.Dim.of(threads), smem, out, dq, dm, frames, heads, dh,
                    scale, chunk, 0).enqueue(ctx.stream());
            ctx.synchronize();
            return out.downloadFloats(0, batch * frames * inner);
        }
    }

    /** softmax(q k^T * scale + masks) v per (b, h, t) in float64; out [B*T, H*Dh]. */
    private static double[] hostAttention(float[] qkv, float[] mask, int batch, int frames, int heads, int dh, float scale, int chunk) {
        int inner = heads * dh, w = 3 * inner;
        double[] out = new double[batch * frames * inner];
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < heads; h++) {
                for (int t = 0; t < frames; t++) {
                    int allowed = chunk > 0 ? Math.min(frames, (t / chunk + 1) * chunk) : frames;
                    double[] p = new double[allowed];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int s = 0; s < allowed; s++) {
                        if (mask[b * frames + s] == 0f) {
                            p[s] = Double.NEGATIVE_INFINITY;
                            continue;
                        }
                        double dot = 0;
                        for (int d = 0; d < dh; d++) {
                            dot += (double) qkv[(b * frames + t) * w + h * dh + d] * qkv[(b * frames + s) * w + inner + h * dh + d];
                        }
                        p[s] = dot * scale;
                        max = Math.max(max, p[s]);
                    }
                    double sum = 0;
                    for (int s = 0; s < allowed; s++) {
                        p[s] = p[s] == Double.NEGATIVE_INFINITY ? 0 : Math.exp(p[s] - max);
                        sum += p[s];
                    }
                    for (int d = 0; d < dh; d++) {
                        double acc = 0;
                        for (int s = 0; s < allowed; s++) acc += p[s] * qkv[(b * frames + s) * w + 2 * inner + h * dh + d];
                        out[(b * frames + t) * inner + h * dh + d] = acc / sum;
                    }
                }
            }
        }
        return out;
    }

    private static void assertCloseTo(String what, double[] expected, float[] actual, double tol) {
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            double d = Math.abs(expected[i] - actual[i]);
            worst = Double.isNaN(d) ? Double.POSITIVE_INFINITY : Math.max(worst, d);
        }
        System.out.printf("%s: max |diff| %.3g (tolerance %.3g)%n", what, worst, tol);
        assertTrue(worst <= tol, what + ": max |diff| " + worst + " (tolerance " + tol + ")");
    }
}
