package org.voicestudio.engines.cuda.flow;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.voicestudio.engines.cuda.CudaContext;
import org.voicestudio.engines.cuda.CudaTesting;
import org.voicestudio.engines.cuda.DeviceBuffer;
import org.voicestudio.engines.cuda.Kernel;
import org.voicestudio.engines.cuda.Gemm;
import org.voicestudio.engines.cuda.flow.CudaDitEstimator.Bf16Kernels;
import org.voicestudio.inference.loading.PtReader;
import org.voicestudio.inference.tensor.StateDict;
import org.voicestudio.inference.testing.Golden;

import java.io.IOException;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * GPU: the tensor-core kernels of the bf16 DiT. The attention ({@code attention_mma_bf16}) against the official estimator
 * output (cv3-tiny, 16-wide heads zero-padded to the kernel's 64), and both attention kernels alone against a
 * float64 reference at the full model's 64-wide heads and at 16, full and block-causal masks, T not a multiple
 * of the tile; the conv position embedding ({@code causal_group_conv_mish_mma_bf16}) and its fp32 kernel against a
 * float64 reference.
 */
class TensorCoreKernelsTest {
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
                for (Bf16Kernels a : Bf16Kernels.values()) {
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

    /**
     * The two conv position embedding kernels alone (groups of 64 channels as in the full model, kernel 31, T not a
     * multiple of either kernel's tile, with and without the residual) against a float64 host reference.
     */
    @Test
    void convKernelsMatchAHostReference() {
        int channels = 128, cpg = 64, k = 31, batch = 2;
        try (CudaContext ctx = CudaContext.open(0)) {
            Kernel tiled = ctx.kernels().kernel("dit.cu", "causal_group_conv_mish_tiled");
            Kernel mma = ctx.kernels().kernel("dit.cu", "causal_group_conv_mish_mma_bf16");
            for (int frames : new int[] {70, 130}) {
                for (boolean withResidual : new boolean[] {false, true}) {
                    SplittableRandom r = new SplittableRandom(frames * 2L + (withResidual ? 1 : 0));
                    float[] in = new float[batch * frames * channels], res = new float[in.length];
                    float[] w = new float[channels * cpg * k], bias = new float[channels];
                    for (int i = 0; i < in.length; i++) {
                        in[i] = (float) r.nextGaussian();
                        res[i] = (float) r.nextGaussian();
                    }
                    double ws = 1 / Math.sqrt(cpg * k);
                    for (int i = 0; i < w.length; i++) w[i] = (float) (r.nextGaussian() * ws);
                    for (int i = 0; i < bias.length; i++) bias[i] = (float) (0.1 * r.nextGaussian());
                    double[] ref = hostConv(in, w, bias, withResidual ? res : null, batch, frames, channels, cpg, k);
                    // the tiled kernel's weight layout [group][j][k][c]
                    float[] wTiled = new float[w.length];
                    for (int c = 0; c < channels; c++) {
                        int g = c / cpg, cl = c % cpg;
                        for (int j = 0; j < cpg; j++) {
                            for (int kk = 0; kk < k; kk++) wTiled[((g * cpg + j) * k + kk) * cpg + cl] = w[(c * cpg + j) * k + kk];
                        }
                    }
                    try (DeviceBuffer dIn = ctx.allocate(in.length * 4L); DeviceBuffer dRes = ctx.allocate(in.length * 4L);
                         DeviceBuffer dOut = ctx.allocate(in.length * 4L); DeviceBuffer dW = ctx.allocate(w.length * 4L);
                         DeviceBuffer dWb = ctx.allocate(w.length * 2L); DeviceBuffer dBias = ctx.allocate(bias.length * 4L)) {
                        dIn.upload(in, 0);
                        dW.upload(wTiled, 0);
                        dWb.upload(org.voicestudio.engines.cuda.Bf16.fromFloats(CudaDitEstimator.convTapMajor(w, channels, cpg, k)), 0);
                        dBias.upload(bias, 0);
                        String what = "conv T " + frames + (withResidual ? " + residual" : "");
                        dRes.upload(res, 0);
                        ctx.synchronizeDevice();
                        Kernel.Ptr residual = new Kernel.Ptr(withResidual ? dRes.address() : 0);
                        tiled.launch(new Kernel.Dim((frames + 31) / 32, channels / cpg, batch), Kernel.Dim.of(cpg * 4), (32 + k - 1) * cpg * 4,
                                dOut, dIn, dW, dBias, residual, frames, channels, cpg, k).enqueue(ctx.stream());
                        ctx.synchronize();
                        assertCloseTo(what + ": causal_group_conv_mish_tiled vs host", ref, dOut.downloadFloats(0, in.length), FP32_CONV_TOL);
                        mma.launch(new Kernel.Dim((frames + 63) / 64, channels / cpg, batch), Kernel.Dim.of(128), CONV_MMA_SMEM,
                                dOut, dIn, dWb, dBias, residual, frames, channels, k).enqueue(ctx.stream());
                        ctx.synchronize();
                        assertCloseTo(what + ": causal_group_conv_mish_mma_bf16 vs host", ref, dOut.downloadFloats(0, in.length), MMA_CONV_TOL);
                    }
                }
            }
        }
    }

    /** fp32 sums of 64 x 31 products of N(0, 1) inputs and N(0, 1/1984) weights (outputs O(1)). */
    private static final double FP32_CONV_TOL = 1e-4;
    /**
     * bf16 inputs and weights (relative 2^-9 each): the 1984-term sum moves by ~0.005 (random walk), up to a few
     * hundredths at the tails over 66k outputs; mish's slope is at most ~1.1. A wrong tap, channel or frame is O(1).
     */
    private static final double MMA_CONV_TOL = 0.05;
    private static final int CONV_MMA_SMEM = (64 + 64) * 72 * 2 + 64 * 72 * 2;

    /** mish(bias + sum_{j,k} w[c, j, k] in[t - (K-1) + k, g*CPG + j]) (+ residual), float64; [B*T, C]. */
    private static double[] hostConv(float[] in, float[] w, float[] bias, float[] res, int batch, int frames, int channels, int cpg, int k) {
        double[] out = new double[in.length];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < frames; t++) {
                for (int c = 0; c < channels; c++) {
                    int g = c / cpg;
                    double acc = bias[c];
                    for (int kk = 0; kk < k; kk++) {
                        int ts = t - (k - 1) + kk;
                        if (ts < 0) continue;
                        for (int j = 0; j < cpg; j++) acc += (double) w[(c * cpg + j) * k + kk] * in[(b * frames + ts) * channels + g * cpg + j];
                    }
                    double sp = acc > 20 ? acc : Math.log1p(Math.exp(acc));
                    double v = acc * Math.tanh(sp);
                    int o = (b * frames + t) * channels + c;
                    out[o] = res != null ? v + res[o] : v;
                }
            }
        }
        return out;
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
