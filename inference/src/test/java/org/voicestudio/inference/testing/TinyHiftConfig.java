package org.voicestudio.inference.testing;

import org.voicestudio.inference.config.ModelConfig;
import org.voicestudio.inference.config.ModelConfig.HiftConfig;
import org.voicestudio.inference.config.ModelConfig.MelConfig;

/**
 * The cv3-tiny {@code hift} and {@code feat_extractor} sections of cosyvoice3.yaml, written out by
 * hand until the yaml loader lands (then tests take {@code ModelConfig} from it instead).
 */
public final class TinyHiftConfig {
    private TinyHiftConfig() {}

    /** A ModelConfig with only what the vocoder and the feature extractors read (llm and flow left null). */
    public static ModelConfig modelConfig() {
        return new ModelConfig(24000, 25, 2, 25, null, null, hift(), featExtractor());
    }

    public static HiftConfig hift() {
        int[][] dilations = {{1, 3, 5}, {1, 3, 5}, {1, 3, 5}};
        return new HiftConfig(80, 32, 8, 24000, 0.1, 0.003, 10,
                new int[] {8, 5, 3}, new int[] {16, 11, 7}, 16, 4,
                new int[] {3, 7, 11}, dilations, new int[] {7, 7, 11}, dilations,
                0.1, 0.99, 4, 32);
    }

    /** feat_extractor: matcha mel_spectrogram(n_fft 1920, 80 mels, 24 kHz, hop 480, win 1920, fmin 0, fmax None, center False). */
    public static MelConfig featExtractor() {
        return new MelConfig(1920, 80, 24000, 480, 1920, 0, null, false);
    }
}
