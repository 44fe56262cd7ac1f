package org.voicestudio.engines.cuda.llm;

import org.voicestudio.inference.config.ModelConfig;
import org.voicestudio.inference.config.ModelConfig;
import org.voicestudio.inference.config.ModelConfig.LlmConfig;
import org.voicestudio.inference.config.ModelConfig.SamplingConfig;

/**
 * The cv3-tiny LLM hyperparameters, written by hand from {@code cv3-tiny/cosyvoice3.yaml} and
 * {@code CosyVoice-BlankEN/config.json} until the yaml loader lands on main (then: replace with it).
 */
final class TinyLlmConfig {
    private TinyLlmConfig() {}

    static LlmConfig tiny() {
        return new LlmConfig(64, 2, 4, 2, 16, 128, 1e-6, 1e6, 1000, 6561,
                new SamplingConfig(0.8, 25, 10, 0.1), new int[] {5, 15});
    }

    /**
     * A model configuration with only the LLM part filled (sample rate, token rate, mel ratio and
     * chunk size from cosyvoice3.yaml); enough for {@code Engine.loadLlm}. Flow, HiFT and mel
     * settings are null: this engine does not read them yet.
     */
    static ModelConfig llmOnly() {
        return new ModelConfig(24000, 25, 2, 25, tiny(), null, null, null);
    }
}
