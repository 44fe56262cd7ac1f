package org.voicestudio.engines.cuda.flow;

import org.voicestudio.engines.cuda.CudaContext;
import org.voicestudio.engines.cuda.DeviceBuffer;
import org.voicestudio.engines.cuda.Gemm;
import org.voicestudio.engines.cuda.Kernel;
import org.voicestudio.engines.cuda.Kernel.Dim;
import org.voicestudio.engines.cuda.Kernel.Ptr;
import org.voicestudio.inference.config.ModelConfig.FlowConfig;
import org.voicestudio.inference.flow.FlowLayout;
import org.voicestudio.inference.flow.FlowModel.FlowRequest;
import org.voicestudio.inference.flow.host.HostWeights;

/**
 * The token embedding and {@code PreLookaheadLayer} of {@code CausalMaskedDiffWithDiT.inference} (reference §4.3)
 * on the GPU, writing {@code mu = h.repeat_interleave(token_mel_ratio)} transposed straight into the solver's
 * input: embedding rows gathered into {@code x} [L + 3, 80] (zeros past the tokens when finalizing), conv1
 * (80 -> C, k = pre_lookahead_len + 1) as one fp32 cuBLAS GEMM per kernel tap over row-shifted views of
 * {@code x} (the time-major layout makes each tap's window a contiguous [L, 80] matrix, so no im2col copy),
 * bias + leaky ReLU, the causal conv2 (C -> 80, k = 3, two zero rows in front) the same way, then bias +
 * residual + repeat. fp32 GEMMs without TF32: the same float32 math as {@code HostFlowConditioner}, in another
 * summation order. The 80 x 192 speaker affine stays on the host. Not thread-safe.
 */
final class CudaFlowConditioner implements AutoCloseable {
    private static final String SOURCE = "flow_conditioner.cu";
    private static final float LEAKY_SLOPE = 0.01f;   // F.leaky_relu default
    private static final int CONV2_KERNEL = 3;

    private final CudaContext ctx;
    private final int vocab, mel, channels, k1, ratio;
    private final DeviceBuffer table, conv1, conv1Bias, conv2, conv2Bias;   // conv weights as [tap][out][in]
    private final Kernel embed, biasLeaky, residualMu;
    private int capacity;                   // tokens L + lookahead the buffers below hold
    private DeviceBuffer ids, x, y1, conv;  // [L+3] ids, [L+3, 80] x, [2+L, C] conv1 out, [L, 80] conv2 out

    CudaFlowConditioner(CudaContext ctx, FlowConfig c, HostWeights w) {
        this.ctx = ctx;
        vocab = c.vocabSize();
        mel = c.inputSize();
        channels = c.preLookaheadChannels();
        k1 = c.preLookaheadLen() + 1;
        ratio = c.tokenMelRatio();
        ctx.makeCurrent();
        DeviceBuffer[] made = new DeviceBuffer[5];
        try {
            made[0] = upload(w.get("input_embedding.weight", vocab, mel));
            made[1] = upload(tapMajor(w.get("pre_lookahead_layer.conv1.weight", channels, mel, k1), channels, mel, k1));
            made[2] = upload(w.get("pre_lookahead_layer.conv1.bias", channels));
            made[3] = upload(tapMajor(w.get("pre_lookahead_layer.conv2.weight", mel, channels, CONV2_KERNEL), mel, channels, CONV2_KERNEL));
            made[4] = upload(w.get("pre_lookahead_layer.conv2.bias", mel));
        } catch (RuntimeException | Error e) {
            for (DeviceBuffer b : made) if (b != null) b.close();
            throw e;
        }
        table = made[0];
        conv1 = made[1];
        conv1Bias = made[2];
        conv2 = made[3];
        conv2Bias = made[4];
        var k = ctx.kernels();
        embed = k.kernel(SOURCE, "embed_rows");
        biasLeaky = k.kernel(SOURCE, "bias_leaky_relu");
        residualMu = k.kernel(SOURCE, "lookahead_residual_mu");
    }

    /** PyTorch's conv weight [out][in][k] as k row-major [out][in] GEMM weights, one per tap. */
    static float[] tapMajor(float[] w, int out, int in, int k) {
        float[] r = new float[w.length];
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) {
                for (int j = 0; j < k; j++) r[(j * out + o) * in + i] = w[(o * in + i) * k + j];
            }
        }
        return r;
    }

    private DeviceBuffer upload(float[] values) {
        DeviceBuffer b = ctx.allocate(values.length * 4L);
        try {
            b.upload(values, 0);
        } catch (RuntimeException | Error e) {
            b.close();
            throw e;
        }
        return b;
    }

    /**
     * Writes mu (80, T) of {@code request} at device address {@code mu} (channel-major, T = ratio x encoded
     * tokens), enqueued on {@code ctx.stream()}.
     */
    void writeMu(FlowRequest request, FlowLayout layout, long mu) {
        int[] tokenIds = FlowLayout.clampedIds(request.promptTokens(), request.tokens());
        for (int t = 0; t < tokenIds.length; t++) {
            if (tokenIds[t] >= vocab) {
                throw new IllegalArgumentException("speech token " + t + " is " + tokenIds[t] + ", outside the flow codebook [0, " + vocab + ")");
            }
        }
        int encoded = layout.encodedTokens(), rows = encoded + k1 - 1, frames = layout.frames();
        if (tokenIds.length > rows) throw new IllegalStateException(tokenIds.length + " tokens for " + encoded + " encoded + " + (k1 - 1) + " lookahead");
        ctx.makeCurrent();
        ensureCapacity(rows);
        ids.upload(tokenIds, 0);
        ctx.synchronizeDevice();   // the pageable upload ran on the legacy stream; the work below runs on ctx.stream()
        var s = ctx.stream();
        // x = [embeddings, zeros]                                                            [L + 3, 80]
        embed.launch(Dim.of(rows), Dim.of(128), 0, x, ids, table, tokenIds.length, mel).enqueue(s);
        // conv1: y1[2 + t] = sum_j W1_j x[t + j], then bias + leaky ReLU                      [L, C]
        long y1Rows = y1.address((CONV2_KERNEL - 1L) * channels * 4);
        for (int j = 0; j < k1; j++) {
            new Gemm(ctx.blas(), Gemm.Operands.FP32, channels, encoded, mel, conv1.address((long) j * channels * mel * 4),
                    x.address((long) j * mel * 4), y1Rows, j > 0).enqueue(s);
        }
        biasLeaky.launch(Dim.of(encoded), Dim.of(256), 0, new Ptr(y1Rows), conv1Bias, channels, LEAKY_SLOPE).enqueue(s);
        // causal conv2 over [0, 0, y1]: conv[t] = sum_j W2_j y1[t + j]                        [L, 80]
        for (int j = 0; j < CONV2_KERNEL; j++) {
            new Gemm(ctx.blas(), Gemm.Operands.FP32, mel, encoded, channels, conv2.address((long) j * mel * channels * 4),
                    y1.address((long) j * channels * 4), conv.address(), j > 0).enqueue(s);
        }
        // h = conv + bias + x; mu = h repeated ratio times, channel-major                      [80, T]
        residualMu.launch(Dim.of(encoded), Dim.of(128), 0, new Ptr(mu), conv, conv2Bias, x, mel, ratio, frames).enqueue(s);
    }

    /** mu (80, T) of {@code request}, downloaded (tests). */
    float[] mu(FlowRequest request, FlowLayout layout) {
        int n = mel * layout.frames();
        try (DeviceBuffer out = ctx.allocate(n * 4L)) {
            writeMu(request, layout, out.address());
            ctx.synchronize();
            return out.downloadFloats(0, n);
        }
    }

    private void ensureCapacity(int rows) {
        if (rows <= capacity) return;
        ctx.synchronize();
        freeScratch();
        int cap = Math.max(rows, 2 * capacity);
        ids = ctx.allocate(cap * 4L);
        x = ctx.allocate((long) cap * mel * 4);
        y1 = ctx.allocate((long) (cap + CONV2_KERNEL - 1) * channels * 4);
        conv = ctx.allocate((long) cap * mel * 4);
        y1.upload(new float[(CONV2_KERNEL - 1) * channels], 0);   // conv2's left zero padding; never written again
        capacity = cap;
    }

    private void freeScratch() {
        for (DeviceBuffer b : new DeviceBuffer[] {ids, x, y1, conv}) if (b != null) b.close();
        ids = x = y1 = conv = null;
        capacity = 0;
    }

    @Override
    public void close() {
        ctx.makeCurrent();
        ctx.synchronize();
        freeScratch();
        for (DeviceBuffer b : new DeviceBuffer[] {table, conv1, conv1Bias, conv2, conv2Bias}) b.close();
    }
}
