package org.voicestudio.engines.cuda.flow;

import org.voicestudio.engines.cuda.CudaContext;
import org.voicestudio.engines.cuda.DeviceBuffer;
import org.voicestudio.engines.cuda.Gemm;
import org.voicestudio.engines.cuda.Kernel;
import org.voicestudio.engines.cuda.Kernel.Dim;
import org.voicestudio.engines.cuda.Kernel.Ptr;
import org.voicestudio.engines.cuda.StreamOp;
import org.voicestudio.inference.flow.FlowEstimator;
import org.voicestudio.inference.tensor.DType;
import org.voicestudio.inference.tensor.StateDict;
import org.voicestudio.inference.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * The CosyVoice3 flow estimator (DiT, reference §4.3) on the GPU, float32, one call:
 * {@code out = estimator(x, mask, mu, t, spks, cond)} with x/mu/cond {@code [B, 80, T]}, mask
 * {@code [B, 1, T]}, t {@code [B]}, spks {@code [B, 80]} as {@code CausalConditionalCFM} passes them
 * (B = 2 for CFG). GEMMs through cuBLAS (fp32 without TF32, or bf16 operands with fp32 accumulation),
 * everything else in {@code dit.cu} in fp32, except that the bf16 path's attention and conv position embedding
 * run on the tensor cores by default ({@link Bf16Kernels}). Per tensor: GEMM weights (input proj, AdaLN linears,
 * q/k/v, to_out, ff, norm_out, proj_out) in the chosen precision; biases, conv position kernels,
 * RoPE frequencies and the time MLP in fp32.
 *
 * <p>Done: the non-streaming call (key mask, full attention) and the streaming call (50-frame
 * block-causal mask), as the {@link FlowEstimator} of the host Euler loop ({@link #velocity}: host arrays
 * in and out per call) and as launch lists over caller-owned buffers ({@link #ops}) that
 * {@code CudaEulerSolver} captures into one CUDA graph per solve. Not done: a bf16 tolerance defended on
 * more than the tiny fixture. Not thread-safe.
 */
public final class CudaDitEstimator implements FlowEstimator, AutoCloseable {
    private static final String SOURCE = "dit.cu";
    private static final String P = "decoder.estimator.";
    static final int FREQ_DIM = 256;                // SinusPositionEmbedding dim
    private static final float TIME_SCALE = 1000f;  // SinusPositionEmbedding scale
    private static final float LN_EPS = 1e-6f;
    private static final int FLASH_SMEM = 3 * 64 * 65 * 4;   // attention_flash: Q, K/P, V tiles

    /** DiT sizes (flow yaml: dim, depth, heads, dim_head, ff_mult, static_chunk_size; mel 80). */
    public record Geometry(int dim, int depth, int heads, int dimHead, int ffMult, int staticChunkSize, int mel) {
        public static Geometry of(org.voicestudio.inference.config.ModelConfig.FlowConfig f) {
            return new Geometry(f.ditDim(), f.ditDepth(), f.ditHeads(), f.ditDimHead(), f.ditFfMult(), f.staticChunkSize(), f.outputSize());
        }

        int inner() { return heads * dimHead; }
        int ff() { return dim * ffMult; }
    }

    /** System property choosing the bf16 path's {@link Bf16Kernels}: {@code mma} (default) or {@code fp32}. */
    public static final String BF16_KERNELS_PROPERTY = "voicestudio.cuda.flow.bf16kernels";

    /**
     * The attention and conv position embedding kernels of the bf16 path; the fp32 path (parity) always runs the
     * fp32 kernels. {@link #MMA} = tensor cores: {@code attention_mma_bf16} (Q/K/V and P in bf16, fp32 softmax and
     * accumulation) and, for groups of 64 channels, {@code causal_group_conv_mish_mma_bf16} (bf16 inputs and
     * weights, fp32 accumulation); {@link #FP32} = {@code attention_flash} and {@code causal_group_conv_mish_tiled}
     * (fp32 FMA), the previous kernels.
     */
    public enum Bf16Kernels {
        MMA, FP32;

        /** {@value #BF16_KERNELS_PROPERTY} of the running JVM, {@link #MMA} when unset. */
        public static Bf16Kernels fromSystemProperty() {
            String v = System.getProperty(BF16_KERNELS_PROPERTY, "mma").trim();
            for (Bf16Kernels a : values()) if (a.name().equalsIgnoreCase(v)) return a;
            throw new IllegalArgumentException("system property " + BF16_KERNELS_PROPERTY + "=" + v + ": expected mma or fp32");
        }
    }

    private record Block(DeviceBuffer mod, DeviceBuffer modBias, DeviceBuffer qkv, DeviceBuffer qkvBias,
                         DeviceBuffer out, DeviceBuffer outBias, DeviceBuffer ff1, DeviceBuffer ff1Bias,
                         DeviceBuffer ff2, DeviceBuffer ff2Bias) {}

    private final CudaContext ctx;
    private final Geometry g;
    private final Gemm.Operands precision;   // GEMM weights and GEMM inputs; accumulation is fp32 either way
    private final DeviceBuffer time1W, time1B, time2W, time2B;   // TimestepEmbedding MLP, fp32 (1.3 M weights)
    private final DeviceBuffer projW, projB, conv1W, conv1B, conv2W, conv2B, invFreq, normOutW, normOutB, projOutW, projOutB;
    private final int convGroupChannels, convKernel;
    private final List<Block> blocks = new ArrayList<>();
    private final List<DeviceBuffer> all = new ArrayList<>();
    private final Kernel biasSilu, concat, addBias, convMish, lnMod, qkvRope, attention, attentionMma, gatedResidual, biasGelu, toChannelMajor;
    private final boolean mmaAttention;   // bf16 GEMMs and Bf16Kernels.MMA
    private final boolean mmaConv;        // ... and conv groups of 64 channels
    private final DeviceBuffer conv1Mma, conv2Mma;   // bf16 [group][k][c][j] for the tensor-core conv; null when unused
    private final Kernel convMishMma;
    private static final int CONV_MMA_GROUP = 64, CONV_MMA_MAX_K = 64;
    private static final int CONV_MMA_SMEM = (64 + CONV_MMA_MAX_K) * 72 * 2 + 64 * 72 * 2;   // input tile + one weight tap

    /** Uploads the estimator from {@code flow.pt} (keys {@code decoder.estimator.*}), checking shapes. */
    public CudaDitEstimator(CudaContext ctx, Geometry g, StateDict flow) {
        this(ctx, g, flow, Gemm.Operands.FP32);
    }

    /**
     * As {@link #CudaDitEstimator(CudaContext, Geometry, StateDict)} with the GEMM weights and GEMM
     * inputs in {@code precision} (bf16: tensor cores, fp32 accumulation; everything else stays fp32).
     */
    public CudaDitEstimator(CudaContext ctx, Geometry g, StateDict flow, Gemm.Operands precision) {
        this(ctx, g, flow, precision, Bf16Kernels.fromSystemProperty());
    }

    /** As {@link #CudaDitEstimator(CudaContext, Geometry, StateDict, Gemm.Operands)} with the bf16 path's attention and conv kernels given. */
    public CudaDitEstimator(CudaContext ctx, Geometry g, StateDict flow, Gemm.Operands precision, Bf16Kernels kernels) {
        this(ctx, g, new CheckpointSource(ctx, flow), precision, kernels);
    }

    /**
     * Deterministic random weights made on the GPU (benchmarks at the full geometry without a
     * checkpoint): uniform ±1/sqrt(fan-in), conv position kernel {@code convKernel} wide in
     * {@code convGroups} groups, RoPE frequencies as x-transformers computes them (base 10000).
     */
    public static CudaDitEstimator random(CudaContext ctx, Geometry g, int convGroups, int convKernel, int seed,
                                          Gemm.Operands precision) {
        return random(ctx, g, convGroups, convKernel, seed, precision, Bf16Kernels.fromSystemProperty());
    }

    /** As {@link #random(CudaContext, Geometry, int, int, int, Gemm.Operands)} with the bf16 path's attention and conv kernels given. */
    public static CudaDitEstimator random(CudaContext ctx, Geometry g, int convGroups, int convKernel, int seed,
                                          Gemm.Operands precision, Bf16Kernels kernels) {
        return new CudaDitEstimator(ctx, g, new RandomSource(ctx, g, convGroups, convKernel, seed), precision, kernels);
    }

    private CudaDitEstimator(CudaContext ctx, Geometry g, Source flow, Gemm.Operands precision, Bf16Kernels kernels) {
        this.ctx = ctx;
        this.g = g;
        this.precision = precision;
        this.mmaAttention = precision == Gemm.Operands.BF16 && kernels == Bf16Kernels.MMA;
        ctx.makeCurrent();
        int d = g.dim(), in = g.inner(), f = g.ff(), m = g.mel();
        try {
            time1W = up(flow, "time_embed.time_mlp.0.weight", d, FREQ_DIM);
            time1B = up(flow, "time_embed.time_mlp.0.bias", d);
            time2W = up(flow, "time_embed.time_mlp.2.weight", d, d);
            time2B = up(flow, "time_embed.time_mlp.2.bias", d);
            projW = gemmWeight(flow, "input_embed.proj.weight", d, 4L * m);
            projB = up(flow, "input_embed.proj.bias", d);
            long[] c1 = flow.shape("input_embed.conv_pos_embed.conv1.0.weight");
            if (c1.length != 3 || c1[0] != d || d % c1[1] != 0) {
                throw new IllegalArgumentException("conv_pos_embed.conv1 weight " + java.util.Arrays.toString(c1) + " is not a grouped [dim, dim/groups, k] kernel");
            }
            convGroupChannels = (int) c1[1];
            convKernel = (int) c1[2];
            conv1W = convWeights(flow, "input_embed.conv_pos_embed.conv1.0.weight", d);
            conv1B = up(flow, "input_embed.conv_pos_embed.conv1.0.bias", d);
            conv2W = convWeights(flow, "input_embed.conv_pos_embed.conv2.0.weight", d);
            conv2B = up(flow, "input_embed.conv_pos_embed.conv2.0.bias", d);
            mmaConv = mmaAttention && convGroupChannels == CONV_MMA_GROUP && convKernel <= CONV_MMA_MAX_K;
            conv1Mma = mmaConv ? convWeightsMma(flow, "input_embed.conv_pos_embed.conv1.0.weight", d) : null;
            conv2Mma = mmaConv ? convWeightsMma(flow, "input_embed.conv_pos_embed.conv2.0.weight", d) : null;
            invFreq = up(flow, "rotary_embed.inv_freq", g.dimHead() / 2);
            for (int i = 0; i < g.depth(); i++) {
                String b = "transformer_blocks." + i + ".";
                blocks.add(new Block(
                        gemmWeight(flow, b + "attn_norm.linear.weight", 6L * d, d), up(flow, b + "attn_norm.linear.bias", 6L * d),
                        upRows(flow, new String[] {b + "attn.to_q.weight", b + "attn.to_k.weight", b + "attn.to_v.weight"}, in, d, true),
                        upRows(flow, new String[] {b + "attn.to_q.bias", b + "attn.to_k.bias", b + "attn.to_v.bias"}, in, 1, false),
                        gemmWeight(flow, b + "attn.to_out.0.weight", d, in), up(flow, b + "attn.to_out.0.bias", d),
                        gemmWeight(flow, b + "ff.ff.0.0.weight", f, d), up(flow, b + "ff.ff.0.0.bias", f),
                        gemmWeight(flow, b + "ff.ff.2.weight", d, f), up(flow, b + "ff.ff.2.bias", d)));
            }
            normOutW = gemmWeight(flow, "norm_out.linear.weight", 2L * d, d);
            normOutB = up(flow, "norm_out.linear.bias", 2L * d);
            projOutW = gemmWeight(flow, "proj_out.weight", m, d);
            projOutB = up(flow, "proj_out.bias", m);
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        }
        var k = ctx.kernels();
        biasSilu = k.kernel(SOURCE, "bias_silu");
        concat = k.kernel(SOURCE, "dit_input_concat");
        addBias = k.kernel(SOURCE, "add_bias");
        convMish = k.kernel(SOURCE, "causal_group_conv_mish_tiled");
        convMishMma = k.kernel(SOURCE, "causal_group_conv_mish_mma_bf16");
        lnMod = k.kernel(SOURCE, "layernorm_modulate");
        qkvRope = k.kernel(SOURCE, "qkv_bias_rope_head0");
        attention = k.kernel(SOURCE, "attention_flash");
        attentionMma = k.kernel(SOURCE, "attention_mma_bf16");
        gatedResidual = k.kernel(SOURCE, "gated_residual");
        biasGelu = k.kernel(SOURCE, "bias_gelu_tanh");
        toChannelMajor = k.kernel(SOURCE, "to_channel_major");
        attention.allowDynamicSharedMemory(FLASH_SMEM);
    }

    /** A grouped conv kernel [D, CPG(j), K] stored as [D / CPG][j][k][CPG(c)] for the tiled kernel. */
    private DeviceBuffer convWeights(Source src, String key, int d) {
        int cpg = convGroupChannels, k = convKernel;
        if (src instanceof RandomSource) return up(src, key, d, cpg, k);   // any layout of random values will do
        float[] w = src.host(key, d, cpg, k);
        float[] t = new float[w.length];
        for (int c = 0; c < d; c++) {
            int g = c / cpg, cl = c % cpg;
            for (int j = 0; j < cpg; j++) {
                for (int kk = 0; kk < k; kk++) t[((g * cpg + j) * k + kk) * cpg + cl] = w[(c * cpg + j) * k + kk];
            }
        }
        DeviceBuffer b = keep(ctx.allocate(t.length * 4L));
        b.upload(t, 0);
        return b;
    }

    /** A grouped conv kernel [D, CPG(j), K] as bf16 [D / CPG][k][c][j] for the tensor-core conv. */
    private DeviceBuffer convWeightsMma(Source src, String key, int d) {
        int cpg = convGroupChannels, k = convKernel;
        DeviceBuffer b = keep(ctx.allocate((long) d * cpg * k * 2));
        if (src instanceof RandomSource) {
            src.fill(b, 0, key, true, d, cpg, k);   // any layout of random values will do
        } else {
            b.upload(org.voicestudio.engines.cuda.Bf16.fromFloats(convTapMajor(src.host(key, d, cpg, k), d, cpg, k)), 0);
        }
        return b;
    }

    /** PyTorch's grouped conv weight [D][CPG (j)][K] as [D / CPG][K][c][j] (c = channel within its group). */
    static float[] convTapMajor(float[] w, int d, int cpg, int k) {
        float[] t = new float[w.length];
        for (int c = 0; c < d; c++) {
            int g = c / cpg, cl = c % cpg;
            for (int j = 0; j < cpg; j++) {
                for (int kk = 0; kk < k; kk++) t[((g * k + kk) * cpg + cl) * cpg + j] = w[(c * cpg + j) * k + kk];
            }
        }
        return t;
    }

    /** An fp32 tensor (biases, norms, conv kernels). */
    private DeviceBuffer up(Source src, String key, long... shape) {
        DeviceBuffer b = keep(ctx.allocate(numel(shape) * 4));
        src.fill(b, 0, key, false, shape);
        return b;
    }

    /** A GEMM weight in the working precision. */
    private DeviceBuffer gemmWeight(Source src, String key, long... shape) {
        boolean bf16 = precision == Gemm.Operands.BF16;
        DeviceBuffer b = keep(ctx.allocate(numel(shape) * precision.bytes));
        src.fill(b, 0, key, bf16, shape);
        return b;
    }

    /** Row blocks of equal shape [rows, cols] stacked (cols 1: vectors concatenated); GEMM precision when gemm. */
    private DeviceBuffer upRows(Source src, String[] keys, int rows, int cols, boolean gemm) {
        boolean bf16 = gemm && precision == Gemm.Operands.BF16;
        int elem = bf16 ? 2 : 4;
        DeviceBuffer b = keep(ctx.allocate((long) keys.length * rows * cols * elem));
        for (int i = 0; i < keys.length; i++) {
            long[] shape = cols == 1 ? new long[] {rows} : new long[] {rows, cols};
            src.fill(b, (long) i * rows * cols * elem, keys[i], bf16, shape);
        }
        return b;
    }

    private static long numel(long... shape) {
        long n = 1;
        for (long v : shape) n *= v;
        return n;
    }

    /** Where weights come from (keys relative to {@code decoder.estimator.}). */
    private interface Source {
        long[] shape(String key);

        float[] host(String key, long... shape);

        /** Writes the tensor into {@code b} at {@code byteOffset}, as bf16 when {@code bf16}. */
        void fill(DeviceBuffer b, long byteOffset, String key, boolean bf16, long... shape);
    }

    private record CheckpointSource(CudaContext ctx, StateDict sd) implements Source {
        private Tensor f32(String key, long... shape) {
            Tensor t = shape.length == 0 ? sd.get(P + key) : sd.get(P + key, shape);
            if (t.dtype() != DType.F32) throw new IllegalArgumentException(sd.source() + ": '" + P + key + "' is " + t.dtype() + ", expected F32");
            return t;
        }

        @Override public long[] shape(String key) { return f32(key).shape(); }

        @Override public float[] host(String key, long... shape) { return f32(key, shape).toFloats(); }

        @Override
        public void fill(DeviceBuffer b, long byteOffset, String key, boolean bf16, long... shape) {
            if (bf16) b.upload(org.voicestudio.engines.cuda.Bf16.fromFloats(f32(key, shape).toFloats()), byteOffset);
            else b.upload(f32(key, shape).data(), byteOffset);
        }
    }

    private static final class RandomSource implements Source {
        private final CudaContext ctx;
        private final Geometry g;
        private final int groups, kernel, seed;
        private final Kernel uniform;
        private int draw;

        RandomSource(CudaContext ctx, Geometry g, int groups, int kernel, int seed) {
            this.ctx = ctx;
            this.g = g;
            this.groups = groups;
            this.kernel = kernel;
            this.seed = seed;
            this.uniform = ctx.kernels().kernel("qwen2.cu", "fill_uniform");
        }

        @Override
        public long[] shape(String key) {
            if (key.startsWith("input_embed.conv_pos_embed.")) return new long[] {g.dim(), g.dim() / groups, kernel};
            throw new IllegalArgumentException("no shape rule for " + key);
        }

        private float scale(String key, long[] shape) {
            if (key.endsWith("bias")) return 0.02f;
            long fanIn = 1;
            for (int i = 1; i < shape.length; i++) fanIn *= shape[i];
            return (float) (1 / Math.sqrt(fanIn));
        }

        @Override
        public float[] host(String key, long... shape) {
            java.util.SplittableRandom r = new java.util.SplittableRandom(seed * 31L + key.hashCode());
            float[] v = new float[(int) numel(shape)];
            float s = scale(key, shape);
            for (int i = 0; i < v.length; i++) v[i] = (float) (s * (2 * r.nextDouble() - 1));
            return v;
        }

        @Override
        public void fill(DeviceBuffer b, long byteOffset, String key, boolean bf16, long... shape) {
            if (key.equals("rotary_embed.inv_freq")) {
                float[] f = new float[(int) shape[0]];
                for (int i = 0; i < f.length; i++) f[i] = (float) (1.0 / Math.pow(10000, 2.0 * i / g.dimHead()));
                b.upload(f, byteOffset);
                return;
            }
            long n = numel(shape);
            int blocks = (int) Math.min(4096, (n + 255) / 256);
            uniform.launch(Kernel.Dim.of(blocks), Kernel.Dim.of(256), 0, new Ptr(b.address(byteOffset)), n,
                    seed * 7919 + (draw++), 0f, scale(key, shape), bf16 ? 1 : 0).enqueue(ctx.stream());
        }
    }

    private DeviceBuffer keep(DeviceBuffer b) {
        all.add(b);
        return b;
    }

    /** SinusPositionEmbedding(256, scale 1000) of each t, in float32 steps as F5-TTS computes it. [B, 256] */
    static float[] sinusoidal(float[] t) {
        int half = FREQ_DIM / 2;
        float[] out = new float[t.length * FREQ_DIM];
        float step = (float) (Math.log(10000) / (half - 1));
        for (int b = 0; b < t.length; b++) {
            for (int i = 0; i < half; i++) {
                float e = (float) Math.exp((float) i * -step);
                float arg = TIME_SCALE * t[b] * e;
                out[b * FREQ_DIM + i] = (float) Math.sin(arg);
                out[b * FREQ_DIM + half + i] = (float) Math.cos(arg);
            }
        }
        return out;
    }

    /**
     * One estimator call. Arrays are flat row-major: x, mu, cond {@code [B, 80, T]}, mask
     * {@code [B, 1, T]} (0 = padding), t {@code [B]}, spks {@code [B, 80]}; returns {@code [B, 80, T]}.
     */
    public float[] forward(float[] x, float[] mask, float[] mu, float[] t, float[] spks, float[] cond) {
        return forward(x, mask, mu, t, spks, cond, false);
    }

    /** As {@link #forward(float[], float[], float[], float[], float[], float[])}; {@code streaming} adds the block-causal mask. */
    public float[] forward(float[] x, float[] mask, float[] mu, float[] t, float[] spks, float[] cond, boolean streaming) {
        return run(x, mask, mu, t, spks, cond, streaming, null);
    }

    /** The {@link FlowEstimator} contract: one CFG-batch call, streaming = the block-causal mask. */
    @Override
    public float[] velocity(FlowEstimator.Input input) {
        if (input.melChannels() != g.mel()) {
            throw new IllegalArgumentException("estimator input has " + input.melChannels() + " mel channels, the DiT has " + g.mel());
        }
        return forward(input.x(), input.mask(), input.mu(), input.t(), input.spks(), input.cond(), input.streaming());
    }

    /** One call with CUDA events between the operations: device ms by operation, summed over blocks. */
    public java.util.Map<String, Double> profile(float[] x, float[] mask, float[] mu, float[] t, float[] spks, float[] cond,
                                                 boolean streaming) {
        java.util.Map<String, Double> result = new java.util.LinkedHashMap<>();
        run(x, mask, mu, t, spks, cond, streaming, result);
        return result;
    }

    private float[] run(float[] x, float[] mask, float[] mu, float[] t, float[] spks, float[] cond, boolean streaming,
                        java.util.Map<String, Double> profile) {
        int batch = t.length, m = g.mel();
        if (batch == 0 || x.length % (batch * m) != 0) throw new IllegalArgumentException("x has " + x.length + " values, not [" + batch + ", " + m + ", T]");
        int frames = x.length / (batch * m);
        check("mu", mu, batch * m * frames);
        check("cond", cond, batch * m * frames);
        check("mask", mask, batch * frames);
        check("spks", spks, batch * m);
        if (g.dimHead() > 64) throw new IllegalArgumentException("attention_flash supports dim_head <= 64, not " + g.dimHead());
        ctx.makeCurrent();
        Scratch sc = scratchFor(batch, frames);
        sc.x.upload(x, 0);
        sc.mu.upload(mu, 0);
        sc.cond.upload(cond, 0);
        sc.mask.upload(mask, 0);
        sc.spks.upload(spks, 0);
        sc.sinus.upload(sinusoidal(t), 0);
        List<StreamOp> ops = sc.ops.computeIfAbsent(streaming, st -> buildOps(sc, st, sc.sinus.address()));
        if (profile != null) profile.putAll(org.voicestudio.engines.cuda.OpProfiler.run(ctx, ops));
        else for (StreamOp op : ops) op.enqueue(ctx.stream());
        ctx.synchronize();
        return sc.out.downloadFloats(0, batch * frames * g.mel());
    }

    /**
     * Device buffers of one (batch, frames) shape, kept between calls (the Euler loop calls with the
     * same shape 10 times) together with the launch lists built over them.
     */
    final class Scratch implements AutoCloseable {
        final int batch, frames;
        final DeviceBuffer x, mu, cond, mask, spks, sinus, t1, t2, ada, cat, h, n, c1, qkv, att, o, ff, ffAct, mod, y, out;
        final java.util.Map<Boolean, List<StreamOp>> ops = new java.util.HashMap<>();
        private final List<DeviceBuffer> all = new ArrayList<>();

        Scratch(int batch, int frames) {
            this.batch = batch;
            this.frames = frames;
            int rows = batch * frames, d = g.dim(), in = g.inner(), f = g.ff(), m = g.mel();
            boolean bf16 = precision == Gemm.Operands.BF16;
            try {
                x = f32((long) batch * m * frames);
                mu = f32((long) batch * m * frames);
                cond = f32((long) batch * m * frames);
                mask = f32((long) batch * frames);
                spks = f32((long) batch * m);
                sinus = f32((long) batch * FREQ_DIM);
                t1 = f32((long) batch * d);
                t2 = f32((long) batch * d);
                ada = gemmIn((long) batch * d);                 // [B, D] SiLU(time embedding)
                cat = gemmIn((long) rows * 4 * m);
                h = f32((long) rows * d);
                n = gemmIn((long) rows * d);
                c1 = f32((long) rows * d);
                qkv = f32((long) rows * 3 * in);
                att = gemmIn((long) rows * in);
                o = f32((long) rows * d);
                ff = f32((long) rows * f);
                ffAct = bf16 ? gemmIn((long) rows * f) : ff;  // fp32: GELU in place
                mod = f32((long) batch * 6 * d);
                y = f32((long) rows * m);
                out = f32((long) rows * m);
            } catch (RuntimeException | Error e) {
                close();
                throw e;
            }
        }

        private DeviceBuffer f32(long count) { return keepIn(ctx.allocate(count * 4)); }

        private DeviceBuffer gemmIn(long count) { return keepIn(ctx.allocate(count * precision.bytes)); }

        private DeviceBuffer keepIn(DeviceBuffer b) {
            all.add(b);
            return b;
        }

        @Override
        public void close() {
            for (DeviceBuffer b : all) b.close();
            all.clear();
        }
    }

    private Scratch scratch;

    private Scratch scratchFor(int batch, int frames) {
        if (scratch != null && scratch.batch == batch && scratch.frames == frames) return scratch;
        if (scratch != null) {
            ctx.synchronize();
            scratch.close();
            scratch = null;
        }
        scratch = new Scratch(batch, frames);
        return scratch;
    }

    /**
     * Device buffers for calls of {@code batch} x {@code frames}, owned by the caller (the device-resident
     * Euler solver keeps one per shape, with launch lists and a CUDA graph over it). Inputs the caller fills:
     * {@code x, mu, cond} [B, 80, T], {@code mask} [B, T], {@code spks} [B, 80]; output {@code out} [B, 80, T].
     */
    Scratch newScratch(int batch, int frames) {
        ctx.makeCurrent();
        return new Scratch(batch, frames);
    }

    public Geometry geometry() { return g; }

    CudaContext context() { return ctx; }

    /**
     * One estimator call over {@code sc} as a launch list, the time embedding read from
     * {@code sinusAddress} ([B, 256] float32 {@link #sinusoidal} of t, e.g. one step's row of a table).
     */
    List<StreamOp> ops(Scratch sc, boolean streaming, long sinusAddress) {
        if (g.dimHead() > 64) throw new IllegalArgumentException("the attention kernels support dim_head <= 64, not " + g.dimHead());
        return buildOps(sc, streaming, sinusAddress);
    }

    private List<StreamOp> buildOps(Scratch sc, boolean streaming, long sinusAddress) {
        int batch = sc.batch, frames = sc.frames, m = g.mel();
        int rows = batch * frames, d = g.dim(), in = g.inner(), f = g.ff();
        int lo = precision == Gemm.Operands.BF16 ? 1 : 0;
        DeviceBuffer dx = sc.x, dmu = sc.mu, dcond = sc.cond, dmask = sc.mask, dspks = sc.spks, ada = sc.ada, cat = sc.cat,
                h = sc.h, n = sc.n, c1 = sc.c1, qkv = sc.qkv, att = sc.att, o = sc.o, ff = sc.ff, ffAct = sc.ffAct,
                mod = sc.mod, y = sc.y, out = sc.out;
        List<StreamOp> ops = new ArrayList<>();
        Dim rowGrid = Dim.of(rows), blk = Dim.of(256);
        // TimestepEmbedding: Linear(SiLU(Linear(sinus(t)))), then the SiLU that AdaLayerNormZero applies   [B, D]
        ops.add(new Gemm(ctx.blas(), Gemm.Operands.FP32, d, batch, FREQ_DIM, time1W.address(), sinusAddress, sc.t1.address(), false));
        ops.add(biasSilu.launch(Dim.of(batch), blk, 0, sc.t1, sc.t1, time1B, d, 0));
        ops.add(new Gemm(ctx.blas(), Gemm.Operands.FP32, d, batch, d, time2W.address(), sc.t1.address(), sc.t2.address(), false));
        ops.add(biasSilu.launch(Dim.of(batch), blk, 0, ada, sc.t2, time2B, d, lo));
        // InputEmbedding: proj(concat[x, cond, mu, spks]) + conv_pos_embed(.)                 [B*T, D]
        ops.add(concat.launch(rowGrid, blk, 0, cat, dx, dcond, dmu, dspks, frames, m, lo));
        ops.add(gemm(d, rows, 4 * m, projW, cat, h));
        ops.add(addBias.launch(rowGrid, blk, 0, h, projB, d));
        int subs = Math.clamp(256 / convGroupChannels, 4, 32);
        Dim convGrid = new Dim((frames + 31) / 32, d / convGroupChannels, batch), convBlock = Dim.of(convGroupChannels * subs);
        int convSmem = (32 + convKernel - 1) * convGroupChannels * 4;
        if (mmaConv) {
            Dim mmaGrid = new Dim((frames + 63) / 64, d / CONV_MMA_GROUP, batch), mmaBlock = Dim.of(128);
            ops.add(convMishMma.launch(mmaGrid, mmaBlock, CONV_MMA_SMEM, c1, h, conv1Mma, conv1B, new Ptr(0), frames, d, convKernel));
            ops.add(convMishMma.launch(mmaGrid, mmaBlock, CONV_MMA_SMEM, h, c1, conv2Mma, conv2B, h, frames, d, convKernel));
        } else {
            ops.add(convMish.launch(convGrid, convBlock, convSmem, c1, h, conv1W, conv1B, new Ptr(0), frames, d, convGroupChannels, convKernel));
            ops.add(convMish.launch(convGrid, convBlock, convSmem, h, c1, conv2W, conv2B, h, frames, d, convGroupChannels, convKernel));
        }
        float scale = (float) (1.0 / Math.sqrt(g.dimHead()));
        for (Block b : blocks) {
            // AdaLayerNormZero: [shift, scale, gate] for attention, then for the MLP              [B, 6D]
            ops.add(gemm(6 * d, batch, d, b.mod(), ada, mod));
            ops.add(addBias.launch(Dim.of(batch), blk, 0, mod, b.modBias(), 6 * d));
            ops.add(lnMod.launch(rowGrid, blk, 0, n, h, mod, frames, d, 6 * d, 0, d, LN_EPS, lo));
            ops.add(gemm(3 * in, rows, d, b.qkv(), n, qkv));
            ops.add(qkvRope.launch(rowGrid, blk, 0, qkv, b.qkvBias(), invFreq, frames, in, g.dimHead()));
            Dim attGrid = new Dim(g.heads(), (frames + 63) / 64, batch);
            int chunk = streaming ? g.staticChunkSize() : 0;
            ops.add(mmaAttention
                    ? attentionMma.launch(attGrid, Dim.of(128), 0, att, qkv, dmask, frames, g.heads(), g.dimHead(), scale, chunk, lo)
                    : attention.launch(attGrid, Dim.of(256), FLASH_SMEM, att, qkv, dmask, frames, g.heads(), g.dimHead(), scale, chunk, lo));
            ops.add(gemm(d, rows, in, b.out(), att, o));
            ops.add(gatedResidual.launch(rowGrid, blk, 0, h, o, b.outBias(), mod, dmask, frames, d, 6 * d, 2 * d));
            ops.add(lnMod.launch(rowGrid, blk, 0, n, h, mod, frames, d, 6 * d, 3 * d, 4 * d, LN_EPS, lo));
            ops.add(gemm(f, rows, d, b.ff1(), n, ff));
            ops.add(biasGelu.launch(rowGrid, blk, 0, ffAct, ff, b.ff1Bias(), f, lo));
            ops.add(gemm(d, rows, f, b.ff2(), ffAct, o));
            ops.add(gatedResidual.launch(rowGrid, blk, 0, h, o, b.ff2Bias(), mod, new Ptr(0), frames, d, 6 * d, 5 * d));
        }
        // AdaLayerNormZero_Final: [scale, shift] (this order), then proj_out                    [B, 80, T]
        ops.add(gemm(2 * d, batch, d, normOutW, ada, mod));
        ops.add(addBias.launch(Dim.of(batch), blk, 0, mod, normOutB, 2 * d));
        ops.add(lnMod.launch(rowGrid, blk, 0, n, h, mod, frames, d, 2 * d, d, 0, LN_EPS, lo));
        ops.add(gemm(m, rows, d, projOutW, n, y));
        ops.add(toChannelMajor.launch(rowGrid, Dim.of(128), 0, out, y, projOutB, frames, m));
        return List.copyOf(ops);
    }

    private Gemm gemm(int n, int rows, int k, DeviceBuffer w, DeviceBuffer x, DeviceBuffer y) {
        return new Gemm(ctx.blas(), precision, n, rows, k, w.address(), x.address(), y.address(), false);
    }

    private static void check(String name, float[] a, int expected) {
        if (a.length != expected) throw new IllegalArgumentException(name + " has " + a.length + " values, expected " + expected);
    }




    @Override
    public void close() {
        if (scratch != null) {
            scratch.close();
            scratch = null;
        }
        for (DeviceBuffer b : all) b.close();
        all.clear();
    }
}
