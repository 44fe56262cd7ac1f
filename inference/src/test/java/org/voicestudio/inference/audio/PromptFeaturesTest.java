package org.voicestudio.inference.audio;

import org.junit.jupiter.api.Test;
import org.voicestudio.inference.testing.Golden;
import org.voicestudio.inference.testing.TinyModelConfig;

import static org.junit.jupiter.api.Assertions.*;

/** The prompt features of the frontend (reference §2.4-2.6) against the official fe_* tensors. */
class PromptFeaturesTest {
    /** Filterbanks: librosa's float64-then-float32 recipe reproduced; allow one float32 ulp of ~0.03. */
    private static final double FILTERBANK_TOL = 1e-8;
    /** Log features: FFT in float64 vs torch's float32 FFT, where the bins carry signal. */
    private static final double LOG_FEATURE_TOL = 1e-4;
    /**
     * Bins without signal hold the float32 rounding noise of torch's FFT (relative 1e-7 of the
     * frame's peak); their logs cannot be reproduced by another FFT, only bounded.
     */
    private static final double NOISE_LOG_TOL = 2e-2;
    /** ln of a Matcha mel magnitude below which (magnitude < 1e-3 against peaks ~1e2) bins are noise. */
    private static final double MATCHA_NOISE_FLOOR = -7;
    /** Mean-subtracted fbank: each value carries its bin's mean over time, which averages the noise bins in. */
    private static final double CAMPPLUS_INPUT_TOL = 5e-3;
    /** The mean subtraction alone on the official fbank: a float32 mean of 128 values near -15 (ulp 1e-6). */
    private static final double MEAN_SUBTRACTION_TOL = 4e-6;
    /** ln of a Kaldi mel power below which (power < 5e-5 against peaks ~1e4) bins are noise. */
    private static final double FBANK_NOISE_FLOOR = -10;

    @Test
    void slaneyFilterbankMatchesLibrosaFor24kMatcha() {
        AudioAssert.assertClose(Golden.tensor("fe_mel_basis_24k").toFloats(),
                new MatchaMelSpectrogram(TinyModelConfig.config().featExtractor()).melBasis(), FILTERBANK_TOL, "fe_mel_basis_24k");
    }

    @Test
    void slaneyFilterbankMatchesWhispersMelFilters() {
        AudioAssert.assertClose(Golden.tensor("fe_whisper_filters").toFloats(), new WhisperLogMel(128).filters(), FILTERBANK_TOL, "fe_whisper_filters");
    }

    @Test
    void matchaMelMatchesPromptSpeechFeat() {
        Mel mel = new MatchaMelSpectrogram(TinyModelConfig.config().featExtractor()).forward(Golden.tensor("fe_wave_24k").toFloats());
        assertEquals(65, mel.frames());
        AudioAssert.assertSplitClose(Golden.tensor("fe_mel_24k").toFloats(), mel.toTimeMajor(), MATCHA_NOISE_FLOOR, LOG_FEATURE_TOL, NOISE_LOG_TOL, "fe_mel_24k");
    }

    @Test
    void kaldiFbankMatchesTorchaudio() {
        KaldiFbank fbank = new KaldiFbank(16000, 80);
        float[] wave = Golden.tensor("fe_wave_16k").toFloats();
        AudioAssert.assertSplitClose(Golden.tensor("fe_fbank_raw").toFloats(), fbank.forward(wave), FBANK_NOISE_FLOOR, LOG_FEATURE_TOL, NOISE_LOG_TOL, "fe_fbank_raw");
        AudioAssert.assertClose(Golden.tensor("fe_campplus_input").toFloats(), fbank.meanNormalized(wave), CAMPPLUS_INPUT_TOL, "fe_campplus_input");
    }

    @Test
    void campplusInputIsTheFbankMinusItsMeanOverTime() {
        AudioAssert.assertClose(Golden.tensor("fe_campplus_input").toFloats(),
                KaldiFbank.subtractTimeMean(Golden.tensor("fe_fbank_raw").toFloats(), 80), MEAN_SUBTRACTION_TOL, "fe_campplus_input from fe_fbank_raw");
    }

    @Test
    void whisperLogMelMatchesTheTokenizerInput() {
        Mel mel = new WhisperLogMel(128).forward(Golden.tensor("fe_wave_16k").toFloats());
        assertEquals(Golden.tensor("fe_tokenizer_feats_length").toInts()[0], mel.frames());
        AudioAssert.assertClose(Golden.tensor("fe_whisper_logmel").toFloats(), mel.data(), LOG_FEATURE_TOL, "fe_whisper_logmel");
    }
}
