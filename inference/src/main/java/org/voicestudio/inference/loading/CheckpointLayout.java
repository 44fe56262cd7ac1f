package org.voicestudio.inference.loading;

import org.voicestudio.inference.config.ModelConfig;
import org.voicestudio.inference.config.ModelConfigReader;
import org.voicestudio.inference.tensor.StateDict;
import org.voicestudio.inference.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Every key and shape that {@code llm.pt}, {@code flow.pt}, {@code hift.pt} and
 * {@code CosyVoice-BlankEN/model.safetensors} hold for a {@link ModelConfig}, in the order
 * {@code state_dict()} lists them (reference §10, checked against cv3-tiny's {@code keys.txt}).
 * The same lists validate a folder ({@link #check}) and drive the random-model writer (each entry
 * carries how to initialise it), so the two cannot disagree.
 */
public final class CheckpointLayout {

    /** How the random-model writer fills a tensor: PyTorch's or HF's default initialisation, or a fixed formula. */
    public sealed interface Init {
        /** N(0, std): HF Qwen2 {@code initializer_range}. */
        record Normal(double std) implements Init {}
        /** U(lo, hi): PyTorch's default for Linear/Conv weights and biases is U(±1/sqrt(fan_in)). */
        record Uniform(double lo, double hi) implements Init {}
        /** x-transformers RotaryEmbedding: {@code 1 / theta^(arange(0, dim, 2) / dim)}. */
        record RopeInvFreq(int dim, double theta) implements Init {}
        /** The same storage as another key (a tied weight). */
        record TiedTo(String key) implements Init {}

        static Init fanIn(long fanIn) {
            double b = 1 / Math.sqrt(fanIn);
            return new Uniform(-b, b);
        }
    }

    /** One tensor of a checkpoint. */
    public record Entry(String key, long[] shape, Init init) {
        public Entry {
            shape = shape.clone();
        }
        @Override public long[] shape() { return shape.clone(); }
        public long numel() { return Tensor.numel(shape); }
        public boolean tied() { return init instanceof Init.TiedTo; }
        @Override public String toString() { return key + " " + Arrays.toString(shape); }
    }

    /** The expected content of one file. */
    public record FileLayout(String file, List<Entry> entries) {
        public FileLayout {
            entries = List.copyOf(entries);
        }

        public Map<String, Entry> byKey() {
            Map<String, Entry> m = new LinkedHashMap<>();
            for (Entry e : entries) m.put(e.key(), e);
            return m;
        }

        /** Distinct parameter values (a tied weight counts once), like {@code sum(p.numel() for p in module.parameters())}. */
        public long parameterCount() { return parameterCount(k -> true); }

        public long parameterCount(Predicate<String> keys) {
            return entries.stream().filter(e -> !e.tied() && keys.test(e.key())).mapToLong(Entry::numel).sum();
        }
    }

    /** A key whose {@code original0}/{@code original1} pair is a weight-norm parametrisation. */
    static final String WN_G = ".parametrizations.weight.original0";
    static final String WN_V = ".parametrizations.weight.original1";

    public static final String LLM = "llm.pt", FLOW = "flow.pt", HIFT = "hift.pt";
    public static final String QWEN_SAFETENSORS = "CosyVoice-BlankEN/model.safetensors";
    /** Prefix of the DiT estimator's keys in {@code flow.pt}. */
    public static final String ESTIMATOR_PREFIX = "decoder.estimator.";
    /** Prefix of the Qwen2 backbone's keys in {@code llm.pt}. */
    public static final String QWEN_PREFIX = "llm.model.";

    /** HF Qwen2 {@code initializer_range} (0.02 in Qwen2-0.5B's config). */
    static final double QWEN_INIT_STD = 0.02;
    /** RMSNorm weights around 1 (their default) but not equal to it, so a port that ignores them is caught. */
    static final Init NORM_WEIGHT = new Init.Uniform(0.8, 1.2);
    /** Snake {@code alpha} (default 1), spread like the golden fixture's. */
    static final Init SNAKE_ALPHA = new Init.Uniform(0.5, 1.5);
    /**
     * Weight-norm gain g: the row norm of a default-initialised kernel v ~ U(±1/sqrt(fan_in)) is
     * about 1/sqrt(3) = 0.577; jittered around it so that g != ||v||.
     */
    static final Init WN_GAIN = new Init.Uniform(0.45, 0.70);
    /** x-transformers' RotaryEmbedding base. */
    static final double ROPE_THETA = 10000;
    /** DiT's SinusPositionEmbedding width (TimestepEmbedding(dim, freq_embed_dim=256)). */
    static final int TIME_FREQ_DIM = 256;
    /** DiT's CausalConvPositionEmbedding kernel. */
    static final int CONV_POS_KERNEL = 31;
    /** HiFT conv_post kernel and F0 predictor hidden-conv kernel (fixed in the code). */
    static final int CONV_POST_KERNEL = 7, F0_CONV_KERNEL = 3, F0_CONV_LAYERS = 5;

    private final ModelConfig config;
    private final FileLayout llm, flow, hift, qwen;

    private CheckpointLayout(ModelConfig config) {
        this.config = config;
        this.llm = new FileLayout(LLM, llmEntries(config.llm()));
        this.flow = new FileLayout(FLOW, flowEntries(config.flow()));
        this.hift = new FileLayout(HIFT, hiftEntries(config.hift()));
        this.qwen = new FileLayout(QWEN_SAFETENSORS, qwenEntries(llm));
    }

    public static CheckpointLayout of(ModelConfig config) { return new CheckpointLayout(config); }

    public ModelConfig config() { return config; }
    public FileLayout llm() { return llm; }
    public FileLayout flow() { return flow; }
    public FileLayout hift() { return hift; }
    /** The HF copy of the backbone: {@code llm.model.*} keys without that prefix, tied lm_head omitted, sorted as safetensors stores them. */
    public FileLayout qwenSafetensors() { return qwen; }
    public List<FileLayout> checkpoints() { return List.of(llm, flow, hift); }

    // ---- llm.pt: CosyVoice3LM (Qwen2ForCausalLM + speech embedding + decoder head) -------------

    private static List<Entry> llmEntries(ModelConfig.LlmConfig c) {
        List<Entry> e = new ArrayList<>();
        long h = c.hiddenSize(), q = (long) c.numHeads() * c.headDim(), kv = (long) c.numKvHeads() * c.headDim(), ff = c.intermediateSize();
        Init w = new Init.Normal(QWEN_INIT_STD);
        String m = QWEN_PREFIX + "model.";
        e.add(new Entry(m + "embed_tokens.weight", shape(c.textVocabSize(), h), w));
        for (int i = 0; i < c.numLayers(); i++) {
            String l = m + "layers." + i + ".";
            e.add(new Entry(l + "self_attn.q_proj.weight", shape(q, h), w));
            e.add(new Entry(l + "self_attn.q_proj.bias", shape(q), w));
            e.add(new Entry(l + "self_attn.k_proj.weight", shape(kv, h), w));
            e.add(new Entry(l + "self_attn.k_proj.bias", shape(kv), w));
            e.add(new Entry(l + "self_attn.v_proj.weight", shape(kv, h), w));
            e.add(new Entry(l + "self_attn.v_proj.bias", shape(kv), w));
            e.add(new Entry(l + "self_attn.o_proj.weight", shape(h, q), w));
            e.add(new Entry(l + "mlp.gate_proj.weight", shape(ff, h), w));
            e.add(new Entry(l + "mlp.up_proj.weight", shape(ff, h), w));
            e.add(new Entry(l + "mlp.down_proj.weight", shape(h, ff), w));
            e.add(new Entry(l + "input_layernorm.weight", shape(h), NORM_WEIGHT));
            e.add(new Entry(l + "post_attention_layernorm.weight", shape(h), NORM_WEIGHT));
        }
        e.add(new Entry(m + "norm.weight", shape(h), NORM_WEIGHT));
        // Qwen2ForCausalLM's state dict lists the tied head as its own key (same storage)
        e.add(new Entry(QWEN_PREFIX + "lm_head.weight", shape(c.textVocabSize(), h), new Init.TiedTo(m + "embed_tokens.weight")));
        e.add(new Entry("llm_decoder.weight", shape(c.speechVocabSize(), h), Init.fanIn(h)));           // Linear, no bias
        e.add(new Entry("speech_embedding.weight", shape(c.speechVocabSize(), h), new Init.Normal(1))); // nn.Embedding: N(0, 1)
        return e;
    }

    private static List<Entry> qwenEntries(FileLayout llm) {
        List<Entry> e = new ArrayList<>();
        for (Entry x : llm.entries()) {
            if (x.key().startsWith(QWEN_PREFIX + "model.")) e.add(new Entry(x.key().substring(QWEN_PREFIX.length()), x.shape(), x.init()));
        }
        e.sort(Comparator.comparing(Entry::key));
        return e;
    }

    // ---- flow.pt: CausalMaskedDiffWithDiT --------------------------------------------------------

    private static List<Entry> flowEntries(ModelConfig.FlowConfig c) {
        List<Entry> e = new ArrayList<>();
        long mel = c.outputSize(), in = c.inputSize(), spk = c.spkEmbedDim(), ch = c.preLookaheadChannels();
        e.add(new Entry("input_embedding.weight", shape(c.vocabSize(), in), new Init.Normal(1)));
        linear(e, "spk_embed_affine_layer", mel, spk);
        conv(e, "pre_lookahead_layer.conv1", ch, in, c.preLookaheadLen() + 1, 1);
        conv(e, "pre_lookahead_layer.conv2", in, ch, 3, 1);
        String d = ESTIMATOR_PREFIX;
        long dim = c.ditDim(), inner = c.ditInnerDim(), ff = (long) c.ditDim() * c.ditFfMult();
        linear(e, d + "time_embed.time_mlp.0", dim, TIME_FREQ_DIM);
        linear(e, d + "time_embed.time_mlp.2", dim, dim);
        linear(e, d + "input_embed.proj", dim, mel * 2 + in + mel); // concat[x, cond, mu, spks]
        conv(e, d + "input_embed.conv_pos_embed.conv1.0", dim, dim, CONV_POS_KERNEL, ModelConfigReader.CONV_POS_GROUPS);
        conv(e, d + "input_embed.conv_pos_embed.conv2.0", dim, dim, CONV_POS_KERNEL, ModelConfigReader.CONV_POS_GROUPS);
        e.add(new Entry(d + "rotary_embed.inv_freq", shape(c.ditDimHead() / 2), new Init.RopeInvFreq(c.ditDimHead(), ROPE_THETA)));
        for (int i = 0; i < c.ditDepth(); i++) {
            String b = d + "transformer_blocks." + i + ".";
            linear(e, b + "attn_norm.linear", 6 * dim, dim); // AdaLayerNormZero: shift/scale/gate for attention and MLP
            linear(e, b + "attn.to_q", inner, dim);
            linear(e, b + "attn.to_k", inner, dim);
            linear(e, b + "attn.to_v", inner, dim);
            linear(e, b + "attn.to_out.0", dim, inner);
            linear(e, b + "ff.ff.0.0", ff, dim);
            linear(e, b + "ff.ff.2", dim, ff);
        }
        linear(e, d + "norm_out.linear", 2 * dim, dim); // AdaLayerNormZero_Final: scale, shift
        linear(e, d + "proj_out", mel, dim);
        return e;
    }

    // ---- hift.pt: CausalHiFTGenerator + CausalConvRNNF0Predictor --------------------------------

    private static List<Entry> hiftEntries(ModelConfig.HiftConfig c) {
        List<Entry> e = new ArrayList<>();
        long base = c.baseChannels(), stftCh = c.istftNFft() + 2;
        linear(e, "m_source.l_linear", 1, c.nbHarmonics() + 1);
        weightNormConv(e, "conv_pre", base, c.inChannels(), c.convPreLookRight() + 1);
        int n = c.upsampleRates().length;
        for (int i = 0; i < n; i++) {
            // CausalConv1dUpsample: nearest upsampling then a plain Conv1d, so g is (out, 1, 1)
            weightNormConv(e, "ups." + i, base >> (i + 1), base >> i, c.upsampleKernelSizes()[i]);
        }
        for (int i = 0; i < n; i++) {
            long out = base >> (i + 1);
            if (i + 1 < n) {
                long u = 1;
                for (int j = i + 1; j < n; j++) u *= c.upsampleRates()[j];
                conv(e, "source_downs." + i, out, stftCh, u * 2, 1); // CausalConv1dDownSample(k = 2u, stride u)
            } else {
                conv(e, "source_downs." + i, out, stftCh, 1, 1);
            }
        }
        for (int i = 0; i < n; i++) {
            resBlock(e, "source_resblocks." + i, base >> (i + 1), c.sourceResblockKernelSizes()[i], c.sourceResblockDilationSizes()[i].length);
        }
        int kinds = c.resblockKernelSizes().length;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < kinds; j++) {
                resBlock(e, "resblocks." + (i * kinds + j), base >> (i + 1), c.resblockKernelSizes()[j], c.resblockDilationSizes()[j].length);
            }
        }
        weightNormConv(e, "conv_post", stftCh, base >> n, CONV_POST_KERNEL);
        long cond = c.f0CondChannels();
        weightNormConv(e, "f0_predictor.condnet.0", cond, c.inChannels(), 4); // k=4, 3 frames of look-ahead
        for (int i = 1; i < F0_CONV_LAYERS; i++) weightNormConv(e, "f0_predictor.condnet." + (2 * i), cond, cond, F0_CONV_KERNEL);
        linear(e, "f0_predictor.classifier", 1, cond);
        return e;
    }

    private static void resBlock(List<Entry> e, String p, long ch, int kernel, int convs) {
        for (String set : new String[] {"convs1", "convs2"}) {
            for (int k = 0; k < convs; k++) weightNormConv(e, p + "." + set + "." + k, ch, ch, kernel);
        }
        for (String set : new String[] {"activations1", "activations2"}) {
            for (int k = 0; k < convs; k++) e.add(new Entry(p + "." + set + "." + k + ".alpha", shape(ch), SNAKE_ALPHA));
        }
    }

    // ---- building blocks (nn.Linear / nn.Conv1d defaults) ---------------------------------------

    private static void linear(List<Entry> e, String p, long out, long in) {
        e.add(new Entry(p + ".weight", shape(out, in), Init.fanIn(in)));
        e.add(new Entry(p + ".bias", shape(out), Init.fanIn(in)));
    }

    private static void conv(List<Entry> e, String p, long out, long in, long kernel, int groups) {
        long fanIn = in / groups * kernel;
        e.add(new Entry(p + ".weight", shape(out, in / groups, kernel), Init.fanIn(fanIn)));
        e.add(new Entry(p + ".bias", shape(out), Init.fanIn(fanIn)));
    }

    /** torch.nn.utils.parametrizations.weight_norm on a Conv1d: bias, then g (out, 1, 1), then v. */
    private static void weightNormConv(List<Entry> e, String p, long out, long in, long kernel) {
        e.add(new Entry(p + ".bias", shape(out), Init.fanIn(in * kernel)));
        e.add(new Entry(p + WN_G, shape(out, 1, 1), WN_GAIN));
        e.add(new Entry(p + WN_V, shape(out, in, kernel), Init.fanIn(in * kernel)));
    }

    private static long[] shape(long... dims) { return dims; }

    // ---- validation -----------------------------------------------------------------------------

    /**
     * Every disagreement between a file and its layout: missing keys, unexpected keys, shapes the
     * configuration does not imply, non-float tensors. Empty when the file fits.
     */
    public static List<String> check(FileLayout layout, StateDict actual) {
        List<String> problems = new ArrayList<>();
        Map<String, Entry> want = layout.byKey();
        for (Entry e : layout.entries()) {
            if (!actual.contains(e.key())) problems.add(layout.file() + ": missing key '" + e.key() + "' " + Arrays.toString(e.shape()));
        }
        for (String key : actual.keys()) {
            Entry e = want.get(key);
            Tensor t = actual.get(key);
            if (e == null) {
                problems.add(layout.file() + ": unexpected key '" + key + "' " + Arrays.toString(t.shape()) + " (not part of the model the yaml describes)");
            } else if (!t.hasShape(e.shape())) {
                problems.add(layout.file() + ": '" + key + "' has shape " + Arrays.toString(t.shape())
                        + " but the configuration implies " + Arrays.toString(e.shape()));
            } else if (!t.dtype().isFloatingPoint()) {
                problems.add(layout.file() + ": '" + key + "' is " + t.dtype() + ", expected a floating-point tensor");
            }
        }
        return Collections.unmodifiableList(problems);
    }
}
