package org.voicestudio.app.cli.parity;

import org.voicestudio.engines.onnxruntime.CampPlusEncoder;
import org.voicestudio.engines.onnxruntime.S3SpeechTokenizer;
import org.voicestudio.inference.audio.KaldiFbank;
import org.voicestudio.inference.audio.MatchaMelSpectrogram;
import org.voicestudio.inference.audio.Mel;
import org.voicestudio.inference.audio.Resampler;
import org.voicestudio.inference.audio.WhisperLogMel;
import org.voicestudio.inference.config.ModelConfig;
import org.voicestudio.inference.loading.ModelFolder;

import java.util.List;

/**
 * {@code fe_*}: the prompt-audio features, each from its recorded input: the 24 kHz to 16 kHz
 * resampler, the Matcha mel of the flow prompt and its filterbank, the Kaldi fbank and CAM++
 * input, whisper's log-mel and filterbank, and the two ONNX models of the folder (CAM++ x-vector,
 * S3 speech tokens) on ONNX Runtime.
 */
public final class FrontendParity implements ParityGroup {
    /** torchaudio's sinc resampler in float32: rounding only. */
    static final Tolerance RESAMPLE = Tolerance.absolute(1e-6);
    /** Filterbanks are closed formulas computed in float64, then rounded. */
    static final Tolerance FILTERBANK = Tolerance.absolute(1e-8);
    /**
     * Log features: 1e-4 where there is signal; bins below the floor hold ln of the reference FFT's
     * float32 rounding noise, so they may differ by up to 2e-2 (same policy as the feature tests).
     */
    static final Tolerance MATCHA = Tolerance.floored(-7, 1e-4, 2e-2);
    static final Tolerance FBANK = Tolerance.floored(-10, 1e-4, 2e-2);
    /** The mean over time carries the noise bins' differences into every value. */
    static final Tolerance CAMPPLUS_INPUT = Tolerance.absolute(5e-3);
    /** Same ONNX graph on ONNX Runtime CPU: rounding only (the fixture's stand-in vs its PyTorch module: 1.6e-7). */
    static final Tolerance XVECTOR = Tolerance.absolute(1e-5);
    /** Whisper's log-mel is clamped to max - 8, so it has no noise floor. */
    static final Tolerance WHISPER = Tolerance.absolute(1e-4);

    @Override public String name() { return "prompt features"; }

    @Override public List<String> prefixes() { return List.of("fe_"); }

    @Override
    public void run(ModelFolder model, GoldenFixture g) throws Exception {
        ModelConfig cfg = model.config();
        if (g.has("fe_wave_24k", "fe_wave_16k")) {
            float[] wave24k = g.floats("fe_wave_24k");
            int rate16k = WhisperLogMel.SAMPLE_RATE;
            float[] wave16k = new Resampler(cfg.sampleRate(), rate16k).resample(wave24k);
            g.compareWave("fe_wave_16k", wave16k, RESAMPLE);

            MatchaMelSpectrogram matcha = new MatchaMelSpectrogram(cfg.featExtractor());
            float[] basis = matcha.melBasis();
            g.compare("fe_mel_basis_24k", basis, FILTERBANK, cfg.featExtractor().numMels(), basis.length / cfg.featExtractor().numMels());
            Mel mel = matcha.forward(wave24k);
            g.compare("fe_mel_24k", mel.toTimeMajor(), MATCHA, 1, mel.frames(), mel.channels());

            float[] recorded16k = g.floats("fe_wave_16k");   // each feature from its recorded input
            int bins = 80;                                    // num_mel_bins of the official frontend's fbank
            KaldiFbank fbank = new KaldiFbank(rate16k, bins);
            float[] raw = fbank.forward(recorded16k);
            g.compare("fe_fbank_raw", raw, FBANK, raw.length / bins, bins);
            float[] cmn = fbank.meanNormalized(recorded16k);
            g.compare("fe_campplus_input", cmn, CAMPPLUS_INPUT, 1, cmn.length / bins, bins);

            int whisperMels = g.has("fe_whisper_filters") ? (int) g.tensor("fe_whisper_filters").dim(0) : 128;
            WhisperLogMel whisper = new WhisperLogMel(whisperMels);
            float[] filters = whisper.filters();
            g.compare("fe_whisper_filters", filters, FILTERBANK, whisperMels, filters.length / whisperMels);
            Mel logMel = whisper.forward(recorded16k);
            g.compare("fe_whisper_logmel", logMel, WHISPER);
            g.compareExact("fe_tokenizer_feats_length", new long[] {logMel.frames()}, 1);
        }
        if (g.has("fe_campplus_input")) {
            var in = g.tensor("fe_campplus_input");                  // (1, T, 80)
            try (CampPlusEncoder campplus = CampPlusEncoder.forModel(model.dir())) {
                float[] xvec = campplus.embed(in.toFloats(), (int) in.dim(1));
                g.compare("fe_campplus_embedding", xvec, XVECTOR, 1, xvec.length);
            }
        }
        if (g.has("fe_whisper_logmel")) {
            var in = g.tensor("fe_whisper_logmel");                  // (1, 128, T)
            try (S3SpeechTokenizer tokenizer = S3SpeechTokenizer.forModel(model.dir())) {
                int[] tokens = tokenizer.tokenize(in.toFloats(), (int) in.dim(2));
                long[] asLongs = java.util.Arrays.stream(tokens).asLongStream().toArray();
                g.compareExact("fe_speech_tokens", asLongs, 1, tokens.length);
            }
        }
    }
}
