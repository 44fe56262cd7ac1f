package org.voicestudio.inference.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Fills {@link ModelConfig} from a model folder's {@code cosyvoice3.yaml} (HyperPyYAML, read as
 * data by {@link HyperYaml}) and the Qwen2 geometry of {@code CosyVoice-BlankEN/config.json}
 * (reference §1, §3.1, §4.3, §5). Values the two files state twice are cross-checked; every
 * missing or contradicting value is an error that names the file and the key.
 */
public final class ModelConfigReader {
    public static final String YAML = "cosyvoice3.yaml";
    public static final String QWEN_CONFIG = "CosyVoice-BlankEN/config.json";

    /** The classes a CosyVoice3 yaml instantiates (cosyvoice/utils/class_utils.py::get_model_type). */
    public static final String LLM_CLASS = "cosyvoice.llm.llm.CosyVoice3LM";
    public static final String FLOW_CLASS = "cosyvoice.flow.flow.CausalMaskedDiffWithDiT";
    public static final String HIFT_CLASS = "cosyvoice.hifigan.generator.CausalHiFTGenerator";
    public static final String ESTIMATOR_CLASS = "cosyvoice.flow.DiT.dit.DiT";

    /** flow.py hard-codes {@code n_timesteps=10} in {@code CausalMaskedDiffWithDiT.inference}; it is not in the yaml. */
    public static final int N_TIMESTEPS = 10;
    /** DiT's CausalConvPositionEmbedding uses {@code groups=16} (not a yaml value). */
    public static final int CONV_POS_GROUPS = 16;

    private static final ObjectMapper JSON = new ObjectMapper();

    private ModelConfigReader() {}

    /** Reads {@code dir/cosyvoice3.yaml} and {@code dir/CosyVoice-BlankEN/config.json}. */
    public static ModelConfig read(Path dir) throws IOException {
        return parse(readText(dir, YAML), readText(dir, QWEN_CONFIG));
    }

    /**
     * {@code llm.speech_token_size} of {@code dir/cosyvoice3.yaml} alone (the speech codebook size the
     * speech tokenizer must stay below), for callers that need no more of the configuration.
     */
    public static int speechTokenSize(Path dir) throws IOException {
        return HyperYaml.parse(readText(dir, YAML), YAML).intAt("llm.speech_token_size");
    }

    private static String readText(Path dir, String name) throws IOException {
        try {
            return Files.readString(dir.resolve(name), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ConfigException(dir.resolve(name) + " is missing");
        }
    }

    /** Parses the two files' texts (e.g. a folder about to be written). */
    public static ModelConfig parse(String yamlText, String qwenConfigJson) throws ConfigException {
        HyperYaml y = HyperYaml.parse(yamlText, YAML);
        JsonNode q;
        try {
            q = JSON.readTree(qwenConfigJson);
        } catch (JsonProcessingException e) {
            throw new ConfigException(QWEN_CONFIG + ": not valid JSON: " + e.getOriginalMessage());
        }
        if (q == null || !q.isObject()) throw new ConfigException(QWEN_CONFIG + ": not a JSON object");

        requireClass(y, "llm", LLM_CLASS);
        requireClass(y, "flow", FLOW_CLASS);
        requireClass(y, "hift", HIFT_CLASS);
        requireClass(y, "flow.decoder.estimator", ESTIMATOR_CLASS);

        int sampleRate = y.intAt("sample_rate");
        int tokenMelRatio = y.intAt("token_mel_ratio");
        int chunkSize = y.intAt("chunk_size");
        return new ModelConfig(sampleRate, y.intAt("token_frame_rate"), tokenMelRatio, chunkSize,
                llm(y, q), flow(y, tokenMelRatio, chunkSize), hift(y, sampleRate), mel(y));
    }

    private static void requireClass(HyperYaml y, String path, String expected) throws ConfigException {
        String actual = y.classAt(path);
        if (!actual.equals(expected)) {
            throw new ConfigException(YAML + ": " + path + " is " + actual + ", but a CosyVoice3 model needs " + expected
                    + (path.equals("llm") && actual.endsWith("Qwen2LM") ? " (this looks like a CosyVoice2 folder)" : ""));
        }
    }

    private static ModelConfig.LlmConfig llm(HyperYaml y, JsonNode q) throws ConfigException {
        String modelType = q.path("model_type").asText("qwen2");
        if (!modelType.equals("qwen2")) throw new ConfigException(QWEN_CONFIG + ": model_type is '" + modelType + "', expected 'qwen2'");
        int hidden = jsonInt(q, "hidden_size");
        int heads = jsonInt(q, "num_attention_heads");
        int kvHeads = jsonInt(q, "num_key_value_heads");
        if (hidden % heads != 0 && !q.has("head_dim")) {
            throw new ConfigException(QWEN_CONFIG + ": hidden_size " + hidden + " is not divisible by num_attention_heads " + heads);
        }
        int headDim = q.has("head_dim") && !q.get("head_dim").isNull() ? jsonInt(q, "head_dim") : hidden / heads;
        if (heads % kvHeads != 0) {
            throw new ConfigException(QWEN_CONFIG + ": num_attention_heads " + heads + " is not a multiple of num_key_value_heads " + kvHeads);
        }
        for (String key : new String[] {"llm.llm_input_size", "llm.llm_output_size"}) {
            int v = y.intAt(key);
            if (v != hidden) {
                throw new ConfigException(key.substring(4) + " " + v + " (" + YAML + ") disagrees with hidden_size " + hidden + " of " + QWEN_CONFIG);
            }
        }
        int[] mix = y.intsAt("llm.mix_ratio");
        if (mix.length != 2) throw new ConfigException(YAML + ": llm.mix_ratio has " + mix.length + " values, expected 2 ([text, speech])");
        var sampling = new ModelConfig.SamplingConfig(y.doubleAt("llm.sampling.top_p"), y.intAt("llm.sampling.top_k"),
                y.intAt("llm.sampling.win_size"), y.doubleAt("llm.sampling.tau_r"));
        return new ModelConfig.LlmConfig(hidden, jsonInt(q, "num_hidden_layers"), heads, kvHeads, headDim,
                jsonInt(q, "intermediate_size"), jsonDouble(q, "rms_norm_eps"), jsonDouble(q, "rope_theta"),
                jsonInt(q, "vocab_size"), y.intAt("llm.speech_token_size"), sampling, mix);
    }

    private static ModelConfig.FlowConfig flow(HyperYaml y, int tokenMelRatio, int chunkSize) throws ConfigException {
        int inputSize = y.intAt("flow.input_size");
        int outputSize = y.intAt("flow.output_size");
        int lookahead = y.intAt("flow.pre_lookahead_len");
        requireEqual(y, "flow.pre_lookahead_layer.pre_lookahead_len", lookahead, "flow.pre_lookahead_len");
        requireEqual(y, "flow.pre_lookahead_layer.in_channels", inputSize, "flow.input_size");
        requireEqual(y, "flow.token_mel_ratio", tokenMelRatio, "token_mel_ratio");
        if (inputSize != outputSize) {
            throw new ConfigException(YAML + ": flow.input_size " + inputSize + " differs from flow.output_size " + outputSize
                    + "; CosyVoice3 embeds tokens directly in mel space, so they must be equal");
        }
        String e = "flow.decoder.estimator.";
        for (String k : new String[] {"mel_dim", "mu_dim", "spk_dim", "out_channels"}) requireEqual(y, e + k, outputSize, "flow.output_size");
        requireEqual(y, "flow.decoder.spk_emb_dim", outputSize, "flow.output_size");
        int dim = y.intAt(e + "dim");
        if (dim % CONV_POS_GROUPS != 0) {
            throw new ConfigException(YAML + ": " + e + "dim " + dim + " is not divisible by " + CONV_POS_GROUPS + " (the DiT's position convolution groups)");
        }
        int staticChunk = y.intAt(e + "static_chunk_size");
        if (staticChunk != chunkSize * tokenMelRatio) {
            throw new ConfigException(YAML + ": " + e + "static_chunk_size " + staticChunk + " disagrees with chunk_size * token_mel_ratio = "
                    + chunkSize * tokenMelRatio);
        }
        String cfm = y.get("flow.decoder.cfm_params") instanceof HyperYaml.Tagged t && t.target().equals("omegaconf.DictConfig")
                ? "flow.decoder.cfm_params.content." : "flow.decoder.cfm_params.";
        return new ModelConfig.FlowConfig(inputSize, outputSize, y.intAt("flow.spk_embed_dim"), y.intAt("flow.vocab_size"),
                lookahead, y.intAt("flow.pre_lookahead_layer.channels"), tokenMelRatio,
                dim, y.intAt(e + "depth"), y.intAt(e + "heads"), y.intAt(e + "dim_head"), y.intAt(e + "ff_mult"), staticChunk,
                y.doubleAt(cfm + "sigma_min"), y.doubleAt(cfm + "inference_cfg_rate"), N_TIMESTEPS, y.stringAt(cfm + "t_scheduler"));
    }

    private static ModelConfig.HiftConfig hift(HyperYaml y, int sampleRate) throws ConfigException {
        String h = "hift.";
        int in = y.intAt(h + "in_channels");
        requireEqual(y, h + "sampling_rate", sampleRate, "sample_rate");
        requireEqual(y, h + "f0_predictor.in_channels", in, "hift.in_channels");
        requireEqual(y, h + "f0_predictor.num_class", 1, "1 (an F0 value per frame)");
        int[] rates = y.intsAt(h + "upsample_rates");
        int[] kernels = y.intsAt(h + "upsample_kernel_sizes");
        if (rates.length != kernels.length) {
            throw new ConfigException(YAML + ": hift.upsample_rates has " + rates.length + " values but hift.upsample_kernel_sizes has " + kernels.length);
        }
        int[] resK = y.intsAt(h + "resblock_kernel_sizes");
        int[][] resD = y.intListsAt(h + "resblock_dilation_sizes");
        int[] srcK = y.intsAt(h + "source_resblock_kernel_sizes");
        int[][] srcD = y.intListsAt(h + "source_resblock_dilation_sizes");
        if (resK.length != resD.length) {
            throw new ConfigException(YAML + ": hift.resblock_kernel_sizes has " + resK.length + " values but hift.resblock_dilation_sizes has " + resD.length);
        }
        if (srcK.length != rates.length || srcD.length != rates.length) {
            throw new ConfigException(YAML + ": hift.source_resblock_kernel_sizes and _dilation_sizes need one entry per upsample rate (" + rates.length + ")");
        }
        int base = y.intAt(h + "base_channels");
        if (base % (1 << rates.length) != 0) {
            throw new ConfigException(YAML + ": hift.base_channels " + base + " cannot be halved " + rates.length + " times");
        }
        return new ModelConfig.HiftConfig(in, base, y.intAt(h + "nb_harmonics"), sampleRate,
                y.doubleAt(h + "nsf_alpha"), y.doubleAt(h + "nsf_sigma"), y.doubleAt(h + "nsf_voiced_threshold"),
                rates, kernels, y.intAt(h + "istft_params.n_fft"), y.intAt(h + "istft_params.hop_len"),
                resK, resD, srcK, srcD, y.doubleAt(h + "lrelu_slope"), y.doubleAt(h + "audio_limit"),
                y.intAt(h + "conv_pre_look_right"), y.intAt(h + "f0_predictor.cond_channels"));
    }

    private static ModelConfig.MelConfig mel(HyperYaml y) throws ConfigException {
        String m = "feat_extractor.";
        requireEqual(y, m + "num_mels", y.intAt("flow.output_size"), "flow.output_size");
        return new ModelConfig.MelConfig(y.intAt(m + "n_fft"), y.intAt(m + "num_mels"), y.intAt(m + "sampling_rate"),
                y.intAt(m + "hop_size"), y.intAt(m + "win_size"), y.doubleAt(m + "fmin"), y.nullableDoubleAt(m + "fmax"),
                y.booleanAt(m + "center"));
    }

    private static void requireEqual(HyperYaml y, String path, int expected, String what) throws ConfigException {
        int v = y.intAt(path);
        if (v != expected) throw new ConfigException(YAML + ": " + path + " is " + v + " but must equal " + what + " (" + expected + ")");
    }

    private static int jsonInt(JsonNode q, String key) throws ConfigException {
        JsonNode v = q.get(key);
        if (v == null || v.isNull()) throw new ConfigException(QWEN_CONFIG + ": " + key + " is missing");
        if (!v.canConvertToInt() || !v.isIntegralNumber()) throw new ConfigException(QWEN_CONFIG + ": " + key + " is " + v + ", expected an integer");
        return v.intValue();
    }

    private static double jsonDouble(JsonNode q, String key) throws ConfigException {
        JsonNode v = q.get(key);
        if (v == null || v.isNull()) throw new ConfigException(QWEN_CONFIG + ": " + key + " is missing");
        if (!v.isNumber()) throw new ConfigException(QWEN_CONFIG + ": " + key + " is " + v + ", expected a number");
        return v.doubleValue();
    }
}
