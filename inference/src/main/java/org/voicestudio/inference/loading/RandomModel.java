package org.voicestudio.inference.loading;

import org.voicestudio.inference.config.ConfigException;
import org.voicestudio.inference.config.ModelConfig;
import org.voicestudio.inference.config.ModelConfigReader;
import org.voicestudio.inference.tensor.DType;
import org.voicestudio.inference.tensor.SafeTensors;
import org.voicestudio.inference.tensor.StateDict;
import org.voicestudio.inference.tensor.Tensor;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Writes a complete CosyVoice3 model folder with random weights in the official layout: the
 * official {@code cosyvoice3.yaml} with the chosen sizes, {@code CosyVoice-BlankEN/config.json}
 * and {@code model.safetensors} (the demo geometry: a stand-in BPE tokenizer instead), and {@code llm.pt}, {@code flow.pt}, {@code hift.pt} written by
 * {@link PtWriter} from the {@link CheckpointLayout} (weight norms stored as parametrisations, the
 * LM head tied to the text embedding). Weights are streamed to disk, deterministic per seed and
 * key. The ONNX speaker encoder and speech tokenizer cannot be generated here; the folder's
 * {@code MODEL_CARD.md} says so (and marks the weights random).
 */
public final class RandomModel {

    /**
     * The sizes that differ between model variants; everything else is the official yaml.
     *
     * @param bundledLayout the folder looks like the shipped demo model: a byte-level BPE tokenizer in
     *                      {@code CosyVoice-BlankEN/} ({@link StandInTokenizer}) and no HF copy of the
     *                      backbone ({@code model.safetensors}); {@code textVocabSize} is that tokenizer's size
     */
    public record Geometry(String name, int hiddenSize, int numLayers, int numHeads, int numKvHeads, int intermediateSize,
                           int textVocabSize, int speechTokenSize, int preLookaheadChannels, int ditDim, int ditDepth, int ditHeads,
                           int ditDimHead, int hiftBaseChannels, int f0CondChannels, boolean bundledLayout) {
        /** The golden fixture cv3-tiny's sizes. */
        public static final Geometry TINY = new Geometry("tiny", 64, 2, 4, 2, 128, 1000, 6561, 64, 64, 2, 4, 16, 32, 32, false);
        /** Fun-CosyVoice3-0.5B (reference §3.1, §4.3, §5). */
        public static final Geometry FULL = new Geometry("full", 896, 24, 14, 2, 4864, 151936, 6561, 1024, 1024, 22, 16, 64, 512, 512, false);
        /**
         * The shipped demo model's sizes (issue 8 contract): Qwen2 256 x 6 layers, 4 heads x 64, 2 KV
         * heads, MLP 768; 512 speech tokens (712 speech rows); DiT 192 x 6, 3 heads x 64; pre-lookahead
         * 256; HiFT base 128, F0 cond 128; a 1024-entry byte-level BPE.
         */
        public static final Geometry DEMO = new Geometry("demo", 256, 6, 4, 2, 768, StandInTokenizer.textVocabSize(), 512,
                256, 192, 6, 3, 64, 128, 128, true);

        public static Geometry named(String name) {
            return switch (name) {
                case "tiny" -> TINY;
                case "full" -> FULL;
                case "demo" -> DEMO;
                default -> throw new IllegalArgumentException("unknown geometry '" + name + "' (expected tiny, demo or full)");
            };
        }

        /** {@code cosyvoice3.yaml}: the official file's structure and values with these sizes. */
        public String yaml() {
            String header = "# CosyVoice3 configuration with RANDOM weights (geometry '" + name + "'), written by Voice Studio.\n"
                    + "# Same structure, tags and values as examples/libritts/cosyvoice3/conf/cosyvoice3.yaml of\n"
                    + "# FunAudioLLM/CosyVoice; only the sizes below come from the geometry.\n";
            return template().replace("${header}", header)
                    .replace("${hidden_size}", Integer.toString(hiddenSize))
                    .replace("${speech_token_size}", Integer.toString(speechTokenSize))
                    .replace("${pre_lookahead_channels}", Integer.toString(preLookaheadChannels))
                    .replace("${dit_dim}", Integer.toString(ditDim))
                    .replace("${dit_depth}", Integer.toString(ditDepth))
                    .replace("${dit_heads}", Integer.toString(ditHeads))
                    .replace("${dit_dim_head}", Integer.toString(ditDimHead))
                    .replace("${hift_base_channels}", Integer.toString(hiftBaseChannels))
                    .replace("${f0_cond_channels}", Integer.toString(f0CondChannels));
        }

        /** {@code CosyVoice-BlankEN/config.json} in the transformers 4.x key set of the real BlankEN. */
        public String qwenConfigJson(DType dtype) {
            int special = bundledLayout ? StandInTokenizer.BASE_VOCAB  // its <|endoftext|>
                    : textVocabSize > QWEN_ENDOFTEXT ? QWEN_ENDOFTEXT : textVocabSize - 1;
            return """
                    {
                      "architectures": [
                        "Qwen2ForCausalLM"
                      ],
                      "attention_dropout": 0.0,
                      "bos_token_id": %d,
                      "eos_token_id": %d,
                      "hidden_act": "silu",
                      "hidden_size": %d,
                      "initializer_range": %s,
                      "intermediate_size": %d,
                      "max_position_embeddings": 32768,
                      "max_window_layers": %d,
                      "model_type": "qwen2",
                      "num_attention_heads": %d,
                      "num_hidden_layers": %d,
                      "num_key_value_heads": %d,
                      "rms_norm_eps": 1e-06,
                      "rope_theta": 1000000.0,
                      "sliding_window": 32768,
                      "tie_word_embeddings": true,
                      "torch_dtype": "%s",
                      "transformers_version": "4.51.3",
                      "use_cache": true,
                      "use_sliding_window": false,
                      "vocab_size": %d
                    }
                    """.formatted(special, special, hiddenSize, CheckpointLayout.QWEN_INIT_STD, intermediateSize, numLayers, numHeads,
                    numLayers, numKvHeads, dtype == DType.BF16 ? "bfloat16" : "float32", textVocabSize);
        }

        /** The configuration these sizes give, without writing anything. */
        public ModelConfig config() throws ConfigException {
            return ModelConfigReader.parse(yaml(), qwenConfigJson(DType.F32));
        }
    }

    /** Qwen2's {@code <|endoftext|>} id, bos/eos of the real BlankEN config. */
    private static final int QWEN_ENDOFTEXT = 151643;
    private static final int CHUNK = 1 << 16; // elements generated per write

    private RandomModel() {}

    private static String template() {
        try (InputStream in = RandomModel.class.getResourceAsStream("cosyvoice3.yaml.template")) {
            if (in == null) throw new IllegalStateException("cosyvoice3.yaml.template is missing from the class path");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Writes the folder. {@code dtype} (F32 or BF16) applies to {@code llm.pt}, {@code flow.pt} and
     * {@code model.safetensors}; {@code hift.pt} stays float32 like the official file, because F0
     * is computed in float64 from it.
     */
    public static ModelConfig write(Path dir, Geometry geometry, long seed, DType dtype) throws IOException {
        return write(dir, geometry, seed, dtype, false, file -> {});
    }

    /**
     * As {@link #write(Path, Geometry, long, DType)}; {@code overwrite} allows a folder that is not
     * empty (its model files are replaced), and {@code progress} hears each file's name before it is written.
     */
    public static ModelConfig write(Path dir, Geometry geometry, long seed, DType dtype, boolean overwrite,
                                    java.util.function.Consumer<String> progress) throws IOException {
        if (dtype != DType.F32 && dtype != DType.BF16) throw new IllegalArgumentException("dtype must be f32 or bf16, not " + dtype);
        if (!overwrite && Files.isDirectory(dir)) {
            try (var entries = Files.list(dir)) {
                if (entries.findAny().isPresent()) {
                    throw new IOException(dir + " is not empty; writing random weights there could replace a real model (allow it explicitly to overwrite)");
                }
            }
        }
        Files.createDirectories(dir.resolve("CosyVoice-BlankEN"));
        if (geometry.bundledLayout()) {
            progress.accept("CosyVoice-BlankEN/vocab.json");
            int size = StandInTokenizer.write(dir.resolve("CosyVoice-BlankEN"));
            if (size != geometry.textVocabSize()) {
                throw new IllegalStateException("geometry " + geometry.name() + " says text vocab " + geometry.textVocabSize() + " but its tokenizer has " + size);
            }
        }
        Files.writeString(dir.resolve(ModelConfigReader.YAML), geometry.yaml());
        Files.writeString(dir.resolve(ModelConfigReader.QWEN_CONFIG), geometry.qwenConfigJson(dtype));
        ModelConfig config = ModelConfigReader.read(dir);
        CheckpointLayout layout = CheckpointLayout.of(config);
        for (CheckpointLayout.FileLayout f : layout.checkpoints()) {
            progress.accept(f.file());
            writeCheckpoint(dir, f, seed, f == layout.hift() ? DType.F32 : dtype);
        }
        if (!geometry.bundledLayout()) writeQwenSafetensors(dir, layout, progress);
        Files.writeString(dir.resolve(ModelCard.FILE), modelCard(geometry, seed, dtype));
        return config;
    }

    private static void writeQwenSafetensors(Path dir, CheckpointLayout layout, java.util.function.Consumer<String> progress) throws IOException {
        progress.accept(CheckpointLayout.QWEN_SAFETENSORS);
        // the HF copy equals llm.pt's backbone (as in the official folder); streamed from the mapping
        try (StateDict llm = PtReader.readStateDict(dir.resolve(CheckpointLayout.LLM))) {
            Map<String, Tensor> qwen = new LinkedHashMap<>();
            for (CheckpointLayout.Entry e : layout.qwenSafetensors().entries()) {
                qwen.put(e.key(), llm.get(CheckpointLayout.QWEN_PREFIX + e.key()));
            }
            SafeTensors.write(dir.resolve(CheckpointLayout.QWEN_SAFETENSORS), qwen, Map.of("format", "pt"));
        }
    }

    /** The folder's {@link ModelCard}: marked {@code weights: random}, so the studio never calls it a trained model. */
    private static String modelCard(Geometry g, long seed, DType dtype) {
        return """
                ---
                name: Random CosyVoice3 (%s geometry)
                weights: random
                ---
                # Random-weight CosyVoice3 folder

                CosyVoice3 model folder with RANDOM weights (geometry '%s', seed %d, %s), written by
                `./studio model random`. It has the official layout, keys and shapes, so every loader and
                engine can be exercised on it, but it does not speak: the audio is noise.

                Not included: campplus.onnx (CAM++ speaker encoder) and speech_tokenizer_v3.onnx (S3 speech
                tokenizer). They are ONNX graphs of trained networks that cannot be generated here; without
                them voices cannot be created from recordings in this folder. Copy them from an official
                Fun-CosyVoice3-0.5B download if you need that. The text tokenizer files of
                CosyVoice-BlankEN (vocab.json, merges.txt, tokenizer_config.json) are not included either.

                Initialisation: Qwen2 weights N(0, 0.02) (HF initializer_range), RMSNorm weights U(0.8, 1.2);
                other Linear/Conv weights and biases U(+-1/sqrt(fan_in)) (PyTorch's default); embeddings
                N(0, 1); weight-norm gains U(0.45, 0.70); Snake alpha U(0.5, 1.5); rotary inv_freq exact.
                hift.pt is float32 regardless of the chosen dtype.
                """.formatted(g.name(), g.name(), seed, dtype == DType.BF16 ? "bfloat16" : "float32",
                g.bundledLayout() ? "CosyVoice-BlankEN holds a stand-in byte-level BPE (vocab.json, merges.txt,\n"
                        + "tokenizer_config.json; its merges are not learned) and no model.safetensors, like the shipped demo model."
                        : "The text tokenizer files of CosyVoice-BlankEN (vocab.json, merges.txt,\n"
                        + "tokenizer_config.json) are not included either.");
    }

    /**
     * One checkpoint's random float32 weights in memory, the same values {@link #write} puts in
     * that file (for benchmarks that need a full-size stage without writing gigabytes).
     */
    public static StateDict stateDict(CheckpointLayout.FileLayout layout, long seed) {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (CheckpointLayout.Entry e : layout.entries()) {
            if (e.init() instanceof CheckpointLayout.Init.TiedTo tied) {
                Tensor t = tensors.get(tied.key());
                if (t == null) throw new IllegalStateException(e.key() + " is tied to a key that comes later");
                tensors.put(e.key(), t);
                continue;
            }
            if (e.numel() > Integer.MAX_VALUE / 4) throw new IllegalArgumentException(e + " is too large for an in-memory tensor");
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream((int) e.numel() * 4);
            try {
                fill(bytes, e, seed, DType.F32);
            } catch (IOException ex) {
                throw new UncheckedIOException(ex);   // a byte array stream does not fail
            }
            float[] values = new float[(int) e.numel()];
            ByteBuffer.wrap(bytes.toByteArray()).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
            tensors.put(e.key(), Tensor.ofFloats(values, e.shape()));
        }
        return StateDict.of("random " + layout.file() + " (seed " + seed + ")", tensors);
    }

    private static void writeCheckpoint(Path dir, CheckpointLayout.FileLayout layout, long seed, DType dtype) throws IOException {
        Map<String, Object> tensors = new LinkedHashMap<>();
        for (CheckpointLayout.Entry e : layout.entries()) {
            Object t = e.init() instanceof CheckpointLayout.Init.TiedTo tied
                    ? tensors.get(tied.key())
                    : new PtWriter.StreamedTensor(dtype, e.shape(), out -> fill(out, e, seed, dtype));
            if (t == null) throw new IllegalStateException(e.key() + " is tied to a key that comes later");
            tensors.put(e.key(), t);
        }
        PtWriter.writeStateDict(dir.resolve(layout.file()), tensors);
    }

    /** The values of one entry, from a generator seeded by (seed, key): independent of write order. */
    static void fill(OutputStream out, CheckpointLayout.Entry e, long seed, DType dtype) throws IOException {
        SplittableRandom rng = new SplittableRandom(seed * 0x9E3779B97F4A7C15L ^ e.key().hashCode() * 0xC2B2AE3D27D4EB4FL);
        long n = e.numel();
        int es = dtype.byteSize();
        ByteBuffer buf = ByteBuffer.allocate((int) Math.min(n, CHUNK) * es).order(ByteOrder.LITTLE_ENDIAN);
        for (long done = 0; done < n; ) {
            int m = (int) Math.min(CHUNK, n - done);
            buf.clear();
            for (int i = 0; i < m; i++) {
                float v = switch (e.init()) {
                    case CheckpointLayout.Init.Normal nrm -> (float) (rng.nextGaussian() * nrm.std());
                    case CheckpointLayout.Init.Uniform u -> (float) (u.lo() + (u.hi() - u.lo()) * rng.nextDouble());
                    case CheckpointLayout.Init.RopeInvFreq r -> ropeInvFreq(r, done + i);
                    case CheckpointLayout.Init.TiedTo t -> throw new IllegalStateException("tied entries share storage");
                };
                if (dtype == DType.BF16) buf.putShort(bf16(v)); else buf.putFloat(v);
            }
            out.write(buf.array(), 0, m * es);
            done += m;
        }
    }

    /** {@code 1 / theta ** (arange(0, dim, 2).float() / dim)} in float32, as x-transformers computes it. */
    static float ropeInvFreq(CheckpointLayout.Init.RopeInvFreq r, long i) {
        float exponent = (float) (2 * i) / r.dim();
        return 1f / (float) Math.pow(r.theta(), exponent);
    }

    /** float32 to bfloat16, rounding to nearest even (as torch's {@code .to(torch.bfloat16)}). */
    static short bf16(float v) {
        int bits = Float.floatToRawIntBits(v);
        if (Float.isNaN(v)) return (short) ((bits >>> 16) | 0x40);
        return (short) ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16);
    }
}
