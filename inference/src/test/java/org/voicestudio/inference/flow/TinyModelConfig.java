package org.voicestudio.inference.flow;

import org.voicestudio.inference.config.ModelConfig;
import org.voicestudio.inference.config.ModelConfig.FlowConfig;
import org.voicestudio.inference.config.ModelConfig.HiftConfig;
import org.voicestudio.inference.config.ModelConfig.LlmConfig;
import org.voicestudio.inference.config.ModelConfig.MelConfig;
import org.voicestudio.inference.config.ModelConfig.SamplingConfig;
import org.voicestudio.inference.loading.ModelFolder;
import org.voicestudio.inference.testing.Golden;

/**
 * The cv3-tiny configuration written out by hand from {@code cv3-tiny/cosyvoice3.yaml} and
 * {@code CosyVoice-BlankEN/config.json}, until the yaml loader lands; then this class goes and tests read
 * the folder's own config.
 */
public final class TinyModelConfig {
    private TinyModelConfig() {}

    public static ModelConfig cv3Tiny() {
        LlmConfig llm = new LlmConfig(64, 2, 4, 2, 16, 128, 1e-6, 1e6, 1000, 6561,
                new SamplingConfig(0.8, 25, 10, 0.1), new int[] {5, 15});
        FlowConfig flow = new FlowConfig(80, 80, 192, 6561, 3, 64, 2,
                64, 2, 4, 16, 2, 25 * 2,
                1e-6, 0.7, 10, "cosine");
        HiftConfig hift = new HiftConfig(80, 32, 8, 24000, 0.1, 0.003, 10,
                new int[] {8, 5, 3}, new int[] {16, 11, 7}, 16, 4,
                new int[] {3, 7, 11}, new int[][] {{1, 3, 5}, {1, 3, 5}, {1, 3, 5}},
                new int[] {7, 7, 11}, new int[][] {{1, 3, 5}, {1, 3, 5}, {1, 3, 5}},
                0.1, 0.99, 4, 32);
        MelConfig mel = new MelConfig(1920, 80, 24000, 480, 1920, 0, null, false);
        return new ModelConfig(24000, 25, 2, 25, llm, flow, hift, mel);
    }

    /** The cv3-tiny model folder with {@link #cv3Tiny()}. */
    public static ModelFolder folder() {
        return new ModelFolder(Golden.tinyModel(), cv3Tiny());
    }
}
