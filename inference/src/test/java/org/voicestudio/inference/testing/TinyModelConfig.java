package org.voicestudio.inference.testing;

import org.voicestudio.inference.config.ModelConfig;
import org.voicestudio.inference.config.ModelConfig.FlowConfig;
import org.voicestudio.inference.config.ModelConfig.HiftConfig;
import org.voicestudio.inference.config.ModelConfig.LlmConfig;
import org.voicestudio.inference.config.ModelConfig.MelConfig;
import org.voicestudio.inference.config.ModelConfig.SamplingConfig;
import org.voicestudio.inference.loading.ModelFolder;

/**
 * The cv3-tiny configuration written out by hand from {@code cv3-tiny/cosyvoice3.yaml} and
 * {@code CosyVoice-BlankEN/config.json}, until the yaml reader lands; then tests should read it
 * from the folder instead and this class goes away.
 */
public final class TinyModelConfig {
    private TinyModelConfig() {}

    public static ModelConfig config() {
        LlmConfig llm = new LlmConfig(
                64, 2, 4, 2, 16, 128,     // hidden, layers, heads, kv heads, head_dim (64/4), intermediate
                1e-6, 1e6, 1000,          // rms_norm_eps, rope_theta, vocab_size
                6561,                     // speech_token_size
                new SamplingConfig(0.8, 25, 10, 0.1),
                new int[] {5, 15});
        FlowConfig flow = new FlowConfig(80, 80, 192, 6561, 3, 64, 2,
                64, 2, 4, 16, 2, 25 * 2,
                1e-6, 0.7, 10, "cosine");
        int[][] dilations = {{1, 3, 5}, {1, 3, 5}, {1, 3, 5}};
        HiftConfig hift = new HiftConfig(80, 32, 8, 24000, 0.1, 0.003, 10,
                new int[] {8, 5, 3}, new int[] {16, 11, 7}, 16, 4,
                new int[] {3, 7, 11}, dilations, new int[] {7, 7, 11}, dilations,
                0.1, 0.99, 4, 32);
        MelConfig mel = new MelConfig(1920, 80, 24000, 480, 1920, 0, null, false);
        return new ModelConfig(24000, 25, 2, 25, llm, flow, hift, mel);
    }

    /** {@code cv3-tiny} as a model folder; the caller closes it. */
    public static ModelFolder open() {
        return new ModelFolder(Golden.tinyModel(), config());
    }
}
