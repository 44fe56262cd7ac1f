package org.voicestudio.engines.cuda.llm;

import org.voicestudio.engines.cuda.Bf16;

import org.voicestudio.engines.cuda.CudaContext;
import org.voicestudio.engines.cuda.DeviceBuffer;
import org.voicestudio.engines.cuda.Kernel;
import org.voicestudio.inference.config.ModelConfig.LlmConfig;
import org.voicestudio.inference.tensor.DType;
import org.voicestudio.inference.tensor.StateDict;
import org.voicestudio.inference.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * The CosyVoice3LM weights on the GPU, uploaded once. Per tensor:
 * <ul>
 *   <li>{@code embed_tokens}, {@code speech_embedding}: float32 (row lookups; exact inputs cost nothing per token);</li>
 *   <li>{@code input_layernorm}, {@code post_attention_layernorm}, {@code norm}, q/k/v biases: float32 (tiny, applied in fp32 kernels);</li>
 *   <li>q/k/v (concatenated into one [NH*D + 2*NKV*D, H] matrix), o_proj, gate/up (concatenated into
 *       [2F, H]), down_proj, {@code llm_decoder}: the {@link LlmPrecision} (bf16 or fp32).</li>
 * </ul>
 * The tied {@code lm_head} (text vocabulary) is never used for speech and is not uploaded.
 */
final class Qwen2Weights implements AutoCloseable {
    record Layer(DeviceBuffer inputNorm, DeviceBuffer qkv, DeviceBuffer qkvBias, DeviceBuffer o,
                 DeviceBuffer postNorm, DeviceBuffer gateUp, DeviceBuffer down) {}

    final LlmConfig config;
    final LlmPrecision precision;
    final DeviceBuffer textEmbedding;    // [textVocab, H] fp32
    final DeviceBuffer speechEmbedding;  // [speechVocab, H] fp32
    final DeviceBuffer finalNorm;        // [H] fp32
    final DeviceBuffer llmDecoder;       // [speechVocab, H] precision
    final List<Layer> layers;
    private final List<DeviceBuffer> all = new ArrayList<>();

    private Qwen2Weights(LlmConfig config, LlmPrecision precision, Source src) {
        this.config = config;
        this.precision = precision;
        int h = config.hiddenSize(), nh = config.numHeads(), nkv = config.numKvHeads(), d = config.headDim();
        int f = config.intermediateSize(), v = config.speechVocabSize();
        String m = "llm.model.model.";
        textEmbedding = keep(src.f32(m + "embed_tokens.weight", config.textVocabSize(), h));
        speechEmbedding = keep(src.f32("speech_embedding.weight", v, h));
        finalNorm = keep(src.f32(m + "norm.weight", h));
        llmDecoder = keep(src.gemm("llm_decoder.weight", v, h));
        List<Layer> ls = new ArrayList<>();
        for (int i = 0; i < config.numLayers(); i++) {
            String p = m + "layers." + i + ".";
            ls.add(new Layer(
                    keep(src.f32(p + "input_layernorm.weight", h)),
                    keep(src.gemmRows(new String[] {p + "self_attn.q_proj.weight", p + "self_attn.k_proj.weight", p + "self_attn.v_proj.weight"},
                            new int[] {nh * d, nkv * d, nkv * d}, h)),
                    keep(src.f32Concat(new String[] {p + "self_attn.q_proj.bias", p + "self_attn.k_proj.bias", p + "self_attn.v_proj.bias"},
                            new int[] {nh * d, nkv * d, nkv * d})),
                    keep(src.gemm(p + "self_attn.o_proj.weight", h, nh * d)),
                    keep(src.f32(p + "post_attention_layernorm.weight", h)),
                    keep(src.gemmRows(new String[] {p + "mlp.gate_proj.weight", p + "mlp.up_proj.weight"}, new int[] {f, f}, h)),
                    keep(src.gemm(p + "mlp.down_proj.weight", h, f))));
        }
        layers = List.copyOf(ls);
    }

    /** Uploads {@code llm.pt} (keys relative to CosyVoice3LM, reference §10), checking every shape. */
    static Qwen2Weights upload(CudaContext ctx, LlmConfig config, StateDict llm, LlmPrecision precision) {
        return build(config, precision, new CheckpointSource(ctx, llm, precision));
    }

    /**
     * Deterministic random weights made on the device from {@code seed} (for benchmarks at the full
     * geometry without uploading a checkpoint): GEMM weights uniform in ±{@code 1/sqrt(in)},
     * embeddings ±0.05, norm weights 1 ± 0.1, biases ±0.02.
     */
    static Qwen2Weights random(CudaContext ctx, LlmConfig config, LlmPrecision precision, int seed) {
        return build(config, precision, new RandomSource(ctx, precision, seed));
    }

    private static Qwen2Weights build(LlmConfig config, LlmPrecision precision, Source src) {
        try {
            return new Qwen2Weights(config, precision, src);
        } catch (RuntimeException | Error e) {
            src.releaseAll();
            throw e;
        }
    }

    private DeviceBuffer keep(DeviceBuffer b) {
        all.add(b);
        return b;
    }

    long bytes() { return all.stream().mapToLong(DeviceBuffer::bytes).sum(); }

    @Override
    public void close() {
        for (DeviceBuffer b : all) b.close();
        all.clear();
    }

    /** Where tensors come from; every buffer it makes is released if construction fails half-way. */
    private abstract static class Source {
        final CudaContext ctx;
        final LlmPrecision precision;
        final List<DeviceBuffer> made = new ArrayList<>();

        Source(CudaContext ctx, LlmPrecision precision) {
            this.ctx = ctx;
            this.precision = precision;
        }

        DeviceBuffer alloc(long bytes) {
            DeviceBuffer b = ctx.allocate(bytes);
            made.add(b);
            return b;
        }

        void releaseAll() { for (DeviceBuffer b : made) b.close(); }

        abstract DeviceBuffer f32(String key, long... shape);

        abstract DeviceBuffer f32Concat(String[] keys, int[] lengths);

        /** Row blocks {@code [rows_i, cols]} stacked into one GEMM weight. */
        abstract DeviceBuffer gemmRows(String[] keys, int[] rows, int cols);

        DeviceBuffer gemm(String key, int rows, int cols) { return gemmRows(new String[] {key}, new int[] {rows}, cols); }
    }

    private static final class CheckpointSource extends Source {
        private final StateDict sd;

        CheckpointSource(CudaContext ctx, StateDict sd, LlmPrecision precision) {
            super(ctx, precision);
            this.sd = sd;
        }

        private Tensor f32Tensor(String key, long... shape) {
            Tensor t = sd.get(key, shape);
            if (t.dtype() != DType.F32) throw new IllegalArgumentException(sd.source() + ": '" + key + "' is " + t.dtype() + ", expected F32");
            return t;
        }

        @Override
        DeviceBuffer f32(String key, long... shape) {
            Tensor t = f32Tensor(key, shape);
            DeviceBuffer b = alloc(t.data().byteSize());
            b.upload(t.data(), 0);
            return b;
        }

        @Override
        DeviceBuffer f32Concat(String[] keys, int[] lengths) {
            long total = 0;
            for (int n : lengths) total += n;
            DeviceBuffer b = alloc(total * 4);
            long off = 0;
            for (int i = 0; i < keys.length; i++) {
                b.upload(f32Tensor(keys[i], lengths[i]).data(), off);
                off += lengths[i] * 4L;
            }
            return b;
        }

        @Override
        DeviceBuffer gemmRows(String[] keys, int[] rows, int cols) {
            long total = 0;
            for (int r : rows) total += r;
            int elem = precision.operands.bytes;
            DeviceBuffer b = alloc(total * cols * elem);
            long off = 0;
            for (int i = 0; i < keys.length; i++) {
                Tensor t = f32Tensor(keys[i], rows[i], cols);
                if (precision.bf16()) b.upload(Bf16.fromFloats(t.toFloats()), off);
                else b.upload(t.data(), off);
                off += (long) rows[i] * cols * elem;
            }
            return b;
        }
    }

    private static final class RandomSource extends Source {
        private final Kernel fill;
        private int stream;
        private final int seed;

        RandomSource(CudaContext ctx, LlmPrecision precision, int seed) {
            super(ctx, precision);
            this.seed = seed;
            this.fill = ctx.kernels().kernel(Qwen2Decoder.SOURCE, "fill_uniform");
        }

        private DeviceBuffer filled(long n, boolean gemm, float offset, float scale) {
            boolean bf16 = gemm && precision.bf16();
            DeviceBuffer b = alloc(n * (bf16 ? 2 : 4));
            int blocks = (int) Math.min(4096, (n + 255) / 256);
            fill.launch(Kernel.Dim.of(blocks), Kernel.Dim.of(256), 0,
                    b, n, seed * 7919 + (stream++), offset, scale, bf16 ? 1 : 0).enqueue(ctx.stream());
            return b;
        }

        private static long numel(long... shape) {
            long n = 1;
            for (long s : shape) n *= s;
            return n;
        }

        @Override
        DeviceBuffer f32(String key, long... shape) {
            boolean norm = key.endsWith("norm.weight");
            return filled(numel(shape), false, norm ? 1f : 0f, norm ? 0.1f : 0.05f);
        }

        @Override
        DeviceBuffer f32Concat(String[] keys, int[] lengths) {
            long total = 0;
            for (int n : lengths) total += n;
            return filled(total, false, 0f, 0.02f);
        }

        @Override
        DeviceBuffer gemmRows(String[] keys, int[] rows, int cols) {
            long total = 0;
            for (int r : rows) total += r;
            return filled(total * cols, true, 0f, (float) (1 / Math.sqrt(cols)));
        }
    }
}
